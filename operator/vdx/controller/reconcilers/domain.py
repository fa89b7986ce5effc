"""Domain: its TURN service bound where its clients get TURN, after checking what it relies on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AsyncExitStack
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from vdx.api.common import DeletionPolicy, ManagementPolicy
from vdx.api.domain import Domain
from vdx.controller.planners import domain as planner
from vdx.controller.planners.common import Dependency, DependencyState
from vdx.controller.planners.domain import Binding, DomainInputs, decide, plan_domain_unbinding
from vdx.controller.reconcilers import lookups, turn
from vdx.controller.reconcilers.base import Reconciled, apply_change, change_event, parse
from vdx.controller.registration import Key, Registration
from vdx.controller.status import status_of
from vdx.pexip.resources import SYSTEM_LOCATION, TLS_CERTIFICATE, TURN_SERVER

if TYPE_CHECKING:
    from vdx.controller.context import Context


async def _dependency(rt: Context, kind: str, namespace: str, name: str) -> tuple[Dependency, dict[str, Any]]:
    # From what the watch delivered (its status as this process last wrote it), read from the API
    # server only when the watch has not delivered it yet: a GET of the certificate and of the TURN
    # service for every Domain pass was 2 700 requests in a cold start at a fifth of national scale.
    obj = await lookups.namespaced_resource(rt, kind, namespace, name)
    if obj is None:
        return Dependency(kind, namespace, name, DependencyState.MISSING), {}
    if (obj.get("metadata") or {}).get("deletionTimestamp"):
        return Dependency(kind, namespace, name, DependencyState.DELETING), obj
    if not status_of(obj).ready:
        return Dependency(kind, namespace, name, DependencyState.WAITING), obj
    resource = TLS_CERTIFICATE.name if kind == "TlsCertificate" else TURN_SERVER.name
    uris = lookups.recorded_uris(obj, resource)
    # A certificate being replaced records old and new: the newest counts.
    return Dependency(kind, namespace, name, DependencyState.READY, uris[-1] if uris else None), obj


def bound(body: dict[str, Any], spec_location: str | None) -> Binding | None:
    """The binding the Domain's status records. A status written before the location was recorded
    (`systemLocation` absent) speaks of the spec's location, as the finalizer always did; "" is no
    binding (null would be dropped by the status's merge patch and read back as absent)."""
    status = status_of(body)
    turn_uri = status.get("turnServer")
    location = status.get("systemLocation") if "systemLocation" in status.raw else spec_location
    return Binding(location, turn_uri) if location and turn_uri else None


# (namespace, name) -> what the Domain's last applied plan left bound, set while its location locks
# are held. A Domain's status is written only after its reconcile has returned and the locks are
# released, so two Domains sharing a binding and moving at once would each still see the other's
# old status: neither would take it off, or one would take it from under the other.
# Keyed by name, with the uid of the Domain it speaks of: a Domain deleted without its finalizer
# and made again under the same name starts from its own (empty) status.
Bindings = dict[tuple[str, str], tuple[str, Binding | None]]


def _bindings(rt: Context) -> Bindings:
    return rt.kind_state("Domain.bindings", dict)


def current_binding(rt: Context, namespace: str, name: str, body: dict[str, Any]) -> Binding | None:
    """What the Domain has bound: this process's record of its last applied plan, else its status."""
    entry = _bindings(rt).get((namespace, name))
    if entry is not None and entry[0] == _uid(body):
        return entry[1]
    return bound(body, (body.get("spec") or {}).get("systemLocation"))


def _uid(body: dict[str, Any]) -> str:
    return str((body.get("metadata") or {}).get("uid") or "")


def bound_by_others(rt: Context, namespace: str, name: str) -> frozenset[Binding]:
    """What the namespace's other Domains have bound, but for those being deleted (they take their
    own off). A TurnService is the namespace's, so no Domain elsewhere can bind its server. Read
    with the location's lock held: every change of a binding there holds it too."""
    found = (current_binding(rt, namespace, other, body) for other, body in _others(rt, namespace, name))
    return frozenset(binding for binding in found if binding is not None)


def _others(rt: Context, namespace: str, name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, body) of the namespace's other Domains, but those being deleted."""
    for (kind, _, other), body in rt.known.of_namespace(namespace):
        if kind == "Domain" and other != name and not (body.get("metadata") or {}).get("deletionTimestamp"):
            yield other, body


def _record(rt: Context, body: dict[str, Any], status: dict[str, Any]) -> None:
    if "systemLocation" in status:
        location, turn_uri = status["systemLocation"], status.get("turnServer")
        key = (str((body.get("metadata") or {}).get("namespace")), str(body["metadata"]["name"]))
        _bindings(rt)[key] = (_uid(body), Binding(location, turn_uri) if location and turn_uri else None)


async def reconcile(rt: Context, body: dict[str, Any]) -> Reconciled:
    domain = parse(Domain, body)
    namespace = str(domain.namespace)
    tenant = await lookups.tenant_of_namespace(rt, namespace)
    first_claim = await rt.domain_owner(tenant.spec.platform_ref.name, domain.spec.fqdn)
    platform = lookups.connected_platform(rt, tenant)
    cert, cert_body = await _dependency(rt, "TlsCertificate", namespace, domain.spec.tls_certificate_ref.name)
    turn_dependency = None
    if (turn_ref := domain.spec.turn_service_ref) is not None:
        turn.note_user(rt, namespace, turn_ref.name, domain.name)
        turn_dependency, _ = await _dependency(rt, "TurnService", namespace, turn_ref.name)
    inputs = DomainInputs(
        domain=domain,
        tenant=tenant,
        first_claim=first_claim,
        certificate=cert,
        certificate_names=(cert_body.get("spec") or {}).get("dnsNames") or [],
        turn=turn_dependency,
        declared_locations=lookups.declared_locations(rt, platform.name),
        bound=(was := current_binding(rt, namespace, domain.name, body)),
    )
    turn_uri = turn_dependency.uri if turn_dependency is not None else None
    events = []
    # Domains sharing a location each add their TURN server to its list: one at a time. A binding
    # that moves writes the old location too; the locks are taken in one order, so two Domains
    # moving in opposite directions do not wait for each other forever.
    names = {domain.spec.system_location or "", *([was.location] if was is not None else [])}
    async with AsyncExitStack() as locks:
        for location in sorted(names):
            await locks.enter_async_context(platform.cache.write_lock(SYSTEM_LOCATION, location))
        if was is not None and was != Binding(domain.spec.system_location or "", turn_uri or ""):
            # Only a Domain whose binding moves needs the others' (a scan of the namespace's Domains).
            inputs = replace(inputs, bound_by_others=bound_by_others(rt, namespace, domain.name))
        plan = decide(inputs, await platform.cache.objects(SYSTEM_LOCATION))
        for change in plan.changes:
            await apply_change(platform, change)
            events.append(change_event(change, platform.name, drift=lookups.was_in_line(body)))
        _record(rt, body, plan.status)
    return Reconciled(plan.outcome, status=plan.status, events=events, platform=platform.name)


def _asked_by_others(rt: Context, domain: Domain) -> bool:
    """Whether another live Domain of the namespace asks for the same binding in its spec: one this
    Domain never made itself (it was refused, say) is then not its to release, whoever recorded it
    (an ObserveOnly Domain records none; a new one may not have written its status yet)."""
    namespace, spec = str(domain.namespace), domain.spec
    ref = spec.turn_service_ref.name if spec.turn_service_ref is not None else None
    for _, body in _others(rt, namespace, domain.name):
        other_spec = body.get("spec") or {}
        other_ref = (other_spec.get("turnServiceRef") or {}).get("name")
        if other_spec.get("systemLocation") == spec.system_location and other_ref == ref:
            return True
    return False


async def _spec_binding(rt: Context, domain: Domain) -> Binding | None:
    """The binding the spec asks for: its location and its TurnService's TURN server, as recorded."""
    ref, location = domain.spec.turn_service_ref, domain.spec.system_location
    if ref is None or location is None:
        return None
    turn_body = await lookups.namespaced_resource(rt, "TurnService", str(domain.namespace), ref.name)
    uris = lookups.recorded_uris(turn_body, TURN_SERVER.name) if turn_body is not None else []
    return Binding(location, uris[-1]) if uris else None


async def finalize(rt: Context, body: dict[str, Any]) -> None:
    domain = parse(Domain, body)
    if domain.spec.management_policy is ManagementPolicy.OBSERVE_ONLY:
        return
    if domain.spec.deletion_policy is DeletionPolicy.ORPHAN:
        return
    tenant = await rt.tenant_for_namespace(str(domain.namespace))
    if tenant is None:
        return
    platform = lookups.connected_platform(rt, tenant)
    namespace = str(domain.namespace)
    # What it recorded, and what its spec asks for if that differs: a move whose second write
    # failed (the new location bound, the old one not released yet) leaves both in Pexip.
    recorded = current_binding(rt, namespace, domain.name, body)
    asked = None if _asked_by_others(rt, domain) else await _spec_binding(rt, domain)
    changes = []
    for binding in dict.fromkeys(b for b in (recorded, asked) if b is not None):
        async with platform.cache.write_lock(SYSTEM_LOCATION, binding.location):
            if binding in bound_by_others(rt, namespace, domain.name):
                continue
            locations = await platform.cache.objects(SYSTEM_LOCATION)
            for change in plan_domain_unbinding(binding.location, binding.turn_uri, locations):
                await apply_change(platform, change)
                changes.append(change)
    _bindings(rt)[(namespace, domain.name)] = (_uid(body), None)
    for change in changes:
        await rt.kube.event(body, type_="Normal", reason="Finalized", message=change.describe())


def _forget(rt: Context, key: Key) -> None:
    turn.forget_user(rt, key[2])
    _bindings(rt).pop((str(key[1]), key[2]), None)


REGISTRATION = Registration(
    Domain,
    reconcile,
    finalize,
    depends_on=("Tenant", "TurnService", "TlsCertificate"),
    writes=(SYSTEM_LOCATION,),
    forget=_forget,
    offline="vdx.gitops.phases.domain",
    plan_reads=("TurnService", "PexipPlatform"),
    spec_fields=planner.SPEC_FIELDS,
)

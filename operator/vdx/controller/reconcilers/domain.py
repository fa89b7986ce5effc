"""Domain: its TURN service bound where its clients get TURN, after checking what it relies on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vdx.api.common import DeletionPolicy, ManagementPolicy
from vdx.api.domain import Domain
from vdx.controller.conditions import Outcome, Phase, is_true
from vdx.controller.planners.common import observe_only_outcome
from vdx.controller.planners.domain import plan_domain_binding, plan_domain_unbinding
from vdx.controller.reconcilers import lookups
from vdx.controller.reconcilers.base import Reconciled, Stop, apply_change, change_event, parse
from vdx.pexip.resources import SYSTEM_LOCATION, TLS_CERTIFICATE, TURN_SERVER
from vdx.tls.validate import within_domains

if TYPE_CHECKING:
    from vdx.controller.runtime import Runtime


async def _ready_dependency(rt: Runtime, kind: str, namespace: str, name: str) -> dict[str, Any]:
    # From what the watch delivered (its status as this process last wrote it), read from the API
    # server only when the watch has not delivered it yet: a GET of the certificate and of the TURN
    # service for every Domain pass was 2 700 requests in a cold start at a fifth of national scale.
    obj = await lookups.namespaced_resource(rt, kind, namespace, name)
    if obj is None:
        raise Stop(
            Phase.STALLED,
            f"{kind}NotFound",
            f"{kind} {namespace}/{name} does not exist; create it or correct the reference",
        )
    if not is_true((obj.get("status") or {}).get("conditions"), "Ready"):
        raise Stop(Phase.PROGRESSING, f"Waiting{kind}", f"waiting for {kind} {name} to be Ready")
    return obj


async def reconcile(rt: Runtime, body: dict[str, Any]) -> Reconciled:
    domain = parse(Domain, body)
    namespace = str(domain.namespace)
    tenant = await lookups.tenant_of_namespace(rt, namespace)
    fqdn = domain.spec.fqdn
    if fqdn not in tenant.spec.domains:
        raise Stop(
            Phase.STALLED,
            "DomainNotClaimed",
            f"{fqdn} is not among Tenant {tenant.name}'s spec.domains; add it there first",
        )
    owner = await rt.domain_owner(tenant.spec.platform_ref.name, fqdn)
    if owner != tenant.name:
        raise Stop(
            Phase.STALLED,
            "DomainConflict",
            f"{fqdn} is claimed by Tenant {owner} as well as by Tenant {tenant.name}; "
            "only the first claim counts: remove it from one of them",
        )
    platform = lookups.connected_platform(rt, tenant)
    cert = await _ready_dependency(rt, "TlsCertificate", namespace, domain.spec.tls_certificate_ref.name)
    names = (cert.get("spec") or {}).get("dnsNames") or []
    if not any(n == fqdn or (n.startswith("*.") and within_domains(fqdn, [n[2:]])) for n in names):
        raise Stop(
            Phase.STALLED,
            "CertificateDoesNotCover",
            f"TlsCertificate {domain.spec.tls_certificate_ref.name} does not list {fqdn} "
            "in spec.dnsNames; add it",
        )
    cert_uris = lookups.recorded_uris(cert, TLS_CERTIFICATE.name)
    turn_uri = None
    if domain.spec.turn_service_ref is not None:
        rt.note_turn_user(namespace, domain.spec.turn_service_ref.name, domain.name)
        turn = await _ready_dependency(rt, "TurnService", namespace, domain.spec.turn_service_ref.name)
        turn_uris = lookups.recorded_uris(turn, TURN_SERVER.name)
        turn_uri = turn_uris[0] if turn_uris else None
    events = []
    # Domains sharing a location each add their TURN server to its list: one at a time.
    async with platform.cache.write_lock(SYSTEM_LOCATION, domain.spec.system_location or ""):
        locations = await platform.cache.objects(SYSTEM_LOCATION)
        plan = plan_domain_binding(domain.spec.system_location, turn_uri, locations)
        if domain.spec.management_policy is ManagementPolicy.OBSERVE_ONLY:
            if plan.outcome.phase is not Phase.STALLED:
                plan.outcome = observe_only_outcome(plan.changes)
            plan.changes = []
        for change in plan.changes:
            await apply_change(platform, change)
            events.append(change_event(change, platform.name, drift=not lookups.spec_changed(body)))
    outcome = plan.outcome
    if outcome.phase is not Phase.STALLED:
        where = f" and system location {domain.spec.system_location}" if domain.spec.system_location else ""
        outcome = Outcome(Phase.READY, "Available", f"{fqdn}: certificate and TURN in place{where}")
    status = {
        "tenant": tenant.name,
        "tlsCertificate": cert_uris[-1] if cert_uris else None,
        "turnServer": turn_uri,
    }
    return Reconciled(outcome, status=status, events=events, platform=platform.name)


async def finalize(rt: Runtime, body: dict[str, Any]) -> None:
    domain = parse(Domain, body)
    if domain.spec.management_policy is ManagementPolicy.OBSERVE_ONLY:
        return
    if domain.spec.deletion_policy is DeletionPolicy.ORPHAN:
        return
    tenant = await rt.tenant_for_namespace(str(domain.namespace))
    if tenant is None:
        return
    platform = lookups.connected_platform(rt, tenant)
    turn_uri = (body.get("status") or {}).get("turnServer")
    async with platform.cache.write_lock(SYSTEM_LOCATION, domain.spec.system_location or ""):
        locations = await platform.cache.objects(SYSTEM_LOCATION)
        changes = plan_domain_unbinding(domain.spec.system_location, turn_uri, locations)
        for change in changes:
            await apply_change(platform, change)
    for change in changes:
        await rt.kube.event(body, type_="Normal", reason="Finalized", message=change.describe())

"""Domain offline: the domain's TURN binding on its system location, as the writes so far leave it.

What the Domain bound before, which the operator reads from its status, is inferred from Pexip
(`domain_bound`): an edited Domain's old entry comes off, as the operator takes it off.
"""

from __future__ import annotations

from collections import defaultdict

from vdx.api.certificate import TlsCertificate
from vdx.api.common import ManagementPolicy
from vdx.api.domain import Domain
from vdx.api.turn import TurnService
from vdx.controller.ownership import owner_of
from vdx.controller.plan import Change, is_pending
from vdx.controller.planners.common import Dependency, DependencyState
from vdx.controller.planners.domain import Binding, DomainInputs, decide, plan_domain_unbinding
from vdx.gitops.offline import OfflinePlanner, Step, label_of
from vdx.gitops.phases import domain_bound
from vdx.gitops.phases import platform as platform_phase
from vdx.gitops.phases import turn as turn_phase
from vdx.pexip import models
from vdx.pexip.resources import TURN_SERVER


def locations(planner: OfflinePlanner) -> list[models.SystemLocation]:
    """System locations as they will be after the writes planned so far (Pexip replaces lists whole),
    those the platform's plan creates included."""
    return planner.state("Domain:locations", lambda: list(platform_phase.locations(planner)))


def _location_now(planner: OfflinePlanner, change: Change) -> None:
    """Later bindings to the same location build on this one's list, as the operator's cache does."""
    current = locations(planner)
    current[:] = [
        loc.model_copy(update={"client_turn_servers": list(change.fields["client_turn_servers"])})
        if loc.resource_uri == change.uri
        else loc
        for loc in current
    ]


def _wanted(planner: OfflinePlanner, domain: Domain) -> Binding | None:
    """The binding the Domain's spec asks for (its TURN server's URI or the create's placeholder)."""
    ref, location = domain.spec.turn_service_ref, domain.spec.system_location
    uri = turn_phase.planned_uri(planner, str(domain.namespace), ref.name) if ref is not None else None
    return Binding(location, uri) if location is not None and uri is not None else None


def _owned(planner: OfflinePlanner) -> dict[str, set[str]]:
    """namespace -> the URIs of its TURN servers: marked as a TurnService's of the namespace (those
    that left the tree too), or adopted by one of the tree's."""
    owned: dict[str, set[str]] = defaultdict(set)
    for server in planner.observed.of(TURN_SERVER):
        owner = owner_of(server.description)
        if owner is not None and owner.kind == "TurnService" and owner.namespace is not None:
            owned[owner.namespace].add(server.resource_uri)
    for turn in planner.in_scope(TurnService):
        uri = turn_phase.planned_uri(planner, str(turn.namespace), turn.name)
        if uri is not None and not is_pending(uri):
            owned[str(turn.namespace)].add(uri)
    return owned


def _unclear_note(planner: OfflinePlanner, source: str, unclear: tuple[Binding, ...]) -> str:
    """Said instead of a removal: offline the plan cannot tell which entry was the Domain's, and a
    guess could take off one a person added."""
    entries = ", ".join(f"{planner.out.names.get(b.turn_uri, b.turn_uri)} in {b.location}" for b in unclear)
    return (
        f"{source}: its old TURN binding is one of {entries} (no Domain of the tree asks for them); "
        "offline the plan cannot tell which, so it takes none off. The operator takes off the one "
        "the Domain recorded; otherwise remove the old entry from the location's client TURN servers "
        "in the admin UI"
    )


def plan(planner: OfflinePlanner) -> None:
    turns = {(str(t.namespace), t.name) for t in planner.in_scope(TurnService)}
    certs = {(str(c.namespace), c.name): c for c in planner.in_scope(TlsCertificate)}
    domains = planner.in_scope(Domain)
    # namespace -> name -> the binding its spec asks for: what the namespace's Domains share.
    wanted: dict[str, dict[str, Binding | None]] = defaultdict(dict)
    for domain in domains:
        wanted[str(domain.namespace)][domain.name] = _wanted(planner, domain)
    owned = _owned(planner)
    for domain in domains:
        namespace, source = str(domain.namespace), label_of(domain)
        tenant = planner.by_namespace[namespace]
        cert_name = domain.spec.tls_certificate_ref.name
        cert = certs.get((namespace, cert_name))
        turn = None
        if domain.spec.turn_service_ref is not None:
            key = (namespace, domain.spec.turn_service_ref.name)
            turn = Dependency(
                "TurnService",
                namespace,
                key[1],
                DependencyState.READY if key in turns else DependencyState.MISSING,
                turn_phase.planned_uri(planner, *key),
            )
        # The Domain's status, as far as Pexip tells it (the operator reads it from the cluster).
        inferred = domain_bound.infer(
            wanted[namespace][domain.name],
            (w for name, w in wanted[namespace].items() if name != domain.name),
            owned[namespace],
            locations(planner),
        )
        inputs = DomainInputs(
            domain=domain,
            tenant=tenant,
            first_claim=None,
            certificate=Dependency(
                "TlsCertificate",
                namespace,
                cert_name,
                DependencyState.READY if cert is not None else DependencyState.MISSING,
            ),
            certificate_names=cert.spec.dns_names if cert is not None else [],
            turn=turn,
            declared_locations=platform_phase.declared(planner),
            bound=inferred.bound,
            bound_by_others=inferred.bound_by_others,
        )
        decided = decide(inputs, locations(planner))
        if planner.blocked(decided, source):
            continue
        if inferred.unclear and domain.spec.management_policy is not ManagementPolicy.OBSERVE_ONLY:
            planner.out.notes.append(_unclear_note(planner, source, inferred.unclear))
        for change in decided.changes:
            planner.add(Step(tenant.name, source, change))
            _location_now(planner, change)


def removed(planner: OfflinePlanner) -> None:
    """A TURN server whose TurnService left the tree comes off every location first: Pexip refuses
    to delete a TURN server a location still lists (the TurnService's removal deletes it after)."""
    for server in planner.observed.of(TURN_SERVER):
        owner = planner.removed(owner_of(server.description), "TurnService")
        if owner is None:
            continue
        tenant, source = planner.removal_source(owner)
        for location in list(locations(planner)):
            for change in plan_domain_unbinding(location.name, server.resource_uri, locations(planner)):
                planner.add(Step(tenant, source, change))
                _location_now(planner, change)

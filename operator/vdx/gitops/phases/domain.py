"""Domain offline: the domain's TURN binding on its system location, as the writes so far leave it."""

from __future__ import annotations

from vdx.api.certificate import TlsCertificate
from vdx.api.domain import Domain
from vdx.api.turn import TurnService
from vdx.controller.ownership import owner_of
from vdx.controller.plan import Change
from vdx.controller.planners.common import Dependency, DependencyState
from vdx.controller.planners.domain import DomainInputs, decide, plan_domain_unbinding
from vdx.gitops.offline import OfflinePlanner, Step, label_of
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


def plan(planner: OfflinePlanner) -> None:
    turns = {(str(t.namespace), t.name) for t in planner.in_scope(TurnService)}
    certs = {(str(c.namespace), c.name): c for c in planner.in_scope(TlsCertificate)}
    for domain in planner.in_scope(Domain):
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
        )
        decided = decide(inputs, locations(planner))
        if planner.blocked(decided, source):
            continue
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

"""Domain -> its TURN service among the client TURN servers of its Pexip system location.

The location is not the Domain's (locations belong to the conferencing nodes); the Domain only adds
and, on deletion, removes its own TURN server in that location's `client_turn_servers`, leaving
every other entry alone. Pexip replaces to-many fields whole, so the full list is sent.

`decide` is every decision a Domain makes, for the operator and for `vdx plan` alike: whether the
tenant may use the name, whether its certificate and TURN service are there and fit, the binding.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vdx.api.common import ManagementPolicy
from vdx.api.domain import Domain
from vdx.api.names import certificate_not_covering
from vdx.api.tenant import Tenant
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.plan import Change
from vdx.controller.planners.common import (
    Dependency,
    Plan,
    dependency_refusal,
    observe_only_outcome,
    refuse,
)
from vdx.controller.planners.locations import waiting_for_location
from vdx.controller.reasons import Reason
from vdx.pexip.models import SystemLocation

RESOURCE = "system_location"


@dataclass(frozen=True)
class DomainInputs:
    domain: Domain
    tenant: Tenant
    # The Tenant whose claim on the name counts (the oldest on the platform); None where that
    # cannot be known (offline: no creation times; `vdx check` refuses a double claim there).
    first_claim: str | None
    certificate: Dependency
    certificate_names: Sequence[str]  # the certificate's spec.dnsNames
    turn: Dependency | None
    # The system locations the tenant's PexipPlatform declares (spec.systemLocations): one of them
    # not in Pexip yet is a wait for the platform to create it, not a refusal.
    declared_locations: frozenset[str] = frozenset()


def decide(inputs: DomainInputs, locations: Iterable[SystemLocation]) -> Plan:
    domain, tenant = inputs.domain, inputs.tenant
    fqdn = domain.spec.fqdn
    if fqdn not in tenant.spec.domains:
        return refuse(
            Phase.STALLED,
            Reason.DOMAIN_NOT_CLAIMED,
            "spec.fqdn",
            f"{fqdn} is not among Tenant {tenant.name}'s spec.domains; add it there first",
        )
    if inputs.first_claim is not None and inputs.first_claim != tenant.name:
        return refuse(
            Phase.STALLED,
            Reason.DOMAIN_CONFLICT,
            "spec.fqdn",
            f"{fqdn} is claimed by Tenant {inputs.first_claim} as well as by Tenant {tenant.name}; "
            "only the first claim counts: remove it from one of them",
        )
    cert = inputs.certificate
    waiting = dependency_refusal(cert, "spec.tlsCertificateRef.name")
    if waiting is not None:
        return waiting
    problem = certificate_not_covering(
        f"TlsCertificate {cert.namespace}/{cert.name}", inputs.certificate_names, fqdn
    )
    if problem is not None:
        return refuse(
            Phase.STALLED,
            Reason.CERTIFICATE_DOES_NOT_COVER,
            "spec.tlsCertificateRef.name",
            "; ".join(problem),
        )
    turn_uri = None
    if inputs.turn is not None:
        waiting = dependency_refusal(inputs.turn, "spec.turnServiceRef.name")
        if waiting is not None:
            return waiting
        turn_uri = inputs.turn.uri
    location = domain.spec.system_location
    platform = tenant.spec.platform_ref.name
    plan = plan_domain_binding(location, turn_uri, locations, platform)
    if plan.outcome.reason == Reason.SYSTEM_LOCATION_NOT_FOUND and location in inputs.declared_locations:
        return waiting_for_location(platform, str(location), "spec.systemLocation")
    plan.status = {"tenant": tenant.name, "tlsCertificate": cert.uri, "turnServer": turn_uri}
    if plan.outcome.phase is Phase.STALLED:
        plan.blocked, plan.field_path = True, "spec.systemLocation"
        return plan
    if domain.spec.management_policy is ManagementPolicy.OBSERVE_ONLY:
        observed = observe_only_outcome(plan.changes)
        plan.changes = []
        if observed.phase is Phase.STALLED:
            plan.outcome, plan.blocked = observed, True
            return plan
    where = f" and system location {location}" if location else ""
    plan.outcome = Outcome(Phase.READY, Reason.AVAILABLE, f"{fqdn}: certificate and TURN in place{where}")
    return plan


# Enough names to recognise a typo without a national platform's every location in one message.
_LOCATIONS_LISTED = 12


def location_not_found(name: str, locations: Iterable[SystemLocation], platform: str = "") -> str:
    """Which system locations exist and what to do: the message of a Domain naming another one
    (onboarding a municipality, its location is usually not there yet)."""
    names = sorted(loc.name for loc in locations)
    close = [n for n in names if n.casefold() == name.casefold()]
    if not names:
        existing = "Pexip has no system locations at all"
    else:
        shown = ", ".join(repr(n) for n in names[:_LOCATIONS_LISTED])
        more = f" and {len(names) - _LOCATIONS_LISTED} more" if len(names) > _LOCATIONS_LISTED else ""
        existing = f"the locations are {shown}{more}"
    hint = f" (did you mean {close[0]!r}? names are case-sensitive)" if close else ""
    owner = f"PexipPlatform {platform}" if platform else "the PexipPlatform"
    return (
        f"Pexip has no system location named {name!r}{hint}; {existing}. Set spec.systemLocation to one "
        f"of them, or declare the location in {owner}'s spec.systemLocations (vdx apply and the "
        "operator create it), or leave spec.systemLocation out to create the TURN service without "
        "attaching it to a location"
    )


def plan_domain_binding(
    location_name: str | None, turn_uri: str | None, locations: Iterable[SystemLocation], platform: str = ""
) -> Plan:
    if location_name is None or turn_uri is None:
        return Plan(outcome=Outcome(Phase.READY, Reason.AVAILABLE, "no system location to bind"))
    locations = list(locations)
    location = next((loc for loc in locations if loc.name == location_name), None)
    if location is None:
        return Plan(
            outcome=Outcome(
                Phase.STALLED,
                Reason.SYSTEM_LOCATION_NOT_FOUND,
                location_not_found(location_name, locations, platform),
            )
        )
    if turn_uri in location.client_turn_servers:
        return Plan(
            outcome=Outcome(Phase.READY, Reason.AVAILABLE, f"TURN bound in system location {location_name}")
        )
    new_list = [*location.client_turn_servers, turn_uri]
    change = Change(
        "update",
        RESOURCE,
        location.name,
        uri=location.resource_uri,
        fields={"client_turn_servers": new_list},
        before={"client_turn_servers": list(location.client_turn_servers)},
    )
    return Plan(
        [change], Outcome(Phase.PROGRESSING, Reason.BINDING, f"adding TURN to location {location_name}")
    )


def plan_domain_unbinding(
    location_name: str | None, turn_uri: str | None, locations: Iterable[SystemLocation]
) -> list[Change]:
    location = next((loc for loc in locations if loc.name == location_name), None)
    if location is None or turn_uri is None or turn_uri not in location.client_turn_servers:
        return []
    remaining = [uri for uri in location.client_turn_servers if uri != turn_uri]
    return [
        Change(
            "update",
            RESOURCE,
            location.name,
            uri=location.resource_uri,
            fields={"client_turn_servers": remaining},
            before={"client_turn_servers": list(location.client_turn_servers)},
        )
    ]

"""Domain -> its TURN service among the client TURN servers of its Pexip system location.

The location is not the Domain's (locations belong to the conferencing nodes); the Domain only adds
and, on deletion, removes its own TURN server in that location's `client_turn_servers`, leaving
every other entry alone. Pexip replaces to-many fields whole, so the full list is sent.

What the Domain bound is recorded in its status (`systemLocation`, `turnServer`): when the spec
moves the binding (another location, another TurnService, none), the old one is removed too, unless
another Domain of the namespace records the same binding (two Domains may share one TurnService in
one location; the last one to go takes it off).

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
class Binding:
    """A TURN server listed among a system location's client TURN servers because of a Domain."""

    location: str
    turn_uri: str


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
    # What this Domain bound last: its status for the operator; offline, where there is no status,
    # inferred from Pexip for a Domain whose binding is being made (`gitops.phases.domain_bound`).
    bound: Binding | None = None
    # The bindings other live Domains of the namespace record (offline: those the tree's other
    # Domains of the namespace ask for): one of them is never removed here.
    bound_by_others: frozenset[Binding] = frozenset()


def to_release(inputs: DomainInputs, wanted: Binding | None) -> Binding | None:
    """The binding this Domain made and no longer wants, if no other Domain records it."""
    bound = inputs.bound
    if bound is None or bound == wanted or bound in inputs.bound_by_others:
        return None
    return bound


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
    observe_only = domain.spec.management_policy is ManagementPolicy.OBSERVE_ONLY
    wanted = Binding(location, turn_uri) if location is not None and turn_uri is not None else None
    # An ObserveOnly Domain binds nothing, so it has nothing of its own to release.
    release = None if observe_only else to_release(inputs, wanted)
    plan = plan_domain_binding(location, turn_uri, locations, platform, release=release)
    if plan.outcome.reason == Reason.SYSTEM_LOCATION_NOT_FOUND and location in inputs.declared_locations:
        return waiting_for_location(platform, str(location), "spec.systemLocation")
    plan.status = {"tenant": tenant.name, "tlsCertificate": cert.uri}
    if plan.outcome.phase is Phase.STALLED:
        # The binding stays as it was (and so does the status that records it) until the new one
        # can be made: nothing is taken away before its replacement is in place.
        plan.blocked, plan.field_path = True, "spec.systemLocation"
        return plan
    # "" rather than None for no binding: null leaves the status (a merge patch), and an absent
    # systemLocation reads as a status from before it was recorded.
    recorded = "" if observe_only or wanted is None else location
    plan.status |= {"turnServer": turn_uri, "systemLocation": recorded}
    if observe_only:
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
    location_name: str | None,
    turn_uri: str | None,
    locations: Iterable[SystemLocation],
    platform: str = "",
    release: Binding | None = None,
) -> Plan:
    """The changes that make `location_name` list `turn_uri` and, when `release` is given, take the
    Domain's old binding off (one PATCH when both are the same location: Pexip replaces the list)."""
    locations = list(locations)
    if location_name is None or turn_uri is None:
        plan = Plan(outcome=Outcome(Phase.READY, Reason.AVAILABLE, "no system location to bind"))
        if release is not None:
            plan.changes = plan_domain_unbinding(release.location, release.turn_uri, locations)
        return plan
    location = next((loc for loc in locations if loc.name == location_name), None)
    if location is None:
        return Plan(
            outcome=Outcome(
                Phase.STALLED,
                Reason.SYSTEM_LOCATION_NOT_FOUND,
                location_not_found(location_name, locations, platform),
            )
        )
    changes = []
    gone = release.turn_uri if release is not None and release.location == location_name else None
    current = list(location.client_turn_servers)
    new_list = [uri for uri in current if uri != gone]
    if turn_uri not in new_list:
        new_list.append(turn_uri)
    if new_list != current:
        changes.append(_location_update(location, new_list))
    # The old location only once the new one lists the TURN server: a failure in between leaves
    # both bound for the retry, never neither.
    if release is not None and release.location != location_name:
        changes += plan_domain_unbinding(release.location, release.turn_uri, locations)
    if turn_uri in current:
        outcome = Outcome(Phase.READY, Reason.AVAILABLE, f"TURN bound in system location {location_name}")
    else:
        outcome = Outcome(Phase.PROGRESSING, Reason.BINDING, f"adding TURN to location {location_name}")
    return Plan(changes, outcome)


def plan_domain_unbinding(
    location_name: str | None, turn_uri: str | None, locations: Iterable[SystemLocation]
) -> list[Change]:
    location = next((loc for loc in locations if loc.name == location_name), None)
    if location is None or turn_uri is None or turn_uri not in location.client_turn_servers:
        return []
    return [_location_update(location, [uri for uri in location.client_turn_servers if uri != turn_uri])]


def _location_update(location: SystemLocation, client_turn_servers: list[str]) -> Change:
    return Change(
        "update",
        RESOURCE,
        location.name,
        uri=location.resource_uri,
        fields={"client_turn_servers": client_turn_servers},
        before={"client_turn_servers": list(location.client_turn_servers)},
    )


# Where the one field a Domain writes comes from (`Registration.spec_fields`).
SPEC_FIELDS = {RESOURCE: {"client_turn_servers": "spec.turnServiceRef and spec.systemLocation"}}

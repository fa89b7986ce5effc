"""PexipPlatform -> the system locations its tree declares (`spec.systemLocations`).

A fresh management node has no locations for the tenants' Domains to bind their TURN services in;
declaring them on the platform lets `vdx apply` and the operator build the node from Git. The name
is the identity (Pexip keeps it unique): a location of that name is adopted as it is, never created
twice, and only the fields the tree sets are compared and written. Locations the tree does not
name are never touched, and one dropped from the tree stays in Pexip: locations hold Conferencing
Nodes, which are not the tree's. `client_turn_servers` is never written here: each Domain adds its
own TURN server to that list (`planners.domain`).

`decide` is every decision, for the operator (the PexipPlatform reconciler) and `vdx plan` alike.
A reference to another location (transcoding, overflow) may name one this plan creates: creates
come first and carry such a reference as the create's placeholder, resolved as each create returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vdx.api.platform import SystemLocation as DeclaredLocation
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.plan import Change, field_differences, pending
from vdx.controller.planners.common import Plan, refuse, same_names
from vdx.controller.reasons import Reason
from vdx.pexip.models import SystemLocation

RESOURCE = "system_location"

# Plain fields: spec attribute -> Pexip field.
_PLAIN = (
    ("description", "description"),
    ("mtu", "mtu"),
    ("media_qos", "media_qos"),
    ("signalling_qos", "signalling_qos"),
)
# Enough names to recognise a typo without a national platform's every location in one message.
_LOCATIONS_LISTED = 12


@dataclass(frozen=True)
class LocationInputs:
    platform: str
    declared: Sequence[DeclaredLocation]


@dataclass
class LocationDecision:
    plan: Plan
    # Index of a create in `plan.changes` -> the placeholder its URI fills in.
    provides: dict[int, str] = field(default_factory=dict)
    # Every declared location's URI once the plan is applied (a placeholder for a create).
    uris: dict[str, str] = field(default_factory=dict)


def placeholder(name: str) -> str:
    """The URI of a location this plan creates, until the create returns it."""
    return pending(RESOURCE, name)


def _plain_fields(location: DeclaredLocation) -> dict[str, Any]:
    return {pexip: getattr(location, attr) for attr, pexip in _PLAIN if getattr(location, attr) is not None}


def _reference_fields(location: DeclaredLocation) -> dict[str, str | None]:
    """The location references the tree sets, by name (None clears an overflow location)."""
    refs: dict[str, str | None] = {}
    if location.transcoding_location is not None:
        refs["transcoding_location"] = location.transcoding_location
    if location.overflow_locations is not None:
        overflow = [*location.overflow_locations, None, None]
        refs["overflow_location1"], refs["overflow_location2"] = overflow[0], overflow[1]
    return refs


def _unknown_reference(platform: str, path: str, name: str, existing: Iterable[str]) -> Plan:
    names = sorted(existing)
    shown = ", ".join(repr(n) for n in names[:_LOCATIONS_LISTED]) or "none"
    more = f" and {len(names) - _LOCATIONS_LISTED} more" if len(names) > _LOCATIONS_LISTED else ""
    return refuse(
        Phase.STALLED,
        Reason.SYSTEM_LOCATION_NOT_FOUND,
        path,
        f"{path} names system location {name!r}, which PexipPlatform {platform} does not declare and "
        f"Pexip does not have (it has {shown}{more}); declare it in spec.systemLocations or name an "
        "existing one",
    )


def decide(inputs: LocationInputs, observed: Iterable[SystemLocation]) -> LocationDecision:
    """Creates of the declared locations Pexip lacks, then updates of the fields that differ."""
    by_name = {loc.name: loc for loc in observed}
    uris = {name: loc.resource_uri for name, loc in by_name.items()}
    for location in inputs.declared:
        uris.setdefault(location.name, placeholder(location.name))
    # Every reference must name a location that exists or will: refuse before writing anything.
    for index, location in enumerate(inputs.declared):
        for pexip_field, target in _reference_fields(location).items():
            if target is not None and target not in uris:
                attr = "transcodingLocation" if pexip_field == "transcoding_location" else "overflowLocations"
                return LocationDecision(
                    _unknown_reference(
                        inputs.platform, f"spec.systemLocations[{index}].{attr}", target, by_name
                    )
                )
    decision = LocationDecision(Plan(), uris={loc.name: uris[loc.name] for loc in inputs.declared})
    created: set[str] = set()
    deferred: dict[str, dict[str, Any]] = {}
    changes = decision.plan.changes
    for location in inputs.declared:
        if location.name in by_name:
            continue
        refs = {k: (uris[v] if v is not None else None) for k, v in _reference_fields(location).items()}
        # A reference to a location created later in this plan follows in an update, after it.
        # A create leaves a reference out rather than sending null (null is what a new one has).
        ready = {k: v for k, v in refs.items() if v is not None and _known(v, created, by_name)}
        later = {k: v for k, v in refs.items() if v is not None and k not in ready}
        if later:
            deferred[location.name] = later
        decision.provides[len(changes)] = placeholder(location.name)
        changes.append(
            Change(
                "create",
                RESOURCE,
                location.name,
                fields={"name": location.name, **_plain_fields(location), **ready},
            )
        )
        created.add(uris[location.name])
    for location in inputs.declared:
        existing = by_name.get(location.name)
        if existing is None:
            if location.name in deferred:
                fields = deferred[location.name]
                changes.append(
                    Change("update", RESOURCE, location.name, uri=uris[location.name], fields=fields)
                )
            continue
        wanted = {
            **_plain_fields(location),
            **{k: (uris[v] if v is not None else None) for k, v in _reference_fields(location).items()},
        }
        differs = field_differences(wanted, existing)
        if differs:
            changes.append(
                Change(
                    "update",
                    RESOURCE,
                    location.name,
                    uri=existing.resource_uri,
                    fields=differs,
                    before={k: getattr(existing, k) for k in differs},
                )
            )
    count = len(inputs.declared)
    if changes:
        decision.plan.outcome = Outcome(
            Phase.PROGRESSING,
            Reason.UPDATING,
            f"writing {len(changes)} change(s) to {count} system location(s)",
        )
    else:
        decision.plan.outcome = Outcome(
            Phase.READY, Reason.AVAILABLE, f"{count} system location(s) as declared"
        )
    return decision


def _known(uri: str, created: set[str], observed: Mapping[str, SystemLocation]) -> bool:
    """Whether a reference can be sent now: the location exists, or its create came before."""
    return uri in created or any(loc.resource_uri == uri for loc in observed.values())


def waiting_for_location(platform: str, name: str, field_path: str) -> Plan:
    """A user of a location its platform declares but has not created yet: a wait, not a refusal
    (the platform creates it, then wakes its members)."""
    return refuse(
        Phase.PROGRESSING,
        Reason.WAITING_FOR_SYSTEM_LOCATION,
        field_path,
        f"waiting for PexipPlatform {platform} to create system location {name!r} (its spec.systemLocations)",
    )


# Where each field of a system_location comes from (`Registration.spec_fields`).
SPEC_FIELDS = {
    RESOURCE: {
        **same_names("spec.systemLocations[]", "name", "description", "mtu", "media_qos", "signalling_qos"),
        "transcoding_location": "spec.systemLocations[].transcodingLocation",
        "overflow_location1": "spec.systemLocations[].overflowLocations",
        "overflow_location2": "spec.systemLocations[].overflowLocations",
    }
}

"""Domain -> its TURN service among the client TURN servers of its Pexip system location.

The location is not the Domain's (locations belong to the conferencing nodes); the Domain only adds
and, on deletion, removes its own TURN server in that location's `client_turn_servers`, leaving
every other entry alone. Pexip replaces to-many fields whole, so the full list is sent.
"""

from __future__ import annotations

from collections.abc import Iterable

from vdx.controller.conditions import Outcome, Phase
from vdx.controller.plan import Change
from vdx.controller.planners.common import Plan
from vdx.pexip.models import SystemLocation

RESOURCE = "system_location"


def plan_domain_binding(
    location_name: str | None, turn_uri: str | None, locations: Iterable[SystemLocation]
) -> Plan:
    if location_name is None or turn_uri is None:
        return Plan(outcome=Outcome(Phase.READY, "Available", "no system location to bind"))
    location = next((loc for loc in locations if loc.name == location_name), None)
    if location is None:
        return Plan(
            outcome=Outcome(
                Phase.STALLED,
                "SystemLocationNotFound",
                f"Pexip has no system location named {location_name!r}; correct spec.systemLocation "
                "or create the location in Pexip",
            )
        )
    if turn_uri in location.client_turn_servers:
        return Plan(
            outcome=Outcome(Phase.READY, "Available", f"TURN bound in system location {location_name}")
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
    return Plan([change], Outcome(Phase.PROGRESSING, "Binding", f"adding TURN to location {location_name}"))


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

"""A Tenant's meeting-room defaults, enforced on conferences whose aliases are in its domains.

This is the operator's one declared exception to "touch only what you own": the user group asked
for direct media on *every* meeting room, including rooms that booking portals and other systems
create. Only the fields the defaults name are changed; such rooms are never created or deleted.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

from vdx.api.common import ManagementPolicy
from vdx.api.names import alias_domain, in_domains
from vdx.api.tenant import MeetingRoomDefaults, Tenant
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.ownership import owner_of
from vdx.controller.plan import Change, field_differences, observed_values
from vdx.controller.planners.common import Plan, held_pins, refuse
from vdx.controller.reasons import Reason
from vdx.pexip.models import Conference

RESOURCE = "conference"


def rooms_by_alias_domain(conferences: Iterable[Conference]) -> dict[str, list[str]]:
    """The URIs of the rooms of each alias domain (a room with aliases in two domains is in both)."""
    index: dict[str, list[str]] = {}
    add_rooms_by_alias_domain(index, conferences)
    return index


def add_rooms_by_alias_domain(index: dict[str, list[str]], conferences: Iterable[object]) -> None:
    """Extend `index` with more rooms (other objects are passed over): the same index built as a
    listing's pages arrive, each page routed once for every Tenant."""
    for conference in conferences:
        if not isinstance(conference, Conference):
            continue
        for domain in {d for d in (alias_domain(a.alias) for a in conference.aliases) if d}:
            index.setdefault(domain, []).append(conference.resource_uri)


@dataclass
class RoomCursor:
    """How far one Tenant has read an index that only grows (`add_rooms_by_alias_domain`): for each
    alias domain of the index that is the Tenant's, how many of its rooms were taken; how many of
    the index's domains were matched against the Tenant's (each once); every room handed out."""

    taken: dict[str, int] = field(default_factory=dict)
    domains_seen: int = 0
    rooms: set[str] = field(default_factory=set)


def new_rooms_in_domains(index: dict[str, list[str]], domains: list[str], cursor: RoomCursor) -> list[str]:
    """The rooms added to `index` under `domains` (or below them) since `cursor` was last moved, each
    once, in the order they were added; moves `cursor`. Taken until the index stops growing, they
    are exactly `rooms_in_domains` of the final index."""
    if len(index) > cursor.domains_seen:
        for domain in itertools.islice(index, cursor.domains_seen, None):
            if in_domains(domain, domains):
                cursor.taken[domain] = 0
        cursor.domains_seen = len(index)
    found: list[str] = []
    for domain, taken in cursor.taken.items():
        uris = index[domain]
        if taken < len(uris):
            for uri in uris[taken:]:
                if uri not in cursor.rooms:
                    cursor.rooms.add(uri)
                    found.append(uri)
            cursor.taken[domain] = len(uris)
    return found


def rooms_in_domains(index: dict[str, list[str]], domains: list[str]) -> list[str]:
    """The URIs of the rooms with an alias in `domains` (or below them), each once: the rooms
    `plan_room_defaults` would find scanning every room, at the cost of the index's domains."""
    found: dict[str, None] = {}
    for domain, uris in index.items():
        if in_domains(domain, domains):
            found.update(dict.fromkeys(uris))
    return list(found)


@dataclass
class RoomsPlan:
    changes: list[Change] = field(default_factory=list)
    rooms: int = 0
    in_line: int = 0


def plan_room_defaults(
    defaults: MeetingRoomDefaults,
    domains: list[str],
    conferences: Iterable[Conference],
    theme_uri: str | None = None,
    managed_elsewhere: frozenset[str] = frozenset(),
) -> RoomsPlan:
    """PATCHes that bring every room of the tenant in line with its defaults.

    `theme_uri` is the IVR theme of the tenant's branding; without one, rooms keep their theme.
    """
    want: dict[str, object] = {
        "direct_media": defaults.direct_media.value,
        "direct_media_notification_duration": defaults.direct_media_notification_seconds,
    }
    if theme_uri is not None:
        want["ivr_theme"] = theme_uri
    plan = RoomsPlan()
    for conference in conferences:
        alias_domains = {d for d in (alias_domain(a.alias) for a in conference.aliases) if d}
        if not any(in_domains(d, domains) for d in alias_domains):
            continue
        plan.rooms += 1
        managed_by = owner_of(conference.description)
        if (managed_by is not None and managed_by.kind == "MeetingRoom") or (
            conference.resource_uri in managed_elsewhere
        ):
            # Its MeetingRoom applies these defaults (or the override it states); two writers would
            # fight. One it adopts or records may carry no marker (an ObserveOnly one writes none).
            plan.in_line += 1
            continue
        diff = field_differences(want, conference)
        if not diff:
            plan.in_line += 1
            continue
        plan.changes.append(
            Change(
                "update",
                RESOURCE,
                conference.name,
                uri=conference.resource_uri,
                fields=diff,
                before=observed_values(diff, conference),
                # Pexip validates the whole room, the PINs it holds included, and may quote them.
                held_secrets=held_pins(conference),
            )
        )
    return plan


@dataclass(frozen=True)
class TenantInputs:
    tenant: Tenant
    # fqdn -> the Tenant whose claim on it counts (online); empty where that cannot be known.
    claims: dict[str, str | None]
    theme_uri: str | None = None  # the IVR theme of the tenant's branding
    theme_pending: bool = False  # a branding with a theme is on its way
    # Rooms a MeetingRoom of the namespace adopts or records, marked or not: they are its to write.
    managed_elsewhere: frozenset[str] = frozenset()


def claim_refusal(inputs: TenantInputs) -> Plan | None:
    """The refusal when another Tenant claims one of this Tenant's domains, else None.

    An owner of None means nobody's claim is known yet (the claims are read a moment apart from
    this Tenant, which may be new or leaving): no one else's claim counts, so no conflict. The
    reconcile asks this before it reads the rooms; treating None as a conflict there once made a
    new Tenant report Ready with no rooms looked at.
    """
    tenant = inputs.tenant
    for fqdn in tenant.spec.domains:
        owner = inputs.claims.get(fqdn) or tenant.name
        if owner != tenant.name:
            return refuse(
                Phase.STALLED,
                Reason.DOMAIN_CONFLICT,
                "spec.domains",
                f"{fqdn} is already claimed by Tenant {owner} on platform {tenant.spec.platform_ref.name}; "
                f"remove it from Tenant {tenant.name}'s spec.domains (or from {owner}'s)",
            )
    return None


def decide_tenant(inputs: TenantInputs, conferences: Iterable[Conference]) -> tuple[Plan, RoomsPlan]:
    """A Tenant's decisions: its claims, then its room defaults on every room in its domains."""
    tenant = inputs.tenant
    refused = claim_refusal(inputs)
    if refused is not None:
        return refused, RoomsPlan()
    if inputs.theme_pending:
        waiting = refuse(
            Phase.PROGRESSING,
            Reason.WAITING_FOR_BRANDING,
            "",
            "the tenant's CviBranding is being applied; its IVR theme goes onto the meeting rooms "
            "together with the room defaults",
        )
        return waiting, RoomsPlan()
    defaults = tenant.spec.meeting_room_defaults
    rooms = plan_room_defaults(
        defaults, tenant.spec.domains, conferences, inputs.theme_uri, inputs.managed_elsewhere
    )
    if tenant.spec.management_policy is ManagementPolicy.OBSERVE_ONLY:
        if rooms.changes:
            observed = Outcome(
                Phase.STALLED,
                Reason.DRIFT_OBSERVED,
                f"{len(rooms.changes)} of {rooms.rooms} meeting rooms differ from the defaults; "
                "observe only, nothing written",
            )
            return Plan(outcome=observed, blocked=True), rooms
        return Plan(outcome=_in_line(rooms, defaults)), rooms
    return Plan(changes=rooms.changes, outcome=_in_line(rooms, defaults)), rooms


def _in_line(rooms: RoomsPlan, defaults: MeetingRoomDefaults) -> Outcome:
    return Outcome(
        Phase.READY,
        Reason.AVAILABLE,
        f"{rooms.rooms} meeting rooms follow the defaults (direct media {defaults.direct_media.value})",
    )


# Where each field a Tenant sets on its rooms comes from (`Registration.spec_fields`).
SPEC_FIELDS = {
    RESOURCE: {
        "direct_media": "spec.meetingRoomDefaults.directMedia",
        "direct_media_notification_duration": "spec.meetingRoomDefaults.directMediaNotificationSeconds",
        "ivr_theme": "the ivrTheme of the namespace's CviBranding",
    }
}

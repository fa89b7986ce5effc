"""MeetingRoom -> one `conference`, its `conference_alias`es and, when recording, one RTMP participant.

Aliases and the recording participant are found through the conference itself (Pexip embeds both
in a conference GET), so a room never needs the platform-wide alias or participant lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from vdx.api.common import ManagementPolicy
from vdx.api.names import alias_domain, in_domains
from vdx.api.room import MeetingRoom, MeetingRoomSpec, NonIdpParticipants
from vdx.api.tenant import MeetingRoomDefaults, Tenant
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.ownership import Owner, owner_of
from vdx.controller.plan import Change, field_differences, observed_values
from vdx.controller.planners.common import (
    SET_BY_OPERATOR,
    Dependency,
    Plan,
    SecretInput,
    dependency_refusal,
    find_owned,
    foreign_outcome,
    held_pins,
    observe_only_outcome,
    quota_refusal,
    refuse,
    same_names,
)
from vdx.controller.planners.recording import Recording, RecordingInputs, decide_recording
from vdx.controller.reasons import Reason
from vdx.pexip.models import AutomaticParticipant, Conference

CONFERENCE = "conference"
ALIAS = "conference_alias"
PARTICIPANT = "automatic_participant"
AUTOMATIC_PARTICIPANT_PATH = "/api/admin/configuration/v1/automatic_participant/"
PIN_FIELDS = frozenset({"pin", "guest_pin"})
# Pexip: digits, optionally ending in #, 4 to 20 characters in all (the # counts).
_PIN = re.compile(r"^(?=.{4,20}$)[0-9]+#?$")


@dataclass(frozen=True)
class Pins:
    """PINs read from the room's Secret (never logged, never in status or events)."""

    host: str = ""
    guest: str = ""


def pins_from_secret(spec: MeetingRoomSpec, data: Mapping[str, str], min_length: int) -> Pins | str:
    """PINs, or a message saying which key is wrong and why (never the values)."""
    assert spec.pin_secret_ref is not None
    name = spec.pin_secret_ref.name
    host = data.get("hostPin", "").strip()
    guest = data.get("guestPin", "").strip()
    if not host:
        return f"Secret {name} has no key hostPin; add the host PIN under it"
    for key, value in (("hostPin", host), ("guestPin", guest)):
        if not value:
            continue
        if not _PIN.match(value):
            return f"Secret {name} key {key} must be 4 to 20 characters: digits, optionally ending in #"
        if len(value.rstrip("#")) < min_length:
            return f"Secret {name} key {key} is shorter than the platform's minimum PIN length ({min_length})"
    if guest and host.rstrip("#") == guest.rstrip("#"):
        return f"Secret {name}: hostPin and guestPin must differ, or hosts and guests cannot be told apart"
    return Pins(host, guest)


def aliases_outside(spec: MeetingRoomSpec, domains: list[str]) -> list[str]:
    return [a.alias for a in spec.aliases if not in_domains(alias_domain(a.alias) or "", domains)]


@dataclass(frozen=True)
class RoomContext:
    """What a room's plan depends on besides its spec."""

    owner: Owner
    tenant: str
    defaults: MeetingRoomDefaults
    pins: Pins
    theme_uri: str | None = None
    host_group: str | None = None
    guest_group: str | None = None
    recording: Recording | None = None


def desired_conference(spec: MeetingRoomSpec, ctx: RoomContext) -> dict[str, object]:
    fields: dict[str, object] = {
        "name": spec.display_name,
        "description": ctx.owner.describe(spec.description),
        "service_type": "conference",
        "pin": ctx.pins.host,
        "guest_pin": ctx.pins.guest,
        "allow_guests": spec.allow_guests,
        "guests_can_present": spec.guests_can_present,
        "participant_limit": spec.participant_limit,
        "direct_media": (spec.direct_media or ctx.defaults.direct_media).value,
        "direct_media_notification_duration": (
            spec.direct_media_notification_seconds
            if spec.direct_media_notification_seconds is not None
            else ctx.defaults.direct_media_notification_seconds
        ),
        "host_identity_provider_group": ctx.host_group,
        "guest_identity_provider_group": ctx.guest_group,
        "non_idp_participants": (
            "allow_if_trusted"
            if spec.authentication.non_idp_participants is NonIdpParticipants.ALLOW_IF_TRUSTED
            else "disallow_all"
        ),
        "tag": ctx.tenant,
    }
    # Layouts and theme are managed only when stated: otherwise Pexip's defaults stand.
    if spec.host_layout is not None:
        fields["host_view"] = spec.host_layout.value
    if spec.guest_layout is not None:
        fields["guest_view"] = spec.guest_layout.value
    if ctx.theme_uri is not None:
        fields["ivr_theme"] = ctx.theme_uri
    return fields


def desired_participant(ctx: RoomContext, conference_uri: str) -> dict[str, object]:
    assert ctx.recording is not None
    return {
        "alias": ctx.recording.url,
        "description": ctx.owner.describe(f"recording to Recorder {ctx.recording.recorder}"),
        "protocol": "rtmp",
        "streaming": True,
        "role": "guest",
        "call_type": "video",
        "keep_conference_alive": "keep_conference_alive_never",
        "routing": "manual",
        "remote_display_name": ctx.recording.label,
        "conference": [conference_uri],
    }


@dataclass
class RoomPlan:
    changes: list[Change] = field(default_factory=list)
    outcome: Outcome = field(default_factory=lambda: Outcome(Phase.READY, Reason.AVAILABLE, ""))
    conference: Conference | None = None
    # Set when the conference must exist before the rest can be planned.
    create_first: bool = False


def find_room(
    conferences: Iterable[Conference],
    owner: Owner,
    spec: MeetingRoomSpec,
    *,
    recorded: Iterable[str] = (),
    adopt: str | None = None,
) -> tuple[Conference | None, Outcome | None, str | None]:
    """(our conference, a refusal, a taken alias): refusals when the name or an alias is someone else's."""
    conferences = list(conferences)
    found = find_owned(conferences, owner, recorded=recorded, adopt=adopt, name=spec.display_name)
    if found.obj is None and found.foreign is not None:
        return None, foreign_outcome(CONFERENCE, spec.display_name, found.foreign.resource_uri), None
    ours = found.obj
    wanted = {a.alias.lower() for a in spec.aliases}
    for conference in conferences:
        if ours is not None and conference.resource_uri == ours.resource_uri:
            continue
        for alias in conference.aliases:
            if alias.alias.lower() in wanted:
                who = owner_of(conference.description)
                held_by = (
                    f"MeetingRoom {who.namespace}/{who.name}" if who else f"conference {conference.name}"
                )
                return (
                    ours,
                    Outcome(
                        Phase.STALLED,
                        Reason.ALIAS_TAKEN,
                        f"alias {alias.alias} already belongs to {held_by} ({conference.resource_uri}); "
                        "aliases are unique on the platform: choose another one",
                    ),
                    alias.alias,
                )
    return ours, None, None


def plan_room(spec: MeetingRoomSpec, ctx: RoomContext, current: Conference | None) -> RoomPlan:
    """The writes that make Pexip hold this room: the conference first, then aliases and recording."""
    want = desired_conference(spec, ctx)
    secrets = PIN_FIELDS
    if current is None:
        fields = {
            **want,
            "aliases": [{"alias": a.alias, "description": a.description or ""} for a in spec.aliases],
        }
        return RoomPlan(
            [Change("create", CONFERENCE, spec.display_name, fields=fields, secret_fields=secrets)],
            Outcome(Phase.PROGRESSING, Reason.CREATING, f"creating {CONFERENCE} {spec.display_name}"),
            create_first=True,
        )
    plan = RoomPlan(conference=current)
    diff = field_differences(want, current)
    if diff:
        before = observed_values({k: v for k, v in diff.items() if k not in secrets}, current)
        plan.changes.append(
            Change(
                "update",
                CONFERENCE,
                spec.display_name,
                uri=current.resource_uri,
                fields=diff,
                secret_fields=secrets & set(diff),
                before=before,
                # Sent or not, the PINs the room holds are in what Pexip validates.
                held_secrets=held_pins(current),
            )
        )
    plan.changes.extend(_alias_changes(spec, current))
    plan.changes.extend(_participant_changes(ctx, current))
    if plan.changes:
        plan.outcome = Outcome(
            Phase.PROGRESSING, Reason.UPDATING, f"updating {CONFERENCE} {spec.display_name}"
        )
    else:
        plan.outcome = Outcome(
            Phase.READY, Reason.AVAILABLE, f"{CONFERENCE} {current.resource_uri} is in line"
        )
    return plan


def _alias_changes(spec: MeetingRoomSpec, current: Conference) -> list[Change]:
    have = {a.alias: a for a in current.aliases}
    want = {a.alias: a.description or "" for a in spec.aliases}
    changes: list[Change] = []
    for alias, observed in sorted(have.items()):
        if alias not in want:
            changes.append(Change("delete", ALIAS, alias, uri=observed.resource_uri))
        elif observed.description != want[alias]:
            changes.append(
                Change(
                    "update",
                    ALIAS,
                    alias,
                    uri=observed.resource_uri,
                    fields={"description": want[alias]},
                    before={"description": observed.description},
                )
            )
    for alias, description in want.items():
        if alias not in have:
            changes.append(
                Change(
                    "create",
                    ALIAS,
                    alias,
                    fields={"alias": alias, "conference": current.resource_uri, "description": description},
                )
            )
    return changes


def participant_uri(participant: AutomaticParticipant) -> str:
    """Pexip embeds a conference's participants without `resource_uri`: build it from the id."""
    return participant.resource_uri or f"{AUTOMATIC_PARTICIPANT_PATH}{participant.id}/"


def _participant_changes(ctx: RoomContext, current: Conference) -> list[Change]:
    ours = [p for p in current.automatic_participants if owner_of(p.description) == ctx.owner]
    label = f"recording of {ctx.owner.namespace}/{ctx.owner.name}"
    if ctx.recording is None:
        return [Change("delete", PARTICIPANT, label, uri=participant_uri(p)) for p in ours]
    want = desired_participant(ctx, current.resource_uri)
    if not ours:
        return [Change("create", PARTICIPANT, label, fields=want, secret_fields=frozenset({"alias"}))]
    first, *extra = ours
    changes = [Change("delete", PARTICIPANT, label, uri=participant_uri(p)) for p in extra]
    diff = field_differences({k: v for k, v in want.items() if k != "conference"}, first)
    if diff:
        changes.append(
            Change(
                "update",
                PARTICIPANT,
                label,
                uri=participant_uri(first),
                fields=diff,
                secret_fields=frozenset({"alias"}) & set(diff),
                before=observed_values({k: v for k, v in diff.items() if k != "alias"}, first),
                # Sent or not, the stored alias (stream key included) is in what Pexip validates.
                held_secrets=(first.alias,),
            )
        )
    return changes


@dataclass(frozen=True)
class RoomInputs:
    room: MeetingRoom
    owner: Owner
    tenant: Tenant
    # Beyond the tenant's quota of rooms, and not yet in Pexip (the oldest keep their place).
    over_quota: bool
    # The PIN Secret's data, or the placeholder for a Secret not given (offline); None: no PINs.
    pins: SecretInput | None
    min_pin_length: int
    host: Dependency | None = None  # the IdentityProviders hosts and guests sign in with
    guest: Dependency | None = None
    theme_uri: str | None = None  # the tenant's IVR theme
    theme_pending: bool = False  # the tenant's branding is on its way with a theme
    recording: RecordingInputs | None = None  # set when spec.recorderRef asks for recording
    recorded: tuple[str, ...] = ()
    adopt: str | None = None


@dataclass
class RoomDecision:
    plan: Plan
    ctx: RoomContext | None = None
    conference: Conference | None = None  # ours, as Pexip holds it now
    recording: Recording | None = None
    # A refused recording opt-in: the room is still kept in line, unrecorded.
    recording_refusal: Outcome | None = None
    # Under ObserveOnly: what would have been written.
    observed_changes: list[Change] = field(default_factory=list)


def decide(inputs: RoomInputs, conferences: Iterable[Conference]) -> RoomDecision:
    """Every decision of a MeetingRoom, in the order a person should hear of them."""
    room, tenant = inputs.room, inputs.tenant
    spec, namespace = room.spec, str(room.namespace)
    outside = aliases_outside(spec, tenant.spec.domains)
    if outside:
        return RoomDecision(
            refuse(
                Phase.STALLED,
                Reason.ALIAS_OUTSIDE_DOMAINS,
                "",  # the message names spec.aliases itself
                f"spec.aliases: {', '.join(outside)} lie outside Tenant {tenant.name}'s domains "
                f"({', '.join(tenant.spec.domains)}); use an alias in one of them",
            )
        )
    if inputs.over_quota:
        limit = tenant.spec.quotas.max_meeting_rooms
        return RoomDecision(quota_refusal(namespace, "MeetingRoom", limit, "maxMeetingRooms"))
    pins = Pins()
    if isinstance(inputs.pins, str):
        pins = Pins(inputs.pins, inputs.pins)
    elif inputs.pins is not None:
        checked = pins_from_secret(spec, inputs.pins, inputs.min_pin_length)
        if isinstance(checked, str):
            return RoomDecision(refuse(Phase.STALLED, Reason.INVALID_PIN, "spec.pinSecretRef", checked))
        pins = checked
    user = f"MeetingRoom {room.name}"
    groups: list[str | None] = []
    for dependency, field_path in (
        (inputs.host, "spec.authentication.hostIdentityProviderRef"),
        (inputs.guest, "spec.authentication.guestIdentityProviderRef"),
    ):
        waiting = dependency_refusal(dependency, field_path, user=user) if dependency else None
        if waiting is not None:
            return RoomDecision(waiting)
        groups.append(dependency.uri if dependency else None)
    if inputs.theme_pending:
        return RoomDecision(
            refuse(
                Phase.PROGRESSING,
                Reason.WAITING_FOR_BRANDING,
                "",
                "the tenant's CviBranding is being applied; the room is written once, with its IVR theme",
            )
        )
    recording, recording_refusal = None, None
    if inputs.recording is not None and spec.recorder_ref is not None:
        recording, recording_refusal = decide_recording(
            namespace, room.name, spec.recorder_ref.name, inputs.recording
        )
    ctx = RoomContext(
        owner=inputs.owner,
        tenant=tenant.name,
        defaults=tenant.spec.meeting_room_defaults,
        pins=pins,
        theme_uri=inputs.theme_uri,
        host_group=groups[0],
        guest_group=groups[1],
        recording=recording,
    )
    decision = RoomDecision(Plan(), ctx, recording=recording, recording_refusal=recording_refusal)
    current, refused, _taken = find_room(
        conferences, inputs.owner, spec, recorded=inputs.recorded, adopt=inputs.adopt
    )
    if refused is not None:
        field_path = "spec.aliases" if refused.reason == Reason.ALIAS_TAKEN else "spec.displayName"
        decision.plan = refuse(refused.phase, refused.reason, field_path, refused.message)
        return decision
    planned = plan_room(spec, ctx, current)
    decision.conference = planned.conference
    decision.plan = Plan(changes=planned.changes, outcome=planned.outcome)
    if current is not None:
        decision.plan.owned = [current.resource_uri]
    if spec.management_policy is ManagementPolicy.OBSERVE_ONLY:
        if current is None:
            decision.plan = refuse(
                Phase.STALLED,
                Reason.NOT_FOUND_IN_PEXIP,
                "spec.managementPolicy",
                "managementPolicy is ObserveOnly and Pexip has no conference for this room",
            )
            return decision
        observed = observe_only_outcome(planned.changes)
        decision.plan = Plan(
            outcome=observed, owned=[current.resource_uri], blocked=observed.phase is Phase.STALLED
        )
        decision.observed_changes = planned.changes
        return decision
    outcome = recording_refusal or planned.outcome
    if outcome.phase is Phase.READY and current is not None:
        outcome = Outcome(
            Phase.READY,
            Reason.AVAILABLE,
            f"conference {spec.display_name} in line, {len(spec.aliases)} aliases, direct media "
            f"{current.direct_media}" + (", recorded with consent notice" if recording else ""),
        )
    decision.plan.outcome = outcome
    return decision


# Where each field of the room's objects comes from (`Registration.spec_fields`).
_PINS = "spec.pinSecretRef's Secret"
_RECORDING = "spec.recorderRef (the Recorder's url, application and stream key)"
SPEC_FIELDS = {
    "conference": {
        **same_names(
            "spec",
            "description",
            "allow_guests",
            "guests_can_present",
            "participant_limit",
            "direct_media",
        ),
        "direct_media_notification_duration": "spec.directMediaNotificationSeconds",
        "name": "spec.displayName",
        "service_type": SET_BY_OPERATOR,
        "pin": f"the key hostPin of {_PINS}",
        "guest_pin": f"the key guestPin of {_PINS}",
        "aliases": "spec.aliases",
        "host_identity_provider_group": "spec.authentication.hostIdentityProviderRef",
        "guest_identity_provider_group": "spec.authentication.guestIdentityProviderRef",
        "non_idp_participants": "spec.authentication.nonIdpParticipants",
        "tag": SET_BY_OPERATOR,
        "host_view": "spec.hostLayout",
        "guest_view": "spec.guestLayout",
        "ivr_theme": "the ivrTheme of the namespace's CviBranding",
    },
    ALIAS: {
        **same_names("spec.aliases[]", "alias", "description"),
        "conference": SET_BY_OPERATOR,
    },
    PARTICIPANT: {
        **dict.fromkeys(
            ("description", "protocol", "streaming", "role", "call_type", "keep_conference_alive", "routing"),
            SET_BY_OPERATOR,
        ),
        "alias": _RECORDING,
        "remote_display_name": "the Recorder's spec.visibleLabel",
        "conference": SET_BY_OPERATOR,
    },
}

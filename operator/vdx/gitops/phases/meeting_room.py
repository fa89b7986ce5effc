"""MeetingRoom offline: the room's own decision; a create is followed by a plan against what it makes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from vdx.api.common import ManagementPolicy
from vdx.api.room import MeetingRoom
from vdx.controller.ownership import Owner, owner_of
from vdx.controller.plan import Change, pending
from vdx.controller.planners.common import observe_only_outcome
from vdx.controller.planners.meeting_room import (
    CONFERENCE,
    PARTICIPANT,
    PIN_FIELDS,
    RoomInputs,
    decide,
    find_room,
    participant_uri,
    plan_room,
)
from vdx.controller.reasons import Reason
from vdx.gitops.offline import OfflinePlanner, Step, Unknown, adopt_of, from_secret, label_of
from vdx.gitops.phases import branding, conferences, identity, recorder
from vdx.pexip import models
from vdx.pexip.resources import CONFERENCE as CONFERENCES


def _planned_aliases(planner: OfflinePlanner) -> dict[str, str]:
    """Lower-cased alias -> the resource of this plan that creates it (aliases are platform-unique)."""
    return planner.state("MeetingRoom:aliases", dict)


def plan(planner: OfflinePlanner) -> None:
    rooms: list[MeetingRoom] = planner.in_scope(MeetingRoom)
    managed = conferences.of(planner).managed
    exists: dict[tuple[str, str], bool] = {}
    for room in rooms:
        owner = Owner("MeetingRoom", str(room.namespace), room.name)
        current, _refused, _taken = find_room(
            planner.observed.of(CONFERENCES), owner, room.spec, adopt=adopt_of(room)
        )
        exists[(str(room.namespace), room.name)] = current is not None
        if current is not None:
            managed.add(current.resource_uri)
    over = planner.over_quota(rooms, exists, lambda t: t.spec.quotas.max_meeting_rooms)
    for room in rooms:
        _meeting_room(planner, room, over_quota=(str(room.namespace), room.name) in over)


def _meeting_room(planner: OfflinePlanner, room: MeetingRoom, *, over_quota: bool) -> None:
    namespace, source = str(room.namespace), label_of(room)
    tenant = planner.by_namespace[namespace]
    spec = room.spec
    secret_of: dict[str, tuple[str, str]] = {}
    secret_sources: dict[str, str] = {}
    pins: Mapping[str, str] | str | None = None
    if spec.pin_secret_ref is not None:
        pin_secret = (namespace, spec.pin_secret_ref.name)
        secret_of.update(dict.fromkeys(PIN_FIELDS, pin_secret))
        secret_sources.update(dict.fromkeys(PIN_FIELDS, f"Secret {namespace}/{pin_secret[1]}"))
        values = planner.desired.secrets.get(pin_secret)
        pins = values if values is not None else from_secret(*pin_secret)
    auth = spec.authentication
    host = guest = None
    if auth.host_identity_provider_ref is not None:
        host = identity.sign_in_with(planner, namespace, auth.host_identity_provider_ref.name)
    if auth.guest_identity_provider_ref is not None:
        guest = identity.sign_in_with(planner, namespace, auth.guest_identity_provider_ref.name)
    settings = planner.observed.global_settings
    recording_inputs = recorder.recording_inputs(planner, room, tenant)
    if recording_inputs is not None and recording_inputs.recorder is not None:
        name = recording_inputs.recorder.spec.stream_key_secret_ref.name
        secret_of["alias"] = (namespace, name)
        secret_sources["alias"] = f"Secret {namespace}/{name}"
    inputs = RoomInputs(
        room=room,
        owner=Owner("MeetingRoom", namespace, room.name),
        tenant=tenant,
        over_quota=over_quota,
        pins=pins,
        min_pin_length=settings.min_pin_length if settings else 4,
        host=host,
        guest=guest,
        theme_uri=branding.theme_uri(planner, namespace),
        recording=recording_inputs,
        adopt=adopt_of(room),
    )
    decision = decide(inputs, planner.observed.of(CONFERENCES))
    decided = decision.plan
    if decision.recording_refusal is not None:
        # A refused opt-in is an error in the pull request; the room is still planned, unrecorded.
        planner.problem(source, "spec.recorderRef", decision.recording_refusal.message)
    if decided.blocked and decided.outcome.reason != Reason.DRIFT_OBSERVED:
        planner.blocked(decided, source)
        return
    aliases = _planned_aliases(planner)
    for alias in spec.aliases:
        holder = aliases.get(alias.alias.lower())
        if holder is not None:
            planner.problem(
                source,
                "spec.aliases",
                f"alias {alias.alias} already belongs to {holder} (created earlier in this plan); "
                "aliases are unique on the platform: choose another one",
            )
            return
    current = decision.conference
    if spec.management_policy is ManagementPolicy.OBSERVE_ONLY:
        known = [c for c in (planner.known_only(c) for c in decision.observed_changes) if c is not None]
        if known:
            planner.out.notes.append(f"{source}: {observe_only_outcome(known).message}")
        return
    changes = list(decided.changes)
    conference_uri = current.resource_uri if current is not None else None
    if current is None and changes and decision.ctx is not None:
        # The operator creates the conference, reads it back and plans the rest (the recording
        # participant) against it; the second pass here plans against what the create makes.
        conference_uri = pending(CONFERENCE, spec.display_name)
        made = _as_created(changes[0].fields, conference_uri, decision.ctx.theme_uri)
        changes += plan_room(spec, decision.ctx, made).changes
    for alias in spec.aliases:
        aliases.setdefault(alias.alias.lower(), f"MeetingRoom {namespace}/{room.name}")
    if isinstance(pins, str) and current is not None:
        planner.out.unknowns.append(
            Unknown(
                tenant.name,
                source,
                CONFERENCE,
                spec.display_name,
                f"pin and guest_pin from Secret {namespace}/{secret_of['pin'][1]}: "
                "not compared without --secrets",
            )
        )
    with_theme = conferences.of(planner).with_theme
    for original in changes:
        change = planner.known_only(original)
        if change is None:
            continue
        if change.resource == CONFERENCE and isinstance(change.before.get("ivr_theme"), models.IvrTheme):
            change = replace(
                change, before={**change.before, "ivr_theme": change.before["ivr_theme"].resource_uri}
            )
        if change.resource == CONFERENCE and "ivr_theme" in change.fields and change.uri:
            with_theme.add(change.uri)
        provides = None
        if change.action == "create" and change.resource == CONFERENCE:
            provides = conference_uri
        planner.need_for_pending(change, secret_of, source)
        planner.add(
            Step(
                tenant.name,
                source,
                change,
                provides=provides,
                secret_sources={k: v for k, v in secret_sources.items() if k in change.secret_fields},
            )
        )


def removed(planner: OfflinePlanner) -> None:
    """Rooms whose MeetingRoom left the tree: the recording participant first, as the operator's
    finalizer does, then the conference."""
    deleted = conferences.of(planner).deleted
    for conference in planner.observed.of(CONFERENCES):
        owner = planner.removed(owner_of(conference.description), "MeetingRoom")
        if owner is None:
            continue
        tenant, source = planner.removal_source(owner)
        label = f"recording of {owner.namespace}/{owner.name}"
        for participant in conference.automatic_participants:
            if owner_of(participant.description) == owner:
                planner.add(
                    Step(
                        tenant, source, Change("delete", PARTICIPANT, label, uri=participant_uri(participant))
                    )
                )
        planner.add(
            Step(tenant, source, Change("delete", CONFERENCE, conference.name, uri=conference.resource_uri))
        )
        deleted.add(conference.resource_uri)


def _as_created(fields: Mapping[str, Any], uri: str, theme_uri: str | None) -> models.Conference:
    """The conference a create with `fields` makes, as a GET would return it (for the second pass)."""
    values = {k: v for k, v in fields.items() if k not in ("aliases", "ivr_theme")}
    aliases = [
        models.ConferenceAlias(id=0, alias=a["alias"], description=a.get("description", ""), conference=uri)
        for a in fields.get("aliases", [])
    ]
    theme = models.IvrTheme(id=0, name="", resource_uri=theme_uri) if theme_uri is not None else None
    return models.Conference.model_validate(
        {**values, "id": 0, "resource_uri": uri, "aliases": aliases, "ivr_theme": theme}
    )

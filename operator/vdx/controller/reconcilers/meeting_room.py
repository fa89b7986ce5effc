"""MeetingRoom: the conference, its aliases, PINs from a Secret, and consent-based recording."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vdx.api.common import DeletionPolicy, ManagementPolicy
from vdx.api.recorder import Recorder
from vdx.api.room import MeetingRoom
from vdx.api.tenant import Tenant
from vdx.controller.conditions import Phase
from vdx.controller.ownership import owner_of, without_marker
from vdx.controller.plan import Change
from vdx.controller.planners import meeting_room as planner
from vdx.controller.planners.common import held_pins
from vdx.controller.planners.meeting_room import RoomInputs, decide, find_room, participant_uri
from vdx.controller.planners.recording import RecordingInputs
from vdx.controller.platforms import PlatformRuntime
from vdx.controller.reasons import Reason
from vdx.controller.reconcilers import branding, lookups
from vdx.controller.reconcilers.base import (
    Event,
    Reconciled,
    Stop,
    apply_change,
    change_event,
    owner_of_body,
    parse,
)
from vdx.controller.reconcilers.quota import over_quota_of
from vdx.controller.registration import Registration
from vdx.pexip.resources import AUTOMATIC_PARTICIPANT, CONFERENCE, CONFERENCE_ALIAS, GLOBAL

if TYPE_CHECKING:
    from vdx.controller.context import Context


async def _pins(
    rt: Context, body: dict[str, Any], room: MeetingRoom, platform: PlatformRuntime
) -> tuple[dict[str, str] | None, str | None, int]:
    """(the PIN Secret's data, its resourceVersion, the platform's minimum PIN length)."""
    settings = await platform.cache.objects(GLOBAL)
    min_length = settings[0].min_pin_length if settings else 4
    if room.spec.pin_secret_ref is None:
        return None, None, min_length
    data, version = await lookups.secret(
        rt, body, str(room.namespace), room.spec.pin_secret_ref.name, "meeting room PINs"
    )
    return data, version, min_length


async def recording_inputs(
    rt: Context, body: dict[str, Any], room: MeetingRoom, tenant: Tenant, platform: PlatformRuntime
) -> RecordingInputs | None:
    """What the room's recording opt-in is decided on: the Recorder, its stream key, RTMP."""
    ref = room.spec.recorder_ref
    if ref is None:
        return None
    namespace = str(room.namespace)
    recorder_body = await lookups.namespaced_resource(rt, "Recorder", namespace, ref.name)
    recorder = parse(Recorder, recorder_body) if recorder_body is not None else None
    stream_key = None
    if recorder is not None:
        found = await lookups.secret_if_any(rt, body, namespace, recorder.spec.stream_key_secret_ref.name)
        stream_key = found[0] if found is not None else None
    settings = await platform.cache.objects(GLOBAL)
    rtmp = settings[0].enable_rtmp if settings else None
    return RecordingInputs(tenant, recorder, stream_key, rtmp, platform.name)


async def reconcile(rt: Context, body: dict[str, Any]) -> Reconciled:
    room = parse(MeetingRoom, body)
    namespace = str(room.namespace)
    owner = owner_of_body(body)
    tenant = await lookups.tenant_of_namespace(rt, namespace)
    platform = lookups.connected_platform(rt, tenant)
    recorded = lookups.recorded_uris(body, CONFERENCE.name)
    over_quota = not recorded and await over_quota_of(rt, body, tenant.spec.quotas.max_meeting_rooms)
    pins, pin_version, min_length = await _pins(rt, body, room, platform)
    auth = room.spec.authentication
    host = guest = None
    if auth.host_identity_provider_ref is not None:
        host = await lookups.identity_provider(rt, namespace, auth.host_identity_provider_ref.name)
    if auth.guest_identity_provider_ref is not None:
        guest = await lookups.identity_provider(rt, namespace, auth.guest_identity_provider_ref.name)
    theme, theme_pending = await branding.tenant_theme(rt, namespace)
    recording = await recording_inputs(rt, body, room, tenant, platform)
    drift = lookups.was_in_line(body)
    events: list[Event] = []
    for _ in range(3):
        inputs = RoomInputs(
            room=room,
            owner=owner,
            tenant=tenant,
            over_quota=over_quota,
            pins=pins,
            min_pin_length=min_length,
            host=host,
            guest=guest,
            theme_uri=theme,
            theme_pending=theme_pending,
            recording=recording,
            recorded=tuple(recorded),
            adopt=lookups.adopt_uri(body),
        )
        decision = decide(inputs, await platform.cache.objects(CONFERENCE))
        plan = decision.plan
        if plan.blocked or not plan.changes:
            break
        conference_uri = decision.conference.resource_uri if decision.conference is not None else None
        for change in plan.changes:
            obj = await apply_change(platform, change)
            if change.resource == CONFERENCE.name and obj is not None:
                conference_uri = obj.resource_uri
            is_drift = drift and change.action != "create" and not set(change.fields) <= {"pin", "guest_pin"}
            events.append(change_event(change, platform.name, is_drift))
            if is_drift:
                rt.metrics.drift_corrections.labels("MeetingRoom", platform.name, change.resource).inc()
        recorded = [conference_uri] if conference_uri else recorded
        if conference_uri is not None and any(c.resource != CONFERENCE.name for c in plan.changes):
            # Alias and participant writes change what the conference embeds: read it again.
            object_id = conference_uri.rstrip("/").rsplit("/", 1)[-1]
            fresh = await platform.client.get(CONFERENCE, object_id)
            platform.cache.put(CONFERENCE, fresh)
    else:
        raise Stop(Phase.PROGRESSING, Reason.CONVERGING, "changes applied; confirming on the next pass")
    conference = decision.conference
    if plan.blocked and conference is None:
        return Reconciled(plan.outcome, platform=platform.name)
    status: dict[str, Any] = {
        "pexipObjects": (
            [{"resource": CONFERENCE.name, "resourceUri": conference.resource_uri, "name": conference.name}]
            if conference is not None
            else []
        ),
        "conference": conference.resource_uri if conference is not None else None,
        "aliases": len(conference.aliases) if conference is not None else 0,
        "directMedia": conference.direct_media if conference is not None else None,
        "recording": decision.recording is not None,
        "pinSecretResourceVersion": pin_version,
    }
    return Reconciled(plan.outcome, status=status, events=events, platform=platform.name)


async def finalize(rt: Context, body: dict[str, Any]) -> None:
    """Delete deletes the conference (Pexip removes its aliases with it); Orphan leaves it unmarked."""
    room = parse(MeetingRoom, body)
    if room.spec.management_policy is ManagementPolicy.OBSERVE_ONLY:
        return
    tenant = await rt.tenant_for_namespace(str(room.namespace))
    if tenant is None:
        return
    platform = lookups.connected_platform(rt, tenant)
    owner = owner_of_body(body)
    current, _, _ = find_room(
        await platform.cache.objects(CONFERENCE),
        owner,
        room.spec,
        recorded=lookups.recorded_uris(body, CONFERENCE.name),
        adopt=lookups.adopt_uri(body),
    )
    if current is None:
        return
    # The recording participant goes first, whatever the policy: an orphaned room must not keep
    # recording, and a deleted one must not leave a participant behind (Pexip only unlinks it).
    label = f"recording of {owner.namespace}/{owner.name}"
    changes = [
        Change("delete", "automatic_participant", label, uri=participant_uri(p))
        for p in current.automatic_participants
        if owner_of(p.description) == owner
    ]
    if room.spec.deletion_policy is DeletionPolicy.DELETE:
        changes.append(Change("delete", CONFERENCE.name, current.name, uri=current.resource_uri))
    else:
        changes.append(
            Change(
                "update",
                CONFERENCE.name,
                current.name,
                uri=current.resource_uri,
                fields={"description": without_marker(current.description)},
                held_secrets=held_pins(current),
            )
        )
    for change in changes:
        await apply_change(platform, change)
    await rt.kube.event(
        body,
        type_="Normal",
        reason="Finalized",
        message=f"{changes[-1].describe()} ({room.spec.deletion_policy.value})",
    )


REGISTRATION = Registration(
    MeetingRoom,
    reconcile,
    finalize,
    depends_on=("Tenant", "CviBranding", "IdentityProvider", "Recorder"),
    writes=(CONFERENCE, CONFERENCE_ALIAS, AUTOMATIC_PARTICIPANT),
    reads=(GLOBAL,),
    reads_objects=("Secret",),
    offline="vdx.gitops.phases.meeting_room",
    plan_reads=("CviBranding", "IdentityProvider", "Recorder"),
    spec_fields=planner.SPEC_FIELDS,
)

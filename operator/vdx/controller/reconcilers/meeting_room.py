"""MeetingRoom: the conference, its aliases, PINs from a Secret, and consent-based recording."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vdx.api.common import DeletionPolicy, ManagementPolicy
from vdx.api.recorder import Recorder
from vdx.api.room import MeetingRoom
from vdx.api.tenant import Tenant
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.ownership import owner_of, without_marker
from vdx.controller.plan import Change
from vdx.controller.planners.common import observe_only_outcome
from vdx.controller.planners.meeting_room import (
    Pins,
    Recording,
    RoomContext,
    aliases_outside,
    find_room,
    participant_uri,
    pins_from_secret,
    plan_room,
)
from vdx.controller.platforms import PlatformRuntime
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
from vdx.controller.reconcilers.quota import check_quota
from vdx.controller.registration import Registration
from vdx.pexip.resources import AUTOMATIC_PARTICIPANT, CONFERENCE, CONFERENCE_ALIAS, GLOBAL
from vdx.recording.urls import StreamKeyError, check_stream_key, room_stream_name, stream_url

if TYPE_CHECKING:
    from vdx.controller.runtime import Runtime


async def _pins(
    rt: Runtime, body: dict[str, Any], room: MeetingRoom, platform: PlatformRuntime
) -> tuple[Pins, str | None]:
    if room.spec.pin_secret_ref is None:
        return Pins(), None
    namespace = str(room.namespace)
    data, version = await lookups.secret(
        rt, body, namespace, room.spec.pin_secret_ref.name, "meeting room PINs"
    )
    settings = await platform.cache.objects(GLOBAL)
    min_length = settings[0].min_pin_length if settings else 4
    pins = pins_from_secret(room.spec, data, min_length)
    if isinstance(pins, str):
        raise Stop(Phase.STALLED, "InvalidPin", pins)
    return pins, version


async def recording_for(
    rt: Runtime, body: dict[str, Any], room: MeetingRoom, tenant: Tenant, platform: PlatformRuntime
) -> tuple[Recording | None, Outcome | None]:
    """The recording participant the room should have, or why the opt-in is refused.

    A refusal never blocks the rest of the room: the room is kept in line without recording and
    the resource says why it is not recorded.
    """
    ref = room.spec.recorder_ref
    if ref is None:
        return None, None
    namespace = str(room.namespace)
    if not tenant.spec.recording.enabled:
        return None, Outcome(
            Phase.STALLED,
            "RecordingNotEnabled",
            f"spec.recorderRef asks for recording, but Tenant {tenant.name} has not enabled recording "
            "(spec.recording.enabled); the tenant must switch it on first (GDPR: the organisation is the "
            "data controller). The room works, unrecorded",
        )
    recorder_body = await lookups.namespaced_resource(rt, "Recorder", namespace, ref.name)
    if recorder_body is None:
        return None, Outcome(
            Phase.STALLED,
            "RecorderNotFound",
            f"Recorder {namespace}/{ref.name} (spec.recorderRef) does not exist; create it or remove the "
            "reference. The room works, unrecorded",
        )
    recorder = parse(Recorder, recorder_body)
    missing = [
        field
        for field, value in (
            ("consentNotice", recorder.spec.consent_notice.strip()),
            ("retentionDays", recorder.spec.retention_days),
            (
                "dataController",
                recorder.spec.data_controller.name.strip() and recorder.spec.data_controller.email,
            ),
        )
        if not value
    ]
    if missing:
        return None, Outcome(
            Phase.STALLED,
            "RecorderIncomplete",
            f"Recorder {ref.name} lacks {', '.join(missing)}; recording needs a consent notice, a "
            "retention period and the data controller's contact",
        )
    settings = await platform.cache.objects(GLOBAL)
    if settings and not settings[0].enable_rtmp:
        return None, Outcome(
            Phase.STALLED,
            "RtmpDisabled",
            f"RTMP streaming is switched off on platform {platform.name} (global.enable_rtmp), so rooms "
            "cannot record; the operator does not change global settings: ask MedCom's platform engineers",
        )
    selector = recorder.spec.stream_key_secret_ref
    data, _ = await lookups.secret(rt, body, namespace, selector.name, "recorder stream key")
    key = data.get(selector.key, "").strip()
    try:
        url = stream_url(recorder.spec, check_stream_key(key), room_stream_name(namespace, room.name))
    except (StreamKeyError, ValueError) as exc:
        # The messages name the rule, never the key.
        return None, Outcome(
            Phase.STALLED, "InvalidStreamKey", f"Secret {selector.name} key {selector.key}: {exc}"
        )
    return Recording(url, recorder.spec.visible_label, recorder.name), None


async def reconcile(rt: Runtime, body: dict[str, Any]) -> Reconciled:
    room = parse(MeetingRoom, body)
    namespace = str(room.namespace)
    owner = owner_of_body(body)
    tenant = await lookups.tenant_of_namespace(rt, namespace)
    outside = aliases_outside(room.spec, tenant.spec.domains)
    if outside:
        raise Stop(
            Phase.STALLED,
            "AliasOutsideDomains",
            f"spec.aliases: {', '.join(outside)} lie outside Tenant {tenant.name}'s domains "
            f"({', '.join(tenant.spec.domains)}); use an alias in one of them",
        )
    platform = lookups.connected_platform(rt, tenant)
    recorded = lookups.recorded_uris(body, CONFERENCE.name)
    if not recorded:
        await check_quota(rt, body, "meetingrooms", tenant.spec.quotas.max_meeting_rooms, "maxMeetingRooms")
    pins, pin_version = await _pins(rt, body, room, platform)
    auth = room.spec.authentication
    host_group = guest_group = None
    if auth.host_identity_provider_ref is not None:
        host_group = await lookups.identity_provider_group(
            rt, namespace, auth.host_identity_provider_ref.name, f"MeetingRoom {room.name}"
        )
    if auth.guest_identity_provider_ref is not None:
        guest_group = await lookups.identity_provider_group(
            rt, namespace, auth.guest_identity_provider_ref.name, f"MeetingRoom {room.name}"
        )
    theme, theme_pending = await branding.tenant_theme(rt, namespace)
    if theme_pending:
        raise Stop(
            Phase.PROGRESSING,
            "WaitingForBranding",
            "the tenant's CviBranding is being applied; the room is written once, with its IVR theme",
        )
    recording, refusal = await recording_for(rt, body, room, tenant, platform)
    ctx = RoomContext(
        owner=owner,
        tenant=tenant.name,
        defaults=tenant.spec.meeting_room_defaults,
        pins=pins,
        theme_uri=theme,
        host_group=host_group,
        guest_group=guest_group,
        recording=recording,
    )
    observing = room.spec.management_policy is ManagementPolicy.OBSERVE_ONLY
    drift = not lookups.spec_changed(body)
    events: list[Event] = []
    for _ in range(3):
        current, refused, _taken = find_room(
            await platform.cache.objects(CONFERENCE),
            owner,
            room.spec,
            recorded=recorded,
            adopt=lookups.adopt_uri(body),
        )
        if refused is not None:
            return Reconciled(refused, platform=platform.name)
        plan = plan_room(room.spec, ctx, current)
        if observing:
            if current is None:
                return Reconciled(
                    Outcome(
                        Phase.STALLED,
                        "NotFoundInPexip",
                        "managementPolicy is ObserveOnly and Pexip has no conference for this room",
                    ),
                    platform=platform.name,
                )
            plan.outcome = observe_only_outcome(plan.changes)
            break
        if not plan.changes:
            break
        conference_uri = current.resource_uri if current is not None else None
        for change in plan.changes:
            obj = await apply_change(platform, change)
            if change.resource == CONFERENCE.name and obj is not None:
                conference_uri = obj.resource_uri
            is_drift = drift and change.action != "create" and not set(change.fields) <= {"pin", "guest_pin"}
            events.append(change_event(change, platform.name, is_drift))
            if is_drift:
                rt.metrics.drift_corrections.labels("MeetingRoom", change.resource).inc()
        recorded = [conference_uri] if conference_uri else recorded
        if conference_uri is not None and any(c.resource != CONFERENCE.name for c in plan.changes):
            # Alias and participant writes change what the conference embeds: read it again.
            object_id = conference_uri.rstrip("/").rsplit("/", 1)[-1]
            fresh = await platform.client.get(CONFERENCE, object_id)
            platform.cache.put(CONFERENCE, fresh)
    else:
        raise Stop(Phase.PROGRESSING, "Converging", "changes applied; confirming on the next pass")
    conference = plan.conference
    status: dict[str, Any] = {
        "pexipObjects": (
            [{"resource": CONFERENCE.name, "resourceUri": conference.resource_uri, "name": conference.name}]
            if conference is not None
            else []
        ),
        "conference": conference.resource_uri if conference is not None else None,
        "aliases": len(conference.aliases) if conference is not None else 0,
        "directMedia": conference.direct_media if conference is not None else None,
        "recording": recording is not None,
        "pinSecretResourceVersion": pin_version,
    }
    outcome = refusal or plan.outcome
    if outcome.phase is Phase.READY:
        outcome = Outcome(
            Phase.READY,
            "Available",
            f"conference {room.spec.display_name} in line, {len(room.spec.aliases)} aliases, direct media "
            f"{status['directMedia']}" + (", recorded with consent notice" if recording else ""),
        )
    return Reconciled(outcome, status=status, events=events, platform=platform.name)


async def finalize(rt: Runtime, body: dict[str, Any]) -> None:
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
)

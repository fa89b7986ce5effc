"""Consent-based recording: whether a room may record to its Recorder, and the Recorder's own check.

Every refusal here is worded once, for the room's or the Recorder's status and for `vdx plan`. A
refused opt-in never blocks the room: it is kept in line, unrecorded, and says why. The messages
name the rule a stream key breaks, never the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from vdx.api.recorder import Recorder
from vdx.api.tenant import Tenant
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.planners.common import Plan, SecretInput, refuse
from vdx.controller.reasons import Reason
from vdx.recording.urls import StreamKeyError, check_stream_key, room_stream_name, stream_url


@dataclass(frozen=True)
class Recording:
    """What the recording participant of a room looks like (its alias carries the stream key)."""

    url: str
    label: str
    recorder: str


@dataclass(frozen=True)
class RecordingInputs:
    """What a room's opt-in is decided on, as a gatherer found it."""

    tenant: Tenant
    recorder: Recorder | None  # None: it does not exist
    # The stream key Secret's data, the placeholder for a Secret not given (offline), or None
    # when the Secret does not exist.
    stream_key: SecretInput | None
    # global.enable_rtmp of the platform; None where it is not known (offline without a node).
    rtmp_enabled: bool | None
    platform: str


def _stalled(reason: str, message: str) -> Outcome:
    return Outcome(Phase.STALLED, reason, message)


def invalid_stream_key(recorder: Recorder, problem: Exception) -> str:
    selector = recorder.spec.stream_key_secret_ref
    return f"Secret {selector.name} key {selector.key}: {problem}"


def recorder_incomplete(recorder: Recorder) -> str | None:
    """Why recording to `recorder` cannot be consented to, or None when it has what it needs."""
    spec = recorder.spec
    missing = [
        name
        for name, value in (
            ("consentNotice", spec.consent_notice.strip()),
            ("retentionDays", spec.retention_days),
            ("dataController", spec.data_controller.name.strip() and spec.data_controller.email),
        )
        if not value
    ]
    if not missing:
        return None
    return (
        f"Recorder {recorder.name} lacks {', '.join(missing)}; recording needs a consent notice, a "
        "retention period and the data controller's contact"
    )


def decide_recording(
    namespace: str, room: str, recorder_name: str, inputs: RecordingInputs
) -> tuple[Recording | None, Outcome | None]:
    """(the recording participant the room should have, or why its opt-in is refused)."""
    tenant = inputs.tenant
    if not tenant.spec.recording.enabled:
        return None, _stalled(
            Reason.RECORDING_NOT_ENABLED,
            f"spec.recorderRef asks for recording, but Tenant {tenant.name} has not enabled recording "
            "(spec.recording.enabled); the tenant must switch it on first (GDPR: the organisation is the "
            "data controller). The room works, unrecorded",
        )
    recorder = inputs.recorder
    if recorder is None:
        return None, _stalled(
            Reason.RECORDER_NOT_FOUND,
            f"Recorder {namespace}/{recorder_name} (spec.recorderRef) does not exist; create it or remove "
            "the reference. The room works, unrecorded",
        )
    incomplete = recorder_incomplete(recorder)
    if incomplete is not None:
        return None, _stalled(Reason.RECORDER_INCOMPLETE, incomplete)
    if inputs.rtmp_enabled is False:
        return None, _stalled(
            Reason.RTMP_DISABLED,
            f"RTMP streaming is switched off on platform {inputs.platform} (global.enable_rtmp), so rooms "
            "cannot record; the operator does not change global settings: ask MedCom's platform engineers",
        )
    if inputs.stream_key is None:
        selector = recorder.spec.stream_key_secret_ref
        return None, _stalled(
            Reason.SECRET_NOT_FOUND,
            f"Secret {namespace}/{selector.name} (recorder stream key) does not exist; create it in "
            f"namespace {namespace}. The room works, unrecorded",
        )
    if isinstance(inputs.stream_key, str):
        url = inputs.stream_key  # offline, the Secret not given: known after apply
    else:
        key = inputs.stream_key.get(recorder.spec.stream_key_secret_ref.key, "").strip()
        try:
            url = stream_url(recorder.spec, check_stream_key(key), room_stream_name(namespace, room))
        except (StreamKeyError, ValueError) as exc:
            return None, _stalled(Reason.INVALID_STREAM_KEY, invalid_stream_key(recorder, exc))
    return Recording(url, recorder.spec.visible_label, recorder.name), None


def decide_recorder(recorder: Recorder, tenant: Tenant, data: Mapping[str, str], rooms: list[str]) -> Plan:
    """A Recorder writes nothing to Pexip: it checks its stream key and says who records to it."""
    selector = recorder.spec.stream_key_secret_ref
    try:
        check_stream_key(data.get(selector.key, "").strip())
    except StreamKeyError as exc:
        return refuse(
            Phase.STALLED,
            Reason.INVALID_STREAM_KEY,
            "spec.streamKeySecretRef",
            invalid_stream_key(recorder, exc),
        )
    if tenant.spec.recording.enabled:
        message = f"recorder ready; {len(rooms)} meeting rooms record to it"
    else:
        message = (
            f"recorder ready, but Tenant {tenant.name} has not enabled recording (spec.recording.enabled), "
            "so no room records to it yet"
        )
    return Plan(outcome=Outcome(Phase.READY, Reason.AVAILABLE, message), status={"rooms": rooms})

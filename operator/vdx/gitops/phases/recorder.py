"""Recorder offline: a Recorder writes nothing to Pexip; its stream key is checked when given."""

from __future__ import annotations

from collections.abc import Mapping

from vdx.api.recorder import Recorder
from vdx.api.room import MeetingRoom
from vdx.api.tenant import Tenant
from vdx.controller.planners.recording import RecordingInputs, decide_recorder
from vdx.gitops.offline import OfflinePlanner, from_secret, label_of


def plan(planner: OfflinePlanner) -> None:
    for recorder in planner.in_scope(Recorder):
        selector = recorder.spec.stream_key_secret_ref
        values = planner.desired.secrets.get((str(recorder.namespace), selector.name))
        if values is None:
            continue
        tenant = planner.by_namespace[str(recorder.namespace)]
        planner.blocked(decide_recorder(recorder, tenant, values, []), label_of(recorder))


def recording_inputs(planner: OfflinePlanner, room: MeetingRoom, tenant: Tenant) -> RecordingInputs | None:
    """What a room's recording opt-in is decided from: its Recorder, the stream key, RTMP on or off."""
    ref = room.spec.recorder_ref
    if ref is None:
        return None
    namespace = str(room.namespace)
    recorder = next(
        (r for r in planner.tree.of_kind(Recorder) if r.namespace == namespace and r.name == ref.name), None
    )
    stream_key: Mapping[str, str] | str | None = None
    if recorder is not None:
        name = recorder.spec.stream_key_secret_ref.name
        values = planner.desired.secrets.get((namespace, name))
        stream_key = values if values is not None else from_secret(namespace, name)
    settings = planner.observed.global_settings
    rtmp = settings.enable_rtmp if settings is not None else None
    return RecordingInputs(tenant, recorder, stream_key, rtmp, planner.desired.platform)

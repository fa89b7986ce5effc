"""Recorder: owns nothing in Pexip; it checks its stream key and tells which rooms record to it.

The recording participants belong to the rooms that opt in. A change here (new key, new label)
wakes those rooms, so every recording participant follows the Recorder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vdx.api.recorder import Recorder
from vdx.controller.planners.recording import decide_recorder
from vdx.controller.reconcilers import lookups
from vdx.controller.reconcilers.base import Reconciled, listed_users, parse, wait_for_users
from vdx.controller.registration import Registration
from vdx.pexip.resources import GLOBAL

if TYPE_CHECKING:
    from vdx.controller.context import Context


def _users(rt: Context, namespace: str, name: str) -> list[str]:
    return sorted(
        key[2]
        for key, body in rt.known.items()
        if key[0] == "MeetingRoom"
        and key[1] == namespace
        and ((body.get("spec") or {}).get("recorderRef") or {}).get("name") == name
    )


async def reconcile(rt: Context, body: dict[str, Any]) -> Reconciled:
    recorder = parse(Recorder, body)
    namespace = str(recorder.namespace)
    tenant = await lookups.tenant_of_namespace(rt, namespace)
    selector = recorder.spec.stream_key_secret_ref
    data, version = await lookups.secret(rt, body, namespace, selector.name, "recorder stream key")
    if lookups.spec_changed(body):
        # Rooms read the stream key Secret themselves (and are woken by it); spec changes reach
        # them only through here.
        rt.wake_users(namespace, kinds=("MeetingRoom",), only_unready=False)
    plan = decide_recorder(recorder, tenant, data, _users(rt, namespace, recorder.name))
    if plan.blocked:
        return Reconciled(plan.outcome)
    return Reconciled(plan.outcome, status={**plan.status, "secretResourceVersion": version})


async def finalize(rt: Context, body: dict[str, Any]) -> None:
    recorder = parse(Recorder, body)
    users = [
        o["metadata"]["name"]
        for o in await listed_users(rt, body, "meetingrooms")
        if ((o.get("spec") or {}).get("recorderRef") or {}).get("name") == recorder.name
    ]
    wait_for_users(
        rt,
        body,
        [("MeetingRoom", name) for name in sorted(users)],
        f"waiting for {len(users)} meeting rooms to stop recording to it (remove their recorderRef): "
        + ", ".join(sorted(users)[:5]),
        # A room records to a Recorder being deleted as before: waking it would only reconcile it.
        wake=False,
    )


REGISTRATION = Registration(
    Recorder,
    reconcile,
    finalize,
    depends_on=("Tenant",),
    reads=(GLOBAL,),
    reads_objects=("Secret",),
    offline="vdx.gitops.phases.recorder",
)

"""Recording is opt-in twice: the Tenant enables it, and a room names a Recorder in its namespace.

Decision: MedCom does not record centrally; an organisation that records does so as the data
controller, on its own server, with consent (GDPR). So the switch is on the Tenant, which MedCom's
engineers and the organisation agree on, and a region's pull request cannot turn recording on by
itself by editing a room. The Recorder's consent notice, retention and contact are required by its
schema; this rule connects the pieces.
"""

from __future__ import annotations

from collections.abc import Iterator

from vdx.api.recorder import Recorder
from vdx.api.room import MeetingRoom
from vdx.policies.context import PolicyContext, tenant_of
from vdx.policies.findings import Finding, ResourceRef, Severity
from vdx.policies.rule import PolicyRule

ID = "recording"


def check(ctx: PolicyContext) -> Iterator[Finding]:
    for loaded in ctx.of_kind(MeetingRoom):
        room = loaded.resource
        assert isinstance(room, MeetingRoom)
        if room.spec.recorder_ref is None:
            continue
        owner = ctx.tenant_for(loaded)
        if owner is not None and not tenant_of(owner).spec.recording.enabled:
            tenant = tenant_of(owner)
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                "spec.recorderRef",
                f"the room asks to be recorded, but tenant {tenant.name} has not enabled recording",
                f"set spec.recording.enabled: true on Tenant {tenant.name} (the organisation decides, as "
                "data controller), or remove recorderRef",
            )
        ref = ResourceRef("Recorder", room.metadata.namespace, room.spec.recorder_ref.name)
        if not ctx.exists(ref):
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                "spec.recorderRef.name",
                f"names Recorder {ref.namespace}/{ref.name}, which is not in {ctx.where}",
                f"add Recorder {ref.name} to namespace {ref.namespace} or correct the name",
            )
    for loaded in ctx.of_kind(Recorder):
        owner = ctx.tenant_for(loaded)
        if owner is not None and not tenant_of(owner).spec.recording.enabled:
            yield ctx.finding(
                Severity.WARNING,
                ID,
                loaded,
                "metadata.name",
                f"tenant {tenant_of(owner).name} has a Recorder but has not enabled recording",
                "enable recording on the Tenant when the organisation is ready, or remove the Recorder",
            )


RULE = PolicyRule(
    ID,
    "Recording needs the tenant's switch and a Recorder in the room's namespace",
    "The organisation records as data controller: recording is off unless its Tenant enables it.",
    check,
    admission="ValidatingAdmissionPolicy vdx-recording-enabled (the tenant's switch); webhook",
)

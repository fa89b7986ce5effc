"""Direct media stays on for meeting rooms unless the tenant states why not (a warning).

Decision (VDX user group, 8 November 2023): direct media is switched on automatically for every
meeting room, because two participants connected directly get better video, join faster and load
the platform less. A tenant may have a reason to turn it off (a network that blocks peer-to-peer
media, for instance), so this is a warning and not an error; but the reason must be written down,
so that the choice is reviewed and not an accident.
"""

from __future__ import annotations

from collections.abc import Iterator

from vdx.api.tenant import DirectMedia
from vdx.policies.context import PolicyContext, tenant_of
from vdx.policies.findings import Finding, Severity
from vdx.policies.rule import PolicyRule

ID = "direct-media"
MESSAGE = (
    "direct media is off (never) without a reason; the VDX user group decided it is on for every meeting room"
)
FIX = (
    "set meetingRoomDefaults.directMedia to best_effort, or state why it is off in "
    "meetingRoomDefaults.directMediaOffReason"
)


def check(ctx: PolicyContext) -> Iterator[Finding]:
    for loaded in ctx.tenants:
        defaults = tenant_of(loaded).spec.meeting_room_defaults
        reason = (defaults.direct_media_off_reason or "").strip()
        if defaults.direct_media is DirectMedia.NEVER and not reason:
            yield ctx.finding(
                Severity.WARNING, ID, loaded, "spec.meetingRoomDefaults.directMedia", MESSAGE, FIX
            )


RULE = PolicyRule(
    ID,
    "Direct media stays on unless the tenant states a reason (warning)",
    "The VDX user group asked for direct media on in every meeting room.",
    check,
    admission="ValidatingAdmissionPolicy vdx-direct-media (Warn)",
    level="warning",
)

"""A GitOps tree and what one Pexip platform holds -> the ordered writes that would make them agree.

Pure: no HTTP, no files. Every decision is the operator's own planner (`vdx.controller.planners`);
this module only supplies what a cluster would have supplied. Offline there is no status, so the
URIs a resource recorded are unknown and ownership is decided as the operator decides it without
them: the marker in a description, the reserved `vdx:` theme name, and for a tls_certificate an
identical certificate. Objects that a later write needs before they exist (a new TURN server that a
system location must list, a new package a web app path must point at) appear as placeholders that
`vdx.gitops.execute` replaces with the real URIs as it creates them, just as Terraform's "known
after apply" values work.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vdx.controller.plan import PENDING_PREFIX as PENDING_PREFIX
from vdx.controller.plan import is_pending as is_pending
from vdx.controller.plan import pending as pending
from vdx.controller.plan import resolve as resolve
from vdx.controller.registry import PLAN_ORDER
from vdx.gitops.offline import Desired as Desired
from vdx.gitops.offline import Observed as Observed
from vdx.gitops.offline import OfflinePlanner
from vdx.gitops.offline import PlatformPlan as PlatformPlan
from vdx.gitops.offline import Problem as Problem
from vdx.gitops.offline import Step as Step
from vdx.gitops.offline import Unknown as Unknown
from vdx.gitops.offline import from_secret as from_secret
from vdx.gitops.offline import label_of as label_of


def plan_platform(desired: Desired, observed: Observed) -> PlatformPlan:
    """Every write, in the order apply makes them.

    Each kind's offline gatherer runs after those whose plan it reads (`registry.PLAN_ORDER`): TURN
    servers and certificates first, since domains rely on them; then the domains' TURN bindings;
    brandings (upload, repoint the path, replace the theme, delete old packages); identity providers
    (attributes, provider, group), which rooms and devices sign in with; MeetingRooms (conference,
    aliases, recording participant); the tenants' other meeting rooms, which take the new theme; and
    Devices. Then what the tree no longer has, in the reverse order: rooms and devices before the
    identity providers they use, a TURN server off its locations before it is deleted.
    """
    planner = OfflinePlanner(desired, observed)
    if not planner.tenants:
        planner.out.notes.append(
            f"no Tenant in the tree names platform {desired.platform} in spec.platformRef; nothing to plan"
        )
    for registration in PLAN_ORDER:
        if registration.plan is not None:
            registration.plan(planner)
    for registration in reversed(PLAN_ORDER):
        if registration.plan_removed is not None:
            registration.plan_removed(planner)
    return planner.out


def unresolved(values: Iterable[Any]) -> list[str]:
    """Placeholders left in `values` (a write that must not be sent yet)."""
    found: list[str] = []
    for value in values:
        if is_pending(value):
            found.append(str(value))
        elif isinstance(value, list | tuple):
            found.extend(unresolved(value))
        elif isinstance(value, dict):
            found.extend(unresolved(value.values()))
    return found

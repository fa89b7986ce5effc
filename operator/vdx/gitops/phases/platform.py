"""PexipPlatform offline: the system locations its tree declares, before anything binds to them."""

from __future__ import annotations

from vdx.api.platform import PexipPlatform
from vdx.controller.planners.locations import LocationInputs, decide
from vdx.gitops.offline import PLATFORM_SCOPE, OfflinePlanner, Step
from vdx.pexip import models
from vdx.pexip.resources import SYSTEM_LOCATION


def _platform(planner: OfflinePlanner) -> PexipPlatform | None:
    return next((p for p in planner.tree.of_kind(PexipPlatform) if p.name == planner.desired.platform), None)


def declared(planner: OfflinePlanner) -> frozenset[str]:
    """The names the platform declares: a user of one the plan could not create (the platform's
    own entry is refused) is shown waiting for the platform, not told to declare it."""
    platform = _platform(planner)
    return frozenset(loc.name for loc in platform.spec.system_locations) if platform else frozenset()


def locations(planner: OfflinePlanner) -> list[models.SystemLocation]:
    """The node's locations once this plan's creates are made (a created one's URI is its
    placeholder): what Domains and One-Touch Join endpoint groups are planned against."""
    return planner.state("PexipPlatform:locations", lambda: list(planner.observed.of(SYSTEM_LOCATION)))


def plan(planner: OfflinePlanner) -> None:
    platform = _platform(planner)
    if platform is None or not platform.spec.system_locations:
        return
    source = f"PexipPlatform {platform.name}"
    decision = decide(
        LocationInputs(platform.name, tuple(platform.spec.system_locations)),
        planner.observed.of(SYSTEM_LOCATION),
    )
    if planner.blocked(decision.plan, source):
        return
    current = locations(planner)
    for index, change in enumerate(decision.plan.changes):
        provides = decision.provides.get(index)
        planner.add(Step(PLATFORM_SCOPE, source, change, provides=provides))
        if provides is not None:
            # Id 0 never names a Pexip object; only the name and the placeholder URI are read.
            current.append(models.SystemLocation(id=0, name=change.label, resource_uri=provides))

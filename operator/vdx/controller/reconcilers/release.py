"""Letting go of the one Pexip object a resource owns, as its deletionPolicy says.

Shared by the kinds that own exactly one object found by marker, recorded URI or adoption
(TurnService, Device): Delete removes it, Orphan removes only the marker; either is evented.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from vdx.api.common import DeletionPolicy, ManagementPolicy, OwningSpec
from vdx.controller.ownership import without_marker
from vdx.controller.plan import Change
from vdx.controller.planners.common import find_owned
from vdx.controller.reconcilers import lookups
from vdx.controller.reconcilers.base import apply_change, owner_of_body
from vdx.pexip.resources import Kind

if TYPE_CHECKING:
    from vdx.controller.context import Context


async def release_owned(
    rt: Context,
    body: dict[str, Any],
    spec: OwningSpec,
    namespace: str,
    kind: Kind[Any],
    label: Callable[[Any], str],
    unique: Mapping[str, str],
) -> None:
    """`unique`: the object's unique key in Pexip (its name, its alias), to look it up by."""
    if spec.management_policy is ManagementPolicy.OBSERVE_ONLY:
        return
    tenant = await rt.tenant_for_namespace(namespace)
    if tenant is None:
        return
    platform = lookups.connected_platform(rt, tenant)
    owner, recorded, adopt = (
        owner_of_body(body),
        lookups.recorded_uris(body, kind.name),
        lookups.adopt_uri(body),
    )
    found = find_owned(await platform.cache.objects(kind), owner, recorded=recorded, adopt=adopt)
    if found.obj is None:
        # Not in the cache is not yet gone: a create whose answer was lost (a dropped response, a
        # crash) is in Pexip until the next resync shows it, and releasing now would orphan it (the
        # fault campaign found such an orphan). One lookup by the object's unique key settles it.
        candidate = await platform.client.find(kind, **unique)
        if candidate is not None:
            platform.cache.put(kind, candidate)
            found = find_owned([candidate], owner, recorded=recorded, adopt=adopt)
    if found.obj is None:
        return
    if spec.deletion_policy is DeletionPolicy.DELETE:
        change = Change("delete", kind.name, label(found.obj), uri=found.obj.resource_uri)
    else:
        change = Change(
            "update",
            kind.name,
            label(found.obj),
            uri=found.obj.resource_uri,
            fields={"description": without_marker(found.obj.description)},
        )
    await apply_change(platform, change)
    await rt.kube.event(
        body,
        type_="Normal",
        reason="Finalized",
        message=f"{change.describe()} ({spec.deletion_policy.value})",
    )

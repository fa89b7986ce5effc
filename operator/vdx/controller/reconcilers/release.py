"""Letting go of the one Pexip object a resource owns, as its deletionPolicy says.

Shared by the kinds that own exactly one object found by marker, recorded URI or adoption
(TurnService, Device): Delete removes it, Orphan removes only the marker; either is evented.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from vdx.api.common import DeletionPolicy, ManagementPolicy, OwningSpec
from vdx.controller.ownership import without_marker
from vdx.controller.plan import Change
from vdx.controller.planners.common import find_owned
from vdx.controller.reconcilers import lookups
from vdx.controller.reconcilers.base import apply_change, owner_of_body
from vdx.pexip.resources import Kind

if TYPE_CHECKING:
    from vdx.controller.runtime import Runtime


async def release_owned(
    rt: Runtime,
    body: dict[str, Any],
    spec: OwningSpec,
    namespace: str,
    kind: Kind[Any],
    label: Callable[[Any], str],
) -> None:
    if spec.management_policy is ManagementPolicy.OBSERVE_ONLY:
        return
    tenant = await rt.tenant_for_namespace(namespace)
    if tenant is None:
        return
    platform = lookups.connected_platform(rt, tenant)
    found = find_owned(
        await platform.cache.objects(kind),
        owner_of_body(body),
        recorded=lookups.recorded_uris(body, kind.name),
        adopt=lookups.adopt_uri(body),
    )
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

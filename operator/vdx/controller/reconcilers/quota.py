"""Per-tenant quotas on resources that create Pexip objects: enforced before a create, never after.

Lowering a quota never deletes anything: rooms and devices that already exist stay managed, and
only new ones beyond the quota are refused (oldest first keep their place).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vdx.api.kinds import KINDS_BY_NAME

PLURAL_OF = {name: kind.crd.plural for name, kind in KINDS_BY_NAME.items()}

if TYPE_CHECKING:
    from vdx.controller.context import Context


def position(body: dict[str, Any], siblings: list[dict[str, Any]]) -> int:
    """Place of `body` among its namespace's objects of the same kind, oldest first."""
    order = sorted(
        (str(o["metadata"].get("creationTimestamp") or ""), str(o["metadata"]["name"]))
        for o in siblings
        if not o["metadata"].get("deletionTimestamp")
    )
    me = (str(body["metadata"].get("creationTimestamp") or ""), str(body["metadata"]["name"]))
    return order.index(me) if me in order else len(order)


async def over_quota_of(rt: Context, body: dict[str, Any], limit: int) -> bool:
    """Whether `body` is beyond its tenant's quota among its namespace's objects of its kind."""
    namespace = str(body["metadata"]["namespace"])
    plural = PLURAL_OF[str(body["kind"])]
    return position(body, await rt.kube.list_namespaced(plural, namespace)) >= limit

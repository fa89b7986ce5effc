"""Per-tenant quotas on resources that create Pexip objects: enforced before a create, never after.

Lowering a quota never deletes anything: rooms and devices that already exist stay managed, and
only new ones beyond the quota are refused (oldest first keep their place).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vdx.controller.conditions import Phase
from vdx.controller.reconcilers.base import Stop

if TYPE_CHECKING:
    from vdx.controller.runtime import Runtime


def position(body: dict[str, Any], siblings: list[dict[str, Any]]) -> int:
    """Place of `body` among its namespace's objects of the same kind, oldest first."""
    order = sorted(
        (str(o["metadata"].get("creationTimestamp") or ""), str(o["metadata"]["name"]))
        for o in siblings
        if not o["metadata"].get("deletionTimestamp")
    )
    me = (str(body["metadata"].get("creationTimestamp") or ""), str(body["metadata"]["name"]))
    return order.index(me) if me in order else len(order)


async def check_quota(rt: Runtime, body: dict[str, Any], plural: str, limit: int, quota_field: str) -> None:
    namespace = str(body["metadata"]["namespace"])
    siblings = await rt.kube.list_namespaced(plural, namespace)
    if position(body, siblings) >= limit:
        raise Stop(
            Phase.STALLED,
            "QuotaExceeded",
            f"the tenant of namespace {namespace} may have {limit} {body['kind']} resources "
            f"(Tenant spec.quotas.{quota_field}); this one is beyond it and was not created in Pexip: "
            "raise the quota or delete another",
        )

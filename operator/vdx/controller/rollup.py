"""A Tenant's roll-up: are the resources in its namespace Ready? Pure, from the watched bodies.

`kubectl get tenants` should answer "is Aarhus OK?" without a look into every kind: the Tenant
carries a `ResourcesReady` condition (False names the first resources that are not, with their
reasons) and counts per kind. The tenant reconciler writes it with its own status; between its
reconciles the runtime refreshes it (debounced) when a resource of the namespace changes readiness.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from vdx.controller.known import KnownBodies
from vdx.controller.reasons import Reason
from vdx.controller.status import status_of

CONDITION = "ResourcesReady"
SHOWN = 5  # not-Ready resources named in the message
Body = Mapping[str, Any]


def rollup(
    bodies: Iterable[Mapping[str, Any]], generation: int | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the ResourcesReady condition, the status fields) for the resources of one namespace."""
    counts: dict[str, dict[str, int]] = {}
    waiting: list[str] = []
    total = ready_total = 0
    for body in sorted(
        bodies, key=lambda b: (str(b.get("kind")), str((b.get("metadata") or {}).get("name")))
    ):
        kind, name = str(body.get("kind")), str((body.get("metadata") or {}).get("name"))
        status = status_of(dict(body))
        entry = counts.setdefault(kind, {"ready": 0, "notReady": 0})
        total += 1
        behind = _unreconciled_generation(body)
        if status.ready and behind is None:
            entry["ready"] += 1
            ready_total += 1
        else:
            entry["notReady"] += 1
            reason = f"generation {behind} not reconciled yet" if behind is not None else _ready_reason(body)
            waiting.append(f"{kind} {name}" + (f" ({reason})" if reason else ""))
    if waiting:
        shown = ", ".join(waiting[:SHOWN]) + (
            f" and {len(waiting) - SHOWN} more" if len(waiting) > SHOWN else ""
        )
        condition = _condition(
            False, Reason.RESOURCES_NOT_READY, f"{len(waiting)} of {total} not Ready: {shown}", generation
        )
    else:
        condition = _condition(True, Reason.RESOURCES_READY, f"all {total} resources Ready", generation)
    return condition, {"resources": counts, "resourcesReady": f"{ready_total}/{total}"}


def members(known: KnownBodies, namespace: str) -> list[Mapping[str, Any]]:
    """The watched resources of one namespace (every namespaced kind; the Tenant is cluster-scoped)."""
    return [body for _, body in known.of_namespace(namespace)]


def with_transition(
    condition: dict[str, Any], previous: Iterable[Mapping[str, Any]], now: str
) -> dict[str, Any]:
    """The condition with its lastTransitionTime: kept while its status is unchanged."""
    old = next((c for c in previous if c.get("type") == condition["type"]), None)
    same = old is not None and old.get("status") == condition["status"]
    return {**condition, "lastTransitionTime": old["lastTransitionTime"] if same and old else now}


def _kind_and_name(body: Body) -> tuple[str, str]:
    return str(body.get("kind")), str((body.get("metadata") or {}).get("name"))


def _unreconciled_generation(body: Mapping[str, Any]) -> int | None:
    """The resource's generation when its Ready condition speaks of an older one, else None.

    An edited resource whose reconcile has not run yet still carries the Ready of its previous
    generation; kstatus reads it as in progress, and so must the roll-up, or the Tenant would say
    "all Ready" over a change not applied. A condition without a generation is taken as current."""
    generation = (body.get("metadata") or {}).get("generation")
    ready = next(
        (c for c in (body.get("status") or {}).get("conditions") or [] if c.get("type") == "Ready"), None
    )
    observed = (ready or {}).get("observedGeneration", (body.get("status") or {}).get("observedGeneration"))
    if not isinstance(generation, int) or not isinstance(observed, int) or observed >= generation:
        return None
    return generation


def _ready_reason(body: Mapping[str, Any]) -> str:
    for condition in (body.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return str(condition.get("reason") or "")
    return "not reconciled yet"


def _condition(status: bool, reason: str, message: str, generation: int | None) -> dict[str, Any]:
    return {
        "type": CONDITION,
        "status": "True" if status else "False",
        "reason": reason,
        "message": message,
        "observedGeneration": generation,
    }

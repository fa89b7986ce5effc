"""The safety net under kopf's watch: resources the watch never delivered, found by listing.

kopf lists and watches every kind, and re-lists when a watch breaks. In the fault campaign a
resource created while the kube-apiserver restarted was nevertheless never handed to a handler:
no finalizer, no status, forever (the per-platform resync only revisits resources the watch has
delivered). A periodic list of every kind closes that hole whatever its cause.

The decision is pure and lives here: a resource is *due* when
- its status does not record its current generation (never reconciled, or an update nobody
  reconciled),
- the watch never delivered that generation to this process (a delivered one is kopf's and the
  resync's to finish: during a national cold start hundreds wait their turn for minutes, and
  reconciling them from here too only doubled the work), and
- it sat at the same resourceVersion through one whole sweep interval, so the sweep never races
  a watch event that is merely in flight.
Deletions are left to kopf: a resource being deleted under a retried finalizer can rightly sit
unchanged for minutes, and the finalizer must run exactly once, under kopf's control.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from vdx.controller.status import status_of

# The finalizer every vdx resource carries while the operator owns Pexip objects for it.
FINALIZER = "vdx.medcom.dk/finalizer"

Key = tuple[str, str | None, str]


def _key(kind: str, body: dict[str, Any]) -> Key:
    meta = body.get("metadata") or {}
    return (kind, meta.get("namespace"), str(meta.get("name")))


def generation_of(body: dict[str, Any]) -> int:
    generation = (body.get("metadata") or {}).get("generation")
    return generation if isinstance(generation, int) else 0


def unreconciled(body: dict[str, Any]) -> bool:
    """True when the status does not record the current generation (deletions are kopf's)."""
    meta = body.get("metadata") or {}
    if meta.get("deletionTimestamp"):
        return False
    generation = meta.get("generation")
    observed = status_of(body).observed_generation
    if not isinstance(generation, int):
        return False
    return not isinstance(observed, int) or observed < generation


class Sweeper:
    """Remembers which resources were unreconciled at the previous sweep, and at which resourceVersion."""

    def __init__(self) -> None:
        self._previous: dict[Key, str] = {}

    def due(
        self, listed: Iterable[tuple[str, dict[str, Any]]], delivered: Mapping[Key, int]
    ) -> list[tuple[str, dict[str, Any]]]:
        """The listed resources to reconcile now, in the order given (callers list dependencies first).

        `delivered` is the generation of each resource the watch has handed over.
        """
        current: dict[Key, str] = {}
        result: list[tuple[str, dict[str, Any]]] = []
        for kind, body in listed:
            if not unreconciled(body):
                continue
            key = _key(kind, body)
            if delivered.get(key, 0) >= generation_of(body):
                continue
            version = str((body.get("metadata") or {}).get("resourceVersion") or "")
            current[key] = version
            if version and self._previous.get(key) == version:
                result.append((kind, body))
        self._previous = current
        return result


def with_finalizer(body: dict[str, Any]) -> list[str] | None:
    """The finalizer list to write so the resource cannot vanish before its Pexip objects are
    released; None when it already carries ours."""
    finalizers = list((body.get("metadata") or {}).get("finalizers") or [])
    if FINALIZER in finalizers:
        return None
    return [*finalizers, FINALIZER]

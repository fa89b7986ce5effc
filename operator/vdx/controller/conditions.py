"""Conditions in the shape kstatus, Flux and Argo CD read, computed without I/O.

A reconcile ends in one `Outcome`; `conditions_for` turns it into the four conditions, keeping each
condition's lastTransitionTime when its status did not change, so an unchanged outcome produces an
identical status and the operator writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from vdx.controller.reasons import Reason


class Phase(StrEnum):
    """Where a resource stands after one reconcile."""

    READY = "Ready"  # Pexip matches the spec.
    PROGRESSING = "Progressing"  # Work done or pending; another pass will finish it.
    FAILED = "Failed"  # A transient failure (Pexip unavailable); retried with backoff.
    STALLED = "Stalled"  # Cannot progress until a person changes something (bad input, conflict).


@dataclass(frozen=True)
class Outcome:
    phase: Phase
    reason: str
    message: str


def _condition(type_: str, status: bool, reason: str, message: str, generation: int | None) -> dict[str, Any]:
    return {
        "type": type_,
        "status": "True" if status else "False",
        "reason": reason,
        "message": message,
        "observedGeneration": generation,
    }


def conditions_for(
    outcome: Outcome,
    generation: int | None,
    previous: list[dict[str, Any]] | None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """The Ready/Synced/Reconciling/Stalled conditions for an outcome.

    Ready: the Pexip side matches. Synced: the last reconcile went through (Crossplane's meaning).
    Reconciling/Stalled: kstatus's abnormal-true conditions, so `kubectl wait`, Flux and Argo CD
    tell "still working" from "needs a person".
    """
    phase = outcome.phase
    ready = phase is Phase.READY
    synced = phase in (Phase.READY, Phase.PROGRESSING)
    wanted = [
        _condition(
            "Ready", ready, outcome.reason if not ready else Reason.AVAILABLE, outcome.message, generation
        ),
        _condition(
            "Synced",
            synced,
            Reason.RECONCILE_SUCCESS if synced else outcome.reason,
            "" if synced else outcome.message,
            generation,
        ),
        _condition(
            "Reconciling",
            phase in (Phase.PROGRESSING, Phase.FAILED),
            outcome.reason if phase in (Phase.PROGRESSING, Phase.FAILED) else "Reconciled",
            outcome.message if phase in (Phase.PROGRESSING, Phase.FAILED) else "",
            generation,
        ),
        _condition(
            "Stalled",
            phase is Phase.STALLED,
            outcome.reason if phase is Phase.STALLED else Reason.NOT_STALLED,
            outcome.message if phase is Phase.STALLED else "",
            generation,
        ),
    ]
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    before = {c.get("type"): c for c in previous or []}
    for condition in wanted:
        old = before.get(condition["type"])
        if old is not None and old.get("status") == condition["status"] and old.get("lastTransitionTime"):
            condition["lastTransitionTime"] = old["lastTransitionTime"]
        else:
            condition["lastTransitionTime"] = stamp
    return wanted


def is_true(conditions: list[dict[str, Any]] | None, type_: str) -> bool:
    return any(c.get("type") == type_ and c.get("status") == "True" for c in conditions or [])

"""What every owning planner shares: finding the object it owns, and deciding it may write."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pydantic import BaseModel

from vdx.controller.conditions import Outcome, Phase
from vdx.controller.ownership import Owner, owner_of
from vdx.controller.plan import Change

M = TypeVar("M", bound=BaseModel)

ADOPT_ANNOTATION = "vdx.medcom.dk/adopt"


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    outcome: Outcome = field(default_factory=lambda: Outcome(Phase.READY, "Available", ""))
    # URIs the resource owns once the plan is applied (created ones are added by the reconciler).
    owned: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Found(Generic[M]):
    obj: M | None
    # Set when an object with our name exists but is not ours (and was not named for adoption).
    foreign: M | None = None


def find_owned(
    candidates: Iterable[M],
    owner: Owner,
    *,
    recorded: Iterable[str] = (),
    adopt: str | None = None,
    name: str | None = None,
) -> Found[M]:
    """Our object among `candidates`: by recorded URI, by marker, or by explicit adoption.

    Taking over is never silent: an object that merely has our name, but neither our marker nor a
    URI we recorded or were told to adopt, is reported as foreign.
    """
    recorded_set = set(recorded)
    same_name: M | None = None
    for obj in candidates:
        uri = getattr(obj, "resource_uri", "")
        if uri in recorded_set or (adopt and uri == adopt):
            return Found(obj)
        if owner_of(getattr(obj, "description", None)) == owner:
            return Found(obj)
        if name is not None and getattr(obj, "name", None) == name:
            same_name = obj
    return Found(None, foreign=same_name)


def foreign_outcome(resource: str, label: str, uri: str) -> Outcome:
    return Outcome(
        Phase.STALLED,
        "AlreadyExists",
        f"a {resource} named {label} already exists in Pexip ({uri}) and is not managed by this "
        f"resource; to take it over, set the annotation {ADOPT_ANNOTATION}: {uri}, or choose another name",
    )


def observe_only(plan: Plan, resource: str) -> Plan:
    """The same plan with every write removed, and an outcome that says what was not done."""
    if plan.outcome.phase is Phase.STALLED:
        return Plan(outcome=plan.outcome, owned=plan.owned)
    if not plan.owned:
        return Plan(
            outcome=Outcome(
                Phase.STALLED,
                "NotFoundInPexip",
                f"managementPolicy is ObserveOnly and Pexip has no {resource} for this resource; name an "
                f"existing one with the annotation {ADOPT_ANNOTATION}, "
                "or set managementPolicy: Full to create it",
            )
        )
    return Plan(outcome=observe_only_outcome(plan.changes), owned=plan.owned)


def observe_only_outcome(changes: list[Change]) -> Outcome:
    if not changes:
        return Outcome(Phase.READY, "Available", "Pexip matches (observe only)")
    drift = "; ".join(change.describe() for change in changes)
    return Outcome(
        Phase.STALLED,
        "DriftObserved",
        f"managementPolicy is ObserveOnly, so nothing was written; Pexip differs: {drift}",
    )

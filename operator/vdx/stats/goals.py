"""The service goals the user group holds a month to: each with a configured target, met or missed (pure).

The meeting asks "did we meet our goals?", not "what were the numbers?": every goal here has a
target (shipped defaults, overridden with `--goal KEY=VALUE`), a direction (at least / at most) and
says `met`, `missed` or `not measured` (with what would measure it). Counts without a target
(changes written, drift corrections, renewals) are events and live beside the goals, not in them.

Why these goals, and where their figures come from:
- `availability`: the management API answered the operator (the incident record).
- `changes`: configuration changes applied; write requests to Pexip that succeeded (Prometheus).
- `drift_incidents`: episodes of the VdxDriftCorrectionsHigh alert. A drift correction is one
  event (one Pexip object put back in line with Git) and no incident by itself; an incident is an
  episode in which someone kept editing Pexip by hand, which is what the alert marks (Prometheus).
- `certificate_days`: the fewest days any certificate of the platform had left in the month; at
  least N means none expired and each was renewed N days or more before its expiry (Prometheus).
- `critical_alerts`: distinct critical alerts that fired on the platform (or on every platform).
- `quality`: calls of good or ok quality, of those with a known quality (the usage export).
- `capacity`: the platform's peak concurrent participants as a share of the licensed ports (the
  usage export and `--licence-ports`; Pexip's licence is not read by these commands).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum


class Unit(Enum):
    PERCENT = "percent"  # values are fractions (0..1); targets are given in percent
    DAYS = "days"
    COUNT = "count"


@dataclass(frozen=True)
class Goal:
    key: str
    label: str
    unit: Unit
    at_least: bool  # met when the result is >= the target (else: <=)
    default: float
    # What measures it, said when it was not measured.
    source: str


AVAILABILITY = "availability"
CHANGES = "changes"
DRIFT_INCIDENTS = "drift_incidents"
CERTIFICATE_DAYS = "certificate_days"
CRITICAL_ALERTS = "critical_alerts"
QUALITY = "quality"
CAPACITY = "capacity"

PROMETHEUS = "needs --prometheus"
USAGE = "needs the usage export (`vdx stats kpi`)"

GOALS = (
    Goal(
        AVAILABILITY,
        "Availability of the Pexip management API, as the operator saw it",
        Unit.PERCENT,
        True,
        99.9,
        "the incident record",
    ),
    Goal(
        CHANGES,
        "Configuration changes applied: write requests to Pexip that succeeded",
        Unit.PERCENT,
        True,
        99.0,
        PROMETHEUS,
    ),
    Goal(
        DRIFT_INCIDENTS,
        "Drift incidents: episodes of VdxDriftCorrectionsHigh (hand edits in Pexip kept up)",
        Unit.COUNT,
        False,
        0,
        PROMETHEUS,
    ),
    Goal(
        CERTIFICATE_DAYS,
        "Certificates: fewest days left on any (none expired, renewed in time)",
        Unit.DAYS,
        True,
        14,
        PROMETHEUS,
    ),
    Goal(CRITICAL_ALERTS, "Critical alerts fired (distinct)", Unit.COUNT, False, 0, PROMETHEUS),
    Goal(
        QUALITY,
        "Calls of good or ok quality (of those with a known quality)",
        Unit.PERCENT,
        True,
        95.0,
        USAGE,
    ),
    Goal(
        CAPACITY,
        "Peak concurrent participants, share of the licensed ports",
        Unit.PERCENT,
        False,
        80.0,
        "needs the usage export and --licence-ports",
    ),
)
BY_KEY = {goal.key: goal for goal in GOALS}


EPSILON = 1e-9


class TargetError(ValueError):
    """A --goal value that names no goal or gives no number; the message names the fix."""


def targets(settings: Iterable[str] = (), availability: float | None = None) -> dict[str, float]:
    """Every goal's target in its own unit (percent as written): the defaults, then `KEY=VALUE`
    settings, then the older `--target` (availability) if given."""
    chosen = {goal.key: goal.default for goal in GOALS}
    keys = ", ".join(BY_KEY)
    for setting in settings:
        key, sep, value = setting.partition("=")
        key = key.strip()
        if not sep or key not in BY_KEY:
            raise TargetError(f"--goal {setting!r}: write KEY=VALUE with KEY one of {keys}")
        try:
            number = float(value)
        except ValueError:
            raise TargetError(f"--goal {setting!r}: {value!r} is not a number, e.g. {key}=95") from None
        if BY_KEY[key].unit is Unit.PERCENT and not 0 <= number <= 100:
            raise TargetError(f"--goal {setting!r}: a share is given in percent, between 0 and 100")
        if BY_KEY[key].unit is Unit.COUNT and number < 0:
            raise TargetError(f"--goal {setting!r}: a count cannot be negative")
        chosen[key] = number
    if availability is not None:
        chosen[AVAILABILITY] = availability
    return chosen


@dataclass(frozen=True)
class GoalResult:
    goal: Goal
    target: float  # in the goal's unit, percent as written
    value: float | None  # a fraction for PERCENT; None: not measured
    why_not: str = ""

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        # A tolerance for the percent's division: 99.9 / 100 is a hair above 0.999.
        target = _comparable(self.goal, self.target)
        if self.goal.at_least:
            return self.value >= target - EPSILON
        return self.value <= target + EPSILON

    @property
    def verdict(self) -> str:
        met = self.met
        return "not measured" if met is None else ("met" if met else "missed")

    @property
    def shown_target(self) -> str:
        sign = "≥" if self.goal.at_least else "≤"
        if self.goal.unit is Unit.PERCENT:
            return f"{sign} {self.target:.2f}%"
        return f"{sign} {self.target:g}" + (" days" if self.goal.unit is Unit.DAYS else "")

    @property
    def shown_value(self) -> str:
        if self.value is None:
            return self.why_not or self.goal.source
        if self.goal.unit is Unit.PERCENT:
            return f"{self.value * 100:.3f}%"
        if self.goal.unit is Unit.DAYS:
            return f"{self.value:.1f} days"
        return f"{round(self.value):d}"


def _comparable(goal: Goal, target: float) -> float:
    return target / 100 if goal.unit is Unit.PERCENT else target


def evaluate(
    chosen: Mapping[str, float], values: Mapping[str, float | None], why_not: Mapping[str, str] | None = None
) -> tuple[GoalResult, ...]:
    """Every goal, in the order of GOALS, held to its target; a goal without a value is not measured."""
    reasons = why_not or {}
    return tuple(
        GoalResult(goal, chosen.get(goal.key, goal.default), values.get(goal.key), reasons.get(goal.key, ""))
        for goal in GOALS
    )

"""Days, fetch windows and the incremental state's bookkeeping; pure, so the edge cases are tested.

A meeting belongs to the UTC day on which it *ended*: Pexip writes a history record only when a
call ends, so a day is final once it is over (plus a short settling time for records that land a
few seconds late). Attributing by start day would leave a day open for as long as any meeting
started on it could still be running, and the incremental export could never call it done.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

# History records appear a few seconds after a call ends (spec §3.2); wait this long after midnight.
SETTLE = timedelta(minutes=15)
# Pexip keeps at most 10 000 conference instances (spec §3.2): a window that returns this many is
# as large as the whole retained history, so it is split; smaller windows also keep offset paging short.
WINDOW_CAP = 5000
MIN_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Window:
    """A half-open interval [start, end) of naive UTC datetimes, as the history filters expect."""

    start: datetime
    end: datetime

    def halves(self) -> tuple[Window, Window]:
        middle = self.start + (self.end - self.start) / 2
        middle = middle.replace(microsecond=0)
        return Window(self.start, middle), Window(middle, self.end)

    @property
    def splittable(self) -> bool:
        return self.end - self.start >= 2 * MIN_WINDOW


def days_between(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`, both included."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min)


def is_over(day: date, now: datetime) -> bool:
    """Whether the day's history is final (`now` is naive UTC)."""
    return now >= day_start(day) + timedelta(days=1) + SETTLE


def windows(day: date, hours: int) -> list[Window]:
    """The day cut into windows of `hours` (the last one shorter if 24 is not a multiple)."""
    if not 1 <= hours <= 24:
        raise ValueError(f"--window-hours is {hours}; use a whole number from 1 to 24")
    start, end = day_start(day), day_start(day) + timedelta(days=1)
    out: list[Window] = []
    while start < end:
        stop = min(start + timedelta(hours=hours), end)
        out.append(Window(start, stop))
        start = stop
    return out


def to_ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days folded into inclusive ranges, so the state file stays short."""
    ordered = sorted(set(days))
    out: list[tuple[date, date]] = []
    for day in ordered:
        if out and out[-1][1] + timedelta(days=1) == day:
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def from_ranges(ranges: Iterable[tuple[date, date]]) -> set[date]:
    found: set[date] = set()
    for first, last in ranges:
        found.update(days_between(first, last))
    return found


@dataclass(frozen=True)
class Plan:
    """What a run will do with the requested days."""

    to_export: list[date]
    already_done: list[date]
    not_over: list[date]
    # Asked for, but before the node's oldest history record: left out, and asked for again next run.
    before_history: list[date] = field(default_factory=list)


def plan_days(requested: list[date], done: set[date], now: datetime) -> Plan:
    return Plan(
        to_export=[d for d in requested if d not in done and is_over(d, now)],
        already_done=[d for d in requested if d in done],
        not_over=[d for d in requested if d not in done and not is_over(d, now)],
    )


def before_history(days: Iterable[date], begins: date | None) -> list[date]:
    """The days before the node's history begins (every day when it holds none): exporting them
    would record zeros that are not known to be zeros, and never look at them again."""
    return [d for d in days if begins is None or d < begins]

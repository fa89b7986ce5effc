"""Days, windows and the incremental plan."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest

from vdx.stats.periods import Window, days_between, from_ranges, is_over, plan_days, to_ranges, windows

D = date(2026, 10, 1)


def test_windows_cover_the_day_without_gaps_or_overlap() -> None:
    for hours in (1, 5, 7, 24):
        cut = windows(D, hours)
        assert cut[0].start == datetime(2026, 10, 1)
        assert cut[-1].end == datetime(2026, 10, 2)
        assert all(a.end == b.start for a, b in itertools.pairwise(cut))
    assert len(windows(D, 5)) == 5
    assert windows(D, 5)[-1].end - windows(D, 5)[-1].start == timedelta(hours=4)


def test_window_hours_out_of_range() -> None:
    with pytest.raises(ValueError, match="--window-hours"):
        windows(D, 0)


def test_halves_split_at_whole_seconds() -> None:
    first, second = Window(datetime(2026, 10, 1), datetime(2026, 10, 1, 0, 0, 3)).halves()
    assert first.end == second.start == datetime(2026, 10, 1, 0, 0, 1)
    assert not Window(datetime(2026, 10, 1), datetime(2026, 10, 1, 0, 20)).splittable


def test_ranges_round_trip() -> None:
    days = {D, D + timedelta(1), D + timedelta(2), D + timedelta(5)}
    assert to_ranges(days) == [(D, D + timedelta(2)), (D + timedelta(5), D + timedelta(5))]
    assert from_ranges(to_ranges(days)) == days


def test_a_day_is_over_after_midnight_plus_settling_time() -> None:
    assert not is_over(D, datetime(2026, 10, 2, 0, 10))
    assert is_over(D, datetime(2026, 10, 2, 0, 15))


def test_plan_skips_done_days_and_days_not_over() -> None:
    requested = days_between(D, D + timedelta(4))
    plan = plan_days(requested, {D, D + timedelta(1)}, datetime(2026, 10, 4, 12))
    assert plan.already_done == [D, D + timedelta(1)]
    assert plan.to_export == [D + timedelta(2)]
    assert plan.not_over == [D + timedelta(3), D + timedelta(4)]

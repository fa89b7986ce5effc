"""Incremental exports: a re-run reads and adds only new days, and never duplicates a row."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from tests.stats.support import START, export, simulator
from vdx.stats.aggregate import BreakdownRow, DailyRow
from vdx.stats.state import STATE_FILE, StateError
from vdx.stats.tables import BREAKDOWN_CSV, DAILY_CSV, read_rows

WEEK = START + timedelta(days=6)
TWO_WEEKS = START + timedelta(days=13)


def queried_days(sim: object) -> set[str]:
    """The days whose conferences the client asked for (from the simulator's request log)."""
    log = sim.accounting.snapshot()["log"]  # type: ignore[attr-defined]
    found = set()
    for entry in log:
        if entry["resource"] == "history/conference":
            query = parse_qs(entry["query"])
            if "end_time__gte" in query:
                found.add(query["end_time__gte"][0][:10])
    return found


def no_duplicates(out: Path) -> list[DailyRow]:
    daily = read_rows(out / DAILY_CSV, DailyRow)
    breakdown = read_rows(out / BREAKDOWN_CSV, BreakdownRow)
    assert max(Counter(r.key for r in daily).values()) == 1
    assert max(Counter(r.key for r in breakdown).values()) == 1
    return daily


async def test_rerun_appends_only_new_days(tmp_path: Path) -> None:
    sim = simulator(days=14)
    first = await export(sim, tmp_path, START, WEEK)
    assert len(first.plan.to_export) == 7
    week = no_duplicates(tmp_path)
    state = json.loads((tmp_path / STATE_FILE).read_text())
    assert state["exportedDays"] == [["2026-10-01", "2026-10-07"]]
    assert state["through"] == "2026-10-07"

    sim.accounting.reset()
    second = await export(sim, tmp_path, START, TWO_WEEKS)
    assert len(second.plan.already_done) == 7
    assert len(second.plan.to_export) == 7
    assert queried_days(sim) == {f"2026-10-{d:02d}" for d in range(8, 15)}
    both = no_duplicates(tmp_path)
    assert len(both) == 2 * len(week)
    assert [r for r in both if r.date <= WEEK] == week  # earlier rows untouched

    sim.accounting.reset()
    third = await export(sim, tmp_path, START, TWO_WEEKS)
    assert third.plan.to_export == []
    assert queried_days(sim) == set()
    assert no_duplicates(tmp_path) == both


async def test_lost_state_replaces_rows_instead_of_duplicating(tmp_path: Path) -> None:
    sim = simulator(days=3)
    await export(sim, tmp_path, START, START + timedelta(days=2))
    before = no_duplicates(tmp_path)
    (tmp_path / STATE_FILE).unlink()
    again = await export(sim, tmp_path, START, START + timedelta(days=2))
    assert len(again.plan.to_export) == 3
    assert no_duplicates(tmp_path) == before


async def test_days_not_over_are_left_for_later(tmp_path: Path) -> None:
    sim = simulator(days=1)
    from tests.stats import support

    result = await export(sim, tmp_path, support.NOW.date() - timedelta(days=1), support.NOW.date())
    assert [d.isoformat() for d in result.plan.to_export] == ["2026-11-24"]
    assert [d.isoformat() for d in result.plan.not_over] == ["2026-11-25"]


async def test_state_of_another_platform_or_tenant_is_refused(tmp_path: Path) -> None:
    sim = simulator(days=1)
    await export(sim, tmp_path, START, START)
    with pytest.raises(StateError, match="field tenant is None but --tenant is 'rm'"):
        await export(sim, tmp_path, START, START, only_tenant="rm")
    state = json.loads((tmp_path / STATE_FILE).read_text())
    state["platform"] = "stage"
    (tmp_path / STATE_FILE).write_text(json.dumps(state))
    with pytest.raises(StateError, match="field platform is 'stage' but --platform is 'prod'"):
        await export(sim, tmp_path, START, START)


async def test_days_before_the_history_begins_are_warned_about_and_asked_for_again(tmp_path: Path) -> None:
    sim = simulator(days=2)
    early = [START - timedelta(days=n) for n in (3, 2, 1)]
    first = await export(sim, tmp_path, early[0], START + timedelta(days=1))
    assert first.plan.before_history == early
    assert first.plan.to_export == [START, START + timedelta(days=1)]
    (warning,) = first.warnings
    assert warning.startswith("3 day(s) not exported (2026-09-28 to 2026-09-30): they lie before the node's")
    assert "the next export asks for them again" in warning
    assert "start --from at 2026-10-01" in warning
    # No zeros recorded for them: no rows, not in the state.
    assert {r.date for r in no_duplicates(tmp_path)} == {START, START + timedelta(days=1)}
    state = json.loads((tmp_path / STATE_FILE).read_text())
    assert state["exportedDays"] == [["2026-10-01", "2026-10-02"]]
    # The next run asks for them again (and warns again), and nothing else.
    again = await export(sim, tmp_path, early[0], START + timedelta(days=1))
    assert again.plan.before_history == early
    assert again.plan.to_export == []
    assert len(again.warnings) == 1


async def test_a_node_without_history_exports_nothing_and_says_so(tmp_path: Path) -> None:
    sim = simulator(days=0)
    result = await export(sim, tmp_path, START, START + timedelta(days=1))
    assert result.plan.to_export == []
    assert len(result.plan.before_history) == 2
    assert "the node holds no history at all yet" in result.warnings[0]

"""Window splitting changes how history is read, never what is exported."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.stats.support import START, export, simulator
from vdx.stats.aggregate import DailyRow
from vdx.stats.tables import DAILY_CSV, read_rows


async def test_small_windows_and_splitting_give_the_same_rows(tmp_path: Path) -> None:
    sim = simulator(days=2)
    last = START + timedelta(days=1)
    await export(sim, tmp_path / "day", START, last)
    sim.accounting.reset()
    await export(sim, tmp_path / "split", START, last, window_cap=4)
    split_requests = sim.accounting.count("GET", "history/conference")
    await export(sim, tmp_path / "hours", START, last, window_hours=5)
    reference = read_rows(tmp_path / "day" / DAILY_CSV, DailyRow)
    assert sum(r.meetings for r in reference) > 8  # enough to force splits with a cap of 4
    assert read_rows(tmp_path / "split" / DAILY_CSV, DailyRow) == reference
    assert read_rows(tmp_path / "hours" / DAILY_CSV, DailyRow) == reference
    assert split_requests > 2 * 2  # the cap made it split the two daily windows

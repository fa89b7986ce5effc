"""Progress: a rewritten line on a terminal, silence in pipes and with --quiet; the retention warning."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest

from tests.stats.support import START, client, export, simulator
from vdx.stats import export as export_module
from vdx.stats.progress import Progress, progress_line


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line() -> None:
    assert progress_line(3, 12, "2026-10-03", 6.0) == "[ 3/12]  25%  2026-10-03  (6 s, about 18 s left)"
    assert progress_line(12, 12, "done", 20.0) == "[12/12] 100%  done  (20 s)"


def test_progress_only_on_a_terminal_and_not_when_quiet() -> None:
    for stream, quiet, shown in (
        (Terminal(), False, True),
        (Terminal(), True, False),
        (io.StringIO(), False, False),
    ):
        progress = Progress.for_stream(2, stream, quiet=quiet)
        progress.update(1, "x")
        progress.finish()
        assert ("[1/2]" in stream.getvalue()) is shown


async def test_retention_warning_near_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sim = simulator(days=2)
    async with client(sim) as pexip:
        assert await export_module.retention_warning(pexip, START - timedelta(days=1)) is None
        monkeypatch.setattr(export_module, "RETENTION_WARNING", 10)
        warning = await export_module.retention_warning(pexip, START - timedelta(days=1))
        assert warning is not None
        assert "may be incomplete" in warning
        # From the day after the oldest record, nothing asked for can have been evicted.
        assert await export_module.retention_warning(pexip, START + timedelta(days=1)) is None
    result = await export(sim, tmp_path, START - timedelta(days=1), START)
    # The day before the oldest record also gets its own warning and is left out (issue 21).
    assert result.warnings[0] == warning
    assert result.plan.before_history == [START - timedelta(days=1)]

"""The KPI example in docs/operations.md is what `python -m vdx.stats.example` prints, not typed."""

from __future__ import annotations

import pytest

from vdx.paths import REPO_ROOT
from vdx.stats import example

DOC = REPO_ROOT / "docs" / "operations.md"


def test_the_docs_example_is_what_the_code_makes() -> None:
    made = example.report()
    text = DOC.read_text(encoding="utf-8")
    assert example.replace_between_markers(text, made) == text, (
        "the KPI example in docs/operations.md is stale: run `python -m vdx.stats.example --write "
        "docs/operations.md`"
    )
    # Every example tenant is in it, with calls; the platform's peak is below the sum of theirs.
    cells = [line.split(" | ") for line in made.splitlines() if line.startswith("| ")]
    rows = [row for row in cells if len(row) == 12 and row[4].endswith("%")]  # the usage table
    tenants, platform = rows[:-1], rows[-1]
    assert len(tenants) == 13
    assert all(int(row[1]) > 0 for row in tenants)
    peaks = [int(row[-1].rstrip(" |")) for row in tenants]
    assert max(peaks) <= int(platform[-1].rstrip(" |")) < sum(peaks)
    assert "| Calls of good or ok quality (of those with a known quality) | ≥ 95.00% |" in made


def test_the_markers_are_required() -> None:
    with pytest.raises(ValueError, match="kpi-example"):
        example.replace_between_markers("no markers", "x")

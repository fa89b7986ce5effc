"""The monthly service-goal report from the incident record: figures, Markdown, workbook, CLI."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import load_workbook

from vdx.cli.main import cli
from vdx.controller.incidents import IncidentLog
from vdx.stats.service_goals import MonthError, build_report, month_range, to_markdown

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def november() -> IncidentLog:
    log = IncidentLog()
    log.observe_platform(
        "prod", False, datetime(2026, 10, 31, 23, 40, tzinfo=UTC), ["rm"], "the management node answered 503"
    )
    log.observe_platform("prod", True, datetime(2026, 11, 1, 0, 20, tzinfo=UTC))
    log.observe_platform(
        "prod", False, datetime(2026, 11, 18, 9, 0, tzinfo=UTC), ["kk", "rm"], "no answer | timeout"
    )
    log.observe_platform("prod", True, datetime(2026, 11, 18, 10, 30, tzinfo=UTC))
    log.observe_platform("stage", False, datetime(2026, 11, 5, tzinfo=UTC), ["stage-rm"], "x")
    log.observe_platform("prod", False, datetime(2026, 12, 2, tzinfo=UTC), ["rm"], "december")
    return log


def test_months() -> None:
    assert month_range("2026-12") == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    for bad in ("2026-13", "11-2026", "2026-1", "november"):
        with pytest.raises(MonthError, match="YYYY-MM"):
            month_range(bad)


def test_the_month_held_to_its_target() -> None:
    report = build_report(november().incidents, "prod", "2026-11", 99.5, NOW)
    down_minutes = 20 + 90  # the part inside November of the first, and the second
    assert report.availability == pytest.approx(1 - down_minutes / (30 * 24 * 60))
    assert report.met  # 99.75 % >= 99.5 %
    assert not build_report(november().incidents, "prod", "2026-11", 99.9, NOW).met
    assert [i.cause for i in report.incidents] == ["the management node answered 503", "no answer | timeout"]
    text = to_markdown(build_report(november().incidents, "prod", "2026-11", 99.9, NOW))
    assert "## Service goals and incidents: platform prod, 2026-11\n" in text
    assert "| ≥ 99.90% | 99.745% | missed |" in text
    assert "| Time unreachable | | 110 min | |" in text
    assert (
        "| 2026-11-18 09:00 | 2026-11-18 10:30 | 1 h 30 min | PlatformUnreachable | kk, rm "
        "| no answer \\| timeout |" in text
    )
    assert "| 2026-10-31 23:40 | 2026-11-01 00:20 | 40 min |" in text


def test_a_month_not_over_and_an_ongoing_incident() -> None:
    report = build_report(november().incidents, "prod", "2026-12", 99.9, NOW)
    text = to_markdown(report)
    assert "(month not over: up to 2026-12-04 12:00 UTC)" in text
    assert "| 2026-12-02 00:00 | ongoing | 60 h 00 min |" in text
    assert report.availability == pytest.approx(1 - 60 / (3 * 24 + 12))
    quiet = to_markdown(build_report(november().incidents, "other", "2026-11", 99.9, NOW))
    assert "| 100.000% | met |" in quiet
    assert "No incidents recorded this month." in quiet


def test_the_cli_reads_a_config_map_manifest_and_writes_the_workbook(tmp_path: Path) -> None:
    manifest = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "vdx-incidents", "namespace": "vdx-system"},
        "data": {"incidents.json": november().to_text()},
    }
    source = tmp_path / "cm.yaml"
    source.write_text(yaml.safe_dump(manifest))
    book = tmp_path / "kpi.xlsx"
    args = ["stats", "incidents", "--platform", "prod", "--month", "2026-11", "--from-file", str(source)]
    result = CliRunner().invoke(cli, [*args, "--target", "99.5", "--xlsx", str(book)])
    assert result.exit_code == 0, result.output
    assert "| 99.745% | met |" in result.output
    workbook = load_workbook(book)
    assert workbook.sheetnames == ["Service goals", "Incidents"]
    goals = list(workbook["Service goals"].values)
    assert goals[1][:3] == ("prod", "2026-11", "Availability of the Pexip management API")
    assert goals[1][4] == pytest.approx(1 - 110 / (30 * 24 * 60))
    assert goals[1][5] == "met"
    incidents = list(workbook["Incidents"].values)
    assert len(incidents) == 3
    assert incidents[2][2] == 90.0
    assert incidents[2][5] == "kk, rm"
    bad = CliRunner().invoke(
        cli, ["stats", "incidents", "--platform", "prod", "--month", "2026-13", "--from-file", str(source)]
    )
    assert bad.exit_code == 2
    assert "write it as YYYY-MM" in bad.output

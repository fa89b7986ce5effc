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
from vdx.stats import goals
from vdx.stats.prometheus_goals import Figure, GoalQuery
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
    assert "| Time unreachable | 110 min |" in text
    assert "| Incidents | 2 |" in text
    # Without Prometheus or the usage export, the other goals say what would measure them.
    assert "| ≥ 14 days | needs --prometheus | not measured |" in text
    assert "| ≥ 95.00% | needs the usage export (`vdx stats kpi`) | not measured |" in text
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
    header, *goals = list(workbook["Service goals"].values)
    assert header == ("Platform", "Month", "Goal", "Key", "Unit", "Target", "Result", "Met")
    assert goals[0][:5] == (
        "prod",
        "2026-11",
        "Availability of the Pexip management API, as the operator saw it",
        "availability",
        "percent",
    )
    assert goals[0][5] == pytest.approx(0.995)
    assert goals[0][6] == pytest.approx(1 - 110 / (30 * 24 * 60))
    assert goals[0][7] == "met"
    assert [g[3] for g in goals[:7]] == [
        "availability",
        "changes",
        "drift_incidents",
        "certificate_days",
        "critical_alerts",
        "quality",
        "capacity",
    ]
    assert goals[3][5:] == (14, None, "not measured")
    assert goals[7][2:] == ("Minutes unreachable", None, "count", None, 110, None)
    incidents = list(workbook["Incidents"].values)
    assert len(incidents) == 3
    assert incidents[2][2] == 90.0
    assert incidents[2][5] == "kk, rm"
    bad = CliRunner().invoke(
        cli, ["stats", "incidents", "--platform", "prod", "--month", "2026-13", "--from-file", str(source)]
    )
    assert bad.exit_code == 2
    assert "write it as YYYY-MM" in bad.output


def figure(key: str, label: str, value: float | None, empty_why: str = "") -> Figure:
    return Figure(GoalQuery(key, label, "expr", empty=None, empty_why=empty_why), value)


PROMETHEUS = [
    figure(goals.CHANGES, "writes", 0.985),
    figure(goals.DRIFT_INCIDENTS, "drift incidents", 1),
    figure(goals.CERTIFICATE_DAYS, "fewest days", None, "no certificate on the platform this month"),
    figure(goals.CRITICAL_ALERTS, "critical", 0),
    figure("", "Drift corrections (events: objects put back in line with Git)", 37),
    figure("", "Changes written to Pexip", 412.0),
]


def test_every_goal_held_to_its_own_target() -> None:
    chosen = goals.targets(["changes=98", "drift_incidents=2", "quality=90"], availability=99.5)
    report = build_report(november().incidents, "prod", "2026-11", chosen, NOW).with_figures(PROMETHEUS)
    report = report.with_usage({goals.QUALITY: 0.93}, {goals.CAPACITY: "no licence"})
    verdicts = {r.goal.key: r.verdict for r in report.results}
    assert verdicts == {
        "availability": "met",  # 99.745 % >= 99.5 %
        "changes": "met",  # 98.5 % >= 98 %
        "drift_incidents": "met",  # 1 <= 2
        "certificate_days": "not measured",
        "critical_alerts": "met",
        "quality": "met",
        "capacity": "not measured",
    }
    strict = build_report(november().incidents, "prod", "2026-11", goals.targets(), NOW)
    strict = strict.with_figures(PROMETHEUS).with_usage({goals.QUALITY: 0.93}, {})
    assert {r.goal.key: r.verdict for r in strict.results if r.met is False} == {
        "availability": "missed",
        "changes": "missed",  # 98.5 % < 99 %
        "drift_incidents": "missed",  # 1 > 0
        "quality": "missed",  # 93 % < 95 %
    }
    text = to_markdown(report)
    assert "| ≥ 98.00% | 98.500% | met |" in text
    assert "| ≤ 2 | 1 | met |" in text
    assert "| ≥ 14 days | no certificate on the platform this month | not measured |" in text
    assert "| ≤ 80.00% | no licence | not measured |" in text
    assert "| Changes written to Pexip | 412 |" in text


def test_drift_corrections_are_counted_events_not_incidents() -> None:
    """37 corrections in the month are a count; the one drift incident is the alert's episode and
    a goal; the incident list (outages, refusal storms) is the record's, unchanged by either."""
    plain = build_report(november().incidents, "prod", "2026-11", 99.9, NOW)
    report = plain.with_figures(PROMETHEUS)
    assert report.incidents == plain.incidents
    assert [i.kind for i in report.incidents] == ["PlatformUnreachable", "PlatformUnreachable"]
    text = to_markdown(report)
    assert "| Incidents | 2 |" in text
    assert "| Drift corrections (events: objects put back in line with Git) | 37 |" in text
    assert "| Drift incidents: episodes of VdxDriftCorrectionsHigh" in text
    assert "| ≤ 0 | 1 | missed |" in text
    assert "A drift correction is an event" in text
    assert "Neither is in the incident list" in text


def test_targets_are_checked() -> None:
    assert goals.targets()["availability"] == 99.9
    assert goals.targets(["availability=99"], availability=99.95)["availability"] == 99.95
    for bad, message in (
        ("speed=3", "KEY one of availability, changes"),
        ("quality", "write KEY=VALUE"),
        ("quality=high", "'high' is not a number, e.g. quality=95"),
        ("quality=120", "in percent, between 0 and 100"),
        ("critical_alerts=-1", "cannot be negative"),
    ):
        with pytest.raises(goals.TargetError, match=message):
            goals.targets([bad])
    # 99.9 / 100 is a hair above 0.999: exactly on the target is met.
    result = goals.evaluate(goals.targets(), {"availability": 0.999})[0]
    assert result.met is True


def test_a_bad_goal_names_the_option(tmp_path: Path) -> None:
    record = tmp_path / "incidents.json"
    record.write_text(november().to_text())
    args = ["stats", "incidents", "--platform", "prod", "--month", "2026-11", "--from-file", str(record)]
    result = CliRunner().invoke(cli, [*args, "--goal", "uptime=99"])
    assert result.exit_code == 2
    assert "--goal 'uptime=99': write KEY=VALUE with KEY one of availability" in result.output
    result = CliRunner().invoke(cli, [*args, "--goal", "availability=99.5"])
    assert "| ≥ 99.50% | 99.745% | met |" in result.output

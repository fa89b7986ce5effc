"""Monthly usage KPIs from the export's daily rows, and `vdx stats kpi` with the service goals."""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from vdx.cli.main import cli
from vdx.controller.incidents import IncidentLog
from vdx.stats import goals
from vdx.stats.aggregate import DailyRow, PlatformDayRow
from vdx.stats.kpi import PLATFORM_ROW, monthly_usage, to_markdown, usage_goals
from vdx.stats.tables import DAILY_CSV, PLATFORM_DAILY_CSV, write_rows


def row(day: date, tenant: str, platform: str = "prod", **counts: int | float) -> DailyRow:
    return DailyRow(date=day, platform=platform, tenant=tenant, display_name=tenant.upper(), **counts)  # type: ignore[arg-type]


ROWS = [
    row(date(2026, 11, 2), "rm", meetings=3, participants=8, participant_seconds=6000, meeting_minutes=90.0,
        quality_good=6, quality_ok=1, quality_bad=1, participants_webrtc=5, participants_sip=3,
        peak_concurrent_participants=5),
    row(date(2026, 11, 20), "rm", meetings=1, participants=2, participant_seconds=1200, meeting_minutes=20.0,
        quality_good=1, quality_terrible=1, participants_h323=2, peak_concurrent_participants=2),
    row(date(2026, 11, 5), "kk", meetings=2, participants=10, participant_seconds=3000, meeting_minutes=30.0,
        quality_good=8, quality_unknown=2, participants_webrtc=10, peak_concurrent_participants=7),
    row(date(2026, 12, 1), "rm", meetings=50, participants=100),  # next month
    row(date(2026, 10, 31), "rm", meetings=50, participants=100),  # previous month
    row(date(2026, 11, 5), "stage-rm", platform="stage", meetings=9, participants=9),  # another platform
]  # fmt: skip


def test_a_month_per_tenant_and_for_the_platform() -> None:
    kpis = monthly_usage(ROWS, "prod", date(2026, 11, 1), date(2026, 12, 1))
    assert [k.tenant for k in kpis] == ["kk", "rm", PLATFORM_ROW]
    kk, rm, total = kpis
    assert (rm.meetings, rm.participants, rm.participant_minutes, rm.days) == (4, 10, 120.0, 2)
    assert rm.quality == {"good": 7, "ok": 1, "bad": 1, "terrible": 1, "unknown": 0}
    assert rm.protocol == {"webrtc": 5, "sip": 3, "h323": 2, "other": 0}
    assert rm.share(rm.quality, "good") == pytest.approx(0.7)
    assert rm.peak_concurrent_participants == 5
    assert kk.share(kk.quality, "unknown") == pytest.approx(0.2)
    assert (total.meetings, total.participants, total.meeting_minutes) == (6, 20, 140.0)
    assert total.peak_concurrent_participants is None  # no platform days given: not the tenants' peaks
    assert total.share(total.protocol, "webrtc") == pytest.approx(0.75)
    text = to_markdown(kpis, "prod", "2026-11")
    assert "| RM | 4 | 10 | 120 | 70.0% | 10.0% | 10.0% | 10.0% | 50.0% | 30.0% | 20.0% | 5 |" in text
    assert "| **platform prod** | 6 | 20 | 170 |" in text


# The platform's days: on 5 November kk's 7 and someone of rm's at once; the tenants' peaks that
# month add up to 12 (rm 5, kk 7), the platform's never passed 9.
DAYS = [
    PlatformDayRow(date(2026, 11, 2), "prod", 3, 8, 5, 2),
    PlatformDayRow(date(2026, 11, 5), "prod", 2, 10, 9, 2),
    PlatformDayRow(date(2026, 11, 20), "prod", 1, 2, 2, 1),
    PlatformDayRow(date(2026, 11, 5), "stage", 9, 9, 40, 9),  # another platform
    PlatformDayRow(date(2026, 12, 1), "prod", 50, 100, 60, 9),  # next month
]


def test_the_platform_row_has_the_platforms_own_peak() -> None:
    kpis = monthly_usage(ROWS, "prod", date(2026, 11, 1), date(2026, 12, 1), DAYS)
    assert [k.peak_concurrent_participants for k in kpis] == [7, 5, 9]
    assert (
        "| **platform prod** | 6 | 20 | 170 | 75.0% | 5.0% | 5.0% | 5.0% | 75.0% | 15.0% | 10.0% | 9 |"
        in (to_markdown(kpis, "prod", "2026-11"))
    )
    # A day the tenant rows hold but the platform's days do not (exported by an older version):
    # no figure rather than a peak that may be too low.
    partial = monthly_usage(ROWS, "prod", date(2026, 11, 1), date(2026, 12, 1), DAYS[1:])
    assert partial[-1].peak_concurrent_participants is None
    measured, why_not = usage_goals(partial, licence_ports=10)
    assert goals.CAPACITY not in measured
    assert "export it again into a new directory" in why_not[goals.CAPACITY]
    measured, _ = usage_goals(kpis, licence_ports=12)
    assert measured[goals.CAPACITY] == pytest.approx(0.75)


def test_an_empty_month_has_only_the_platform_row() -> None:
    (total,) = monthly_usage(ROWS, "prod", date(2026, 6, 1), date(2026, 7, 1))
    assert total.participants == 0
    assert total.share(total.quality, "good") == 0.0


def test_vdx_stats_kpi_writes_the_minutes_and_the_workbook(tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    write_rows(export / DAILY_CSV, DailyRow, ROWS)
    write_rows(export / PLATFORM_DAILY_CSV, PlatformDayRow, DAYS)
    log = IncidentLog()
    log.observe_platform(
        "prod", False, datetime(2026, 11, 18, 9, 0, tzinfo=UTC), ["rm"], "the management node answered 503"
    )
    log.observe_platform("prod", True, datetime(2026, 11, 18, 9, 30, tzinfo=UTC))
    record = tmp_path / "incidents.json"
    record.write_text(log.to_text())
    book = tmp_path / "kpi.xlsx"
    args = ["stats", "kpi", "--platform", "prod", "--month", "2026-11", "--export-dir", str(export)]
    goal = ["--goal", "quality=85", "--goal", "availability=99.99", "--licence-ports", "10"]
    result = CliRunner().invoke(cli, [*args, "--from-file", str(record), *goal, "--xlsx", str(book)])
    assert result.exit_code == 0, result.output
    assert "## Usage: platform prod, 2026-11" in result.output
    # 30 minutes down in November: 99.931 %, under the 99.99 % asked for; 16 of 18 calls good or ok.
    assert "| ≥ 99.99% | 99.931% | missed |" in result.output
    assert "| ≥ 85.00% | 88.889% | met |" in result.output
    # The platform's peak of 9 (kk's 7 and rm's 2 at once on the 5th) is 90 % of 10 ports.
    assert "| **platform prod** | 6 | 20 | 170 |" in result.output
    assert "| 9 |\n" in result.output
    assert "| ≤ 80.00% | 90.000% | missed |" in result.output
    assert "## Service goals and incidents: platform prod, 2026-11" in result.output
    assert "| 2026-11-18 09:00 | 2026-11-18 09:30 | 30 min | PlatformUnreachable | rm |" in result.output
    workbook = load_workbook(book)
    assert workbook.sheetnames == ["KPI", "Service goals", "Incidents"]
    met = {row[3]: row[7] for row in workbook["Service goals"].values if row[3]}
    assert (met["availability"], met["quality"], met["capacity"]) == ("missed", "met", "missed")
    header, *rows = list(workbook["KPI"].values)
    assert header[:8] == (
        "Platform",
        "Month",
        "Tenant",
        "Name",
        "Meetings",
        "Meeting minutes",
        "Participants",
        "Participant minutes",
    )
    assert [r[2] for r in rows] == ["kk", "rm", PLATFORM_ROW]
    assert rows[1][8] == pytest.approx(0.7)  # rm, quality good
    # The chart of call quality per tenant: five series (the quality columns) over the tenants' names.
    with zipfile.ZipFile(book) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert chart.count("<ser>") == 5
    assert "'KPI'!$D$2:$D$4" in chart
    assert 'val="percentStacked"' in chart
    missing = CliRunner().invoke(cli, [*args[:-1], str(tmp_path), "--from-file", str(record)])
    assert missing.exit_code == 2
    assert "has no daily.csv: run `vdx stats export --platform prod" in missing.output


def test_the_usage_measures_quality_and_capacity_goals() -> None:
    kpis = monthly_usage(ROWS, "prod", date(2026, 11, 1), date(2026, 12, 1))
    measured, why_not = usage_goals(kpis, licence_ports=None)
    # good or ok of calls with a known quality: (7 + 1 + 8) of (20 - 2 unknown)
    assert measured == {goals.QUALITY: pytest.approx(16 / 18)}
    assert why_not == {goals.CAPACITY: "the licence's port count is not known: give --licence-ports"}
    (empty,) = monthly_usage(ROWS, "prod", date(2026, 6, 1), date(2026, 7, 1))
    measured, why_not = usage_goals([empty], licence_ports=10)
    assert goals.QUALITY not in measured
    assert why_not[goals.QUALITY] == "no call with a known quality this month"

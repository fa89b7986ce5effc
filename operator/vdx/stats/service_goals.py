"""The monthly service-goal figures and incident list for the user group's meeting (pure).

From the operator's incident record (`vdx.controller.incidents`): the management API's availability
as the operator saw it, against a configured target, and every incident that touched the month
(start, end, duration, platform, affected tenants, cause). Rendered as Markdown for the minutes and
as two workbook sheets with the same figures.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from openpyxl import Workbook

from vdx.controller.incidents import Incident, availability

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthError(ValueError):
    """The --month value is not YYYY-MM."""


def month_range(month: str) -> tuple[datetime, datetime]:
    """[first, last) of a calendar month in UTC."""
    match = MONTH.match(month)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise MonthError(f"{month!r} is not a month; write it as YYYY-MM, e.g. 2026-11")
    year, number = int(match.group(1)), int(match.group(2))
    first = datetime(year, number, 1, tzinfo=UTC)
    last = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    return first, last


@dataclass(frozen=True)
class ServiceReport:
    platform: str
    month: str
    first: datetime
    last: datetime
    now: datetime
    availability: float  # 0..1
    target: float  # 0..1
    incidents: tuple[Incident, ...]
    # Further figures (label, value) from Prometheus (vdx.stats.prometheus_goals), no target.
    figures: tuple[tuple[str, str], ...] = ()

    @property
    def met(self) -> bool:
        return self.availability >= self.target

    @property
    def complete(self) -> bool:
        return self.now >= self.last

    @property
    def unreachable(self) -> timedelta:
        covered = min(self.last, self.now) - self.first
        return timedelta(seconds=round((1 - self.availability) * covered.total_seconds()))


def build_report(
    incidents: Sequence[Incident], platform: str, month: str, target_percent: float, now: datetime
) -> ServiceReport:
    first, last = month_range(month)
    touching = tuple(
        sorted(
            (i for i in incidents if i.platform == platform and i.start < last and (i.end or now) > first),
            key=lambda i: i.start,
        )
    )
    return ServiceReport(
        platform=platform,
        month=month,
        first=first,
        last=last,
        now=now,
        availability=availability(incidents, platform, first, last, now),
        target=target_percent / 100,
        incidents=touching,
    )


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "ongoing"


def _duration(incident: Incident, now: datetime) -> str:
    minutes = round(((incident.end or now) - incident.start).total_seconds() / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: ServiceReport) -> str:
    state = "met" if report.met else "missed"
    partial = "" if report.complete else f" (month not over: up to {_when(report.now)} UTC)"
    lines = [
        f"## Service goals and incidents: platform {report.platform}, {report.month}{partial}",
        "",
        "| Goal | Target | Result | |",
        "| --- | --- | --- | --- |",
        f"| Availability of the Pexip management API, as the operator saw it | ≥ {report.target:.2%} "
        f"| {report.availability:.3%} | {state} |",
        f"| Time unreachable | | {round(report.unreachable.total_seconds() / 60)} min | |",
        f"| Incidents | | {len(report.incidents)} | |",
        *(f"| {label} | | {value} | |" for label, value in report.figures),
        "",
    ]
    if not report.incidents:
        lines.append("No incidents recorded this month.")
    else:
        lines += [
            "| Start (UTC) | End (UTC) | Duration | Kind | Tenants affected | Cause |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for incident in report.incidents:
            tenants = ", ".join(incident.tenants) or "none recorded"
            lines.append(
                f"| {_when(incident.start)} | {_when(incident.end)} | {_duration(incident, report.now)} "
                f"| {incident.kind} | {_cell(tenants)} | {_cell(incident.cause)} |"
            )
    return "\n".join(lines) + "\n"


def add_sheets(workbook: Workbook, report: ServiceReport) -> None:
    """The same figures as two sheets: "Service goals" and "Incidents" (one row per incident)."""
    goals = workbook.create_sheet("Service goals")
    goals.append(["Platform", "Month", "Goal", "Target", "Result", "Met"])
    goals.append(
        [
            report.platform,
            report.month,
            "Availability of the Pexip management API",
            report.target,
            report.availability,
            "met" if report.met else "missed",
        ]
    )
    for row in goals.iter_rows(min_row=2, min_col=4, max_col=5):
        for cell in row:
            cell.number_format = "0.000%"
    for label, value in report.figures:
        goals.append([report.platform, report.month, label, None, int(value), None])
    sheet = workbook.create_sheet("Incidents")
    sheet.append(["Start (UTC)", "End (UTC)", "Minutes", "Platform", "Kind", "Tenants affected", "Cause"])
    for incident in report.incidents:
        end = incident.end or report.now
        sheet.append(
            [
                incident.start.replace(tzinfo=None),
                incident.end.replace(tzinfo=None) if incident.end else None,
                round((end - incident.start).total_seconds() / 60, 1),
                incident.platform,
                incident.kind,
                ", ".join(incident.tenants),
                incident.cause,
            ]
        )

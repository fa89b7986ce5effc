"""The monthly service-goal figures and incident list for the user group's meeting (pure).

From the operator's incident record (`vdx.controller.incidents`): the management API's availability
as the operator saw it, and every incident that touched the month (start, end, duration, platform,
affected tenants, cause). Every service goal of `vdx.stats.goals` is held to its configured target
(met, missed, or not measured and why); the goals Prometheus measures (`with_figures`) and those
the usage export measures (`with_usage`) are added by the commands that have them. Rendered as
Markdown for the minutes and as two workbook sheets with the same figures.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from openpyxl import Workbook

from vdx.controller.incidents import Incident, availability
from vdx.stats import goals

if TYPE_CHECKING:
    from vdx.stats.prometheus_goals import Figure


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
    incidents: tuple[Incident, ...]
    # Every goal's target (vdx.stats.goals.targets), in its unit, percent as written.
    targets: dict[str, float] = field(default_factory=goals.targets)
    # Measured goals other than availability: the key's value (None: measured as nothing).
    measured: dict[str, float | None] = field(default_factory=dict)
    # Why a goal has no value, where the reason is not the goal's usual source.
    why_not: dict[str, str] = field(default_factory=dict)
    # Counts of events (label, value), shown without a target.
    counts: tuple[tuple[str, str], ...] = ()

    @property
    def target(self) -> float:
        """The availability target as a fraction."""
        return self.targets[goals.AVAILABILITY] / 100

    @property
    def met(self) -> bool:
        return self.availability >= self.target - goals.EPSILON

    @property
    def results(self) -> tuple[goals.GoalResult, ...]:
        values = {**self.measured, goals.AVAILABILITY: self.availability}
        return goals.evaluate(self.targets, values, self.why_not)

    @property
    def complete(self) -> bool:
        return self.now >= self.last

    @property
    def unreachable(self) -> timedelta:
        covered = min(self.last, self.now) - self.first
        return timedelta(seconds=round((1 - self.availability) * covered.total_seconds()))

    def with_figures(self, figures: Sequence[Figure]) -> ServiceReport:
        """The report with Prometheus' figures: goals measured (an empty answer to a ratio or a
        minimum says why), counts added."""
        measured, why_not, counts = dict(self.measured), dict(self.why_not), list(self.counts)
        for figure in figures:
            if not figure.query.key:
                counts.append((figure.query.label, f"{round(figure.value or 0):d}"))
                continue
            measured[figure.query.key] = figure.value
            if figure.value is None:
                why_not[figure.query.key] = figure.query.empty_why
        return replace(self, measured=measured, why_not=why_not, counts=tuple(counts))

    def with_usage(self, measured: Mapping[str, float | None], why_not: Mapping[str, str]) -> ServiceReport:
        return replace(self, measured={**self.measured, **measured}, why_not={**self.why_not, **why_not})


def build_report(
    incidents: Sequence[Incident],
    platform: str,
    month: str,
    target_percent: float | dict[str, float],
    now: datetime,
) -> ServiceReport:
    """The month's report from the incident record; `target_percent` is the availability target, or
    every goal's target (vdx.stats.goals.targets)."""
    first, last = month_range(month)
    touching = tuple(
        sorted(
            (i for i in incidents if i.platform == platform and i.start < last and (i.end or now) > first),
            key=lambda i: i.start,
        )
    )
    chosen = (
        dict(target_percent)
        if isinstance(target_percent, dict)
        else goals.targets(availability=target_percent)
    )
    return ServiceReport(
        platform=platform,
        month=month,
        first=first,
        last=last,
        now=now,
        availability=availability(incidents, platform, first, last, now),
        incidents=touching,
        targets=chosen,
    )


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "ongoing"


def _duration(incident: Incident, now: datetime) -> str:
    minutes = round(((incident.end or now) - incident.start).total_seconds() / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


DRIFT_NOTE = (
    "A drift correction is an event (one Pexip object put back in line with Git): counted, not held "
    "to a target; "
    "a drift incident is an episode of the alert VdxDriftCorrectionsHigh (more than 5 corrections "
    "of one kind within an hour: someone keeps editing Pexip by hand), held to its goal. Neither is "
    "in the incident list, which holds what the operator recorded: outages of the management API "
    "and refusal storms."
)


def to_markdown(report: ServiceReport) -> str:
    partial = "" if report.complete else f" (month not over: up to {_when(report.now)} UTC)"
    lines = [
        f"## Service goals and incidents: platform {report.platform}, {report.month}{partial}",
        "",
        "| Goal | Target | Result | |",
        "| --- | --- | --- | --- |",
        *(
            f"| {goal.goal.label} | {goal.shown_target} | {goal.shown_value} | {goal.verdict} |"
            for goal in report.results
        ),
        "",
        "| Counted (no target) | |",
        "| --- | ---: |",
        f"| Time unreachable | {round(report.unreachable.total_seconds() / 60)} min |",
        f"| Incidents | {len(report.incidents)} |",
        *(f"| {label} | {value} |" for label, value in report.counts),
        "",
        DRIFT_NOTE,
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
    # One row per goal, then one per count: a flat table Power BI reads as it is (Get data, Excel).
    sheet = workbook.create_sheet("Service goals")
    sheet.append(["Platform", "Month", "Goal", "Key", "Unit", "Target", "Result", "Met"])
    for goal in report.results:
        percent = goal.goal.unit is goals.Unit.PERCENT
        sheet.append(
            [
                report.platform,
                report.month,
                goal.goal.label,
                goal.goal.key,
                goal.goal.unit.value,
                goal.target / 100 if percent else goal.target,
                goal.value,
                goal.verdict,
            ]
        )
        if percent:
            for cell in sheet[sheet.max_row][5:7]:
                cell.number_format = "0.000%"
    counted = [
        ("Minutes unreachable", round(report.unreachable.total_seconds() / 60)),
        ("Incidents", len(report.incidents)),
        *((label, int(value)) for label, value in report.counts),
    ]
    for label, number in counted:
        sheet.append([report.platform, report.month, label, "", goals.Unit.COUNT.value, None, number, None])
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

"""`vdx ports status`: per region, which organisations have proven their firewall open; pure.

The overview the regions lacked under the 72-hour responsibility: ready, failing (with the openings
that fail), stale (the table changed, or the report is old) and never tested, as text for the
terminal, Markdown for the e-mail to municipalities and CSV for a spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from vdx.ports.readiness import Readiness, State

FORMATS = ("text", "markdown", "csv")
STATES: tuple[State, ...] = ("ready", "failing", "stale", "never-tested")
REGION_NAMES = {
    "hovedstaden": "Region Hovedstaden",
    "sjaelland": "Region Sjælland",
    "syddanmark": "Region Syddanmark",
    "midtjylland": "Region Midtjylland",
    "nordjylland": "Region Nordjylland",
    "": "No region (set the Tenant's spec.region)",
}


@dataclass(frozen=True)
class Row:
    region: str  # "" when the Tenant names none
    tenant: str
    display_name: str
    kind: str
    readiness: Readiness

    @property
    def last_report(self) -> str:
        report = self.readiness.report
        return report.finished.date().isoformat() if report else ""


def _regions(rows: Sequence[Row]) -> list[tuple[str, list[Row]]]:
    order = [r for r in REGION_NAMES if any(row.region == r for row in rows)]
    return [
        (r, sorted((row for row in rows if row.region == r), key=lambda x: x.display_name)) for r in order
    ]


def summary(rows: Sequence[Row]) -> str:
    counts = {s: sum(1 for r in rows if r.readiness.state == s) for s in STATES}
    return (
        f"{counts['ready']} ready, {counts['failing']} failing, {counts['stale']} stale, "
        f"{counts['never-tested']} never tested (of {len(rows)})"
    )


def _detail(row: Row) -> str:
    if row.readiness.state == "failing":
        return "fails: " + ", ".join(row.readiness.failing)
    return row.readiness.message


def render(rows: Sequence[Row], fmt: str) -> str:
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["region", "tenant", "name", "kind", "state", "last_report", "failing", "message"])
        for region, members in _regions(rows):
            for row in members:
                writer.writerow(
                    [
                        region,
                        row.tenant,
                        row.display_name,
                        row.kind,
                        row.readiness.state,
                        row.last_report,
                        "; ".join(row.readiness.failing),
                        row.readiness.message,
                    ]
                )
        return buffer.getvalue()
    if fmt == "markdown":
        lines: list[str] = []
        for region, members in _regions(rows):
            lines += [f"## {REGION_NAMES[region]}", "", summary(members), ""]
            lines += [
                "| Organisation | State | Last report | Failing openings / what to do |",
                "| --- | --- | --- | --- |",
            ]
            for row in members:
                cells = [row.display_name, row.readiness.state, row.last_report or "-", _detail(row)]
                lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
            lines.append("")
        return "\n".join(lines)
    if fmt == "text":
        lines = []
        for region, members in _regions(rows):
            lines.append(f"{REGION_NAMES[region]}: {summary(members)}")
            width = max(len(r.display_name) for r in members)
            for row in members:
                lines.append(
                    f"  {row.readiness.state:<13} {row.display_name:<{width}}  {row.last_report or '-':<10}  "
                    + _detail(row)
                )
            lines.append("")
        return "\n".join(lines)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")

"""The Excel workbook: a summary sheet with a chart, one sheet per tenant, and what was exported.

Rebuilt from the merged daily table on every run (an .xlsx cannot be appended to safely), so it
always shows everything in the export directory. Cells are typed (dates as dates, counts as
integers, shares as percentages) so Excel sorts, filters and charts them without conversion.
Each sheet's data is an Excel Table (a named, typed range): Power BI's Excel connector lists
Tables by name (`Summary`, `Daily_rm`...) with their headers, where a bare sheet is guessed at,
and Excel keeps its filters and banding as rows are added.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from vdx.stats.aggregate import DailyRow
from vdx.stats.attribution import UNATTRIBUTED, TenantInfo

WORKBOOK = "vdx-stats.xlsx"
SUMMARY = "Summary"
ABOUT = "About"

# Columns of the per-tenant sheets: the daily row without what is constant on one sheet.
_CONSTANT = {"platform", "tenant", "display_name", "organisation_kind"}
_FORMATS = {"date": "yyyy-mm-dd", "int": "0", "float": "0.00"}
_PERCENT = {"direct_media_share"}

# Summary columns: (header, DailyRow field summed, or a computed key).
_SUMMED = (
    "meetings",
    "meeting_minutes",
    "participants",
    "participant_minutes",
    "direct_media_meetings",
    "participants_webrtc",
    "participants_sip",
    "participants_h323",
    "participants_other_protocol",
    "calls_in",
    "calls_out",
    "quality_good",
    "quality_ok",
    "quality_bad",
    "quality_terrible",
    "quality_unknown",
    "missing_participant_records",
)


def _title(name: str) -> str:
    return name.replace("_", " ").capitalize()


def sheet_names(tenants: Sequence[str]) -> dict[str, str]:
    """Excel sheet names (31 characters, no []:*?/\\), unique without regard to case."""
    taken = {SUMMARY.lower(), ABOUT.lower()}
    out: dict[str, str] = {}
    for tenant in tenants:
        base = re.sub(r"[\[\]:*?/\\]", "-", tenant)[:31] or "tenant"
        name, n = base, 2
        while name.lower() in taken:
            suffix = f"~{n}"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        taken.add(name.lower())
        out[tenant] = name
    return out


def table_names(sheets: Sequence[str]) -> dict[str, str]:
    """Excel Table names for the sheets: letters, digits and `_` only, unique without regard to case
    (`Summary`, `Daily_rm`, `Daily_stage_aarhus`); the names Power BI shows for them."""
    taken: set[str] = set()
    out: dict[str, str] = {}
    for sheet in sheets:
        base = sheet if sheet == SUMMARY else "Daily_" + re.sub(r"[^0-9A-Za-z_]", "_", sheet)
        name, n = base, 2
        while name.lower() in taken:
            name, n = f"{base}_{n}", n + 1
        taken.add(name.lower())
        out[sheet] = name
    return out


def _table(sheet: Any, name: str, columns: int, rows: int) -> None:
    """The sheet's header and rows as an Excel Table (at least one row: Excel needs a body)."""
    ref = f"A1:{get_column_letter(columns)}{max(2, rows + 1)}"
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    sheet.add_table(table)


def _autosize(sheet: Any, headers: Sequence[str]) -> None:
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(header) + 2))


def _typed(sheet: Any, row: int, column: int, value: Any, kind: str, percent: bool = False) -> None:
    cell = sheet.cell(row=row, column=column, value=value)
    if percent:
        cell.number_format = "0.0%"
    elif kind in _FORMATS:
        cell.number_format = _FORMATS[kind]


def write_workbook(
    path: Path,
    rows: Sequence[DailyRow],
    tenants: Sequence[TenantInfo],
    *,
    platform: str,
    exported: Sequence[tuple[date, date]],
    generated: datetime,
) -> None:
    book = Workbook()
    summary = book.active
    summary.title = SUMMARY
    present = [t.name for t in tenants]
    if any(r.tenant == UNATTRIBUTED for r in rows):
        present.append(UNATTRIBUTED)
    names = sheet_names(present)
    tables = table_names([SUMMARY, *(names[t] for t in present)])
    info = {t.name: t for t in tenants}
    _summary(summary, rows, present, info, tables[SUMMARY])
    for tenant in present:
        sheet = book.create_sheet(names[tenant])
        _tenant_sheet(sheet, [r for r in rows if r.tenant == tenant], tenant, tables[names[tenant]])
    _about(book.create_sheet(ABOUT), platform, exported, generated)
    temporary = path.with_name(path.name + ".tmp")
    book.save(temporary)
    temporary.replace(path)


def _summary(
    sheet: Any, rows: Sequence[DailyRow], tenants: Sequence[str], info: dict[str, TenantInfo], table: str
) -> None:
    headers = [
        "Tenant",
        "Display name",
        "Organisation kind",
        *(_title(f) for f in _SUMMED),
        "Direct media share",
        "Peak concurrent participants",
        "Days",
    ]
    sheet.append(headers)
    for line, tenant in enumerate(tenants, start=2):
        mine = [r for r in rows if r.tenant == tenant]
        meta = info.get(tenant)
        sheet.cell(row=line, column=1, value=tenant)
        sheet.cell(row=line, column=2, value=meta.display_name if meta else "Unattributed")
        sheet.cell(row=line, column=3, value=meta.organisation_kind if meta else "")
        column = 4
        for field in _SUMMED:
            total = sum(getattr(r, field) for r in mine)
            kind = "float" if isinstance(total, float) else "int"
            _typed(sheet, line, column, round(total, 2) if kind == "float" else total, kind)
            column += 1
        meetings = sum(r.meetings for r in mine)
        direct = sum(r.direct_media_meetings for r in mine)
        _typed(sheet, line, column, round(direct / meetings, 4) if meetings else 0.0, "float", percent=True)
        _typed(sheet, line, column + 1, max((r.peak_concurrent_participants for r in mine), default=0), "int")
        _typed(sheet, line, column + 2, len({r.date for r in mine}), "int")
    sheet.freeze_panes = "B2"
    # The Table carries the filter buttons (a sheet-level filter over it would corrupt the file).
    _table(sheet, table, len(headers), len(tenants))
    _autosize(sheet, headers)
    if tenants:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "Meetings per tenant"
        chart.y_axis.title = "Meetings"
        chart.height = max(7.5, 0.6 * len(tenants))
        chart.width = 18
        meetings_column = 4 + _SUMMED.index("meetings")
        data = Reference(sheet, min_col=meetings_column, min_row=1, max_row=len(tenants) + 1)
        categories = Reference(sheet, min_col=1, min_row=2, max_row=len(tenants) + 1)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(categories)
        sheet.add_chart(chart, f"A{len(tenants) + 4}")


def _tenant_sheet(sheet: Any, rows: Sequence[DailyRow], tenant: str, table: str) -> None:
    fields = [f for f in dataclasses.fields(DailyRow) if f.name not in _CONSTANT]
    if tenant != UNATTRIBUTED:
        fields = [f for f in fields if f.name != "unattributed_reason"]
    headers = [_title(f.name) for f in fields]
    sheet.append(headers)
    for line, row in enumerate(sorted(rows, key=lambda r: r.key), start=2):
        for column, field in enumerate(fields, start=1):
            _typed(sheet, line, column, getattr(row, field.name), str(field.type), field.name in _PERCENT)
    sheet.freeze_panes = "B2"
    _table(sheet, table, len(headers), len(rows))
    _autosize(sheet, headers)


def _about(sheet: Any, platform: str, exported: Sequence[tuple[date, date]], generated: datetime) -> None:
    periods = ", ".join(f"{a.isoformat()} to {b.isoformat()}" for a, b in exported) or "none"
    lines = (
        ("Platform", platform),
        ("Days exported (UTC)", periods),
        ("Generated (UTC)", generated.replace(microsecond=0).isoformat()),
        ("Source", "Pexip Infinity history API: history/v1/conference and history/v1/participant"),
        ("Day of a meeting", "The UTC day on which the meeting ended."),
        (
            "Attribution",
            "By the domains of the aliases participants dialled (the most specific tenant domain wins), "
            "then by the service tag; what cannot be attributed is in (unattributed) with a reason.",
        ),
    )
    sheet.append(["Item", "Value"])
    for item in lines:
        sheet.append(list(item))
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 100

"""The workbook opens with openpyxl: expected sheets, typed cells, frozen headers and a chart."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook

from tests.stats.support import START, example_tenants, export, simulator
from vdx.pexip.simulator.seed import DEFAULT_TENANTS
from vdx.pexip.simulator.seed import Tenant as SeedTenant
from vdx.stats.attribution import UNATTRIBUTED
from vdx.stats.workbook import ABOUT, SUMMARY, WORKBOOK, sheet_names, table_names


async def test_workbook_sheets_types_panes_and_chart(tmp_path: Path) -> None:
    sim = simulator(days=3, tenants=(*DEFAULT_TENANTS, SeedTenant("Ukendt", "vdx.example.org", "")))
    await export(sim, tmp_path, START, START + timedelta(days=2))
    book = load_workbook(tmp_path / WORKBOOK)
    tenants = [t.name for t in example_tenants()]
    assert book.sheetnames == [SUMMARY, *tenants, UNATTRIBUTED, ABOUT]

    summary = book[SUMMARY]
    assert summary.freeze_panes == "B2"
    assert len(summary._charts) == 1
    headers = [c.value for c in summary[1]]
    assert headers[:4] == ["Tenant", "Display name", "Organisation kind", "Meetings"]
    names = [summary.cell(row=r, column=1).value for r in range(2, len(tenants) + 3)]
    assert names == [*tenants, UNATTRIBUTED]
    rm = names.index("rm") + 2
    assert isinstance(summary.cell(row=rm, column=4).value, int)
    assert summary.cell(row=rm, column=4).value > 0
    share = summary.cell(row=rm, column=headers.index("Direct media share") + 1)
    assert isinstance(share.value, float)
    assert share.number_format == "0.0%"

    sheet = book["rm"]
    assert sheet.freeze_panes == "B2"
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Date", "Meetings", "Meeting minutes"]
    assert "Unattributed reason" not in header
    assert sheet.max_row == 4  # header + 3 days
    first = sheet.cell(row=2, column=1)
    assert isinstance(first.value, datetime)
    assert first.value == datetime(2026, 10, 1)
    assert first.number_format == "yyyy-mm-dd"
    assert isinstance(sheet.cell(row=2, column=2).value, int)
    assert isinstance(sheet.cell(row=2, column=header.index("Participant minutes") + 1).value, float)
    assert "Unattributed reason" in [c.value for c in book[UNATTRIBUTED][1]]
    assert book[ABOUT].cell(row=2, column=2).value == "prod"


def test_sheet_names_are_excel_safe_and_unique() -> None:
    names = sheet_names(["summary", "a" * 40, "a" * 31 + "b", "x/y:z"])
    assert names["summary"] == "summary~2"
    assert names["a" * 40] == "a" * 31
    assert names["a" * 31 + "b"] == "a" * 29 + "~2"
    assert names["x/y:z"] == "x-y-z"
    assert all(len(n) <= 31 for n in names.values())


async def test_every_data_sheet_is_a_named_excel_table(tmp_path: Path) -> None:
    sim = simulator(days=2, tenants=(*DEFAULT_TENANTS, SeedTenant("Ukendt", "vdx.example.org", "")))
    await export(sim, tmp_path, START, START + timedelta(days=1))
    book = load_workbook(tmp_path / WORKBOOK)
    tenants = [t.name for t in example_tenants()]
    summary = book[SUMMARY]
    assert list(summary.tables) == ["Summary"]
    assert (
        summary.tables["Summary"].ref
        == f"A1:{summary.cell(row=1, column=summary.max_column).column_letter}{len(tenants) + 2}"
    )
    # A sheet-level filter over a Table makes Excel repair the file: the Table carries the filter.
    assert summary.auto_filter.ref is None
    rm = book["rm"]
    (name,) = rm.tables
    assert name == "Daily_rm"
    assert rm.tables[name].ref.endswith("3")  # header + 2 days
    assert [t for s in book.worksheets for t in s.tables] == [
        "Summary",
        *(f"Daily_{t.replace('-', '_')}" for t in tenants),
        "Daily__unattributed_",
    ]
    assert not book[ABOUT].tables


def test_table_names_are_excel_safe_and_unique() -> None:
    names = table_names([SUMMARY, "stage-rm", "stage_rm", "(unattributed)", "a~2"])
    assert names == {
        SUMMARY: "Summary",
        "stage-rm": "Daily_stage_rm",
        "stage_rm": "Daily_stage_rm_2",
        "(unattributed)": "Daily__unattributed_",
        "a~2": "Daily_a_2",
    }

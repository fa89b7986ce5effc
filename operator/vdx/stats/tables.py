"""The CSV files of an export: typed rows in, typed rows out, merged by key so re-runs never duplicate.

Two dialects, because no one CSV suits both readers:
- the tables themselves (`daily.csv`...) are RFC 4180: comma-separated, `.` as decimal point, ISO
  dates, UTF-8 with a byte-order mark: what Power BI's CSV connector and scripts read without
  locale settings (and what `read_rows` reads back);
- their Excel copies (`excel/daily.csv`...) are what Danish Excel opens by a double-click into
  columns: `;`-separated (Excel takes the list separator from the locale, `;` where `,` is the
  decimal mark), `,` as decimal point so numbers stay numbers, ISO dates, UTF-8 with a byte-order
  mark (without it Excel reads æ, ø and å as ANSI). No `sep=;` line: with it, Excel ignores the
  byte-order mark.
Each file is rewritten through a temporary file, so an interrupted run leaves the previous,
complete file in place.
"""

from __future__ import annotations

import csv
import dataclasses
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

DAILY_CSV = "daily.csv"
PLATFORM_DAILY_CSV = "platform_daily.csv"
BREAKDOWN_CSV = "breakdown.csv"
UNATTRIBUTED_CSV = "unattributed.csv"
TENANTS_CSV = "tenants.csv"
EXCEL_DIR = "excel"

T = TypeVar("T")
Day = date  # UnattributedMeeting has a field named `date`


class TableError(Exception):
    """An existing output file cannot be read back; the message names the file, row and fix."""


@dataclasses.dataclass
class UnattributedMeeting:
    """One meeting in the unattributed bucket, so an engineer can fix the tree (no personal data)."""

    date: date
    conference_id: str
    conference_name: str
    service_tag: str
    reason: str
    detail: str

    @property
    def key(self) -> tuple[Day, str]:
        return (self.date, self.conference_id)


_PARSERS: dict[str, Callable[[str], Any]] = {
    "date": date.fromisoformat,
    "int": int,
    "float": float,
    "str": str,
}


def columns(row_type: type[Any]) -> list[str]:
    return [f.name for f in dataclasses.fields(row_type)]


def _format(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _excel_format(value: Any) -> str:
    """Danish Excel's reading of a cell: a decimal comma, so a float is not taken for text or a date."""
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return _format(value)


def write_rows(path: Path, row_type: type[Any], rows: Iterable[Any], *, excel: bool = False) -> None:
    """The rows as RFC 4180 CSV, or with `excel` in the dialect Danish Excel opens into columns."""
    names = columns(row_type)
    temporary = path.with_name(path.name + ".tmp")
    shown = _excel_format if excel else _format
    with temporary.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";" if excel else ",")
        writer.writerow(names)
        for row in rows:
            writer.writerow([shown(getattr(row, n)) for n in names])
    os.replace(temporary, path)


def read_rows(path: Path, row_type: type[T]) -> list[T]:
    """Rows of a file this module wrote; [] when it does not exist yet."""
    if not path.exists():
        return []
    fields = {f.name: _PARSERS[str(f.type)] for f in dataclasses.fields(row_type)}  # type: ignore[arg-type]
    rows: list[T] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or set(reader.fieldnames) != set(fields):
            raise TableError(
                f"{path.name}: its columns are not those of this version of `vdx stats export`; move the "
                "file away (or export into a new --out directory) and run again"
            )
        for number, record in enumerate(reader, start=2):
            try:
                rows.append(row_type(**{k: fields[k](v) for k, v in record.items()}))
            except (TypeError, ValueError):
                raise TableError(
                    f"{path.name}, line {number}: a value does not have its column's type; restore the "
                    "file from the last export or export into a new --out directory"
                ) from None
    return rows


def merge(existing: Sequence[Any], new: Sequence[Any], replaced_days: set[date]) -> list[Any]:
    """Existing rows outside `replaced_days`, plus the new rows; one row per key, sorted by key."""
    merged = {row.key: row for row in existing if row.date not in replaced_days}
    for row in new:
        merged[row.key] = row
    return [merged[k] for k in sorted(merged)]

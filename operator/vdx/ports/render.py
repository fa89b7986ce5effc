"""The port table as text (terminal, e-mail), CSV (spreadsheet) or Markdown (ticket, wiki)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from vdx.ports.derive import Derivation, PortRule

FORMATS = ("text", "csv", "markdown")
COLUMNS = ("direction", "protocol", "ports", "source", "destination", "why")


def _cells(rule: PortRule) -> list[str]:
    return [str(getattr(rule, c)) for c in COLUMNS]


def render(results: Sequence[tuple[str, Derivation]], fmt: str) -> str:
    if fmt == "csv":
        return _csv(results)
    if fmt == "markdown":
        return _markdown(results)
    if fmt == "text":
        return _text(results)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _csv(results: Sequence[tuple[str, Derivation]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["tenant", *COLUMNS])
    for tenant, derivation in results:
        for rule in derivation.rules:
            writer.writerow([tenant, *_cells(rule)])
    return buffer.getvalue()


def _markdown(results: Sequence[tuple[str, Derivation]]) -> str:
    lines: list[str] = []
    for tenant, derivation in results:
        lines += [f"## {tenant}", "", "| " + " | ".join(c.capitalize() for c in COLUMNS) + " |"]
        lines.append("|" + " --- |" * len(COLUMNS))
        for rule in derivation.rules:
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in _cells(rule)) + " |")
        if derivation.notes:
            lines += ["", "Notes:", ""] + [f"- {n}" for n in derivation.notes]
        lines.append("")
    return "\n".join(lines)


def _text(results: Sequence[tuple[str, Derivation]]) -> str:
    lines: list[str] = []
    for tenant, derivation in results:
        rows = [[c.upper() for c in COLUMNS], *(_cells(r) for r in derivation.rules)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
        lines.append(f"Tenant {tenant}")
        for row in rows:
            lines.append(
                "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1]
            )
        for note in derivation.notes:
            lines.append(f"  note: {note}")
        lines.append("")
    return "\n".join(lines)

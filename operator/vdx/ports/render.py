"""The port table as text (terminal, e-mail), CSV (spreadsheet) or Markdown (ticket, wiki)."""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Mapping, Sequence

from vdx.ports.derive import Derivation, PortRule
from vdx.tenantstate import TenantState, lookup

FORMATS = ("text", "csv", "markdown")
COLUMNS = ("direction", "protocol", "ports", "source", "destination", "why")


def _cells(rule: PortRule) -> list[str]:
    return [str(getattr(rule, c)) for c in COLUMNS]


def render(
    results: Sequence[tuple[str, Derivation]],
    fmt: str,
    width: int = 100,
    states: Mapping[str, TenantState] | None = None,
) -> str:
    """`width` bounds the text format's lines (the terminal's width); CSV and Markdown keep one
    row per line, as spreadsheets and Markdown tables need. `states`: each tenant's roll-up, read
    from a cluster (None: no cluster, "state unknown"): a firewall request for a tenant whose
    Domain is Stalled may be about the wrong addresses, so the state is beside the openings."""
    if fmt == "csv":
        return _csv(results, states)
    if fmt == "markdown":
        return _markdown(results, states)
    if fmt == "text":
        return _text(results, max(width, 60), states)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _csv(results: Sequence[tuple[str, Derivation]], states: Mapping[str, TenantState] | None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["tenant", *COLUMNS, "tenant_state"])
    for tenant, derivation in results:
        state = lookup(states, tenant).summary
        for rule in derivation.rules:
            writer.writerow([tenant, *_cells(rule), state])
    return buffer.getvalue()


def _markdown(results: Sequence[tuple[str, Derivation]], states: Mapping[str, TenantState] | None) -> str:
    lines: list[str] = []
    for tenant, derivation in results:
        lines += [f"## {tenant}", "", f"State: {lookup(states, tenant).summary}", ""]
        lines += ["| " + " | ".join(c.capitalize() for c in COLUMNS) + " |"]
        lines.append("|" + " --- |" * len(COLUMNS))
        for rule in derivation.rules:
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in _cells(rule)) + " |")
        if derivation.notes:
            lines += ["", "Notes:", ""] + [f"- {n}" for n in derivation.notes]
        lines.append("")
    return "\n".join(lines)


def _wrapped(label: str, text: str, width: int) -> list[str]:
    """`label` right-aligned in a narrow gutter, `text` wrapped beside it: long destinations and
    reasons stay readable in an 80-column terminal instead of one 250-column line."""
    gutter = " " * 10
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=f"{label:>8}  ",
        subsequent_indent=gutter,
        break_on_hyphens=False,
    ) or [f"{label:>8}"]


def _text(
    results: Sequence[tuple[str, Derivation]], width: int, states: Mapping[str, TenantState] | None
) -> str:
    lines: list[str] = []
    for tenant, derivation in results:
        lines.append(f"Tenant {tenant}: {len(derivation.rules)} openings")
        lines += _wrapped("state", lookup(states, tenant).summary, width)
        for rule in derivation.rules:
            lines.append("")
            lines += _wrapped(rule.direction, f"{rule.protocol} {rule.ports}", width)
            lines += _wrapped("from", rule.source, width)
            lines += _wrapped("to", rule.destination, width)
            lines += _wrapped("why", rule.why, width)
        if derivation.notes:
            lines.append("")
        for note in derivation.notes:
            lines += textwrap.wrap(note, width=width, initial_indent="  note: ", subsequent_indent="        ")
        lines.append("")
    return "\n".join(lines) + "\n"

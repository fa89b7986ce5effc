"""A picture of the Grafana dashboard, drawn from its generated JSON (pure: JSON in, SVG text out).

The docs show the on-call what the dashboard looks like before they have a Grafana to import it
into. A screenshot would need a Grafana server (none on the build machine) and would go stale
silently; this drawing is made from `vdx-dashboard.json` itself (`vdx monitoring --preview`), so
the panels' places and sizes (Grafana's 24-column grid), titles, kinds, units, value mappings,
thresholds, legends and table columns are the file's, and a test holds the committed picture to the
current file. It shows no values: there are no data here, and made-up numbers would read as real.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from xml.sax.saxutils import escape

from vdx.controller.alerts import rule_groups
from vdx.controller.metrics import OperatorMetrics

WIDTH = 1200
COLUMN = WIDTH / 24  # Grafana's grid: 24 columns
ROW = 30  # pixels per grid unit of height
GAP = 6
TOP = 84  # title bar and variables above the grid

BACKGROUND = "#111217"
PANEL = "#181b1f"
BORDER = "#2c3235"
TEXT = "#ccccdc"
MUTED = "#8e8e9e"
SERIES = ("#73bf69", "#f2cc0c", "#5794f2", "#ff9830", "#b877d9", "#f2495c")
NAMED = {"green": "#73bf69", "red": "#f2495c", "orange": "#ff9830", "yellow": "#fade2a"}

BY = re.compile(r"^\s*(?:sum|count|max|min|avg)\s+by\s*\(([^)]*)\)")
GROUP_LEFT = re.compile(r"group_left\s*\(([^)]*)\)")
NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*(?=\s*\{|\s*\[|\s*$|\s*\))")


def _label_names(metrics: OperatorMetrics) -> dict[str, list[str]]:
    """Each exported family's label names, and each recording rule's (from its expression)."""
    names: dict[str, list[str]] = {}
    for attribute in vars(metrics).values():
        labels = getattr(attribute, "_labelnames", None)
        family = getattr(attribute, "_name", None)
        if isinstance(labels, tuple) and isinstance(family, str):
            names[family] = list(labels)
    for family in metrics.state.describe():
        names[family.name] = list(getattr(family, "_labelnames", ()))
    for rule in rule_groups(metrics)["groups"][0]["rules"]:
        if "record" in rule:
            names[rule["record"]] = _expr_labels(rule["expr"], names)
    return names


def _expr_labels(expr: str, known: Mapping[str, list[str]]) -> list[str]:
    """The labels an instant query's series carry: its outer `by (...)`, else its first metric's,
    with any `group_left (...)` labels joined on."""
    by = BY.match(expr)
    if by:
        return [label.strip() for label in by.group(1).split(",") if label.strip()]
    labels: list[str] = []
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", re.sub(r'"[^"]*"', "", expr)):
        base = match.group(0)
        family = base.removesuffix("_total")
        if base in known or family in known:
            labels = list(known.get(base) or known.get(family) or [])
            break
    for joined in GROUP_LEFT.findall(expr):
        labels += [label.strip() for label in joined.split(",") if label.strip() not in labels]
    return [label for label in labels if label]


def _text(
    x: float,
    y: float,
    text: str,
    size: int = 12,
    fill: str = TEXT,
    weight: str = "normal",
    anchor: str = "start",
    mono: bool = False,
) -> str:
    family = "DejaVu Sans Mono, monospace" if mono else "Inter, Helvetica, Arial, sans-serif"
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{family}" font-size="{size}" fill="{fill}" '
        f'font-weight="{weight}" text-anchor="{anchor}">{escape(text)}</text>'
    )


def _fit(text: str, pixels: float, size: int) -> str:
    """Cut a text to about the width it may take (a character is about 0.6 of the font size)."""
    most = max(4, int(pixels / (size * 0.6)))
    return text if len(text) <= most else text[: most - 1] + "…"


def _legends(panel: Mapping[str, Any]) -> list[str]:
    shown = []
    for target in panel.get("targets") or []:
        legend = str(target.get("legendFormat") or "")
        shown.append(re.sub(r"\{\{\s*(\w+)\s*\}\}", r"<\1>", legend) or "value")
    return shown


def _stat(panel: Mapping[str, Any], x: float, y: float, w: float, h: float) -> list[str]:
    mappings = (panel.get("fieldConfig") or {}).get("defaults", {}).get("mappings") or []
    options = [
        (str(result.get("text") or value), NAMED.get(str(result.get("color")), MUTED))
        for mapping in mappings
        for value, result in sorted((mapping.get("options") or {}).items())
    ]
    if not options:
        options = [(legend, "#3d71d9") for legend in _legends(panel)]
    parts = []
    width = (w - GAP * (len(options) + 1)) / max(1, len(options))
    for number, (label, colour) in enumerate(options):
        left = x + GAP + number * (width + GAP)
        parts.append(
            f'<rect x="{left:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}" rx="2" '
            f'fill="{colour}" fill-opacity="0.85"/>'
        )
        parts.append(
            _text(left + width / 2, y + h / 2 + 7, _fit(label, width, 20), 20, "#ffffff", "bold", "middle")
        )
    return parts


def _timeseries(panel: Mapping[str, Any], x: float, y: float, w: float, h: float) -> list[str]:
    unit = str((panel.get("fieldConfig") or {}).get("defaults", {}).get("unit") or "")
    legends = _legends(panel)
    plot_h = h - 18 * len(legends) - 4
    parts = [
        f'<line x1="{x + 36:.1f}" y1="{y + plot_h * i / 4:.1f}" x2="{x + w - GAP:.1f}" '
        f'y2="{y + plot_h * i / 4:.1f}" stroke="{BORDER}" stroke-width="1"/>'
        for i in range(5)
    ]
    if unit:
        parts.append(_text(x + 4, y + 10, unit, 10, MUTED))
    for number, legend in enumerate(legends):
        top = y + plot_h + 6 + 18 * number
        colour = SERIES[number % len(SERIES)]
        parts.append(f'<rect x="{x + 36:.1f}" y="{top + 4:.1f}" width="14" height="4" fill="{colour}"/>')
        parts.append(_text(x + 56, top + 10, _fit(legend, w - 60, 11), 11, TEXT))
    return parts


def _table(
    panel: Mapping[str, Any], known: Mapping[str, list[str]], x: float, y: float, w: float
) -> list[str]:
    hidden: set[str] = set()
    for transformation in panel.get("transformations") or []:
        hidden |= {
            k for k, v in ((transformation.get("options") or {}).get("excludeByName") or {}).items() if v
        }
    expr = str(((panel.get("targets") or [{}])[0]).get("expr") or "")
    columns = [c for c in [*_expr_labels(expr, known), "Value"] if c not in hidden]
    parts = [f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="22" fill="#22252b"/>']
    width = w / max(1, len(columns))
    for number, column in enumerate(columns):
        parts.append(
            _text(x + 6 + number * width, y + 15, _fit(column, width - 8, 11), 11, "#6e9fff", "bold")
        )
    sort = [s.get("displayName") for s in panel.get("sortBy") or []] + [
        s.get("displayName") for s in (panel.get("options") or {}).get("sortBy") or []
    ]
    if any(sort):
        parts.append(_text(x + w - 6, y + 38, f"sorted by {sort[0] or sort[-1]}", 10, MUTED, anchor="end"))
    return parts


def _thresholds(panel: Mapping[str, Any], x: float, y: float) -> list[str]:
    steps = ((panel.get("fieldConfig") or {}).get("defaults", {}).get("thresholds") or {}).get("steps") or []
    if len(steps) < 2:
        return []
    parts = []
    for number, step in enumerate(steps):
        value = step.get("value")
        label = f"< {steps[number + 1]['value']:g}" if number + 1 < len(steps) else f"≥ {value:g}"
        colour = NAMED.get(str(step.get("color")), MUTED)
        left = x + number * 70
        parts.append(f'<rect x="{left:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{colour}"/>')
        parts.append(_text(left + 14, y, label, 10, MUTED))
    return parts


def _variables(dashboard: Mapping[str, Any]) -> Iterable[str]:
    left = 16.0
    for variable in (dashboard.get("templating") or {}).get("list") or []:
        label = str(variable.get("label") or variable.get("name"))
        value = "All" if variable.get("includeAll") else "default"
        width = 14 + 7 * (len(label) + len(value) + 3)
        yield (
            f'<rect x="{left:.1f}" y="44" width="{width:.1f}" height="26" rx="2" fill="{PANEL}" '
            f'stroke="{BORDER}"/>'
        )
        yield _text(left + 8, 61, f"{label}: {value}", 12, TEXT)
        left += width + 8


def render(dashboard: Mapping[str, Any], metrics: OperatorMetrics | None = None) -> str:
    """The dashboard as an SVG document, panels where Grafana places them."""
    known = _label_names(metrics or OperatorMetrics())
    panels = list(dashboard.get("panels") or [])
    bottom = max((p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels), default=0)
    height = TOP + bottom * ROW + GAP
    time = dashboard.get("time") or {}
    span = f"{time.get('from', '')} to {time.get('to', '')}, refresh {dashboard.get('refresh', '')}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}">',
        f"<title>{escape(str(dashboard.get('title')))}: a drawing of the generated dashboard</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="{BACKGROUND}"/>',
        _text(16, 28, str(dashboard.get("title") or ""), 18, TEXT, "bold"),
        _text(WIDTH - 16, 28, span, 12, MUTED, anchor="end"),
        _text(
            WIDTH - 16,
            62,
            "drawn from vdx-dashboard.json: layout and queries, no data",
            11,
            MUTED,
            anchor="end",
        ),
        *_variables(dashboard),
    ]
    for panel in panels:
        grid = panel["gridPos"]
        x, y = grid["x"] * COLUMN + GAP / 2, TOP + grid["y"] * ROW
        w, h = grid["w"] * COLUMN - GAP, grid["h"] * ROW - GAP
        title = str(panel.get("title") or "")
        if panel.get("type") == "row":
            parts.append(_text(x + 4, y + 20, f"⌄ {title}", 14, TEXT, "bold"))
            continue
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="2" fill="{PANEL}" '
            f'stroke="{BORDER}"/>'
        )
        parts.append(_text(x + 8, y + 18, _fit(title, w - 16, 13), 13, TEXT, "bold"))
        body_y, body_h = y + 28, h - 34
        kind = panel.get("type")
        if kind == "stat":
            parts += _stat(panel, x, body_y, w, body_h)
        elif kind == "timeseries":
            parts += _timeseries(panel, x, body_y, w, body_h)
        elif kind == "table":
            parts += _table(panel, known, x + GAP, body_y, w - 2 * GAP)
            parts += _thresholds(panel, x + GAP, y + h - 10)
            if panel.get("description"):
                parts.append(
                    _text(
                        x + w / 2,
                        body_y + body_h / 2,
                        _fit(str(panel["description"]), w - 24, 11),
                        11,
                        MUTED,
                        anchor="middle",
                    )
                )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"

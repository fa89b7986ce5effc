"""The dashboard's drawing in the docs: made from the generated JSON, current, and true to it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner

from vdx.cli.main import cli
from vdx.cli.monitoring import PREVIEW, preview_svg
from vdx.controller.dashboard import dashboard_json
from vdx.controller.dashboard_preview import render

SVG = "{http://www.w3.org/2000/svg}"


def test_the_committed_drawing_is_current() -> None:
    assert PREVIEW.read_text(encoding="utf-8") == preview_svg(), (
        "docs/images/vdx-dashboard.svg is stale: run `vdx monitoring --preview docs/images/vdx-dashboard.svg`"
    )


def test_the_drawing_follows_the_json() -> None:
    dashboard = json.loads(dashboard_json())
    root = ET.fromstring(render(dashboard))
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    # Every panel and row by its title (cut to its width at most), every variable by its label.
    for panel in dashboard["panels"]:
        title = panel["title"]
        assert any(
            title in t or (t.endswith("…") and title.startswith(t[:-1].removeprefix("⌄ "))) for t in texts
        ), title
    assert {"Prometheus: default", "Platform: All", "Tenant: All"} <= set(texts)
    # The value mapping of the reachability panel, the table columns the query yields less the hidden ones.
    assert {"DOWN", "up"} <= set(texts)
    assert [t for t in texts[texts.index("Stalled, with reasons") :][1:7]] == [
        "kind",
        "namespace",
        "name",
        "tenant",
        "platform",
        "reason",
    ]
    # A panel moved in the JSON moves in the drawing.
    first = next(p for p in dashboard["panels"] if p["type"] == "stat")
    before = render(dashboard)
    first["gridPos"]["x"] += 1
    assert render(dashboard) != before
    width = float(root.attrib["width"])
    boxes = [
        r
        for r in root.iter(f"{SVG}rect")
        if r.attrib.get("stroke") == "#2c3235" and r.attrib.get("rx") == "2"
    ]
    assert all(float(b.attrib["x"]) + float(b.attrib["width"]) <= width for b in boxes)


def test_check_fails_on_a_stale_drawing(tmp_path: Path) -> None:
    drawing = tmp_path / "dashboard.svg"
    out = tmp_path / "monitoring"
    result = CliRunner().invoke(cli, ["monitoring", "--out", str(out), "--preview", str(drawing)])
    assert result.exit_code == 0, result.output
    assert drawing.read_text() == preview_svg()
    assert (
        CliRunner()
        .invoke(cli, ["monitoring", "--check", "--out", str(out), "--preview", str(drawing)])
        .exit_code
        == 0
    )
    drawing.write_text(drawing.read_text().replace("Leader", "Leeder"))
    stale = CliRunner().invoke(cli, ["monitoring", "--check", "--out", str(out), "--preview", str(drawing)])
    assert stale.exit_code == 1
    assert "out of date: dashboard.svg" in stale.output

"""The README's main job, on a small tree: everything Ready, the table shown, everything stopped."""

from __future__ import annotations

import shutil
from pathlib import Path

from vdx.demo import run_demo
from vdx.paths import EXAMPLES_DIR


def test_demo_brings_a_small_tree_to_ready(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(EXAMPLES_DIR / "platforms", tree / "platforms")
    shutil.copytree(EXAMPLES_DIR / "prod" / "rm", tree / "prod" / "rm")
    shutil.copytree(EXAMPLES_DIR / "stage" / "rm", tree / "stage" / "rm")
    # Aarhus Kommune: devices and Outlook booking, whose Secrets (client secret, key pair) the demo makes.
    shutil.copytree(EXAMPLES_DIR / "prod" / "aarhus", tree / "prod" / "aarhus")
    shutil.copytree(EXAMPLES_DIR / "stage" / "aarhus", tree / "stage" / "aarhus")
    lines: list[str] = []
    code = run_demo(tree, keep=False, timeout=120, say=lines.append)
    text = "\n".join(lines)
    assert code == 0, text
    # 2 platforms; per platform Region Midtjylland (tenant, domain, TURN, certificate, branding,
    # identity provider, recorder, two meeting rooms) and Aarhus Kommune (tenant, domain, TURN,
    # certificate, branding, two devices, Outlook booking); on stage also Region Midtjylland's
    # One-Touch Join with two meeting-room endpoints.
    assert "37/37 Ready" in text
    assert "onetouchjoin.vdx.medcom.dk/stage-otj" in text
    assert "2 One-Touch Join endpoints" in text
    assert "outlookscheduling.vdx.medcom.dk/aarhus" in text
    assert "1 Outlook booking connectors" in text
    assert "meetingroom.vdx.medcom.dk/mdt-konference" in text
    assert "identityprovider.vdx.medcom.dk/adfs" in text
    assert "2 rooms from Git (1 recorded)" in text
    assert "tenant.vdx.medcom.dk/rm" in text
    assert "cvibranding.vdx.medcom.dk/rm" in text
    assert "not Ready" not in text
    assert "prod: 2 TURN servers, 2 certificates" in text

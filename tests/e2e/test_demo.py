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
    lines: list[str] = []
    code = run_demo(tree, keep=False, timeout=120, say=lines.append)
    text = "\n".join(lines)
    assert code == 0, text
    # 2 platforms, 2 tenants, and per tenant a domain, TURN, certificate, branding, identity
    # provider, recorder and two meeting rooms.
    assert "20/20 Ready" in text
    assert "meetingroom.vdx.medcom.dk/mdt-konference" in text
    assert "identityprovider.vdx.medcom.dk/adfs" in text
    assert "2 rooms from Git (1 recorded)" in text
    assert "tenant.vdx.medcom.dk/rm" in text
    assert "cvibranding.vdx.medcom.dk/rm" in text
    assert "not Ready" not in text
    assert "prod: 1 TURN servers, 1 certificates" in text

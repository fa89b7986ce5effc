"""`vdx monitoring`: writes the generated files, and `--check` fails on a stale, missing or extra one."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from vdx.cli.main import cli
from vdx.controller.monitoring import DASHBOARD_FILE, RULES_FILE, all_files


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["monitoring", *args])
    return result.exit_code, result.output


def test_write_then_check(tmp_path: Path) -> None:
    out = tmp_path / "monitoring"
    code, _ = run("--out", str(out))
    assert code == 0
    assert {p.name for p in out.iterdir()} == {RULES_FILE, DASHBOARD_FILE}
    assert (out / RULES_FILE).read_text() == all_files()[RULES_FILE]
    code, output = run("--check", "--out", str(out))
    assert code == 0, output
    assert "is current (2 files)" in output


def test_check_names_each_stale_file(tmp_path: Path) -> None:
    out = tmp_path / "monitoring"
    run("--out", str(out))
    (out / RULES_FILE).write_text(
        (out / RULES_FILE).read_text().replace("vdx_platform_up", "vdx_platform_upp")
    )
    (out / DASHBOARD_FILE).unlink()
    (out / "old.yaml").write_text("groups: []\n")
    code, output = run("--check", "--out", str(out))
    assert code == 1
    assert f"out of date: {RULES_FILE}" in output
    assert f"missing: {DASHBOARD_FILE}" in output
    assert "no longer generated: old.yaml" in output
    assert "run `vdx monitoring`" in output
    run("--out", str(out))
    assert not (out / "old.yaml").exists()

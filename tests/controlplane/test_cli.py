"""`vdx controlplane start / env / stop`: a developer's background control plane."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from vdx.cli.controlplane import command
from vdx.controlplane.binaries import locate_binaries
from vdx.controlplane.process import wait_until

DATA = Path(__file__).parent / "data"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


@pytest.mark.kube
def test_start_env_stop(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    binaries = locate_binaries()
    if binaries.kubectl is None:
        pytest.skip("no kubectl binary")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    runner = CliRunner()
    started = runner.invoke(command, ["start", "--crds", str(DATA / "crds")])
    assert started.exit_code == 0, started.output
    try:
        env = runner.invoke(command, ["env"])
        assert env.exit_code == 0, env.output
        match = re.search(r"^export KUBECONFIG=(\S+)$", env.output, re.MULTILINE)
        assert match
        kubeconfig = match[1]
        result = subprocess.run(
            [str(binaries.kubectl), "get", "crd", "-o", "name"],
            env={**os.environ, "KUBECONFIG": kubeconfig},
            capture_output=True,
            text=True,
            check=True,
        )
        assert "widgets.controlplane-tests.example.com" in result.stdout
        state = json.loads((tmp_path / "vdx-operator" / "controlplane" / "state.json").read_text())
        pids = [state["pid"], *state["pids"].values()]
        again = runner.invoke(command, ["start"])
        assert "already running" in again.output
    finally:
        stopped = runner.invoke(command, ["stop"])
    assert stopped.exit_code == 0, stopped.output
    assert wait_until(lambda: not any(_alive(pid) for pid in pids), timeout=10)
    assert not Path(kubeconfig).exists()
    assert runner.invoke(command, ["env"]).exit_code != 0


def test_env_without_a_running_control_plane_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    result = CliRunner().invoke(command, ["env"])
    assert result.exit_code != 0
    assert "vdx controlplane start" in result.output

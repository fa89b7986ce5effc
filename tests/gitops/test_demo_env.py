"""The demo's hand-over: recorded while it runs, printed as `export` lines, enough for `vdx plan`."""

from __future__ import annotations

import asyncio
import os
import shlex
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.gitops.conftest import PASSWORD, seed
from vdx.cli import demo as demo_cli
from vdx.cli import plan as plan_cli
from vdx.demo_env import DemoPlatform, Handover, env_lines, handover_dir, load, remove, save, usage_lines
from vdx.paths import EXAMPLES_DIR
from vdx.pexip.simulator import SeedOptions, Simulator, SimulatorConfig, serve


def _handover(
    url: str = "https://127.0.0.1:1", ca: str = "/tmp/ca dir/ca.pem", pid: int = 0, password: str = "admin"
) -> Handover:
    return Handover(
        kubeconfig="/tmp/kube/config",
        kubectl="/tmp/bin/kubectl",
        tree=str(EXAMPLES_DIR),
        username="admin",
        password=password,
        platforms=(DemoPlatform("prod", url, ca, "https://pexip-mgmt.vdx.medcom.dk"),),
        pid=pid or os.getpid(),
    )


def _exports(lines: list[str]) -> dict[str, str]:
    """What a POSIX shell would set from the `export` lines."""
    found = {}
    for line in lines:
        words = shlex.split(line)
        assert words[0] == "export"
        name, value = words[1].split("=", 1)
        found[name] = value
    return found


def test_env_lines_are_quoted_and_name_every_platform() -> None:
    exports = _exports(env_lines(_handover()))
    assert exports == {
        "KUBECONFIG": "/tmp/kube/config",
        "PEXIP_USERNAME": "admin",
        "PEXIP_PASSWORD": "admin",
        "VDX_DEMO_PROD_URL": "https://127.0.0.1:1",
        "VDX_DEMO_PROD_CA": "/tmp/ca dir/ca.pem",
    }
    usage = usage_lines(_handover())
    assert usage[1] == (
        f'vdx plan {EXAMPLES_DIR} --platform prod --url "$VDX_DEMO_PROD_URL" --ca-bundle "$VDX_DEMO_PROD_CA"'
    )


def test_recorded_while_running_and_ignored_once_the_process_is_gone(tmp_path: Path) -> None:
    directory = handover_dir({"XDG_RUNTIME_DIR": str(tmp_path)})
    assert directory == tmp_path / "vdx-demo"
    assert load(directory) is None
    path = save(_handover(), directory)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load(directory) == _handover()
    # A process that has exited: its record is stale.
    gone = subprocess.run(["true"], check=True)
    assert gone.returncode == 0
    dead = subprocess.Popen(["true"])
    dead.wait()
    save(_handover(pid=dead.pid), directory)
    assert load(directory) is None
    # remove() removes only this process's record.
    save(_handover(), directory)
    remove(directory, dead.pid)
    assert load(directory) is not None
    remove(directory, os.getpid())
    assert load(directory) is None


def test_vdx_demo_env_without_a_demo_says_how_to_start_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(demo_cli.command, ["env"], env={"XDG_RUNTIME_DIR": str(tmp_path)})
    assert result.exit_code == 1
    assert "no demo is running: start one with `vdx demo --keep`" in result.output


def test_the_hand_over_is_enough_to_plan_against_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `vdx demo --keep` records, `vdx demo env` prints, and `vdx plan` runs with as it is."""
    config = SimulatorConfig(username="admin", password=PASSWORD, seed=SeedOptions(history=None))
    with serve(Simulator(config), tls=True) as sim:
        assert sim.ca_bundle is not None
        asyncio.run(seed(sim.base_url, EXAMPLES_DIR, verify=sim.ca_bundle, username="admin"))
        handover = _handover(sim.base_url, sim.ca_bundle, password=PASSWORD)
        save(handover, handover_dir({"XDG_RUNTIME_DIR": str(tmp_path)}))
        printed = CliRunner().invoke(demo_cli.command, ["env"], env={"XDG_RUNTIME_DIR": str(tmp_path)})
        assert printed.exit_code == 0, printed.output
        exports = _exports([line for line in printed.output.splitlines() if line.startswith("export ")])
        assert "#   vdx plan " in printed.output
        monkeypatch.delenv("PEXIP_USERNAME", raising=False)
        monkeypatch.delenv("PEXIP_PASSWORD", raising=False)
        args = [
            str(EXAMPLES_DIR),
            "--platform",
            "prod",
            "--url",
            exports["VDX_DEMO_PROD_URL"],
            "--ca-bundle",
            exports["VDX_DEMO_PROD_CA"],
        ]
        planned = CliRunner().invoke(plan_cli.command, args, env=exports)
        assert planned.exit_code == 0, planned.output
        assert "Plan: " in planned.output

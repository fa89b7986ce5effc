"""The `vdx` command imports a family only when it is chosen, and no family's parser needs the heavy
libraries: `vdx --help` once took 2.5 s and 90 MiB because every family came in with kopf, the
Kubernetes client, the control plane and branding before the arguments were read.

The checks look at `sys.modules` in a fresh interpreter, not at a clock, so load on the machine
cannot make them flaky.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

import vdx.cli
from vdx.cli.main import FAMILIES, cli

# What a parser must never need: the operator's libraries, the control plane, Pulumi, spreadsheet
# and image libraries, the simulator, HTTP clients and templating.
HEAVY = (
    "kopf",
    "kubernetes",
    "pulumi",
    "openpyxl",
    "PIL",
    "resvg_py",
    "jinja2",
    "httpx",
    "aiohttp",
    "uvicorn",
    "vdx.pexip.simulator",
    "vdx.controlplane.server",
    "vdx.controller",
    "vdx.branding.bundle",
    "vdx.infra.local",
)

# Runs in a fresh interpreter: the help of the top level, then of each family in turn, and which
# heavy modules each step brought in.
_PROBE = """
import json, sys
from click.testing import CliRunner
from vdx.cli.main import FAMILIES, cli

heavy = {heavy!r}
def loaded():
    return sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy))

runner = CliRunner()
found = {{}}
result = runner.invoke(cli, ["--help"])
assert result.exit_code == 0, result.output
families = sorted(m for m in sys.modules if m.startswith("vdx.cli."))
found["--help"] = {{"heavy": loaded(), "families": families}}
for name in FAMILIES:
    before = set(loaded())
    result = runner.invoke(cli, [name, "--help"])
    assert result.exit_code == 0, (name, result.output)
    group = cli.get_command(None, name)
    for sub in getattr(group, "commands", {{}}):
        result = runner.invoke(cli, [name, sub, "--help"])
        assert result.exit_code == 0, (name, sub, result.output)
    found[name] = {{"heavy": sorted(set(loaded()) - before)}}
print(json.dumps(found))
"""


@pytest.fixture(scope="module")
def probe() -> dict[str, dict[str, list[str]]]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=HEAVY)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    result: dict[str, dict[str, list[str]]] = json.loads(out.strip().splitlines()[-1])
    return result


def test_top_level_help_imports_no_family(probe: dict[str, dict[str, list[str]]]) -> None:
    assert probe["--help"]["heavy"] == []
    assert probe["--help"]["families"] == ["vdx.cli.main"]


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_family_help_imports_nothing_heavy(probe: dict[str, dict[str, list[str]]], family: str) -> None:
    """`vdx FAMILY --help` and `vdx FAMILY SUB --help`: the parser is built from click alone."""
    assert probe[family]["heavy"] == [], (
        f"vdx.cli.{family} imports {probe[family]['heavy']} to build its parser: import them inside "
        "the function that runs the command"
    )


def _first_paragraph(command: click.Command) -> str:
    return " ".join((command.help or "").split("\n\n")[0].split())


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_listed_help_is_the_commands_own(family: str) -> None:
    command = importlib.import_module(FAMILIES[family].module).command
    listed = FAMILIES[family].help.rstrip(".")
    assert _first_paragraph(command).startswith(listed), (
        f"FAMILIES[{family!r}].help in vdx/cli/main.py differs from the command's docstring: "
        f"{_first_paragraph(command)!r}"
    )


def test_every_family_module_is_listed() -> None:
    """A new module under vdx.cli with a `command` is reachable only through FAMILIES."""
    listed = {family.module for family in FAMILIES.values()}
    for info in pkgutil.iter_modules(vdx.cli.__path__):
        module = importlib.import_module(f"vdx.cli.{info.name}")
        if info.name != "main" and isinstance(getattr(module, "command", None), click.Command):
            assert f"vdx.cli.{info.name}" in listed, f"vdx.cli.{info.name} is missing from FAMILIES"


def test_help_lists_every_family_and_dispatches() -> None:
    runner = CliRunner()
    top = runner.invoke(cli, ["--help"])
    assert top.exit_code == 0
    for name in FAMILIES:
        assert re.search(rf"^  {name}\s", top.output, re.MULTILINE), name
    chosen = runner.invoke(cli, ["check", "--help"])
    assert chosen.exit_code == 0
    assert "Usage: cli check [OPTIONS] PATH..." in chosen.output or "check [OPTIONS] PATH..." in chosen.output
    unknown = runner.invoke(cli, ["no-such-family"])
    assert unknown.exit_code == 2
    assert "No such command 'no-such-family'" in unknown.output


def test_check_formats_match_the_renderer() -> None:
    from vdx.cli.check import FORMATS
    from vdx.policies.formats import FORMATS as RENDERED

    assert FORMATS == RENDERED

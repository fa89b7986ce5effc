"""Entry point of the `vdx` command.

Each sub-command family lives in its own module under `vdx.cli` and exposes one click command or
group named `command`; this module only assembles them, so adding a family never touches another's
code.
"""

from __future__ import annotations

import importlib

import click

# Module name under vdx.cli -> the name the command has on the command line.
_FAMILIES: dict[str, str] = {
    "schemas": "schemas",
    "controlplane": "controlplane",
    "simulator": "simulator",
    "demo": "demo",
    "check": "check",
    "branding": "branding",
    "operator": "operator",
    "plan": "plan",
    "apply": "apply",
    "stats": "stats",
    "ports": "ports",
    "bench": "bench",
    "phonebook": "phonebook",
    "recorder": "recorder",
    "stacks": "stacks",
    "chaos": "chaos",
    "monitoring": "monitoring",
}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vdx-operator", prog_name="vdx")
def cli() -> None:
    """GitOps control plane for VDX: Kubernetes resources reconciled against Pexip Infinity."""


def _register() -> None:
    for module_name, command_name in _FAMILIES.items():
        module = importlib.import_module(f"vdx.cli.{module_name}")
        command: click.Command = module.command
        cli.add_command(command, name=command_name)


_register()


def main() -> None:
    cli()

"""Entry point of the `vdx` command.

Each sub-command family lives in its own module under `vdx.cli` and exposes one click command or
group named `command`; this module only names them, so adding a family never touches another's
code: add one line to `FAMILIES`.

The families are imported lazily, only when the command line chooses one: importing them all
(kopf, the Kubernetes client, the control plane, branding, the simulator) took 2.5 s and 90 MiB
before `vdx --help` could print a line. `vdx --help` therefore lists the one-line help kept in
`FAMILIES` (a test keeps it equal to the command's own), and a family's module keeps its heavy
imports inside the functions that need them, so `vdx <family> --help` builds its parser cheaply
(`tests/unit/test_cli_lazy.py` checks both).
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

import click


class Family(NamedTuple):
    """Where a command family's module lives and the one line `vdx --help` shows for it."""

    module: str
    help: str


# The name a family has on the command line -> its module (exposing `command`) and short help.
FAMILIES: dict[str, Family] = {
    "schemas": Family(
        "vdx.cli.schemas",
        "Generate the CRDs (schemas/crds) and JSON Schemas (schemas/jsonschema) from the models.",
    ),
    "controlplane": Family(
        "vdx.cli.controlplane",
        "A real Kubernetes control plane (etcd + kube-apiserver) built from Go modules.",
    ),
    "simulator": Family(
        "vdx.cli.simulator",
        "A faithful simulator of the Pexip Infinity Management API, for tests and demos.",
    ),
    "demo": Family(
        "vdx.cli.demo",
        "Control plane (CRDs, admission policies) + Pexip simulator + operator + the example tenants.",
    ),
    "check": Family(
        "vdx.cli.check",
        "Check every YAML file under PATH... against the resource models and the platform rules.",
    ),
    "branding": Family(
        "vdx.cli.branding",
        "Corporate visual identity: check, preview and package a CviBranding offline.",
    ),
    "operator": Family("vdx.cli.operator", "The operator process."),
    "plan": Family(
        "vdx.cli.plan",
        "Show what `vdx apply` would change in Pexip for the platform's tenants, field by field.",
    ),
    "apply": Family(
        "vdx.cli.apply",
        "Apply the tree to the platform: what `vdx plan` shows, in dependency order.",
    ),
    "stats": Family("vdx.cli.stats", "Usage statistics from Pexip's history, per tenant and per day."),
    "ports": Family(
        "vdx.cli.ports",
        "Print, per tenant, what its network must allow: direction, protocol, ports, source, "
        "destination and why.",
    ),
    "bench": Family(
        "vdx.cli.bench",
        "Cold start, steady state, one change, drift storm and restart, against the simulator.",
    ),
    "phonebook": Family(
        "vdx.cli.phonebook",
        "Print or export the phone book: the listed MeetingRooms and Devices of every Tenant.",
    ),
    "recorder": Family(
        "vdx.cli.recorder", "The tenants' own NGINX RTMP recorders (consent-based recording)."
    ),
    "stacks": Family("vdx.cli.stacks", "The Pulumi stacks that provision the operator's cluster side."),
    "tenant": Family("vdx.cli.tenant", "Tenants in a GitOps tree: onboarding a new organisation."),
    "chaos": Family(
        "vdx.cli.chaos",
        "Run the fault campaign: 5xx, timeouts, lost responses, 429 storms, an outage, slow reads, "
        "operator SIGKILLs and a kube-apiserver restart.",
    ),
    "monitoring": Family(
        "vdx.cli.monitoring",
        "Generate the Prometheus rules and the Grafana dashboard (schemas/monitoring/) from the metrics.",
    ),
}


def load_family(name: str) -> click.Command:
    """Import one family's module and return its command (named as on the command line)."""
    command: click.Command = importlib.import_module(FAMILIES[name].module).command
    command.name = name
    return command


class LazyGroup(click.Group):
    """A group whose sub-commands are imported when chosen, not when the group is built."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*FAMILIES, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in FAMILIES:
            self.add_command(load_family(cmd_name), name=cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from `FAMILIES`' short help, importing no family."""
        rows = [
            (name, FAMILIES[name].help if name in FAMILIES else self.commands[name].get_short_help_str())
            for name in self.list_commands(ctx)
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vdx-operator", prog_name="vdx")
def cli() -> None:
    """GitOps control plane for VDX: Kubernetes resources reconciled against Pexip Infinity."""


def main() -> None:
    cli()

"""`vdx stacks`: the Pulumi toolchain for the stacks in `stacks/` (see docs/stacks.md).

vdx stacks build      # once: pulumi + pulumi-resource-kubernetes from Go modules; a no-op afterwards
vdx stacks versions   # what is pinned and which binaries would be used
vdx stacks preview stage    # pulumi preview with the program inline and the policy pack
vdx stacks up stage         # pulumi up, likewise (asks first)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from vdx.cli.options import deprecated_alias, resolved
from vdx.controlplane.versions import SourceNotFoundError
from vdx.infra.toolchain.analyzer import write_analyzer_launcher
from vdx.infra.toolchain.binaries import PulumiNotFoundError, locate_pulumi
from vdx.infra.toolchain.build import BuildError, binary_versions, build_pulumi
from vdx.infra.toolchain.versions import pinned


def _echo_err(message: str) -> None:
    click.echo(message, err=True)


@click.group()
def command() -> None:
    """The Pulumi stacks that provision the operator's cluster side."""


@command.command()
@click.option("--force", is_flag=True, help="Rebuild even if the cache already holds these versions.")
def build(force: bool) -> None:
    """Build the Pulumi CLI and the Kubernetes provider plugin into the per-user cache."""
    try:
        result = build_pulumi(force=force, log=_echo_err)
    except (BuildError, SourceNotFoundError) as error:
        raise click.ClickException(str(error)) from error
    verb = "built" if result.built else "already built"
    steps = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in result.seconds.items())
    click.echo(f"{verb} ({steps}): {result.bin_dir}")
    for name, version in result.versions.items():
        click.echo(f"  {name}: {version}")


@command.command()
def versions() -> None:
    """Show the pinned modules and the binaries that would be used."""
    try:
        pins = pinned()
        click.echo(f"pinned: pulumi {pins.cli}, kubernetes provider {pins.provider} (cache key {pins.key})")
    except SourceNotFoundError as error:
        click.echo(f"pinned: unknown ({error})")
    try:
        binaries = locate_pulumi()
    except PulumiNotFoundError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"binaries ({binaries.origin}): {binaries.directory}")
    for name, version in binary_versions(None, binaries.directory).items():
        click.echo(f"  {name}: {version}")


@command.command(name="policy-pack")
@click.option(
    "--out",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".pulumi-policy"),
    show_default=True,
    callback=resolved("directory", "--out"),
    help="The directory to write the launcher into.",
)
@deprecated_alias("--dir", "directory", "--out", type=click.Path(file_okay=False, path_type=Path))
def policy_pack(directory: Path) -> None:
    """Write an executable for `pulumi preview --policy-pack` and print its path.

    The CLI built here has no Python language host, which a directory pack needs; the engine
    starts an executable pack directly.
    """
    click.echo(write_analyzer_launcher(directory.resolve()))


def _stack(name: str) -> Any:
    from vdx.infra.local import select_stack  # imports Pulumi: only for the commands that need it

    try:
        return select_stack(name)
    except PulumiNotFoundError as error:
        raise click.ClickException(str(error)) from error


def _policy_args(policy: bool) -> dict[str, list[str]]:
    if not policy:
        return {}
    return {"policy_packs": [str(write_analyzer_launcher(Path(".pulumi-policy").resolve()))]}


@command.command()
@click.argument("stack", type=click.Choice(["stage", "prod"]))
@click.option("--policy/--no-policy", default=True, show_default=True, help="Run the vdx-stacks policy pack.")
def preview(stack: str, policy: bool) -> None:
    """`pulumi preview` of STACK with the program inline (backend: `pulumi login` or PULUMI_BACKEND_URL)."""
    _stack(stack).preview(on_output=click.echo, diff=True, **_policy_args(policy))


@command.command()
@click.argument("stack", type=click.Choice(["stage", "prod"]))
@click.option("--policy/--no-policy", default=True, show_default=True, help="Run the vdx-stacks policy pack.")
@click.confirmation_option(prompt="Apply the changes to the cluster of the current Kubernetes context?")
def up(stack: str, policy: bool) -> None:
    """`pulumi up` of STACK with the program inline."""
    _stack(stack).up(on_output=click.echo, **_policy_args(policy))

"""`vdx stacks`: the Pulumi toolchain for the stacks in `stacks/` (see docs/stacks.md).

vdx stacks build      # once: pulumi + pulumi-resource-kubernetes from Go modules; a no-op afterwards
vdx stacks versions   # what is pinned and which binaries would be used
"""

from __future__ import annotations

import click

from vdx.controlplane.versions import SourceNotFoundError
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

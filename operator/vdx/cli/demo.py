"""`vdx demo`: the README's main job (see vdx.demo); `vdx demo env`: its hand-over (vdx.demo_env)."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from vdx.paths import EXAMPLES_DIR


@click.group(invoke_without_command=True)
@click.option(
    "--examples",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=EXAMPLES_DIR,
    show_default="the repository's examples/",
    help="The GitOps tree to apply.",
)
@click.option(
    "--keep",
    is_flag=True,
    help="Leave everything running and print the hand-over: simulator URLs, CA files, credentials, "
    "kubeconfig (then `vdx demo env` in another shell).",
)
@click.option("--timeout", type=float, default=300.0, show_default=True, help="Seconds to wait for Ready.")
@click.option("--verbose", is_flag=True, help="Show the operator's log.")
@click.pass_context
def command(ctx: click.Context, examples: Path, keep: bool, timeout: float, verbose: bool) -> None:
    """Control plane (CRDs, admission policies) + Pexip simulator + operator + the example tenants.

    Runs until everything is Ready; on the way it shows the API server refusing a certificate for
    another tenant's domain.
    """
    if ctx.invoked_subcommand is not None:
        return
    from vdx.demo import run_demo

    logging.basicConfig(
        level=logging.INFO if verbose else logging.CRITICAL, format="%(levelname)s %(name)s: %(message)s"
    )
    sys.exit(run_demo(examples, keep=keep, timeout=timeout, say=lambda line: click.echo(line)))


@command.command("env")
def env() -> None:
    """Print the running demo's hand-over as `export` lines: eval "$(vdx demo env)".

    KUBECONFIG, PEXIP_USERNAME/PEXIP_PASSWORD (the simulator's defaults) and, per platform,
    VDX_DEMO_<PLATFORM>_URL and VDX_DEMO_<PLATFORM>_CA; then, as comments, the commands that use them.
    """
    from vdx.demo_env import env_lines, handover_dir, load, usage_lines

    handover = load(handover_dir(os.environ))
    if handover is None:
        raise click.ClickException(
            "no demo is running: start one with `vdx demo --keep` and leave it running"
        )
    for line in env_lines(handover):
        click.echo(line)
    click.echo("# then, for example:")
    for line in usage_lines(handover):
        click.echo(f"#   {line}")

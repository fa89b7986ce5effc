"""`vdx demo`: the README's main job (see vdx.demo)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from vdx.paths import EXAMPLES_DIR


@click.command()
@click.option(
    "--examples",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=EXAMPLES_DIR,
    show_default="the repository's examples/",
    help="The GitOps tree to apply.",
)
@click.option("--keep", is_flag=True, help="Leave everything running and print how to use kubectl.")
@click.option("--timeout", type=float, default=300.0, show_default=True, help="Seconds to wait for Ready.")
@click.option("--verbose", is_flag=True, help="Show the operator's log.")
def command(examples: Path, keep: bool, timeout: float, verbose: bool) -> None:
    """Control plane + Pexip simulator + operator + the example tenants, until everything is Ready."""
    from vdx.demo import run_demo

    logging.basicConfig(
        level=logging.INFO if verbose else logging.CRITICAL, format="%(levelname)s %(name)s: %(message)s"
    )
    sys.exit(run_demo(examples, keep=keep, timeout=timeout, say=lambda line: click.echo(line)))

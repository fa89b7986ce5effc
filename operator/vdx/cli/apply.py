"""`vdx apply PATH... --platform NAME`: make Pexip match the tree without a cluster.

For bootstrap and break-glass: the same planners and ownership rules as the operator, the writes in
dependency order, each printed as it is made. It asks for confirmation (type `yes`) unless --yes is
given; without a terminal (CI) it refuses rather than guess.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from vdx.cli.plan import options_from, platform_options

if TYPE_CHECKING:
    from vdx.gitops.planning import PlatformPlan


def _confirm(yes: bool) -> Any:
    def confirm(plan: PlatformPlan) -> bool:
        if yes:
            return True
        if not sys.stdin.isatty():
            click.echo("No terminal to confirm on: pass --yes to apply without asking.")
            return False
        answer = click.prompt(
            f"Apply these {len(plan.steps)} changes to platform {plan.platform}? Only 'yes' is accepted",
            default="",
            show_default=False,
        )
        return bool(answer.strip() == "yes")

    return confirm


@click.command()
@platform_options
@click.option("--yes", is_flag=True, help="Apply without asking for confirmation.")
def command(yes: bool, **kwargs: Any) -> None:
    """Apply the tree to the platform: what `vdx plan` shows, in dependency order.

    Needs every Secret the changes use (--secrets DIR) and refuses, naming them, without. Stops at
    the first change Pexip refuses; what was made stays made, and a re-run continues.
    """
    from vdx.gitops.session import run_apply

    sys.exit(run_apply(options_from(**kwargs), click.echo, _confirm(yes)))

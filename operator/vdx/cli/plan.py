"""`vdx plan PATH... --platform NAME`: what merging this tree would do to one Pexip platform.

Read-only (only GETs), so it can run in CI against production on every pull request. Exit status:
0 when planned, 1 on errors, and with --detailed-exitcode 2 when there are changes, as terraform
does. Credentials come from PEXIP_USERNAME/PEXIP_PASSWORD or --credentials-file, never an argument.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from vdx.cli import options as shared
from vdx.cli.options import connection_options

F = Callable[..., Any]


def platform_options(func: F) -> F:
    """The options `vdx plan` and `vdx apply` share, so both read a workspace the same way."""
    decorators: list[Callable[[F], F]] = [
        click.argument(
            "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path), metavar="PATH..."
        ),
        click.option("--platform", required=True, help="The PexipPlatform of the tree to plan for."),
        click.option(
            "--secrets",
            "secrets_dir",
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            help="Directory of Secret manifests (kept outside Git): TURN secrets, certificates, PINs, device "
            "credentials, stream keys.",
        ),
        shared.output_option(
            ("text", "markdown", "json"),
            "text",
            help="text for people, markdown for a pull-request comment, json for tools.",
        ),
        click.option(
            "--no-color",
            is_flag=True,
            help="No colour in the text output (also when NO_COLOR is set, or not on a terminal).",
        ),
        click.option(
            "--resend-secrets",
            is_flag=True,
            help="Send TURN secrets and device passwords from --secrets even where nothing else differs "
            "(Pexip never shows them).",
        ),
    ]
    func = connection_options(func)
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def options_from(**kwargs: Any) -> Any:
    from vdx.gitops.session import Options

    return Options(
        paths=list(kwargs["paths"]),
        platform=kwargs["platform"],
        url=kwargs["url"],
        credentials_file=kwargs["credentials_file"],
        ca_bundle=kwargs["ca_bundle"],
        secrets_dir=kwargs["secrets_dir"],
        output_format=kwargs["output_format"],
        resend_secrets=kwargs["resend_secrets"],
        environ=dict(os.environ),
        color=shared.use_color(kwargs["no_color"], os.environ, shared.stdout_is_terminal()),
    )


@click.command()
@platform_options
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes (0 none, 1 errors).")
def command(detailed_exitcode: bool, **kwargs: Any) -> None:
    """Show what `vdx apply` would change in Pexip for the platform's tenants, field by field.

    Runs the operator's own planners against the live management node, reading only. Write-only
    values are masked; without --secrets they are shown as known only after apply.
    """
    from vdx.gitops.session import run_plan

    sys.exit(run_plan(options_from(**kwargs), click.echo, detailed_exitcode=detailed_exitcode))

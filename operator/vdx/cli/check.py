"""`vdx check PATH...`: judge a GitOps tree offline with the platform rules, as CI does.

Exit status: 0 when clean (or only warnings), 1 when any error is found (or any warning, with
--strict), 2 for a usage error such as a path that does not exist. Nothing here is about a
cluster: the same rules run at admission through `vdx.policies.admission`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

# vdx.policies.formats.FORMATS (a test keeps them equal): importing it brings every rule, which
# `vdx check --help` does not need.
FORMATS = ("text", "github", "sarif", "json")


def _shown(path: Path) -> Path:
    """Paths relative to the working directory where possible: CI annotations and SARIF need them."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


@click.command()
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path), metavar="PATH..."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for people, github for workflow annotations, sarif for code scanning, json for tools.",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--platform-namespace",
    "platform_namespaces",
    multiple=True,
    help="A namespace besides vdx-system where PexipPlatform credentials may live (the stacks' "
    "operatorNamespace); repeat for each.",
)
def command(
    paths: tuple[Path, ...], output_format: str, strict: bool, platform_namespaces: tuple[str, ...]
) -> None:
    """Check every YAML file under PATH... against the resource models and the platform rules.

    Broken YAML, unknown kinds, schema errors, duplicate names and every rule in docs/policies.md
    are reported with file and line, kind/name, field, rule and fix.
    """
    from vdx.policies.engine import check_workspace
    from vdx.policies.formats import render
    from vdx.policies.source import read_paths

    workspace = read_paths(_shown(path) for path in paths)
    findings = check_workspace(workspace, platform_namespaces=platform_namespaces)
    click.echo(render(findings, output_format, len(workspace.files)), nl=False)
    failed = any(f.is_error for f in findings) or (strict and bool(findings))
    sys.exit(1 if failed else 0)

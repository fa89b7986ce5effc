"""`vdx check PATH...`: judge a GitOps tree offline with the platform rules, as CI does.

Exit status: 0 when clean (or only warnings), 1 when any error is found (or any warning, with
--strict), 2 for a usage error such as a path that does not exist or an unusable configuration or
baseline. Nothing here is about a cluster: the same rules run at admission through
`vdx.policies.admission`; the configuration, inline suppressions and the baseline shape only
what this command reports (vdx.policies.triage).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from vdx.cli.options import output_option

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
@output_option(
    FORMATS,
    "text",
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
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The rule configuration to use (default: the .vdx-check.yaml nearest above the checked "
    "paths, up to the repository's root).",
)
@click.option(
    "--no-config", is_flag=True, help="Ignore any .vdx-check.yaml: report every rule at its own severity."
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Report only findings not recorded in this baseline (written by --write-baseline).",
)
@click.option(
    "--write-baseline",
    "write_baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Record the current findings (after the configuration and inline suppressions) in this file "
    "and exit 0.",
)
def command(
    paths: tuple[Path, ...],
    output_format: str,
    strict: bool,
    platform_namespaces: tuple[str, ...],
    config_path: Path | None,
    no_config: bool,
    baseline_path: Path | None,
    write_baseline: Path | None,
) -> None:
    """Check every YAML file under PATH... against the resource models and the platform rules.

    Broken YAML, unknown kinds, schema errors, duplicate names and every rule in docs/policies.md
    are reported with file and line, kind/name, field, rule and fix. A .vdx-check.yaml can change
    a rule's severity per path, a `suppress.vdx.medcom.dk/<rule>: "<reason>"` annotation excuses a
    warning on its resource, and --baseline hides the findings the tree already had.
    """
    from vdx.policies import baseline as baselines
    from vdx.policies.checkconfig import ConfigError, LoadedConfig, find_config, load_config
    from vdx.policies.engine import check_workspace, context_of
    from vdx.policies.formats import render
    from vdx.policies.source import read_paths
    from vdx.policies.suppressions import suppressions
    from vdx.policies.triage import triage

    if config_path and no_config:
        raise click.UsageError("--config and --no-config exclude each other")
    config: LoadedConfig | None = None
    try:
        found = config_path or (None if no_config else find_config(paths))
        if found is not None:
            config = load_config(found, _shown(found).as_posix())
        recorded = baselines.load(baseline_path, _shown(baseline_path).as_posix()) if baseline_path else None
    except (ConfigError, baselines.BaselineError) as exc:
        raise click.UsageError(str(exc)) from None

    workspace = read_paths(_shown(path) for path in paths)
    findings = check_workspace(workspace, platform_namespaces=platform_namespaces)
    annotations = suppressions(context_of(workspace, platform_namespaces))
    result = triage(findings, config, annotations, recorded, Path.cwd())
    if write_baseline is not None:
        write_baseline.write_text(baselines.render(result.before_baseline), encoding="utf-8")
        click.echo(
            f"vdx check: recorded {len(result.before_baseline)} finding(s) in {_shown(write_baseline)}; "
            f"check with --baseline {_shown(write_baseline)} to see only new ones"
        )
        sys.exit(0)
    click.echo(render(result.findings, output_format, len(workspace.files), result.hidden), nl=False)
    failed = any(f.is_error for f in result.findings) or (strict and bool(result.findings))
    sys.exit(1 if failed else 0)

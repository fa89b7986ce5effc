"""Command-line options several command families share, defined once so they read the same everywhere."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

F = Callable[..., Any]


def connection_options(func: F) -> F:
    """--url, --credentials-file and --ca-bundle: how a command reaches one management node.

    Credentials come from a file or PEXIP_USERNAME/PEXIP_PASSWORD, never from an argument, where they
    would end up in shell history and CI logs.
    """
    decorators = [
        click.option(
            "--url", default=None, help="The management node's URL, instead of the PexipPlatform's spec.url."
        ),
        click.option(
            "--credentials-file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            default=None,
            help="YAML/JSON with username and password, or a Secret manifest "
            "(default: PEXIP_USERNAME and PEXIP_PASSWORD).",
        ),
        click.option(
            "--ca-bundle",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            default=None,
            help="PEM CA bundle that signs the management node's certificate.",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def use_color(no_color: bool, environ: Mapping[str, str], is_terminal: bool) -> bool:
    """Colour only on a terminal, never with --no-color or a non-empty NO_COLOR (no-color.org),
    as terraform and most CLIs do: a log file or a CI step must not fill with escape codes."""
    return is_terminal and not no_color and not environ.get("NO_COLOR")


def stdout_is_terminal() -> bool:
    return bool(sys.stdout.isatty())


# One convention for every `vdx` command (issue 21), as kubectl and terraform users expect:
#   -o/--output FORMAT   how the result is printed (kubectl's `-o json|yaml|wide`);
#   --out FILE|DIR       where a command writes files instead of standard output (terraform's `-out`);
#   PATH (positional)    the GitOps tree a command reads (`vdx check PATH`, `vdx ports PATH`).
# The spellings they replace (`--format`, `--tree`, the operator's `--http-port`) stay for one release
# as hidden aliases that print a deprecation note on stderr, so scripts keep working while they move.
_RENAMED = "vdx.cli.renamed"


def _stash(ctx: click.Context) -> dict[str, Any]:
    found: dict[str, Any] = ctx.meta.setdefault(_RENAMED, {})
    return found


def deprecation_note(old: str, new: str) -> str:
    return f"vdx: {old} is deprecated and will be removed in the next release; use {new}"


def deprecated_alias(
    old: str | tuple[str, ...],
    target: str,
    new: str,
    *,
    convert: Callable[[Any], Any] | None = None,
    **kwargs: Any,
) -> Callable[[F], F]:
    """A hidden option `old` (one spelling, or a short and a long one) that feeds the parameter
    `target` (shown to users as `new`).

    It says so on stderr each time it is used, and refuses to be combined with the new spelling,
    whichever comes first on the command line (click handles given parameters in command-line
    order, so the second of the two sees the first). `target`'s callback must be `resolved(...)`.
    """

    def callback(ctx: click.Context, _: click.Parameter, value: Any) -> None:
        if value is None:
            return
        click.echo(deprecation_note("/".join(names), new), err=True)
        if ctx.get_parameter_source(target) is ParameterSource.COMMANDLINE:
            raise click.UsageError(f"give {new} only, not {old} as well", ctx=ctx)
        _stash(ctx)[f"{ctx.info_name}:{target}"] = convert(value) if convert else value

    names = (old,) if isinstance(old, str) else old
    return click.option(
        *names,
        f"{target}_deprecated",
        hidden=True,
        expose_value=False,
        default=None,
        callback=callback,
        **kwargs,
    )


def resolved(
    target: str, new: str, fallback: Any = None
) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """The callback of a renamed parameter: its deprecated alias's value when only that was given,
    else its own (given, or its default, which help shows as usual), else `fallback` (a default
    that must not go through the type's checks when the alias is used: `examples/` need not exist
    where `--tree` names another tree)."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        stashed = _stash(ctx).pop(f"{ctx.info_name}:{target}", None)
        if stashed is None:
            return fallback if value is None else value
        if ctx.get_parameter_source(str(param.name)) is ParameterSource.COMMANDLINE:
            raise click.UsageError(f"give {new} only, not its deprecated spelling as well", ctx=ctx)
        return stashed

    return callback


def output_option(formats: Sequence[str], default: str, help: str) -> Callable[[F], F]:
    """`-o/--output FORMAT` (the value reaches the command as `output_format`), with the deprecated
    `--format` still accepted."""

    def decorate(func: F) -> F:
        func = deprecated_alias("--format", "output_format", "-o/--output", type=click.Choice(formats))(func)
        return click.option(
            "-o",
            "--output",
            "output_format",
            type=click.Choice(formats),
            default=default,
            show_default=True,
            callback=resolved("output_format", "-o/--output"),
            help=help,
        )(func)

    return decorate


def tree_argument(default: Path | None = None) -> Callable[[F], F]:
    """The GitOps tree as the positional `[PATH]` (default: `default`), with the deprecated
    `--tree PATH` still accepted. Commands reading several paths take `PATH...` instead."""
    path_type = click.Path(exists=True, path_type=Path)

    def decorate(func: F) -> F:
        func = deprecated_alias("--tree", "tree", "the positional PATH", type=path_type)(func)
        return click.argument(
            "tree",
            required=False,
            default=None,
            type=path_type,
            metavar="[PATH]",
            callback=resolved("tree", "the positional PATH", default),
        )(func)

    return decorate


class DefaultGroup(click.Group):
    """A group that runs `default` when the command line names none of its sub-commands.

    `vdx ports PATH --platform prod` prints the port table (the command `show`) while `vdx ports
    status PATH` is a sub-command: a positional PATH on the group itself would swallow the
    sub-command's name, so the group has no parameters and forwards to `show`.
    """

    def __init__(self, *args: Any, default: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default = default

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = [self.default, *args]
        return super().parse_args(ctx, args)


def cluster_options(func: F) -> F:
    """--kubeconfig and --context: the cluster whose Tenants' roll-up a command shows beside a tree.

    Only when given: a command that reads a tree must not pick up whatever cluster $KUBECONFIG
    points at and show its state as the tree's.
    """
    func = click.option(
        "--context", "kube_context", default=None, help="The kubeconfig context to use (default: current)."
    )(func)
    return click.option(
        "--kubeconfig",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="Read each tenant's state (Ready, or what is not) from this cluster's Tenants; without it "
        "the state is unknown, since a tree has no status.",
    )(func)


def tenant_states(kubeconfig: Path | None, context: str | None) -> Any:
    """The Tenants' states from the cluster, or None (unknown) without --kubeconfig."""
    if kubeconfig is None:
        return None
    from vdx.tenantstate_cluster import ClusterError, read_states

    try:
        return read_states(kubeconfig, context)
    except ClusterError as error:
        raise click.ClickException(str(error)) from None

"""Command-line options several command families share, defined once so they read the same everywhere."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

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

"""`vdx ports`: placeholder until its issue lands; says so instead of pretending."""

from __future__ import annotations

import click


@click.group()
def command() -> None:
    """Not implemented yet."""

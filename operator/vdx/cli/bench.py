"""`vdx bench`: the national-scale benchmark (figures to read, not a pass/fail test)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

SCENARIOS = ("steady", "change", "drift", "restart")
FLEETS = ("national", "small")  # vdx.bench.fleet.FLEETS (a test keeps them equal)


@click.command()
@click.option("--scale", type=float, default=1.0, show_default=True, help="1 = the whole Danish platform.")
@click.option(
    "--scenario",
    "scenarios",
    type=click.Choice(SCENARIOS),
    multiple=True,
    help="Scenarios after the cold start (default: all).",
)
@click.option("--latency-ms", type=float, default=20.0, show_default=True, help="Simulated Pexip latency.")
@click.option(
    "--budget",
    type=click.Choice(("production", "raised")),
    default="production",
    show_default=True,
    help="production: the PexipPlatform's default request budget against a simulator enforcing "
    "Pexip's 1 000 requests per 60 s (429 + Retry-After), with a person's changes timed during the "
    "cold start; raised: 1 000 requests/s and no simulator limit, the latency-bound figure, also "
    "read against the HTTP floor measured before the cold start (PATCHes at 5 in flight, no operator).",
)
@click.option(
    "--node-limit",
    type=click.IntRange(1, 100000),
    default=1000,
    show_default=True,
    help="Requests per 60 s the simulated node enforces under the production budget (Pexip documents "
    "1 000; less shows the operator adapting to a node that enforces less than documented).",
)
@click.option(
    "--fleet",
    "fleet_name",
    type=click.Choice(FLEETS),
    default="national",
    show_default=True,
    help="national: the Danish platform at --scale; small: 50 tenants, about 500 Pexip objects.",
)
@click.option(
    "--fleet-first",
    is_flag=True,
    help="Apply the whole fleet with the operator stopped, then start it: the operator installed onto "
    "a tree that is already there, its cold start without the API server taking in the fleet on the "
    "same cores (the time ratio is then counted from its first request).",
)
@click.option(
    "--startup",
    is_flag=True,
    help="Only what starting costs: `vdx --help`, `vdx check` on the examples, the operator's imports "
    "(wall and CPU seconds, peak RSS); no control plane.",
)
@click.option("--runs", type=click.IntRange(1, 100), default=5, show_default=True, help="For --startup.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the figures as JSON."
)
def command(
    scale: float,
    scenarios: tuple[str, ...],
    latency_ms: float,
    budget: str,
    node_limit: int,
    fleet_name: str,
    fleet_first: bool,
    startup: bool,
    runs: int,
    out: Path | None,
) -> None:
    """Cold start, steady state, one change, drift storm and restart, against the simulator."""
    figures: dict[str, object]
    if startup:
        from vdx.bench.startup import run_startup

        figures = run_startup(runs, say=click.echo)
    else:
        from vdx.bench.run import run_benchmark

        logging.basicConfig(level=logging.CRITICAL)
        figures = run_benchmark(
            scale,
            latency_ms,
            list(scenarios or SCENARIOS),
            say=click.echo,
            budget=budget,
            node_requests=node_limit,
            fleet_name=fleet_name,
            fleet_first=fleet_first,
        )
    text = json.dumps(figures, indent=2, default=str)
    click.echo(text)
    if out is not None:
        out.write_text(text + "\n", encoding="utf-8")

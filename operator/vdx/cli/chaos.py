"""`vdx chaos`: a seeded fault campaign against the operator (docs/RELIABILITY.md has the figures).

Starts its own control plane, simulator and operator process; prints progress, then a summary,
and writes the full report as JSON with --report. Exit status 0 when the platform converged within
the bound with no duplicate, orphaned or lost Pexip object and no unscheduled operator exit.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from vdx.cli.options import deprecated_alias, resolved


@click.command()
@click.option(
    "--seed", type=int, default=12, show_default=True, help="Faults, kill times and churn follow it."
)
@click.option(
    "--kills", type=int, default=50, show_default=True, help="SIGKILLs of the operator across the run."
)
@click.option(
    "--outage-seconds", type=float, default=300.0, show_default=True, help="Length of the Pexip outage."
)
@click.option(
    "--phase-seconds", type=float, default=60.0, show_default=True, help="Length of every other phase."
)
@click.option("--scale", type=float, default=0.01, show_default=True, help="Fleet size (1.0 = national).")
@click.option(
    "--convergence-bound", type=float, default=180.0, show_default=True, help="Seconds allowed to converge."
)
@click.option("--resync-seconds", type=float, default=15.0, show_default=True)
@click.option(
    "--out",
    "report_file",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=resolved("report_file", "--out"),
    help="Write the JSON report to this file.",
)
@deprecated_alias("--report", "report_file", "--out", type=click.Path(dir_okay=False, path_type=Path))
def command(
    seed: int,
    kills: int,
    outage_seconds: float,
    phase_seconds: float,
    scale: float,
    convergence_bound: float,
    resync_seconds: float,
    report_file: Path | None,
) -> None:
    """Run the fault campaign: 5xx, timeouts, lost responses, 429 storms, an outage, slow reads,
    operator SIGKILLs and a kube-apiserver restart; then check convergence and the Pexip state."""
    from vdx.reliability.campaign import run_campaign, summary

    t0 = time.monotonic()

    report = run_campaign(
        seed=seed,
        kills=kills,
        outage_seconds=outage_seconds,
        phase_seconds=phase_seconds,
        scale=scale,
        convergence_bound_seconds=convergence_bound,
        resync_seconds=resync_seconds,
        say=lambda line: click.echo(f"{time.monotonic() - t0:7.1f}s {line}", err=True),
    )
    if report_file is not None:
        report_file.write_text(report.to_json() + "\n", encoding="utf-8")
    click.echo(summary(report))
    sys.exit(0 if report.passed else 1)

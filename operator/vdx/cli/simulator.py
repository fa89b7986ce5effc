"""`vdx simulator`: run the Pexip Management API simulator as a local server."""

from __future__ import annotations

import signal
import sys
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from types import FrameType

import click


@click.group()
def command() -> None:
    """A faithful simulator of the Pexip Infinity Management API, for tests and demos."""


@command.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8443, show_default=True, type=int, help="Port (0 picks a free one).")
@click.option("--tls", is_flag=True, help="Serve HTTPS with a freshly generated CA (its path is printed).")
@click.option(
    "--tls-dir", type=click.Path(file_okay=False, path_type=Path), help="Where to write the CA/cert."
)
@click.option(
    "--state", "state_file", type=click.Path(dir_okay=False), help="Load state from / save it to FILE."
)
@click.option("--username", default="admin", show_default=True)
@click.option("--password", default="admin", show_default=True, help="Basic-auth password (default admin).")
@click.option("--fault-seed", default=0, type=int, help="Seed for deterministic fault injection.")
@click.option("--rate-limit", is_flag=True, help="Answer 429 beyond 1000 requests per 60 s.")
@click.option(
    "--faults",
    "faults_json",
    help="A full fault plan as JSON (or @FILE), as accepted by PUT /_simulator/faults.",
)
@click.option(
    "--history-start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="First day of the synthetic call history (default 2026-10-01).",
)
@click.option(
    "--history-days", type=int, default=14, show_default=True, help="Days of synthetic history (0: none)."
)
def serve(
    host: str,
    port: int,
    tls: bool,
    tls_dir: Path | None,
    state_file: str | None,
    username: str,
    password: str,
    fault_seed: int,
    rate_limit: bool,
    faults_json: str | None,
    history_start: datetime | None,
    history_days: int,
) -> None:
    """Serve the simulator until interrupted; faults are adjustable under /_simulator/faults."""
    from vdx.pexip.simulator import (
        FaultConfig,
        HistorySeed,
        SeedOptions,
        Simulator,
        SimulatorConfig,
        start_server,
    )
    from vdx.pexip.simulator.faults import RateLimit

    if faults_json:
        text = (
            Path(faults_json[1:]).read_text(encoding="utf-8") if faults_json.startswith("@") else faults_json
        )
        try:
            faults = FaultConfig.model_validate_json(text)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--faults") from None
    else:
        faults = FaultConfig(seed=fault_seed, rate_limit=RateLimit(enabled=rate_limit))
    history = None
    if history_days > 0:
        start = history_start.date() if history_start else HistorySeed().start
        history = HistorySeed(start=start, days=history_days)
    config = SimulatorConfig(
        username=username,
        password=password,
        faults=faults,
        state_file=state_file,
        seed=SeedOptions(history=history),
    )
    simulator = Simulator(config)
    workdir = tls_dir or (Path(tempfile.mkdtemp(prefix="vdx-sim-tls-")) if tls else None)
    running = start_server(simulator, host=host, port=port, tls_dir=workdir, log_level="info")
    click.echo(f"Pexip simulator listening on {running.base_url} (user {username})")
    if running.ca_bundle:
        click.echo(f"CA bundle: {running.ca_bundle}")
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    stop.wait()
    running.stop()
    if state_file:
        simulator.save(state_file)
        click.echo(f"State saved to {state_file}")


@command.command("v41-fields")
@click.option("--check", is_flag=True, help="Exit non-zero if the generated module is stale; write nothing.")
@click.option(
    "--source",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="The v41 field data (default: pexip-v41-fields.json in the shared folder beside the repository).",
)
def v41_fields(check: bool, source: Path | None) -> None:
    """Render the v41 field data the simulator serves into vdx/pexip/simulator/v41_fields.py."""
    from vdx.paths import SHARED_DIR
    from vdx.pexip.simulator import v41

    path = source or SHARED_DIR / v41.SHARED_FILE_NAME
    if not path.is_file():
        raise click.ClickException(f"{v41.SHARED_FILE_NAME} not found; pass --source")
    if check:
        if v41.stale(path):
            name = v41.GENERATED_MODULE.name
            click.echo(f"{name} is stale: run `vdx simulator v41-fields` and commit the result.", err=True)
            sys.exit(1)
        click.echo(f"{v41.GENERATED_MODULE.name} is current ({len(v41.MODELLED)} collections).")
        return
    v41.GENERATED_MODULE.write_text(v41.render_module(v41.load_json(path)), encoding="utf-8")
    click.echo(f"wrote {v41.GENERATED_MODULE.name} ({len(v41.MODELLED)} collections)")

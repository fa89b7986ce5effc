"""Benchmark: `vdx stats export` against the simulator with N days of seeded history.

Speed figures belong here, not in tests. Run `python -m vdx.stats.bench --days 30`. It reports the
export's wall time and requests over real loopback HTTP (with the client's limiter and optional
latency), the no-op re-run that the incremental state makes cheap, and the time the pure part
(attribution and aggregation) takes on its own, so window size and page size can be chosen from numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from vdx.paths import EXAMPLES_DIR
from vdx.pexip import PexipClient, PlatformLimiter
from vdx.pexip.simulator import (
    FaultConfig,
    HistorySeed,
    Latency,
    SeedOptions,
    Simulator,
    SimulatorConfig,
    serve,
)
from vdx.stats import connect
from vdx.stats.aggregate import aggregate
from vdx.stats.attribution import DomainIndex
from vdx.stats.export import ExportOptions, attribute_fetched, run_export
from vdx.stats.fetch import FetchedConference, fetch_window
from vdx.stats.periods import days_between, windows

START = date(2026, 1, 5)


def _sizes(directory: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in sorted(directory.iterdir())}


async def _run(days: int, per_day: int, window_hours: int, latency_ms: float, rate: float) -> dict[str, Any]:
    seed = HistorySeed(start=START, days=days, conferences_per_tenant_per_day=per_day)
    sim = Simulator(SimulatorConfig(seed=SeedOptions(history=seed)))
    if latency_ms:
        sim.set_faults(FaultConfig(latency=Latency(kind="lognormal", ms=latency_ms, sigma=0.4)))
    tree = connect.load(EXAMPLES_DIR)
    tenants = [connect.tenant_info(t) for t in connect.tenants_of(tree, "prod")]
    last = START + timedelta(days=days - 1)
    now = datetime.now(UTC).replace(tzinfo=None)
    with serve(sim) as running, tempfile.TemporaryDirectory() as directory:
        out = Path(directory)
        limiter = PlatformLimiter(max_in_flight=5, rate=rate)
        async with PexipClient(running.base_url, auth=("admin", "admin"), limiter=limiter) as pexip:
            options = ExportOptions("prod", tenants, START, last, out, window_hours=window_hours)
            started = time.perf_counter()
            result = await run_export(pexip, options, now=now)
            export_s = time.perf_counter() - started
            requests = sim.accounting.count()
            sim.accounting.reset()
            started = time.perf_counter()
            await run_export(pexip, options, now=now)
            rerun_s = time.perf_counter() - started
            rerun_requests = sim.accounting.count()
            fetched: list[FetchedConference] = []
            for day in days_between(START, last):
                for window in windows(day, window_hours):
                    fetched.extend(await fetch_window(pexip, window))
        sizes = _sizes(out)
    index = DomainIndex(tenants)
    started = time.perf_counter()
    meetings = [attribute_fetched(f, index) for f in fetched]
    rows, breakdown = aggregate(meetings, tenants, days_between(START, last), "prod")
    pure_s = time.perf_counter() - started
    participants = sum(len(f.participants) for f in fetched)
    return {
        "days": days,
        "conferences": result.meetings,
        "participants": participants,
        "window_hours": window_hours,
        "client_rate_per_s": rate,
        "latency_ms": latency_ms,
        "export_seconds": round(export_s, 3),
        "export_requests": requests,
        "seconds_per_day": round(export_s / days, 4),
        "rerun_seconds": round(rerun_s, 3),
        "rerun_requests": rerun_requests,
        "attribute_and_aggregate_seconds": round(pure_s, 4),
        "daily_rows": len(rows),
        "breakdown_rows": len(breakdown),
        "file_bytes": sizes,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=6, help="Conferences per tenant per weekday.")
    parser.add_argument("--window-hours", type=int, default=24)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rate", type=float, default=15.0, help="Client requests per second (token bucket).")
    args = parser.parse_args(argv)
    result = asyncio.run(_run(args.days, args.per_day, args.window_hours, args.latency_ms, args.rate))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

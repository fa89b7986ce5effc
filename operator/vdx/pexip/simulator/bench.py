"""Benchmark: the client listing and writing against the simulator with realistic latency.

Speed figures belong here, not in tests. Run `python -m vdx.pexip.simulator.bench --help`.
It reports wall time, requests sent and the server's peak concurrency, so page size and the
limiter's settings can be chosen from numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from vdx.pexip.client import PexipClient
from vdx.pexip.limits import PlatformLimiter
from vdx.pexip.resources import CONFERENCE
from vdx.pexip.simulator.app import Simulator, SimulatorConfig
from vdx.pexip.simulator.faults import FaultConfig, Latency
from vdx.pexip.simulator.seed import SeedOptions
from vdx.pexip.simulator.server import serve


async def _run(
    objects: int, page_size: int, latency_ms: float, in_flight: int, rate: float
) -> dict[str, Any]:
    sim = Simulator(SimulatorConfig(seed=SeedOptions(history=None)))
    with sim.engine.lock:
        for n in range(objects):
            sim.engine.insert("conference", {"name": f"bench-{n:05d}"})
    sim.set_faults(FaultConfig(latency=Latency(kind="lognormal", ms=latency_ms, sigma=0.4)))
    with serve(sim) as running:
        limiter = PlatformLimiter(max_in_flight=in_flight, rate=rate)
        async with PexipClient(running.base_url, auth=("admin", "admin"), limiter=limiter) as pexip:
            started = time.perf_counter()
            listed = await pexip.list(CONFERENCE, page_size=page_size)
            list_s = time.perf_counter() - started
            sim.accounting.reset()
            started = time.perf_counter()
            await asyncio.gather(
                *(
                    pexip.update(CONFERENCE, c.id, {"description": "bench"})
                    for c in listed[: min(200, objects)]
                )
            )
            update_s = time.perf_counter() - started
    return {
        "objects": len(listed),
        "page_size": page_size,
        "list_seconds": round(list_s, 3),
        "updates": min(200, objects),
        "update_seconds": round(update_s, 3),
        "server_peak_in_flight": sim.accounting.max_in_flight,
        "client_counters": {"/".join(k): v for k, v in pexip.counters.snapshot().items()},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--in-flight", type=int, default=5)
    parser.add_argument("--rate", type=float, default=15.0)
    args = parser.parse_args(argv)
    result = asyncio.run(_run(args.objects, args.page_size, args.latency_ms, args.in_flight, args.rate))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

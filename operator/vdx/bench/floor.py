"""The HTTP stack's own floor: what one PATCH costs at 5 in flight with no operator around it.

The time target's yardstick assumes each request takes exactly the simulator's mean latency and
that the five slots are never empty for an instant. No HTTP client reaches that: between one
response and the next request on a slot there is the client's parsing and sending, the loopback,
the simulator's own server (uvicorn, h11) and its timer, a fraction of a millisecond late. How
far the cold start is from the physical limit of *this* machine and stack is therefore read
against a measured floor: the same simulator, the same latency, the operator's own HTTP client in
a process of its own (as the operator is), sending PATCHes with five always in flight.

Two floors are measured, in one child process, one after the other:

- `httpx`: a bare `httpx.AsyncClient` (the library the operator uses), five tasks each sending
  its next PATCH as soon as the last one is answered;
- `client`: the operator's `PexipClient.patch` through its `PlatformLimiter` (in-flight cap,
  token bucket at the raised budget, counters), the same way.

What the cold start costs above the `client` floor is the operator's (its reconciles, its event
loop, waiting for Kubernetes); what `client` costs above `httpx` is the Pexip client's own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

import httpx

from vdx.bench.measure import minimum_seconds
from vdx.pexip.client import PexipClient
from vdx.pexip.limits import PlatformLimiter
from vdx.pexip.resources import CONFERENCE

if TYPE_CHECKING:  # the child process need not import the simulator's server
    from vdx.pexip.simulator import RunningServer

IN_FLIGHT = 5
WARM_UP = 100
# The name of the room the floor is measured on; it exists only while it is measured.
FLOOR_ROOM = "vdx-bench-floor"


async def _five_in_flight(send: Callable[[int], Awaitable[None]], requests: int) -> float:
    """Seconds for `requests` calls of `send`, with IN_FLIGHT always waiting for an answer."""
    numbers = iter(range(requests))

    async def slot() -> None:
        for number in numbers:
            await send(number)

    started = time.perf_counter()
    await asyncio.gather(*(slot() for _ in range(IN_FLIGHT)))
    return time.perf_counter() - started


async def _measure(
    base_url: str, username: str, password: str, room_id: int, requests: int
) -> dict[str, Any]:
    path = CONFERENCE.uri(room_id)
    figures: dict[str, Any] = {}
    async with httpx.AsyncClient(
        base_url=base_url, auth=(username, password), headers={"Accept": "application/json"}
    ) as bare:

        async def bare_patch(number: int) -> None:
            response = await bare.patch(path, json={"description": f"floor {number}"})
            if response.status_code not in (200, 202, 204):
                raise RuntimeError(f"PATCH {path} answered {response.status_code}")

        await _five_in_flight(bare_patch, WARM_UP)
        started_cpu = time.process_time()
        seconds = await _five_in_flight(bare_patch, requests)
        figures["httpx"] = _figures(requests, seconds, time.process_time() - started_cpu)

    limiter = PlatformLimiter(max_in_flight=IN_FLIGHT, rate=1000.0, burst=1000.0)
    async with PexipClient(base_url, auth=(username, password), limiter=limiter) as pexip:

        async def client_patch(number: int) -> None:
            await pexip.patch(CONFERENCE, room_id, {"description": f"floor {number}"})

        await _five_in_flight(client_patch, WARM_UP)
        started_cpu = time.process_time()
        seconds = await _five_in_flight(client_patch, requests)
        figures["client"] = _figures(requests, seconds, time.process_time() - started_cpu)
    return figures


def _figures(requests: int, seconds: float, cpu_seconds: float) -> dict[str, float]:
    return {
        "requests": requests,
        "seconds": round(seconds, 3),
        # A slot's turn: from sending a request to sending the next on the same slot.
        "ms_per_request": round(seconds / requests * IN_FLIGHT * 1000, 3),
        "cpu_ms_per_request": round(cpu_seconds / requests * 1000, 3),
    }


def floor_notes(
    floor: dict[str, Any], needed: int, latency_ms: float, since_first: float, served_ms: float
) -> dict[str, Any]:
    """The cold start against the yardstick and the two floors: `needed` requests, converged
    `since_first` seconds after the operator's first request. The seconds above the yardstick are
    split into what the stack costs (bare httpx and the simulator's server), what the Pexip client
    adds to it, and the rest, which is the operator's. `served_ms`: how long the simulator held a
    request of the cold start on average; over the client's floor, it is how busy the request
    pipe's windows (`pipe`) would be at the floor's pace, the line a window's `busy` is read against."""

    yardstick = minimum_seconds(needed, latency_ms, IN_FLIGHT)
    stack = minimum_seconds(needed, floor["httpx"]["ms_per_request"], IN_FLIGHT)
    client = minimum_seconds(needed, floor["client"]["ms_per_request"], IN_FLIGHT)
    return {
        "floor": floor,
        "stack_bound_seconds": round(stack, 1),
        "client_bound_seconds": round(client, 1),
        "time_ratio_to_client_floor": round(since_first / client, 2),
        "served_ms": round(served_ms, 2),
        "busy_at_client_floor": round(served_ms / floor["client"]["ms_per_request"], 2),
        "seconds_above_yardstick": {
            "http_stack_and_simulator": round(stack - yardstick, 1),
            "pexip_client": round(client - stack, 1),
            "operator": round(since_first - client, 1),
        },
    }


@contextlib.contextmanager
def floor_room(sim: RunningServer) -> Iterator[int]:
    """A room of the benchmark's own, written straight into the store and gone afterwards, with the
    simulator's request log cleared: the floor's requests are not the cold start's."""
    engine = sim.simulator.engine
    room_id = int(engine.create("conference", {"name": FLOOR_ROOM}, {}))
    try:
        yield room_id
    finally:
        try:
            engine.delete("conference", room_id)
        finally:
            sim.simulator.accounting.reset()


def measure_floor(sim: RunningServer, requests: int = 1000, timeout: float = 300.0) -> dict[str, Any]:
    """Both floors against the running simulator, from a child process (see the module's text)."""
    config = sim.simulator.config
    with floor_room(sim) as room_id:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "vdx.bench.floor",
                "--url",
                sim.base_url,
                "--room-id",
                str(room_id),
                "--requests",
                str(requests),
            ],
            input=f"{config.username}\n{config.password}\n",
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"the floor's child process failed: {done.stderr.strip()[-500:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Measure the HTTP floor (see vdx.bench.floor).")
    parser.add_argument("--url", required=True)
    parser.add_argument("--room-id", type=int, required=True)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args(argv)
    # The credentials come on stdin, never on the command line (which `ps` shows).
    username = sys.stdin.readline().rstrip("\n")
    password = sys.stdin.readline().rstrip("\n")
    figures = asyncio.run(_measure(args.url, username, password, args.room_id, args.requests))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

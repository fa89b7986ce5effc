"""Fixtures for the Pexip client and simulator tests.

One simulator is served over real HTTP on a free loopback port for the whole session and reset
before every test that uses it, so tests are independent but pay the server start-up once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from vdx.pexip import PexipClient, PlatformLimiter, RetryPolicy
from vdx.pexip.simulator import RunningServer, Simulator, serve


@pytest.fixture(scope="session")
def running() -> Iterator[RunningServer]:
    with serve(Simulator()) as server:
        yield server


@pytest.fixture
def sim(running: RunningServer) -> Simulator:
    running.simulator.reset()
    return running.simulator


@pytest.fixture
async def http(running: RunningServer, sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    """A raw HTTP client: the contract suite checks the wire, not the client library."""
    async with httpx.AsyncClient(base_url=running.base_url, auth=("admin", "admin"), timeout=10) as client:
        yield client


FAST_RETRY = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05, jitter=0.1, max_retry_after=5)


@pytest.fixture
async def client(running: RunningServer, sim: Simulator) -> AsyncIterator[PexipClient]:
    pexip = PexipClient(
        running.base_url,
        auth=("admin", "admin"),
        limiter=PlatformLimiter(max_in_flight=5, rate=1000),
        retry=FAST_RETRY,
        page_size=50,
    )
    async with pexip:
        yield pexip

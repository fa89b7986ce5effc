"""A resync waits while a backlog of the operator's own requests fills the node's budget, not forever."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from vdx.controller.cache import PexipCache
from vdx.controller.metrics import OperatorMetrics
from vdx.controller.platforms import MAX_RESYNC_DEFERRAL, PlatformRuntime
from vdx.pexip.limits import PlatformLimiter


def platform(limiter: PlatformLimiter) -> PlatformRuntime:
    client = SimpleNamespace(limiter=limiter)
    runtime = PlatformRuntime("p", "f", client, PexipCache(client), OperatorMetrics())  # type: ignore[arg-type]
    runtime.resync_seconds = 30
    runtime.last_resync = 0.0
    return runtime


async def test_a_resync_waits_for_a_backlog_at_most_an_hour() -> None:
    limiter = PlatformLimiter(max_in_flight=5, rate=0.001, burst=1)  # one request, then a queue
    runtime = platform(limiter)
    assert not runtime.defer_resync(now=30)  # nothing waiting: the resync runs
    assert runtime.last_resync == 30

    release = asyncio.Event()

    async def request() -> None:
        async with limiter.slot():
            await release.wait()

    tasks = [asyncio.create_task(request()) for _ in range(7)]
    await asyncio.sleep(0.01)
    assert runtime.defer_resync(now=60)  # 6 waiting for the budget: later
    assert runtime.defer_resync(now=30 + MAX_RESYNC_DEFERRAL - 1)
    assert runtime.resyncs_deferred == 2
    assert not runtime.defer_resync(now=30 + MAX_RESYNC_DEFERRAL)  # drift is looked for anyway
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert not runtime.defer_resync(now=30 + MAX_RESYNC_DEFERRAL + 30)

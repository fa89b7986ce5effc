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


def test_a_resync_waits_while_a_tenants_rooms_are_queued_whatever_the_budget() -> None:
    # The raised limit: no backlog for the budget, but a Tenant's room writes are queued.
    runtime = platform(PlatformLimiter(max_in_flight=5, rate=1000, burst=1000))
    changes = [object() for _ in range(3)]
    with runtime.queued(changes) as pending:  # type: ignore[arg-type]
        assert runtime.queued_writes == 3
        assert runtime.defer_resync(now=30)
        taken = [next(pending), next(pending)]
        assert runtime.queued_writes == 1
        assert runtime.defer_resync(now=60)
        taken.append(next(pending))
        assert taken == changes
        # Every room handed to a worker: what is being written is not re-read, the next resync runs.
        assert runtime.queued_writes == 0
        assert not runtime.defer_resync(now=90)
    assert runtime.resyncs_deferred == 2


def test_writes_left_untaken_when_the_workers_fail_are_not_counted_forever() -> None:
    runtime = platform(PlatformLimiter(max_in_flight=5, rate=1000, burst=1000))
    try:
        with runtime.queued([object()] * 10) as pending:  # type: ignore[list-item]
            next(pending)
            raise RuntimeError("the node went away")
    except RuntimeError:
        pass
    assert runtime.queued_writes == 0
    assert not runtime.defer_resync(now=30)
    # A worker still running after the failure takes nothing more (and counts nothing twice).
    assert list(pending) == []
    assert runtime.queued_writes == 0

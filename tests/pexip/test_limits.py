"""The platform's request budget (vdx.pexip.limits), on a fake clock: window, AIMD, priorities."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from vdx.pexip import (
    AdaptiveRate,
    Budget,
    PexipClient,
    PlatformLimiter,
    Priority,
    RetryPolicy,
    interactive,
)
from vdx.pexip.limits import BULK_EVERY, INTERACTIVE_SHARE, bulk, current_priority
from vdx.pexip.resources import CONFERENCE


class Clock:
    """Time that moves only when someone sleeps; sleeping still yields, so other tasks queue up."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_the_default_budget_is_the_nodes_with_headroom() -> None:
    budget = Budget()
    assert (budget.requests, budget.window_seconds) == (900, 60)
    assert budget.rate == pytest.approx((900 - budget.burst) / 60)
    with pytest.raises(ValueError, match="burst"):
        Budget(requests=100, window_seconds=60, burst=100)


async def test_no_window_ever_holds_more_than_the_budget_burst_included() -> None:
    clock = Clock()
    budget = Budget(requests=100, window_seconds=10, burst=20)
    limiter = PlatformLimiter(max_in_flight=50, budget=budget, clock=clock, sleep=clock.sleep)
    sent: list[float] = []
    for _ in range(450):
        async with limiter.slot() as ticket:
            sent.append(ticket.sent_at)
    assert most_in_any_window(sent, 10) <= 100
    # ... and the budget is used: 20 at once, then 8/s.
    assert sent[19] == 0.0
    assert sent[-1] == pytest.approx((450 - 20) / 8, rel=0.01)


def test_aimd_halves_once_per_overload_and_climbs_back_slowly() -> None:
    rate = AdaptiveRate(15.0, window_seconds=60)
    assert rate.rate(0) == 15.0
    assert rate.throttled(now=10, sent_at=9.9, resume_at=40)
    assert rate.rate(10) == pytest.approx(7.5)
    # 429s for requests sent before the decrease were sent at the old rate: no second halving.
    assert not rate.throttled(now=10.2, sent_at=9.95)
    assert rate.rate(40) == pytest.approx(7.5)  # holds while the node's pause lasts
    # then a tenth of the ceiling per window
    assert rate.rate(100) == pytest.approx(7.5 + 1.5)
    assert rate.rate(40 + 60 * 5) == pytest.approx(15.0)
    assert rate.rate(10_000) == 15.0  # never above the budget
    # A request sent at the lowered rate and still refused: the node enforces less, halve again.
    assert rate.throttled(now=50, sent_at=45)
    assert rate.rate(50) == pytest.approx((7.5 + 15 * 0.1 * 10 / 60) / 2)  # from where it had climbed
    for n in range(20):
        rate.throttled(now=60 + n, sent_at=60 + n)
    assert rate.rate(79) == pytest.approx(rate.floor)
    assert rate.floor > 0


async def test_a_429_pauses_everyone_for_retry_after_and_lowers_the_rate() -> None:
    clock = Clock()
    limiter = PlatformLimiter(max_in_flight=5, budget=Budget(900, 60, 30), clock=clock, sleep=clock.sleep)
    seen: list[float | None] = []
    limiter.on_throttled.append(seen.append)
    async with limiter.slot() as ticket:
        limiter.throttled(ticket, 7.0)
    assert seen == [7.0]
    assert limiter.throttled_count == 1
    assert limiter.rate == pytest.approx(limiter.ceiling / 2)
    async with limiter.slot() as after:
        assert after.sent_at >= 7.0  # the pause, and nothing saved up spent at once after it
    async with limiter.slot() as next_one:
        assert next_one.sent_at - after.sent_at == pytest.approx(1 / limiter.rate, rel=0.01)


async def test_a_429_without_retry_after_still_pauses_a_moment() -> None:
    clock = Clock()
    limiter = PlatformLimiter(max_in_flight=5, rate=100, clock=clock, sleep=clock.sleep, default_pause=1.0)
    limiter.throttled(None, None)
    async with limiter.slot() as ticket:
        assert ticket.sent_at >= 1.0


async def test_a_persons_change_goes_ahead_of_a_queue_of_bulk_work() -> None:
    clock = Clock()
    limiter = PlatformLimiter(max_in_flight=5, rate=10, burst=1, clock=clock, sleep=clock.sleep)
    order: list[str] = []

    async def request(name: str, priority: Priority) -> None:
        async with limiter.slot(priority):
            order.append(name)

    bulk = [asyncio.create_task(request(f"room-{n}", Priority.NORMAL)) for n in range(30)]
    for _ in range(5):
        await asyncio.sleep(0)  # the rooms queue up; the first has gone
    assert limiter.waiting(Priority.NORMAL) > 20
    gone = len(order)
    change = asyncio.create_task(request("turn-port", Priority.INTERACTIVE))
    await asyncio.gather(change, *bulk)
    # At most the room already taking its token goes before it, not the 25 queued behind that one.
    assert order.index("turn-port") <= gone + 1
    assert order[-1] == "room-29"
    assert limiter.admitted[Priority.INTERACTIVE] == 1


async def test_interactive_work_cannot_take_the_whole_budget() -> None:
    clock = Clock()
    limiter = PlatformLimiter(max_in_flight=1, rate=10, burst=1, clock=clock, sleep=clock.sleep)
    order: list[Priority] = []

    async def request(priority: Priority) -> None:
        async with limiter.slot(priority):
            order.append(priority)

    tasks = [asyncio.create_task(request(Priority.NORMAL)) for _ in range(10)]
    tasks += [asyncio.create_task(request(Priority.INTERACTIVE)) for _ in range(20)]
    await asyncio.gather(*tasks)
    streak = longest = 0
    for priority in order[: order.index(Priority.NORMAL, 3)]:
        streak = streak + 1 if priority is Priority.INTERACTIVE else 0
        longest = max(longest, streak)
    assert longest <= INTERACTIVE_SHARE
    assert order[:2] == [Priority.NORMAL, Priority.INTERACTIVE]  # the first went before they queued


async def test_bulk_room_writes_yield_to_everything_else_but_are_not_starved() -> None:
    """A Tenant's room writes (bulk) let a listing's pages, a certificate, a branding's upload go
    first; while ordinary requests keep the queue full, one admission in `BULK_EVERY` is bulk."""
    clock = Clock()
    limiter = PlatformLimiter(max_in_flight=1, rate=10, burst=1, clock=clock, sleep=clock.sleep)
    order: list[str] = []

    async def request(name: str, priority: Priority | None = None) -> None:
        async with limiter.slot(priority):
            order.append(name)

    async def room(n: int) -> None:
        with bulk():
            await request(f"room-{n}")

    rooms = [asyncio.create_task(room(n)) for n in range(40)]
    for _ in range(5):
        await asyncio.sleep(0)  # the rooms queue up; the first has gone
    assert limiter.waiting(Priority.BULK) > 30
    gone = len(order)
    pages = [asyncio.create_task(request(f"page-{n}", Priority.NORMAL)) for n in range(20)]
    person = asyncio.create_task(request("turn-port", Priority.INTERACTIVE))
    await asyncio.gather(*rooms, *pages, person)
    assert limiter.admitted[Priority.BULK] == 40
    # At most the room already taking its token goes first, then the person's change, then pages.
    assert order.index("turn-port") <= gone + 1
    first_page = order.index("page-0")
    assert first_page == order.index("turn-port") + 1
    # While pages wait, at most one room in every BULK_EVERY admissions.
    during = order[first_page : order.index("page-19") + 1]
    rooms_during = [n for n in during if n.startswith("room-")]
    assert len(rooms_during) <= len(during) // BULK_EVERY + 1
    assert rooms_during  # not starved
    assert order[-1].startswith("room-")


async def test_the_bulk_mark_holds_for_tasks_started_inside_and_over_interactive() -> None:
    seen: list[Priority] = []

    async def one() -> None:
        seen.append(current_priority())

    with interactive(), bulk():
        assert current_priority() is Priority.BULK
        await asyncio.gather(one(), one())
    with interactive():
        assert current_priority() is Priority.INTERACTIVE
    assert current_priority() is Priority.NORMAL
    assert seen == [Priority.BULK, Priority.BULK]


async def test_the_interactive_mark_ends_with_its_block_even_for_tasks_started_inside() -> None:
    seen: list[Priority] = []
    release = asyncio.Event()

    async def outlives_the_block() -> None:
        seen.append(current_priority())
        await release.wait()
        seen.append(current_priority())

    assert current_priority() is Priority.NORMAL
    with interactive():
        assert current_priority() is Priority.INTERACTIVE
        task = asyncio.create_task(outlives_the_block())
        await asyncio.sleep(0)
    assert current_priority() is Priority.NORMAL
    release.set()
    await task
    assert seen == [Priority.INTERACTIVE, Priority.NORMAL]


async def test_the_client_tells_the_limiter_about_429_and_recovers() -> None:
    clock = Clock()
    answers = iter([httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200, json={})])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers)

    limiter = PlatformLimiter(max_in_flight=5, budget=Budget(900, 60, 30), clock=clock, sleep=clock.sleep)
    async with PexipClient(
        "https://pexip.test",
        auth=("admin", "secret"),
        limiter=limiter,
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(max_attempts=3, base_delay=0.01, jitter=0),
        sleep=clock.sleep,
    ) as client:
        await client.request("GET", CONFERENCE.uri(1), CONFERENCE.label)
    assert limiter.throttled_count == 1
    assert limiter.rate < limiter.ceiling
    assert clock.now >= 3.0  # Retry-After honoured
    assert client.counters.total(status=429) == 1
    assert client.counters.total(status=200) == 1

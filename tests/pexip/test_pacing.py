"""The simulator's latency timer: never wakes a request early, in deadline order, for any loop, and
survives requests that go away while they sleep (their client disconnected, their loop closed)."""

from __future__ import annotations

import asyncio
import random
import threading
import time

import pytest

from vdx.pexip.simulator.pacing import PreciseTimer


async def test_no_sleep_ends_before_its_time() -> None:
    timer = PreciseTimer()
    rng = random.Random(7)
    short: list[tuple[float, float]] = []

    async def one(seconds: float) -> None:
        started = time.monotonic()
        await timer.sleep(seconds)
        short.append((seconds, time.monotonic() - started))

    await asyncio.gather(*(one(rng.uniform(0.001, 0.015)) for _ in range(60)))
    assert len(short) == 60
    assert all(slept >= asked for asked, slept in short)
    assert timer.waiting() == 0


async def test_sleeps_end_in_the_order_of_their_deadlines() -> None:
    timer = PreciseTimer()
    woken: list[int] = []

    async def one(milliseconds: int) -> None:
        await timer.sleep(milliseconds / 1000)
        woken.append(milliseconds)

    await asyncio.gather(one(60), one(20), one(40), one(0))
    assert woken == [0, 20, 40, 60]


async def test_a_cancelled_sleep_does_not_hold_up_the_others() -> None:
    timer = PreciseTimer()
    sleeper = asyncio.create_task(timer.sleep(0.05))
    await asyncio.sleep(0.005)
    sleeper.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sleeper
    started = time.monotonic()
    await timer.sleep(0.01)
    assert time.monotonic() - started >= 0.01
    # The cancelled one's time comes: it leaves the heap without waking anyone.
    for _ in range(500):  # 5 s at most, for a loaded machine; normally the first look or two
        if not timer.waiting():
            break
        await asyncio.sleep(0.01)
    assert timer.waiting() == 0


def test_one_timer_wakes_each_loop_on_its_own_and_outlives_a_closed_loop() -> None:
    timer = PreciseTimer()
    errors: list[BaseException] = []
    loops: list[asyncio.AbstractEventLoop] = []

    def in_a_thread() -> None:
        try:
            loop = asyncio.new_event_loop()
            loops.append(loop)
            loop.run_until_complete(timer.sleep(0.02))
            loop.close()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=in_a_thread) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert errors == []
    assert len(loops) == 3
    assert all(loop.is_closed() for loop in loops)

    # A loop that closes while one of its requests sleeps: the wake-up finds nobody, and the
    # timer goes on serving the others.
    doomed = asyncio.new_event_loop()
    pending = doomed.create_task(timer.sleep(0.02))
    doomed.run_until_complete(asyncio.sleep(0.001))
    doomed.close()  # with the sleep still pending: its wake-up meets a closed loop
    time.sleep(0.03)
    del pending
    started = time.monotonic()
    asyncio.run(asyncio.wait_for(timer.sleep(0.01), 5))  # a dead timer thread would never wake it
    assert time.monotonic() - started >= 0.01
    assert timer.waiting() == 0

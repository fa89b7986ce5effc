"""The elastic pool: a burst gets up to max_workers threads, idle threads leave, no work is lost."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from vdx.controller.workers import ElasticThreadPool


def wait_until(predicate, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return bool(predicate())


def test_a_burst_runs_up_to_max_workers_at_once_and_no_more() -> None:
    pool = ElasticThreadPool(4, idle_seconds=5)
    gate = threading.Event()
    running = 0
    most = 0
    lock = threading.Lock()

    def job(n: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        gate.wait(5)
        with lock:
            running -= 1
        return n * n

    futures = [pool.submit(job, n) for n in range(10)]
    assert wait_until(lambda: running == 4)
    time.sleep(0.05)
    assert (running, pool.threads) == (4, 4)
    gate.set()
    assert [f.result(5) for f in futures] == [n * n for n in range(10)]
    assert most == 4
    pool.shutdown()
    assert pool.threads == 0


def test_idle_threads_leave_and_a_new_burst_starts_them_again() -> None:
    pool = ElasticThreadPool(8, idle_seconds=0.2)
    gate = threading.Event()
    futures = [pool.submit(gate.wait, 5) for _ in range(8)]
    assert wait_until(lambda: pool.threads == 8)
    gate.set()
    assert all(f.result(5) for f in futures)
    assert wait_until(lambda: pool.threads == 0), pool.threads
    names_before = {t.name for t in threading.enumerate()}
    # The thread that ran it is a new one (counting threads afterwards could race its idle exit).
    ran_on = pool.submit(lambda: threading.current_thread().name).result(5)
    assert ran_on.startswith("worker_")
    assert ran_on not in names_before
    pool.shutdown()


def test_sequential_work_reuses_one_thread() -> None:
    pool = ElasticThreadPool(8, idle_seconds=5)
    seen = {pool.submit(threading.get_ident).result(5) for _ in range(50)}
    assert len(seen) == 1
    assert pool.threads == 1
    pool.shutdown()


def test_no_work_is_lost_when_threads_leave_while_work_arrives() -> None:
    # Idle expiry racing with submissions: every future still completes.
    pool = ElasticThreadPool(3, idle_seconds=0.001)
    for _ in range(200):
        futures = [pool.submit(lambda n=n: n) for n in range(5)]
        assert [f.result(5) for f in futures] == list(range(5))
        time.sleep(0.0005)
    pool.shutdown()


def test_errors_reach_the_caller() -> None:
    pool = ElasticThreadPool(2)

    def boom() -> None:
        raise KeyError("nope")

    with pytest.raises(KeyError):
        pool.submit(boom).result(5)
    assert pool.submit(lambda: "still serving").result(5) == "still serving"
    pool.shutdown()


def test_shutdown_refuses_new_work_and_cancels_queued_work_on_request() -> None:
    pool = ElasticThreadPool(1, idle_seconds=5)
    gate = threading.Event()
    first = pool.submit(gate.wait, 5)
    queued = pool.submit(lambda: "late")
    assert wait_until(first.running)
    threading.Timer(0.1, gate.set).start()
    pool.shutdown(wait=True, cancel_futures=True)
    assert first.result(0) is True
    assert queued.cancelled()
    with pytest.raises(RuntimeError):
        pool.submit(lambda: None)


def test_it_serves_as_the_event_loops_default_executor() -> None:
    async def main() -> list[int]:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ElasticThreadPool(4, idle_seconds=1))
        return list(await asyncio.gather(*(asyncio.to_thread(lambda n=n: n + 1) for n in range(20))))

    assert asyncio.run(main()) == list(range(1, 21))

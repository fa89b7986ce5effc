"""Waiting out a request's simulated latency to within a fraction of a millisecond, never less.

asyncio wakes a sleeper late: the selector's timeout is rounded up to whole milliseconds (epoll's
resolution), so `asyncio.sleep` over 10-30 ms overslept by 0.68-0.85 ms on average on the
benchmark's machine. A simulator configured to answer in 20 ms answered in about 20.8, and every
time ratio of the benchmark counted those 4 % against the operator. Here one thread waits on a
condition variable with a timeout, which the C library honours to microseconds, and wakes the
sleeping request through its loop's `call_soon_threadsafe`, which interrupts the selector at once:
0.2-0.4 ms late on average in the same measurement, and never early.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import threading
import time


def _wake_up(future: asyncio.Future[None]) -> None:
    if not future.done():  # a request cancelled while it slept (its client went away)
        future.set_result(None)


class PreciseTimer:
    """Sleeps for any number of event loops, woken by one thread started on first use."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._due: list[tuple[float, int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def waiting(self) -> int:
        """Sleeps not yet woken (a cancelled one counts until its time has come)."""
        with self._changed:
            return len(self._due)

    async def sleep(self, seconds: float) -> None:
        """Return no sooner than `seconds` from now, and as soon after as the thread can wake it."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        entry = (time.monotonic() + seconds, next(self._order), loop, future)
        with self._changed:
            heapq.heappush(self._due, entry)
            if self._thread is None or not self._thread.is_alive():
                # Started on first use, and again should it ever have died: a sleep must not hang.
                self._thread = threading.Thread(target=self._run, name="simulator-timer", daemon=True)
                self._thread.start()
            if self._due[0] is entry:  # sooner than what the thread waits for
                self._changed.notify()
        await future

    def _run(self) -> None:
        # Waits for the earliest deadline only; a sooner one arriving meanwhile notifies it.
        with self._changed:
            while True:
                if not self._due:
                    self._changed.wait()
                    continue
                due, _, loop, future = self._due[0]
                left = due - time.monotonic()
                if left > 0:
                    self._changed.wait(left)
                    continue
                heapq.heappop(self._due)
                with contextlib.suppress(RuntimeError):  # its loop has closed: nobody waits any more
                    loop.call_soon_threadsafe(_wake_up, future)


TIMER = PreciseTimer()

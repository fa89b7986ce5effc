"""Client-side load limits shared by everything that talks to one platform (spec §1.12).

A Management Node is easily overloaded (Pexip's own CLI keeps five requests in flight), so every
client for the same base URL shares one `PlatformLimiter` by default: a cap on requests in flight,
a token bucket for the request rate, and a shared pause when the node answers 429.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, TypeVar

Sleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")


class _PerLoop(Generic[T]):
    """One asyncio primitive per event loop.

    asyncio locks bind to the loop that first waits on them; a limiter shared by clients on
    different loops (an operator thread and a test, say) would otherwise fail with "bound to a
    different event loop". Each loop gets its own primitive; the pacing state is shared.
    """

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T] = weakref.WeakKeyDictionary()

    def get(self) -> T:
        loop = asyncio.get_running_loop()
        value = self._by_loop.get(loop)
        if value is None:
            value = self._by_loop[loop] = self._factory()
        return value


class TokenBucket:
    """`rate` tokens per second, at most `burst` saved up; `acquire` waits for one token."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate)
        self._tokens = self.burst
        self._clock = clock
        self._sleep = sleep
        self._stamp = clock()
        self._lock = _PerLoop(asyncio.Lock)

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    async def acquire(self) -> None:
        async with self._lock.get():
            self._refill()
            if self._tokens < 1:
                # Sleep exactly the deficit, then take the token even if float rounding left the
                # bucket a hair short: the debt is carried into the next wait, never lost.
                await self._sleep((1 - self._tokens) / self.rate)
                self._refill()
            self._tokens -= 1


class PlatformLimiter:
    """In-flight cap + rate limit + shared 429 pause for one platform.

    The rate and the pause are shared by every user; the in-flight cap is enforced per event loop
    (normally there is one).
    """

    def __init__(
        self,
        max_in_flight: int = 5,
        rate: float = 15.0,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self.max_in_flight = max_in_flight
        self.bucket = TokenBucket(rate, burst, clock, sleep)
        self._semaphore = _PerLoop(lambda: asyncio.Semaphore(max_in_flight))
        self._clock = clock
        self._sleep = sleep
        self._paused_until = 0.0
        self.in_flight = 0
        self.peak_in_flight = 0

    def pause(self, seconds: float) -> None:
        """Hold every new request back for `seconds` (the platform said it is overloaded)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def _wait_for_pause(self) -> None:
        while (remaining := self._paused_until - self._clock()) > 0:
            await self._sleep(remaining)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self._wait_for_pause()
        async with self._semaphore.get():
            await self._wait_for_pause()
            await self.bucket.acquire()
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            try:
                yield
            finally:
                self.in_flight -= 1


_SHARED: dict[str, PlatformLimiter] = {}


def shared_limiter(
    key: str, *, max_in_flight: int = 5, rate: float = 15.0, burst: float | None = None
) -> PlatformLimiter:
    """The limiter for platform `key` (normally its base URL), created on first use.

    Settings only apply on creation; later callers share whatever the first one configured.
    """
    limiter = _SHARED.get(key)
    if limiter is None:
        limiter = _SHARED[key] = PlatformLimiter(max_in_flight, rate, burst)
    return limiter

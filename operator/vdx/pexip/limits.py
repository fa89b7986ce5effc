"""Client-side load limits shared by everything that talks to one platform (spec §1.12).

A Management Node is easily overloaded (Pexip's own CLI keeps five requests in flight) and Pexip
documents a budget of 1 000 requests per 60 s per node, beyond which it answers 429. Every client
for the same base URL therefore shares one `PlatformLimiter` by default: a cap on requests in
flight, a token bucket sized to the node's window, a shared pause when the node answers 429, and
an adaptive rate (AIMD) for a node that enforces less than documented or is shared with other
clients (the admin UI, statistics exports, Terraform).

Inside the budget a change a person just made goes first: code that serves one marks its requests
with `interactive()`, and the limiter admits those ahead of a cold start's room writes or a
resync's listings (but never all of the budget: see `INTERACTIVE_SHARE`). Below the ordinary
requests come the bulk ones, marked with `bulk()`: a Tenant bringing thousands of rooms that other
systems made in line. Everything else the operator sends (a listing the rooms' writers wait for,
a new certificate, a branding's upload) goes ahead of them (but see `BULK_EVERY`).

The rate logic (`TokenBucket`, `AdaptiveRate`) is pure: a function of the clock it is given.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import math
import threading
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Generic, TypeVar

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
T = TypeVar("T")

# Pexip's documented budget is 1 000 requests per 60 s per management node; the operator takes
# 900 of them (burst included), leaving a tenth for the admin UI and other clients.
DEFAULT_WINDOW_REQUESTS = 900
DEFAULT_WINDOW_SECONDS = 60
DEFAULT_BURST = 30
# Of the requests admitted while both kinds wait, interactive ones get at most this many in a row
# before one ordinary request goes: a person's change is served first, a flood of "interactive"
# work (a Tenant edit that rewrites thousands of rooms) still cannot stop everything else.
INTERACTIVE_SHARE = 4
# Of the requests admitted while ordinary and bulk ones both wait, one in this many is bulk: the
# rooms' writes yield to everything else, and still move while something else keeps the queue full.
BULK_EVERY = 8


class Priority(IntEnum):
    INTERACTIVE = 0  # a change a person just made (one TURN port, one certificate)
    NORMAL = 1  # everything else: creates, resumes, resyncs, listings, sweeps
    BULK = 2  # the writes of a Tenant's room defaults onto rooms other systems made


@dataclass
class _Scope:
    active: bool = True


_SCOPE: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("vdx_pexip_priority", default=None)
_BULK: contextvars.ContextVar[bool] = contextvars.ContextVar("vdx_pexip_bulk", default=False)


@contextlib.contextmanager
def interactive() -> Iterator[None]:
    """Mark the requests sent inside this block as serving a person's change.

    Tasks started inside inherit the mark, but only while the block lasts: a loop that outlives it
    (a platform's resync loop started by a PexipPlatform edit) must not keep jumping the queue.
    """
    scope = _Scope()
    token = _SCOPE.set(scope)
    try:
        yield
    finally:
        scope.active = False
        _SCOPE.reset(token)


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """Mark the requests sent inside this block (and by tasks started in it) as bulk: after every
    ordinary request, whoever started them. A person's edit of a Tenant's defaults that rewrites
    its rooms is bulk too: a TURN port changed meanwhile must not wait behind them."""
    token = _BULK.set(True)
    try:
        yield
    finally:
        _BULK.reset(token)


def current_priority() -> Priority:
    if _BULK.get():
        return Priority.BULK
    scope = _SCOPE.get()
    return Priority.INTERACTIVE if scope is not None and scope.active else Priority.NORMAL


@dataclass(frozen=True)
class Budget:
    """At most `requests` in any `window_seconds`, `burst` included (so the sustained rate is
    `(requests - burst) / window_seconds`): a token bucket whose worst window still fits."""

    requests: int = DEFAULT_WINDOW_REQUESTS
    window_seconds: float = DEFAULT_WINDOW_SECONDS
    burst: int = DEFAULT_BURST

    def __post_init__(self) -> None:
        if self.window_seconds <= 0:
            raise ValueError("window_seconds must be positive")
        if not 1 <= self.burst < self.requests:
            raise ValueError("burst must be at least 1 and less than requests")

    @property
    def rate(self) -> float:
        return (self.requests - self.burst) / self.window_seconds


class _PerLoop(Generic[T]):
    """One asyncio-bound object per event loop.

    asyncio primitives bind to the loop that first waits on them; a limiter shared by clients on
    different loops (an operator thread and a test, say) would otherwise fail with "bound to a
    different event loop". Each loop gets its own queue; the pacing state is shared.
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


class AdaptiveRate:
    """Multiplicative decrease on 429, additive increase after it (pure; the caller passes `now`).

    One decrease per overload: a 429 for a request sent before the last decrease says nothing new
    (it was sent at the old rate). After a decrease the rate holds until the node's pause is over,
    then climbs back by `increase_per_window` of the ceiling per window, so a node that really
    enforces less than documented sees the operator settle just under its limit, not oscillate.
    """

    def __init__(
        self,
        ceiling: float,
        *,
        window_seconds: float = DEFAULT_WINDOW_SECONDS,
        decrease: float = 0.5,
        increase_per_window: float = 0.1,
        floor_share: float = 0.05,
    ) -> None:
        if ceiling <= 0:
            raise ValueError("ceiling must be positive")
        if not 0 < decrease < 1:
            raise ValueError("decrease must be between 0 and 1")
        self.ceiling = ceiling
        self.floor = ceiling * floor_share
        self.decrease = decrease
        self.slope = ceiling * increase_per_window / window_seconds  # requests/s gained per second
        self._base = ceiling
        self._resume_at = -math.inf  # when the climb from `_base` starts
        self.last_decrease = -math.inf
        self.decreases = 0

    def rate(self, now: float) -> float:
        climbed = self.slope * max(0.0, now - self._resume_at)
        return min(self.ceiling, self._base + climbed)

    def throttled(self, now: float, sent_at: float, resume_at: float | None = None) -> bool:
        """A 429 arrived for a request sent at `sent_at`; True if the rate was lowered."""
        if sent_at < self.last_decrease:
            return False
        self._base = max(self.floor, self.rate(now) * self.decrease)
        self.last_decrease = now
        self._resume_at = max(now, resume_at or now)
        self.decreases += 1
        return True


class TokenBucket:
    """`rate` tokens per second (or whatever `rate_of(now)` says), at most `burst` saved up."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        rate_of: Callable[[float], float] | None = None,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate)
        self._rate_of = rate_of or (lambda _now: self.rate)
        self._tokens = self.burst
        self._clock = clock
        self._sleep = sleep
        self._stamp = clock()
        self._lock = threading.Lock()

    def _refill(self, now: float) -> None:
        if now > self._stamp:
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self._rate_of(now))
            self._stamp = now

    def wait_for(self, now: float) -> float:
        """Seconds until a token is there (0 when one is)."""
        with self._lock:
            self._refill(now)
            # A deficit float rounding left (1e-17 s) cannot be slept away: time would not move.
            return 0.0 if self._tokens >= 1 - 1e-9 else (1 - self._tokens) / self._rate_of(now)

    def take(self, now: float) -> None:
        """Take a token; after a wait of exactly `wait_for`, float rounding may leave the bucket a
        hair short: the debt is carried into the next wait, never lost."""
        with self._lock:
            self._refill(now)
            self._tokens -= 1

    def drain(self, now: float, until: float | None = None) -> None:
        """Nothing saved up any more, and nothing saved up before `until` (the node just said its
        budget is spent and asked for a pause: the pause must not end in a burst)."""
        with self._lock:
            self._refill(now)
            self._tokens = min(self._tokens, 0.0)
            self._stamp = max(self._stamp, until or now)

    async def acquire(self) -> None:
        wait = self.wait_for(self._clock())
        if wait > 0:
            await self._sleep(wait)
        self.take(self._clock())


@dataclass(frozen=True)
class Ticket:
    """One admitted request: when it went, so a 429 can be judged against the last decrease."""

    sent_at: float
    priority: Priority


@dataclass
class _Waiter:
    priority: Priority
    event: asyncio.Event = field(default_factory=asyncio.Event)


class _Queue:
    """The requests of one event loop waiting for admission, by priority, oldest first."""

    def __init__(self) -> None:
        self.waiting: dict[Priority, deque[_Waiter]] = {p: deque() for p in Priority}
        self.in_flight = 0
        self.interactive_streak = 0
        self.normal_streak = 0

    def head(self) -> _Waiter | None:
        urgent = self.waiting[Priority.INTERACTIVE]
        normal = self.waiting[Priority.NORMAL]
        bulk = self.waiting[Priority.BULK]
        if urgent and (not (normal or bulk) or self.interactive_streak < INTERACTIVE_SHARE):
            return urgent[0]
        if normal and (not bulk or self.normal_streak < BULK_EVERY - 1):
            return normal[0]
        return bulk[0] if bulk else None

    def admitted(self, waiter: _Waiter) -> None:
        self.waiting[waiter.priority].remove(waiter)
        if waiter.priority is Priority.INTERACTIVE:
            self.interactive_streak += 1
            return
        self.interactive_streak = 0
        if waiter.priority is Priority.NORMAL:
            self.normal_streak += 1
        else:
            self.normal_streak = 0

    def wake_head(self) -> None:
        head = self.head()
        if head is not None:
            head.event.set()


class PlatformLimiter:
    """In-flight cap + token bucket + shared 429 pause + adaptive rate + priorities, for one node.

    The rate and the pause are shared by every user; the in-flight cap and the queue are per event
    loop (normally there is one).
    """

    def __init__(
        self,
        max_in_flight: int = 5,
        rate: float | None = None,
        burst: float | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        *,
        budget: Budget | None = None,
        adaptive: bool = True,
        default_pause: float = 1.0,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        if budget is None and rate is None:
            budget = Budget()
        if budget is not None:
            rate, burst = budget.rate, float(budget.burst)
        assert rate is not None
        window = budget.window_seconds if budget is not None else DEFAULT_WINDOW_SECONDS
        self.max_in_flight = max_in_flight
        self.budget = budget
        self.adaptive = AdaptiveRate(rate, window_seconds=window) if adaptive else None
        rate_of = self.adaptive.rate if self.adaptive is not None else None
        self.bucket = TokenBucket(rate, burst, clock, sleep, rate_of=rate_of)
        self._queues = _PerLoop(_Queue)
        self._clock = clock
        self._sleep = sleep
        self._default_pause = default_pause
        self._paused_until = 0.0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.throttled_count = 0
        self.admitted: dict[Priority, int] = dict.fromkeys(Priority, 0)
        self._waiting: dict[Priority, int] = dict.fromkeys(Priority, 0)
        # Called with the Retry-After (or None) on every 429, e.g. to count it in metrics.
        self.on_throttled: list[Callable[[float | None], None]] = []
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ what metrics read
    @property
    def rate(self) -> float:
        """The rate allowed now (the ceiling unless the node has pushed back)."""
        return self.adaptive.rate(self._clock()) if self.adaptive is not None else self.bucket.rate

    @property
    def ceiling(self) -> float:
        return self.bucket.rate

    def waiting(self, priority: Priority) -> int:
        """Requests waiting for admission (every event loop)."""
        return self._waiting[priority]

    # ------------------------------------------------------------------ the node pushing back
    def pause(self, seconds: float) -> None:
        """Hold every new request back for `seconds` (the platform said it is overloaded)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def throttled(self, ticket: Ticket | None, retry_after: float | None) -> None:
        """The node answered 429: wait as long as it asked, spend nothing saved up, slow down."""
        now = self._clock()
        with self._lock:
            self.throttled_count += 1
        pause = retry_after if retry_after else self._default_pause
        self.pause(pause)
        self.bucket.drain(now, until=self._paused_until)
        if self.adaptive is not None:
            sent_at = ticket.sent_at if ticket is not None else now
            self.adaptive.throttled(now, sent_at, resume_at=self._paused_until)
        for observer in self.on_throttled:
            observer(retry_after)

    # ------------------------------------------------------------------ admission
    def _ready_in(self, now: float) -> float:
        return max(self._paused_until - now, self.bucket.wait_for(now))

    @contextlib.asynccontextmanager
    async def slot(self, priority: Priority | None = None) -> AsyncIterator[Ticket]:
        """Wait for admission (in-flight room, a token, no pause), highest priority first."""
        ticket = await self._admit(current_priority() if priority is None else priority)
        queue = self._queues.get()
        try:
            yield ticket
        finally:
            queue.in_flight -= 1
            with self._lock:
                self.in_flight -= 1
            queue.wake_head()

    async def _admit(self, priority: Priority) -> Ticket:
        queue = self._queues.get()
        waiter = _Waiter(priority)
        queue.waiting[priority].append(waiter)
        with self._lock:
            self._waiting[priority] += 1
        try:
            while True:
                waiter.event.clear()
                if queue.head() is waiter and queue.in_flight < self.max_in_flight:
                    wait = self._ready_in(self._clock())
                    if wait <= 0:
                        break
                    # Only the head sleeps; one that arrives with a higher priority becomes the
                    # head and this one, on waking, waits for its turn again.
                    await self._sleep(wait)
                    continue
                await waiter.event.wait()
        except BaseException:
            with self._lock:
                self._waiting[priority] -= 1
            if waiter in queue.waiting[priority]:
                queue.waiting[priority].remove(waiter)
                queue.wake_head()
            raise
        now = self._clock()
        self.bucket.take(now)
        queue.admitted(waiter)
        queue.in_flight += 1
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            self.admitted[priority] += 1
            self._waiting[priority] -= 1
        queue.wake_head()
        return Ticket(now, priority)


_SHARED: dict[str, PlatformLimiter] = {}


def shared_limiter(
    key: str, *, max_in_flight: int = 5, rate: float | None = None, burst: float | None = None
) -> PlatformLimiter:
    """The limiter for platform `key` (normally its base URL), created on first use.

    Settings only apply on creation; later callers share whatever the first one configured. Without
    a rate, the node's documented budget with headroom (`Budget()`).
    """
    limiter = _SHARED.get(key)
    if limiter is None:
        limiter = _SHARED[key] = PlatformLimiter(max_in_flight, rate, burst)
    return limiter

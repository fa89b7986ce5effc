"""One runtime per PexipPlatform: its client, its cache, its breaker, its resync loop."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import ssl
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from vdx.api.platform import AuthMethod, PexipPlatform
from vdx.controller.breaker import CircuitBreaker
from vdx.controller.cache import PexipCache
from vdx.controller.metrics import OperatorMetrics
from vdx.controller.plan import Change
from vdx.pexip.auth import BasicAuth, OAuth2ClientCredentials
from vdx.pexip.client import PexipClient
from vdx.pexip.errors import PexipError
from vdx.pexip.limits import Budget, PlatformLimiter, Priority
from vdx.pexip.metrics import RequestCounters
from vdx.pexip.resources import CONFERENCE

# The longest a resync waits for a backlog of the operator's own requests to clear (see
# PlatformRuntime.defer_resync).
MAX_RESYNC_DEFERRAL = 3600.0

# Request outcomes (the client counters' status label) that mean the node itself is not answering.
NODE_DOWN = frozenset({"error", "502", "503", "504"})


@dataclass
class PlatformRuntime:
    name: str
    fingerprint: str
    client: PexipClient
    cache: PexipCache
    metrics: OperatorMetrics
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)
    resync_seconds: float = 600.0
    version: str | None = None
    writes: int = 0
    last_resync: float | None = None  # monotonic; the platform's start counts as one
    resyncs_deferred: int = 0
    # Writes the operator has planned in bulk (a Tenant's rooms) and not yet started (`queued`).
    queued_writes: int = 0
    # What the last request found (None before the first), and the status label of the last one
    # that found the node down ("error", "503", ...): the incident record's observation and cause.
    reachable: bool | None = None
    last_down: str | None = None

    def __post_init__(self) -> None:
        if self.last_resync is None:
            self.last_resync = time.monotonic()
        limiter = getattr(self.client, "limiter", None)
        if isinstance(limiter, PlatformLimiter):
            self.watch_limiter(limiter)
        self.watch_requests()

    def watch_requests(self) -> None:
        """Count every request the client sends in `vdx_pexip_requests_total`, as it is sent, and
        keep `vdx_platform_up` on the last answer: a node that stops answering shows as down within
        one request (the next resync at the latest), not when its PexipPlatform is next reconciled.

        A 500 is an answer (one endpoint failing); no answer, or 502/503/504 from the node or the
        proxy in front of it, is a node that is down for every request.
        """
        counters = getattr(self.client, "counters", None)
        if not isinstance(counters, RequestCounters):
            return  # a stand-in client (tests) counts nothing
        name = self.name
        requests = self.metrics.pexip_requests
        seconds = self.metrics.pexip_request_seconds
        up = self.metrics.platform_up.labels(name)
        for (method, resource, status), count in counters.snapshot().items():
            requests.labels(name, method, resource, status).inc(count)

        def observe(method: str, resource: str, status: str, elapsed: float) -> None:
            requests.labels(name, method, resource, status).inc()
            seconds.labels(name, method).observe(elapsed)
            down = status in NODE_DOWN
            up.set(0 if down else 1)
            self.reachable = not down
            if down:
                self.last_down = status

        counters.observers.append(observe)

    def watch_limiter(self, limiter: PlatformLimiter) -> None:
        """The limiter's current rate, queue and 429s in this platform's metrics, read when scraped."""
        name = self.name
        self.metrics.pexip_rate.labels(name).set_function(lambda: limiter.rate)
        self.metrics.pexip_rate_budget.labels(name).set(limiter.ceiling)
        for priority in Priority:
            self.metrics.pexip_waiting.labels(name, priority.name.lower()).set_function(
                functools.partial(limiter.waiting, priority)
            )
        throttled = self.metrics.pexip_throttled.labels(name)
        limiter.on_throttled.append(lambda _retry_after: throttled.inc())

    def defer_resync(self, now: float | None = None) -> bool:
        """Whether the resync now due should wait for the next interval.

        A resync re-lists every type (about 260 pages at national scale, 18 s of the node's
        budget). While a backlog of the operator's own requests waits for the budget (a cold start
        writing 25 000 rooms for half an hour), that listing would only take from those writes:
        every object it re-reads is one the operator is writing from its cache anyway, and a resync
        every interval of a 30-minute cold start was half as many requests again. The same holds
        while a Tenant's rooms are queued for writing (`queued`), whatever the budget: at the
        raised limit one resync's 250 room pages, decoded on the event loop the writers share, fell
        into the last rooms of a national cold start and stretched its final 40 s to a trickle of
        8 writes a second. Drift is still looked for at least every `MAX_RESYNC_DEFERRAL` seconds
        (or six intervals, if longer).
        """
        now = time.monotonic() if now is None else now
        limiter = getattr(self.client, "limiter", None)
        backlog = sum(limiter.waiting(p) for p in Priority) if isinstance(limiter, PlatformLimiter) else 0
        busy = self.queued_writes > 0 or (
            isinstance(limiter, PlatformLimiter) and backlog >= limiter.max_in_flight
        )
        last = now if self.last_resync is None else self.last_resync
        if busy and now - last < max(MAX_RESYNC_DEFERRAL, 6 * self.resync_seconds):
            self.resyncs_deferred += 1
            return True
        self.last_resync = now
        return False

    @contextlib.contextmanager
    def queued(self, changes: Sequence[Change]) -> Iterator[Iterator[Change]]:
        """Hand out `changes` one at a time (to several workers); until the last is taken, the
        platform counts them as queued writes and its resync waits (`defer_resync`). Once the block
        is left (one worker failed, and the reconcile with it) the rest are no longer handed out:
        the other workers stop after their current write, and the retry plans again."""
        left = len(changes)
        open_ = True
        self.queued_writes += left

        def take() -> Iterator[Change]:
            nonlocal left
            for change in changes:
                if not open_:
                    return
                left -= 1
                self.queued_writes -= 1
                yield change

        try:
            yield take()
        finally:
            open_ = False
            self.queued_writes -= left

    def count_write(self, change: Change) -> None:
        self.writes += 1
        self.metrics.pexip_writes.labels(self.name, change.resource, change.action).inc()

    async def warm_up(self) -> None:
        """List the rooms now, in the background, once the node answers: every Tenant's reconcile
        needs them, and at national size (25 000 rooms, 50 pages) the first Tenant otherwise waited
        for the whole listing after its branding was ready (about 18 s of idle request slots in
        the benchmark's cold start). A failure is no loss: the first reader lists them again."""
        with contextlib.suppress(PexipError):
            await self.cache.ensure(CONFERENCE)

    async def close(self) -> None:
        await self.client.aclose()


def fingerprint(platform: PexipPlatform, secret_version: str, ca_version: str | None) -> str:
    """Changes whenever anything the client is built from changes (spec, credentials, CA)."""
    material = json.dumps(
        [platform.spec.model_dump(mode="json", by_alias=True), secret_version, ca_version], sort_keys=True
    )
    return hashlib.sha256(material.encode()).hexdigest()


class CredentialsProblem(Exception):
    """The credentials Secret lacks what the chosen method needs; the message names the keys."""


def build_client(
    platform: PexipPlatform, credentials: dict[str, str], ca_pem: str | None, **client_options: Any
) -> PexipClient:
    spec = platform.spec
    auth: BasicAuth | OAuth2ClientCredentials
    if spec.credentials.method is AuthMethod.BASIC:
        missing = [k for k in ("username", "password") if not credentials.get(k)]
        if missing:
            raise CredentialsProblem(
                f"the credentials Secret lacks {' and '.join(missing)}; add them (method Basic)"
            )
        auth = BasicAuth(credentials["username"], credentials["password"])
    else:
        missing = [k for k in ("clientId", "privateKey") if not credentials.get(k)]
        if missing:
            raise CredentialsProblem(
                f"the credentials Secret lacks {' and '.join(missing)}; "
                "add them (method OAuth2ClientCredentials)"
            )
        auth = OAuth2ClientCredentials(credentials["clientId"], credentials["privateKey"])
    verify: bool | ssl.SSLContext = True
    if ca_pem:
        verify = ssl.create_default_context(cadata=ca_pem)
    return PexipClient(
        spec.url, auth=auth, verify=verify, limiter=platform_limiter(platform), **client_options
    )


def platform_limiter(platform: PexipPlatform) -> PlatformLimiter:
    """The one limiter for everything sent to this node (reconciles, resyncs, listings, uploads)."""
    spec = platform.spec
    budget = Budget(
        requests=spec.rate_limit.requests_per_window,
        window_seconds=spec.rate_limit.window_seconds,
        burst=spec.rate_limit.burst,
    )
    return PlatformLimiter(
        max_in_flight=spec.max_concurrent_requests, budget=budget, adaptive=spec.rate_limit.adaptive
    )

"""Retry policy: which failures are retried and how long to wait (spec §1.11, §1.12).

Pure functions of attempt number, headers and an RNG, so the schedule can be tested without
sleeping.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter; the defaults follow Pexip's Go SDK (1 s x 2^n, max 30 s)."""

    max_attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0
    jitter: float = 0.2
    # A Retry-After longer than this is not waited out: the caller gets RateLimitedError/ServerError
    # and can requeue instead of blocking a worker.
    max_retry_after: float = 120.0
    statuses: frozenset[int] = field(default=RETRY_STATUSES)

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Delay before attempt `attempt + 1` (attempt counts from 1)."""
        raw = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        factor: float = 1 + rng.uniform(-self.jitter, self.jitter)
        return max(0.0, float(raw) * factor)

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Never sooner than the server asked for, never sooner than our own backoff."""
        backoff = self.backoff(attempt, rng)
        return backoff if retry_after is None else max(backoff, float(retry_after))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds or HTTP-date); None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())

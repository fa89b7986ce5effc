"""Plain request counters; an exporter (e.g. prometheus-client) can read `snapshot()` later.

Kept free of any metrics library so the client works without one installed.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

# (method, resource, status, seconds): seconds from sending the attempt to its answer or failure,
# not counting the wait for the platform's budget.
Observer = Callable[[str, str, str, float], None]


@dataclass
class RequestCounters:
    """Counts by (method, resource, status); status is the HTTP code or `"error"` for no response."""

    requests: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    retries: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    observers: list[Observer] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, method: str, resource: str, status: int | str, seconds: float = 0.0) -> None:
        label = str(status)
        with self._lock:
            self.requests[(method, resource, label)] += 1
        for observer in self.observers:
            observer(method, resource, label, seconds)

    def record_retry(self, method: str, resource: str, reason: str) -> None:
        with self._lock:
            self.retries[(method, resource, reason)] += 1

    def total(
        self, method: str | None = None, resource: str | None = None, status: int | str | None = None
    ) -> int:
        with self._lock:
            return sum(
                n
                for (m, r, s), n in self.requests.items()
                if (method is None or m == method)
                and (resource is None or r == resource)
                and (status is None or s == str(status))
            )

    def snapshot(self) -> dict[tuple[str, str, str], int]:
        with self._lock:
            return dict(self.requests)

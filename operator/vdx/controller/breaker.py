"""A circuit breaker per platform: stop calling a management node that keeps failing.

Without it, hundreds of resources would each retry on their own schedule against a node that is
down, which is exactly the storm Crossplane users complain about. Open, it fails fast; after a
cool-down it lets one reconcile through to probe, and closes on the first success.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class CircuitBreaker:
    def __init__(
        self,
        threshold: int = 5,
        base_cooldown: float = 5.0,
        max_cooldown: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.base_cooldown = base_cooldown
        self.max_cooldown = max_cooldown
        self._clock = clock
        self.failures = 0
        self.opened = 0  # how many times in a row it opened; grows the cool-down
        self._open_until = 0.0

    @property
    def is_open(self) -> bool:
        return self._clock() < self._open_until

    def remaining(self) -> float:
        return max(0.0, self._open_until - self._clock())

    def success(self) -> None:
        self.failures = 0
        self.opened = 0
        self._open_until = 0.0

    def failure(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            cooldown = min(self.max_cooldown, self.base_cooldown * 2**self.opened)
            self.opened += 1
            self.failures = 0
            self._open_until = self._clock() + cooldown

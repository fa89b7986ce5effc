"""How one operator instance is tuned: resync and retry timing, client options, where credentials live."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RuntimeSettings:
    # Overrides every platform's resync interval (tests and the demo; production leaves it None).
    resync_seconds: float | None = None
    # Per-object retry backoff after a failure: base * 2^(n-1), capped.
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 300.0
    # Extra keyword arguments for every PexipClient (tests pass a RetryPolicy, timeouts).
    client_options: dict[str, Any] = field(default_factory=dict)
    resync_concurrency: int = 8
    # How often every kind is listed to catch resources the watch never delivered (controller.sweep);
    # None: the resync override if set, else SWEEP_SECONDS.
    sweep_seconds: float | None = None
    # Where PexipPlatform credentials may live (issue 22: vdx.policies.platform_secrets).
    platform_namespaces: tuple[str, ...] = ("vdx-system",)

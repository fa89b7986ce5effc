"""Fault injection: deterministic from a seed, changeable at run time (spec §5.19).

Decisions are drawn from one RNG in request-arrival order, so a serial test sees exactly the same
faults on every run. The request budget (429) uses a fixed window like a simple server-side
limiter, and reports the seconds until the window resets in `Retry-After`.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Latency(BaseModel):
    """Added delay per request. `kind` picks the distribution; milliseconds throughout."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["none", "fixed", "uniform", "exponential", "lognormal"] = "none"
    ms: float = 0.0
    low_ms: float = 0.0
    high_ms: float = 0.0
    sigma: float = 0.5


class RateLimit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool = False
    budget: int = 1000
    window_s: float = 60.0
    send_retry_after: bool = True


class Outage(BaseModel):
    """Every API request answers `status` while the window is open (seconds from when it was set)."""

    model_config = ConfigDict(extra="forbid")
    start_s: float = 0.0
    duration_s: float = 0.0
    status: int = 503
    retry_after_s: int | None = 5


class FaultConfig(BaseModel):
    """The whole fault plan; replacing it (Python or `PUT /_simulator/faults`) resets the RNG."""

    model_config = ConfigDict(extra="forbid")
    seed: int = 0
    latency: Latency = Field(default_factory=Latency)
    # status code -> probability per request, drawn before the request is handled (nothing commits).
    error_rates: dict[int, float] = Field(default_factory=dict)
    rate_limit: RateLimit = Field(default_factory=RateLimit)
    # Probability that a successful write is committed but its response is lost (connection reset).
    drop_response_after_commit: float = 0.0
    # Probability that a successful write is committed but answered with a 500 (seen on real nodes).
    error_after_commit: float = 0.0
    outage: Outage | None = None
    slow_read_ms: float = 0.0
    slow_read_probability: float = 0.0
    # Only requests whose method is listed are subject to injected errors/drops (None = all).
    methods: list[str] | None = None
    # Only requests whose method is listed wait the latency (None = all): a slow POST that the
    # client gives up on while it still commits, with lookups that answer at once.
    latency_methods: list[str] | None = None


Verdict = Literal["ok", "drop", "error_after_commit"]


@dataclass(frozen=True)
class Decision:
    status: int | None = None
    retry_after: int | None = None
    delay_s: float = 0.0
    after_commit: Verdict = "ok"
    reason: str = ""


@dataclass
class FaultInjector:
    config: FaultConfig = field(default_factory=FaultConfig)
    clock: Callable[[], float] = time.monotonic
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _rng: random.Random = field(init=False)
    _set_at: float = field(init=False)
    _window_start: float = field(init=False)
    _window_count: int = 0

    def __post_init__(self) -> None:
        self.set(self.config)

    def set(self, config: FaultConfig) -> None:
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)  # noqa: S311 - reproducible faults, not crypto
            self._set_at = self.clock()
            self._window_start = self._set_at
            self._window_count = 0

    def update(self, **changes: Any) -> FaultConfig:
        merged = self.config.model_dump() | changes
        self.set(FaultConfig.model_validate(merged))
        return self.config

    def _latency(self, cfg: Latency) -> float:
        if cfg.kind == "fixed":
            return cfg.ms / 1000
        if cfg.kind == "uniform":
            return self._rng.uniform(cfg.low_ms, cfg.high_ms) / 1000
        if cfg.kind == "exponential":
            return self._rng.expovariate(1 / cfg.ms) / 1000 if cfg.ms > 0 else 0.0
        if cfg.kind == "lognormal":
            return self._rng.lognormvariate(math.log(max(cfg.ms, 0.001)), cfg.sigma) / 1000
        return 0.0

    def decide(self, method: str, is_read: bool) -> Decision:
        with self._lock:
            cfg = self.config
            now = self.clock()
            delay = self._latency(cfg.latency)
            if cfg.latency_methods is not None and method.upper() not in {
                m.upper() for m in cfg.latency_methods
            }:
                delay = 0.0
            if is_read and cfg.slow_read_ms and self._rng.random() < cfg.slow_read_probability:
                delay += cfg.slow_read_ms / 1000
            if cfg.outage is not None:
                start = self._set_at + cfg.outage.start_s
                if start <= now < start + cfg.outage.duration_s:
                    return Decision(cfg.outage.status, cfg.outage.retry_after_s, delay, reason="outage")
            if cfg.rate_limit.enabled:
                if now - self._window_start >= cfg.rate_limit.window_s:
                    self._window_start, self._window_count = now, 0
                self._window_count += 1
                if self._window_count > cfg.rate_limit.budget:
                    remaining = cfg.rate_limit.window_s - (now - self._window_start)
                    retry = max(1, math.ceil(remaining)) if cfg.rate_limit.send_retry_after else None
                    return Decision(429, retry, delay, reason="rate_limit")
            applies = cfg.methods is None or method.upper() in {m.upper() for m in cfg.methods}
            if applies:
                roll = self._rng.random()
                acc = 0.0
                for status, probability in sorted(cfg.error_rates.items()):
                    acc += probability
                    if roll < acc:
                        return Decision(status, None, delay, reason="injected_error")
            after: Verdict = "ok"
            if applies and not is_read:
                roll = self._rng.random()
                if roll < cfg.drop_response_after_commit:
                    after = "drop"
                elif roll < cfg.drop_response_after_commit + cfg.error_after_commit:
                    after = "error_after_commit"
            return Decision(None, None, delay, after)

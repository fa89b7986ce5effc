"""The campaign's plan, pure: which faults in which order, when to kill, what to change meanwhile.

Everything is drawn from one seed, so a campaign that found a problem can be run again exactly
(the operator's own timing still varies; the faults, kill times and churn do not).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Phase:
    """A stretch of the campaign with one fault plan (FaultConfig fields) in force."""

    name: str
    seconds: float
    faults: dict[str, Any] = field(default_factory=dict)
    restart_apiserver: bool = False
    # Faults that must show on the resources while they last (an outage cannot be retried away).
    must_be_visible: bool = False


@dataclass(frozen=True)
class Churn:
    """Changes made to the Kubernetes objects at a phase's start, so that faults meet real writes."""

    patch_turn_ports: int
    rotate_turn_secrets: int
    create_turn_services: int
    delete_turn_services: int
    create_certificates: int


@dataclass(frozen=True)
class CampaignPlan:
    seed: int
    phases: tuple[Phase, ...]
    churn: tuple[Churn, ...]
    # Seconds from the campaign's start at which the operator is SIGKILLed.
    kill_times: tuple[float, ...]

    @property
    def seconds(self) -> float:
        return sum(p.seconds for p in self.phases)

    def phase_at(self, t: float) -> int:
        elapsed = 0.0
        for index, phase in enumerate(self.phases):
            elapsed += phase.seconds
            if t < elapsed:
                return index
        return len(self.phases) - 1


def fault_phases(phase_seconds: float, outage_seconds: float, seed: int) -> tuple[Phase, ...]:
    """The issue's list, one phase each, then everything at once; each phase reseeds the simulator."""
    five_xx = {500: 0.1, 502: 0.04, 503: 0.04, 504: 0.02}  # 20 % of requests
    return (
        Phase("20% 5xx", phase_seconds, {"seed": seed + 1, "error_rates": five_xx}),
        # The campaign's operator gives up on a request after 3 s: a third of requests time out.
        Phase(
            "timeouts",
            phase_seconds,
            {"seed": seed + 2, "latency": {"kind": "uniform", "low_ms": 0, "high_ms": 4500}},
        ),
        Phase(
            "responses dropped after commit",
            phase_seconds,
            {"seed": seed + 3, "drop_response_after_commit": 0.3, "error_after_commit": 0.1},
        ),
        # A budget below the operator's own steady pace (a few list requests per resync), so it bites.
        Phase(
            "429 storm",
            phase_seconds,
            {"seed": seed + 4, "rate_limit": {"enabled": True, "budget": 3, "window_s": 10.0}},
        ),
        Phase(
            "outage",
            outage_seconds,
            {"seed": seed + 5, "outage": {"duration_s": outage_seconds, "status": 503, "retry_after_s": 5}},
            must_be_visible=True,
        ),
        Phase(
            "slow reads",
            phase_seconds,
            {"seed": seed + 6, "slow_read_ms": 2000, "slow_read_probability": 0.5},
        ),
        Phase("kube-apiserver restart", phase_seconds, {"seed": seed + 7}, restart_apiserver=True),
        Phase(
            "everything at once",
            phase_seconds,
            {
                "seed": seed + 8,
                "error_rates": five_xx,
                "drop_response_after_commit": 0.2,
                "latency": {"kind": "uniform", "low_ms": 0, "high_ms": 1500},
                "slow_read_ms": 1000,
                "slow_read_probability": 0.2,
            },
        ),
    )


def plan_campaign(seed: int, *, kills: int, outage_seconds: float, phase_seconds: float) -> CampaignPlan:
    rng = random.Random(seed)  # noqa: S311 - a reproducible schedule, not cryptography
    phases = fault_phases(phase_seconds, outage_seconds, seed)
    total = sum(p.seconds for p in phases)
    # Kills anywhere in the run (not during the last few seconds: the convergence clock starts there).
    kill_times = tuple(sorted(round(rng.uniform(1.0, max(1.0, total - 3.0)), 2) for _ in range(kills)))
    churn = tuple(
        Churn(
            patch_turn_ports=rng.randint(1, 3),
            rotate_turn_secrets=rng.randint(0, 2),
            create_turn_services=rng.randint(1, 2),
            delete_turn_services=rng.randint(0, 1),
            create_certificates=rng.randint(0, 1),
        )
        for _ in phases
    )
    return CampaignPlan(seed, phases, churn, kill_times)

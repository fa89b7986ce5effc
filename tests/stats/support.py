"""Helpers for the statistics tests: an in-process client, the example tenants, raw history."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx

from vdx.paths import EXAMPLES_DIR
from vdx.pexip import HISTORY_CONFERENCE, HISTORY_PARTICIPANT, PexipClient, PlatformLimiter
from vdx.pexip.models import HistoryConference, HistoryParticipant
from vdx.pexip.simulator import HistorySeed, SeedOptions, Simulator, SimulatorConfig
from vdx.pexip.simulator.seed import Tenant as SeedTenant
from vdx.stats import connect
from vdx.stats.attribution import TenantInfo
from vdx.stats.export import ExportOptions, ExportResult, run_export

START = date(2026, 10, 1)
NOW = datetime(2026, 11, 25, 12, 0)


def simulator(days: int = 14, tenants: tuple[SeedTenant, ...] | None = None) -> Simulator:
    seed = (
        HistorySeed(start=START, days=days) if tenants is None else HistorySeed(START, days, tenants=tenants)
    )
    return Simulator(SimulatorConfig(seed=SeedOptions(history=seed)))


def client(sim: Simulator, page_size: int = 200) -> PexipClient:
    return PexipClient(
        "http://simulator",
        auth=("admin", "admin"),
        transport=httpx.ASGITransport(app=sim),
        limiter=PlatformLimiter(max_in_flight=5, rate=10_000),
        page_size=page_size,
    )


def example_tenants(platform: str = "prod") -> list[TenantInfo]:
    tree = connect.load(EXAMPLES_DIR)
    return [connect.tenant_info(t) for t in connect.tenants_of(tree, platform)]


async def export(sim: Simulator, out: Path, first: date, last: date, **options: Any) -> ExportResult:
    tenants = options.pop("tenants", None) or example_tenants()
    async with client(sim) as pexip:
        return await run_export(pexip, ExportOptions("prod", tenants, first, last, out, **options), now=NOW)


async def raw_history(sim: Simulator) -> tuple[list[HistoryConference], list[HistoryParticipant]]:
    async with client(sim, page_size=1000) as pexip:
        return await pexip.list(HISTORY_CONFERENCE), await pexip.list(HISTORY_PARTICIPANT)

"""The KPI report example of docs/operations.md, made by the code that makes the real one.

`python -m vdx.stats.example` prints it; `--write docs/operations.md` puts it between the file's
`<!-- kpi-example -->` markers. The usage comes from `vdx stats export`'s own run against the Pexip
simulator with a month of its synthetic history, attributed to the example tree's tenants
(`examples/`); the incidents from the incident record fed the observations of two outages, as the
operator's recorder would; the report from the functions `vdx stats kpi` calls. Nothing in the
example is typed by hand, and a test fails when the docs no longer match what this prints.
The Prometheus goals say "needs --prometheus": there is no Prometheus with a month of data here.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

from vdx.controller.incidents import IncidentLog
from vdx.paths import EXAMPLES_DIR
from vdx.pexip import PexipClient, PlatformLimiter
from vdx.pexip.simulator import HistorySeed, SeedOptions, Simulator, SimulatorConfig
from vdx.pexip.simulator.seed import Tenant as SeedTenant
from vdx.stats import connect, goals, kpi, service_goals
from vdx.stats.aggregate import DailyRow, PlatformDayRow
from vdx.stats.export import ExportOptions, run_export
from vdx.stats.tables import DAILY_CSV, PLATFORM_DAILY_CSV, read_rows

PLATFORM = "prod"
MONTH = "2026-11"
FIRST, LAST = date(2026, 11, 1), date(2026, 11, 30)
# After the month: the report is of a complete month.
NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
LICENCE_PORTS = 100
COMMAND = (
    f"vdx stats kpi --platform {PLATFORM} --month {MONTH} --export-dir stats/{PLATFORM} "
    f"--from-file incidents.yaml --licence-ports {LICENCE_PORTS}"
)
START, END = "<!-- kpi-example -->", "<!-- /kpi-example -->"


def incident_record(tenants: list[str]) -> IncidentLog:
    """Two outages of the management node as the recorder observes them every 15 s (first and
    last observations shown): a 503 across the month's start, and a 90-minute loss of contact."""
    log = IncidentLog()
    moments = [
        (datetime(2026, 10, 31, 23, 40, tzinfo=UTC), False, "the management node answered 503"),
        (datetime(2026, 11, 1, 0, 20, tzinfo=UTC), True, ""),
        (
            datetime(2026, 11, 18, 9, 0, tzinfo=UTC),
            False,
            "no answer from the management node (connection refused, reset or timed out)",
        ),
        (datetime(2026, 11, 18, 10, 30, tzinfo=UTC), True, ""),
    ]
    for moment, reachable, cause in moments:
        log.observe_platform(PLATFORM, reachable, moment, tenants, cause)
    return log


async def _export(out: Path) -> None:
    tree = connect.load(EXAMPLES_DIR)
    tenants = [connect.tenant_info(t) for t in connect.tenants_of(tree, PLATFORM)]
    # Every example tenant calls, from its own domain under its own service tag.
    callers = tuple(SeedTenant(t.display_name or t.name, t.domains[0], t.name) for t in tenants if t.domains)
    history = HistorySeed(start=FIRST, days=(LAST - FIRST).days + 1, tenants=callers)
    simulator = Simulator(SimulatorConfig(seed=SeedOptions(history=history)))
    async with PexipClient(
        "http://simulator",
        auth=("admin", "admin"),
        transport=httpx.ASGITransport(app=simulator),
        limiter=PlatformLimiter(max_in_flight=5, rate=10_000),
        page_size=500,
    ) as client:
        await run_export(
            client, ExportOptions(PLATFORM, tenants, FIRST, LAST, out), now=NOW.replace(tzinfo=None)
        )


def report() -> str:
    """The example: the command, then what it prints."""
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory)
        asyncio.run(_export(out))
        rows = read_rows(out / DAILY_CSV, DailyRow)
        days = read_rows(out / PLATFORM_DAILY_CSV, PlatformDayRow)
    tree = connect.load(EXAMPLES_DIR)
    names = [t.metadata.name for t in connect.tenants_of(tree, PLATFORM)]
    record = incident_record(names)
    goal_report = service_goals.build_report(record.incidents, PLATFORM, MONTH, goals.targets(), NOW)
    first, last = service_goals.month_range(MONTH)
    usage = kpi.monthly_usage(rows, PLATFORM, first.date(), last.date(), days)
    goal_report = goal_report.with_usage(*kpi.usage_goals(usage, LICENCE_PORTS))
    return (
        f"```sh\n{COMMAND}\n```\n\n```markdown\n"
        + kpi.to_markdown(usage, PLATFORM, MONTH)
        + "\n"
        + service_goals.to_markdown(goal_report)
        + "```\n"
    )


def replace_between_markers(text: str, example: str) -> str:
    if START not in text or END not in text:
        raise ValueError(f"the file has no {START} ... {END} markers to put the example between")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{example}{END}{tail}"


def main(argv: list[str]) -> int:
    example = report()
    if len(argv) == 2 and argv[0] == "--write":
        path = Path(argv[1])
        path.write_text(replace_between_markers(path.read_text(encoding="utf-8"), example), encoding="utf-8")
        print(f"wrote the KPI example into {path}")
        return 0
    sys.stdout.write(example)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""One `vdx stats export` run: plan the days, read history window by window, aggregate, write.

Attribution always uses every tenant of the platform, also with --tenant: a meeting of another
tenant must not be mistaken for unattributed. Files are checkpointed every few days, so an
interrupted year-long export resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from vdx.pexip import HISTORY_CONFERENCE, PexipClient, build_params
from vdx.pexip.models import HistoryConference
from vdx.stats.aggregate import BreakdownRow, DailyRow, Meeting, PlatformDayRow, aggregate, platform_day
from vdx.stats.attribution import DomainIndex, TenantInfo, attribute
from vdx.stats.fetch import FetchedConference, fetch_window
from vdx.stats.periods import (
    WINDOW_CAP,
    Plan,
    before_history,
    day_start,
    days_between,
    plan_days,
    to_ranges,
    windows,
)
from vdx.stats.state import ExportState, load_state, save_state
from vdx.stats.tables import (
    BREAKDOWN_CSV,
    DAILY_CSV,
    EXCEL_DIR,
    PLATFORM_DAILY_CSV,
    TENANTS_CSV,
    UNATTRIBUTED_CSV,
    UnattributedMeeting,
    merge,
    read_rows,
    write_rows,
)
from vdx.stats.workbook import WORKBOOK, write_workbook

CHECKPOINT_DAYS = 7
# Pexip keeps at most 10 000 conferences; near that, older days may already have been evicted.
RETENTION = 10_000
RETENTION_WARNING = 9_000

ProgressCallback = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ExportOptions:
    platform: str
    tenants: list[TenantInfo]  # every tenant of the platform, for attribution
    first: date
    last: date
    out: Path
    only_tenant: str | None = None
    window_hours: int = 24
    window_cap: int = WINDOW_CAP


@dataclass
class ExportResult:
    plan: Plan
    meetings: int = 0
    unattributed: int = 0
    warnings: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class TenantRow:
    platform: str
    tenant: str
    display_name: str
    organisation_kind: str
    domains: str

    @property
    def key(self) -> str:
        return self.tenant


def attribute_fetched(fetched: FetchedConference, index: DomainIndex) -> Meeting:
    """A fetched conference as a meeting of one tenant (or of the unattributed bucket)."""
    aliases = [p.local_alias for p in fetched.participants]
    tags = [fetched.conference.tag, *(p.service_tag for p in fetched.participants)]
    return Meeting(
        fetched.conference,
        fetched.participants,
        attribute(aliases, tags, index),
        fetched.missing_participants,
    )


@dataclass(frozen=True)
class HistoryExtent:
    """How much history the node holds, and when its oldest record ended (None: no history)."""

    total: int
    oldest: datetime | None

    @property
    def begins(self) -> date | None:
        """The first day with history (a meeting belongs to the UTC day it ended)."""
        return self.oldest.date() if self.oldest else None


async def history_extent(client: PexipClient) -> HistoryExtent:
    """One GET: the oldest conference record by end time, and the total count."""
    response = await client.request(
        "GET", HISTORY_CONFERENCE.path, HISTORY_CONFERENCE.label, params=build_params({}, "end_time", 1)
    )
    body = response.json()
    total = int((body.get("meta") or {}).get("total_count") or 0)
    objects = body.get("objects") or []
    oldest = HistoryConference.model_validate(objects[0]).end_time if objects else None
    return HistoryExtent(total, oldest.replace(tzinfo=None) if oldest else None)


def retention_message(extent: HistoryExtent, first: date) -> str | None:
    """A warning when the node nears its history retention and the period starts before its oldest record."""
    oldest = extent.oldest
    if extent.total < RETENTION_WARNING or oldest is None or oldest <= day_start(first):
        return None
    return (
        f"the platform holds {extent.total} history conferences, close to Pexip's retention of {RETENTION}; "
        f"the oldest ended {oldest.isoformat(timespec='seconds')}, so days before it may be incomplete. "
        "Export more often (for example nightly) to keep every day"
    )


async def retention_warning(client: PexipClient, first: date) -> str | None:
    return retention_message(await history_extent(client), first)


def before_history_message(days: list[date], extent: HistoryExtent) -> str:
    """Why days were left out, and that they are asked for again (not recorded as zeros)."""
    periods = ", ".join(
        a.isoformat() if a == b else f"{a.isoformat()} to {b.isoformat()}" for a, b in to_ranges(days)
    )
    if extent.oldest is None:
        where = "the node holds no history at all yet"
        start = "once it has some"
    else:
        ended = extent.oldest.isoformat(timespec="seconds")
        where = f"they lie before the node's oldest history record (a meeting that ended {ended})"
        start = f"or, if the node did not run then or that history is gone, start --from at {extent.begins}"
    return (
        f"{len(days)} day(s) not exported ({periods}): {where}. They are not recorded as exported, so "
        f"they hold no zeros that might be wrong, and the next export asks for them again; {start}"
    )


async def run_export(
    client: PexipClient, options: ExportOptions, *, now: datetime, progress: ProgressCallback | None = None
) -> ExportResult:
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    state = load_state(out, options.platform, options.only_tenant)
    plan = plan_days(days_between(options.first, options.last), state.days, now)
    result = ExportResult(plan)
    reported = [t for t in options.tenants if options.only_tenant in (None, t.name)]
    index = DomainIndex(options.tenants)
    if plan.to_export:
        extent = await history_extent(client)
        warning = retention_message(extent, plan.to_export[0])
        if warning:
            result.warnings.append(warning)
        early = before_history(plan.to_export, extent.begins)
        if early:
            result.warnings.append(before_history_message(early, extent))
            plan = replace(
                plan, to_export=[d for d in plan.to_export if d not in early], before_history=early
            )
            result.plan = plan
    steps = [(day, window) for day in plan.to_export for window in windows(day, options.window_hours)]
    daily: list[DailyRow] = []
    platform_days: list[PlatformDayRow] = []
    breakdown: list[BreakdownRow] = []
    unattributed: list[UnattributedMeeting] = []
    pending: list[date] = []
    step = 0
    for day in plan.to_export:
        meetings: list[Meeting] = []
        for window in windows(day, options.window_hours):
            for fetched in await fetch_window(client, window, cap=options.window_cap):
                meetings.append(attribute_fetched(fetched, index))
            step += 1
            if progress is not None:
                progress(step, len(steps), f"{window.start:%Y-%m-%d %H:%M}  {len(meetings)} meetings")
        rows, parts = aggregate(meetings, reported, [day], options.platform)
        daily.extend(rows)
        # The whole platform, also with --tenant: its peak is the platform's, whoever asks.
        platform_days.append(platform_day(day, options.platform, meetings))
        breakdown.extend(parts)
        unattributed.extend(_unattributed(meetings))
        result.meetings += sum(r.meetings for r in rows)
        result.unattributed += sum(1 for m in meetings if m.attribution.tenant is None)
        pending.append(day)
        if len(pending) >= CHECKPOINT_DAYS:
            _write_tables(out, state, daily, platform_days, breakdown, unattributed, pending, now)
            daily, platform_days, breakdown, unattributed, pending = [], [], [], [], []
    _write_tables(out, state, daily, platform_days, breakdown, unattributed, pending, now)
    result.files = _write_reports(out, state, options, reported, now)
    return result


def _unattributed(meetings: list[Meeting]) -> list[UnattributedMeeting]:
    return [
        UnattributedMeeting(
            date=m.day,
            conference_id=m.conference.id,
            conference_name=m.conference.name,
            service_tag=m.conference.tag,
            reason=m.attribution.reason.value if m.attribution.reason else "",
            detail=m.attribution.detail,
        )
        for m in meetings
        if m.attribution.tenant is None
    ]


def _write_tables(
    out: Path,
    state: ExportState,
    daily: list[DailyRow],
    platform_days: list[PlatformDayRow],
    breakdown: list[BreakdownRow],
    unattributed: list[UnattributedMeeting],
    days: list[date],
    now: datetime,
) -> None:
    """Merge new days into the CSVs, then record them in the state (in that order)."""
    replaced = set(days)
    if not replaced and (out / DAILY_CSV).exists():
        return
    for name, row_type, rows in (
        (DAILY_CSV, DailyRow, daily),
        (PLATFORM_DAILY_CSV, PlatformDayRow, platform_days),
        (BREAKDOWN_CSV, BreakdownRow, breakdown),
        (UNATTRIBUTED_CSV, UnattributedMeeting, unattributed),
    ):
        path = out / name
        write_rows(path, row_type, merge(read_rows(path, row_type), rows, replaced))
    state.days |= replaced
    state.updated = now
    save_state(out, state)


def _write_reports(
    out: Path, state: ExportState, options: ExportOptions, reported: list[TenantInfo], now: datetime
) -> list[Path]:
    """The tenant list and the workbook, rebuilt from everything the directory holds."""
    tenants = [
        TenantRow(options.platform, t.name, t.display_name, t.organisation_kind, " ".join(t.domains))
        for t in reported
    ]
    write_rows(out / TENANTS_CSV, TenantRow, tenants)
    rows: list[DailyRow] = read_rows(out / DAILY_CSV, DailyRow)
    # The same tables in the dialect Danish Excel opens into columns (vdx.stats.tables).
    excel = out / EXCEL_DIR
    excel.mkdir(exist_ok=True)
    for name, row_type in (
        (DAILY_CSV, DailyRow),
        (PLATFORM_DAILY_CSV, PlatformDayRow),
        (BREAKDOWN_CSV, BreakdownRow),
        (UNATTRIBUTED_CSV, UnattributedMeeting),
        (TENANTS_CSV, TenantRow),
    ):
        table = rows if row_type is DailyRow else read_rows(out / name, row_type)
        write_rows(excel / name, row_type, table, excel=True)
    write_workbook(
        out / WORKBOOK,
        rows,
        reported,
        platform=options.platform,
        exported=to_ranges(state.days),
        generated=now,
    )
    names = (DAILY_CSV, PLATFORM_DAILY_CSV, BREAKDOWN_CSV, UNATTRIBUTED_CSV, TENANTS_CSV)
    return [*(out / n for n in names), *(excel / n for n in names), out / WORKBOOK]

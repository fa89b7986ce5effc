"""Usage KPIs of one month per tenant and for the platform, from `vdx stats export`'s daily rows (pure).

The user group's meeting looks at meetings, participants and minutes, how calls went (Pexip's
`call_quality`) and how people joined (WebRTC, SIP, H.323), and the busiest moment. All of it is
already in `daily.csv`, one row per tenant and UTC day; this module sums a month of those rows.
Shares are of all calls (participants) in the month, so they add up to 100 % with `unknown`/`other`.
The platform's peak concurrency is not the sum of the tenants' peaks (they need not coincide): it
comes from the export's `platform_daily.csv` (every call of the day at once), the busiest day's.
An export made before that file existed gives none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference

from vdx.stats import goals
from vdx.stats.aggregate import DailyRow, PlatformDayRow

QUALITY = ("good", "ok", "bad", "terrible", "unknown")
PROTOCOL = ("webrtc", "sip", "h323", "other")
PLATFORM_ROW = "(platform)"


@dataclass(frozen=True)
class UsageKpi:
    tenant: str
    display_name: str
    days: int
    meetings: int
    meeting_minutes: float
    participants: int
    participant_minutes: float
    quality: dict[str, int]
    protocol: dict[str, int]
    peak_concurrent_participants: int | None

    def share(self, counts: dict[str, int], key: str) -> float:
        return counts[key] / self.participants if self.participants else 0.0


def _sum(tenant: str, display: str, rows: Sequence[DailyRow], peak: int | None) -> UsageKpi:
    return UsageKpi(
        tenant=tenant,
        display_name=display,
        days=len({r.date for r in rows}),
        meetings=sum(r.meetings for r in rows),
        meeting_minutes=round(sum(r.meeting_minutes for r in rows), 2),
        participants=sum(r.participants for r in rows),
        participant_minutes=round(sum(r.participant_seconds for r in rows) / 60, 2),
        quality={
            "good": sum(r.quality_good for r in rows),
            "ok": sum(r.quality_ok for r in rows),
            "bad": sum(r.quality_bad for r in rows),
            "terrible": sum(r.quality_terrible for r in rows),
            "unknown": sum(r.quality_unknown for r in rows),
        },
        protocol={
            "webrtc": sum(r.participants_webrtc for r in rows),
            "sip": sum(r.participants_sip for r in rows),
            "h323": sum(r.participants_h323 for r in rows),
            "other": sum(r.participants_other_protocol for r in rows),
        },
        peak_concurrent_participants=peak,
    )


def platform_peak(
    days: Sequence[PlatformDayRow] | None, month: Sequence[DailyRow], platform: str, first: date, last: date
) -> int | None:
    """The platform's busiest moment in the month: the most participants at once over all its
    tenants' calls together. None without the platform's days (an older export), or when a day
    the tenant rows hold is missing from them (exported before they were)."""
    if days is None:
        return None
    mine = {d.date: d for d in days if d.platform == platform and first <= d.date < last}
    if not {r.date for r in month} <= set(mine):
        return None
    return max((d.peak_concurrent_participants for d in mine.values()), default=0)


def monthly_usage(
    rows: Sequence[DailyRow],
    platform: str,
    first: date,
    last: date,
    platform_days: Sequence[PlatformDayRow] | None = None,
) -> list[UsageKpi]:
    """One KPI row per tenant (the unattributed bucket as one), then the platform's total;
    `first` included, `last` excluded. A tenant's peak is its busiest day's; the platform's is from
    `platform_days` (the export's platform_daily.csv), not from the tenants' peaks."""
    month = [r for r in rows if r.platform == platform and first <= r.date < last]
    tenants: dict[str, list[DailyRow]] = {}
    for row in month:
        tenants.setdefault(row.tenant, []).append(row)
    kpis = [
        _sum(
            tenant,
            next((r.display_name for r in found if r.display_name), ""),
            found,
            max((r.peak_concurrent_participants for r in found), default=0),
        )
        for tenant, found in sorted(tenants.items())
    ]
    peak = platform_peak(platform_days, month, platform, first, last)
    return [*kpis, _sum(PLATFORM_ROW, f"platform {platform}", month, peak)]


def usage_goals(
    kpis: Sequence[UsageKpi], licence_ports: int | None
) -> tuple[dict[str, float | None], dict[str, str]]:
    """The goals the usage measures, from the platform's row: calls of good or ok quality among
    those with a known quality, and the platform's peak concurrency as a share of the licence."""
    total = next(k for k in kpis if k.tenant == PLATFORM_ROW)
    measured: dict[str, float | None] = {}
    why_not: dict[str, str] = {}
    known = total.participants - total.quality["unknown"]
    if known:
        measured[goals.QUALITY] = (total.quality["good"] + total.quality["ok"]) / known
    else:
        why_not[goals.QUALITY] = "no call with a known quality this month"
    peak = total.peak_concurrent_participants
    if licence_ports is None:
        why_not[goals.CAPACITY] = "the licence's port count is not known: give --licence-ports"
    elif peak is None:
        why_not[goals.CAPACITY] = (
            "the export holds no platform peak for the month: export it again into a new directory"
        )
    else:
        measured[goals.CAPACITY] = peak / licence_ports
    return measured, why_not


def _percent(value: float) -> str:
    return f"{value:.1%}"


def to_markdown(kpis: Sequence[UsageKpi], platform: str, month: str) -> str:
    lines = [
        f"## Usage: platform {platform}, {month}",
        "",
        "| Tenant | Meetings | Participants | Participant minutes | Good | OK | Bad | Terrible "
        "| WebRTC | SIP | H.323 | Peak concurrent |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kpi in kpis:
        name = f"**{kpi.display_name}**" if kpi.tenant == PLATFORM_ROW else (kpi.display_name or kpi.tenant)
        quality = " | ".join(_percent(kpi.share(kpi.quality, q)) for q in QUALITY[:4])
        protocol = " | ".join(_percent(kpi.share(kpi.protocol, p)) for p in PROTOCOL[:3])
        peak = "" if kpi.peak_concurrent_participants is None else str(kpi.peak_concurrent_participants)
        lines.append(
            f"| {name} | {kpi.meetings} | {kpi.participants} | {kpi.participant_minutes:.0f} "
            f"| {quality} | {protocol} | {peak} |"
        )
    lines += [
        "",
        "Shares are of all calls; the rest of quality is unknown, of protocols other ones. A tenant's "
        "peak is its busiest day's; the platform's is the most participants at once over all its "
        "calls together (not the sum of the tenants' peaks).",
    ]
    return "\n".join(lines) + "\n"


def add_sheet(workbook: Workbook, kpis: Sequence[UsageKpi], platform: str, month: str) -> None:
    sheet = workbook.create_sheet("KPI")
    sheet.append(
        [
            "Platform",
            "Month",
            "Tenant",
            "Name",
            "Meetings",
            "Meeting minutes",
            "Participants",
            "Participant minutes",
            *(f"Quality {q}" for q in QUALITY),
            *(f"Protocol {p}" for p in PROTOCOL),
            "Peak concurrent participants",
        ]
    )
    for kpi in kpis:
        sheet.append(
            [
                platform,
                month,
                kpi.tenant,
                kpi.display_name,
                kpi.meetings,
                kpi.meeting_minutes,
                kpi.participants,
                kpi.participant_minutes,
                *(kpi.share(kpi.quality, q) for q in QUALITY),
                *(kpi.share(kpi.protocol, p) for p in PROTOCOL),
                kpi.peak_concurrent_participants,
            ]
        )
    for row in sheet.iter_rows(min_row=2, min_col=9, max_col=9 + len(QUALITY) + len(PROTOCOL) - 1):
        for cell in row:
            cell.number_format = "0.0%"
    # How calls went, per tenant, as 100 % bars: a picture reads better than five columns of shares.
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "percentStacked"
    chart.overlap = 100
    chart.title = f"Call quality per tenant, {month}"
    chart.y_axis.title = "share of calls"
    rows = len(kpis) + 1
    chart.add_data(
        Reference(sheet, min_col=9, max_col=9 + len(QUALITY) - 1, min_row=1, max_row=rows),
        titles_from_data=True,
    )
    chart.set_categories(Reference(sheet, min_col=4, min_row=2, max_row=rows))
    chart.height, chart.width = 4 + len(kpis), 18
    sheet.add_chart(chart, f"A{rows + 3}")

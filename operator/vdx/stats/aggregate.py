"""Daily figures per tenant from attributed meetings; pure, so the sums can be reconciled in tests.

Rows are emitted for every tenant on every exported day, zero or not: a chart in Power BI or Excel
should show a quiet day as zero rather than skip it. The unattributed bucket gets a row per day and
reason only when something landed in it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from vdx.pexip.models import HistoryConference, HistoryParticipant
from vdx.stats.attribution import UNATTRIBUTED, Attribution, TenantInfo

Day = date  # the rows have a field named `date`, which hides the type inside their bodies

PROTOCOLS = ("webrtc", "sip", "h323")
QUALITIES = ("good", "ok", "bad", "terrible", "unknown")
DIMENSIONS = ("protocol", "call_direction", "call_quality")


@dataclass
class Meeting:
    """One history conference with its participants, and the tenant it was attributed to."""

    conference: HistoryConference
    participants: list[HistoryParticipant]
    attribution: Attribution
    # Participants the conference lists whose records could not be read (evicted, or not yet written).
    missing_participants: int = 0

    @property
    def day(self) -> date:
        end = self.conference.end_time or self.conference.start_time
        assert end is not None, "history conferences are fetched by end_time, so they have one"
        return end.date()


@dataclass
class DailyRow:
    """One tenant (or unattributed reason) on one UTC day: the flat table Power BI reads."""

    date: date
    platform: str
    tenant: str
    display_name: str = ""
    organisation_kind: str = ""
    unattributed_reason: str = ""
    meetings: int = 0
    meeting_minutes: float = 0.0
    participants: int = 0
    participant_seconds: int = 0
    participant_minutes: float = 0.0
    participants_webrtc: int = 0
    participants_sip: int = 0
    participants_h323: int = 0
    participants_other_protocol: int = 0
    calls_in: int = 0
    calls_out: int = 0
    direct_media_meetings: int = 0
    direct_media_share: float = 0.0
    direct_media_participant_minutes: float = 0.0
    quality_good: int = 0
    quality_ok: int = 0
    quality_bad: int = 0
    quality_terrible: int = 0
    quality_unknown: int = 0
    peak_concurrent_participants: int = 0
    peak_concurrent_meetings: int = 0
    missing_participant_records: int = 0

    @property
    def key(self) -> tuple[Day, str, str]:
        return (self.date, self.tenant, self.unattributed_reason)


@dataclass
class BreakdownRow:
    """Participants and minutes by protocol, call direction or call quality (long form, for pivots)."""

    date: date
    platform: str
    tenant: str
    unattributed_reason: str
    dimension: str
    value: str
    participants: int = 0
    participant_seconds: int = 0
    participant_minutes: float = 0.0

    @property
    def key(self) -> tuple[Day, str, str, str, str]:
        return (self.date, self.tenant, self.unattributed_reason, self.dimension, self.value)


@dataclass
class PlatformDayRow:
    """The whole platform on one UTC day, every meeting counted (any tenant, unattributed ones too).

    Its busiest moment is what no sum of tenant rows gives: the tenants' peaks need not coincide,
    so the platform's peak is that of the sum of their calls, not the sum of their peaks. Licence
    capacity is held to this figure.
    """

    date: date
    platform: str
    meetings: int = 0
    participants: int = 0
    peak_concurrent_participants: int = 0
    peak_concurrent_meetings: int = 0

    @property
    def key(self) -> tuple[Day]:
        return (self.date,)


def platform_day(day: date, platform: str, meetings: Iterable[Meeting]) -> PlatformDayRow:
    """One day of the platform from every meeting that ended on it."""
    found = [m for m in meetings if m.day == day]
    parts = [p for m in found for p in m.participants]
    return PlatformDayRow(
        date=day,
        platform=platform,
        meetings=len(found),
        participants=len(parts),
        peak_concurrent_participants=peak_concurrency((p.start_time, p.end_time) for p in parts),
        peak_concurrent_meetings=peak_concurrency(
            (m.conference.start_time, m.conference.end_time) for m in found
        ),
    )


def participant_seconds(p: HistoryParticipant) -> int:
    """`duration` as Pexip reports it; computed from the timestamps when a record lacks it."""
    if p.duration > 0:
        return p.duration
    if p.start_time is not None and p.end_time is not None:
        return max(0, int((p.end_time - p.start_time).total_seconds()))
    return 0


def protocol_of(p: HistoryParticipant) -> str:
    value = p.protocol.strip().lower().replace(".", "")
    return value if value else "unknown"


def quality_of(p: HistoryParticipant) -> str:
    """`1_good` (current versions) and `good` (older ones) both become `good`."""
    value = p.call_quality.strip().lower()
    value = value.split("_", 1)[1] if "_" in value and value[0].isdigit() else value
    return value if value in QUALITIES else "unknown"


def direction_of(p: HistoryParticipant) -> str:
    value = p.call_direction.strip().lower()
    return value if value in ("in", "out") else "unknown"


def peak_concurrency(intervals: Iterable[tuple[datetime | None, datetime | None]]) -> int:
    """Most intervals open at one instant; an interval ending when another starts does not overlap."""
    events: list[tuple[datetime, int]] = []
    for start, end in intervals:
        if start is None or end is None or end < start:
            continue
        events.append((start, 1))
        events.append((end, -1))
    events.sort(key=lambda e: (e[0], e[1]))  # ends (-1) before starts (+1) at the same instant
    peak = current = 0
    for _, delta in events:
        current += delta
        peak = max(peak, current)
    return peak


def _minutes(seconds: float) -> float:
    return round(seconds / 60, 2)


@dataclass
class _Bucket:
    meetings: list[Meeting] = field(default_factory=list)


def aggregate(
    meetings: Iterable[Meeting], tenants: Sequence[TenantInfo], days: Iterable[date], platform: str
) -> tuple[list[DailyRow], list[BreakdownRow]]:
    """Daily rows and breakdown rows for `days`; meetings of tenants not in `tenants` are left out."""
    wanted = {t.name: t for t in tenants}
    day_list = sorted(set(days))
    buckets: dict[tuple[date, str, str], _Bucket] = {}
    for day in day_list:
        for name in wanted:
            buckets[(day, name, "")] = _Bucket()
    for meeting in meetings:
        attribution = meeting.attribution
        if attribution.tenant is not None and attribution.tenant not in wanted:
            continue
        reason = attribution.reason.value if attribution.reason is not None else ""
        key = (meeting.day, attribution.bucket, reason)
        if meeting.day not in day_list:
            continue
        buckets.setdefault(key, _Bucket()).meetings.append(meeting)
    daily: list[DailyRow] = []
    breakdown: list[BreakdownRow] = []
    for (day, tenant, reason), bucket in sorted(buckets.items()):
        info = wanted.get(tenant)
        row = _daily(day, platform, tenant, reason, bucket.meetings, info)
        daily.append(row)
        breakdown.extend(_breakdown(day, platform, tenant, reason, bucket.meetings))
    return daily, breakdown


def _daily(
    day: date, platform: str, tenant: str, reason: str, meetings: list[Meeting], info: TenantInfo | None
) -> DailyRow:
    row = DailyRow(
        date=day,
        platform=platform,
        tenant=tenant,
        display_name=info.display_name if info else ("Unattributed" if tenant == UNATTRIBUTED else ""),
        organisation_kind=info.organisation_kind if info else "",
        unattributed_reason=reason,
    )
    parts = [p for m in meetings for p in m.participants]
    seconds = sum(participant_seconds(p) for p in parts)
    protocols = Counter(protocol_of(p) for p in parts)
    directions = Counter(direction_of(p) for p in parts)
    qualities = Counter(quality_of(p) for p in parts)
    direct = [m for m in meetings if any(p.is_direct for p in m.participants)]
    row.meetings = len(meetings)
    row.meeting_minutes = _minutes(sum(m.conference.duration for m in meetings))
    row.participants = len(parts)
    row.participant_seconds = seconds
    row.participant_minutes = _minutes(seconds)
    row.participants_webrtc = protocols["webrtc"]
    row.participants_sip = protocols["sip"]
    row.participants_h323 = protocols["h323"]
    row.participants_other_protocol = sum(n for k, n in protocols.items() if k not in PROTOCOLS)
    row.calls_in = directions["in"]
    row.calls_out = directions["out"]
    row.direct_media_meetings = len(direct)
    row.direct_media_share = round(len(direct) / len(meetings), 4) if meetings else 0.0
    row.direct_media_participant_minutes = _minutes(sum(participant_seconds(p) for p in parts if p.is_direct))
    row.quality_good = qualities["good"]
    row.quality_ok = qualities["ok"]
    row.quality_bad = qualities["bad"]
    row.quality_terrible = qualities["terrible"]
    row.quality_unknown = qualities["unknown"]
    row.peak_concurrent_participants = peak_concurrency((p.start_time, p.end_time) for p in parts)
    row.peak_concurrent_meetings = peak_concurrency(
        (m.conference.start_time, m.conference.end_time) for m in meetings
    )
    row.missing_participant_records = sum(m.missing_participants for m in meetings)
    return row


def _breakdown(
    day: date, platform: str, tenant: str, reason: str, meetings: list[Meeting]
) -> list[BreakdownRow]:
    rows: dict[tuple[str, str], BreakdownRow] = {}
    for p in (p for m in meetings for p in m.participants):
        for dimension, value in (
            ("protocol", protocol_of(p)),
            ("call_direction", direction_of(p)),
            ("call_quality", quality_of(p)),
        ):
            row = rows.setdefault(
                (dimension, value), BreakdownRow(day, platform, tenant, reason, dimension, value)
            )
            row.participants += 1
            row.participant_seconds += participant_seconds(p)
    for row in rows.values():
        row.participant_minutes = _minutes(row.participant_seconds)
    return [rows[k] for k in sorted(rows)]

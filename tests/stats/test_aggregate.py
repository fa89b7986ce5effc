"""Aggregation: hand-made cases for each figure, and sums that reconcile with the raw history."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

from tests.stats.support import START, export, raw_history, simulator
from vdx.pexip.models import HistoryConference, HistoryParticipant
from vdx.pexip.simulator.seed import DEFAULT_TENANTS
from vdx.pexip.simulator.seed import Tenant as SeedTenant
from vdx.stats.aggregate import (
    BreakdownRow,
    DailyRow,
    Meeting,
    PlatformDayRow,
    aggregate,
    peak_concurrency,
    platform_day,
    quality_of,
)
from vdx.stats.attribution import UNATTRIBUTED, Attribution, Reason, TenantInfo
from vdx.stats.tables import (
    BREAKDOWN_CSV,
    DAILY_CSV,
    PLATFORM_DAILY_CSV,
    UNATTRIBUTED_CSV,
    UnattributedMeeting,
    read_rows,
)

T0 = datetime(2026, 10, 1, 9, 0)


def participant(n: int, start: int, end: int, **fields: object) -> HistoryParticipant:
    values: dict[str, object] = {
        "id": f"p{n}",
        "start_time": T0 + timedelta(minutes=start),
        "end_time": T0 + timedelta(minutes=end),
        "duration": (end - start) * 60,
        "protocol": "WebRTC",
        "call_direction": "in",
        "call_quality": "1_good",
    }
    values.update(fields)
    return HistoryParticipant.model_validate(values)


def meeting(cid: str, start: int, end: int, parts: list[HistoryParticipant], tenant: str | None) -> Meeting:
    conference = HistoryConference(
        id=cid,
        start_time=T0 + timedelta(minutes=start),
        end_time=T0 + timedelta(minutes=end),
        duration=(end - start) * 60,
    )
    attribution = (
        Attribution(tenant, "domain") if tenant else Attribution(None, "", Reason.UNKNOWN_DOMAIN, "x")
    )
    return Meeting(conference, parts, attribution)


def test_peak_concurrency_counts_touching_intervals_once() -> None:
    t = T0
    assert peak_concurrency([(t, t + timedelta(1)), (t + timedelta(1), t + timedelta(2))]) == 1
    assert peak_concurrency([(t, t + timedelta(2)), (t + timedelta(1), t + timedelta(3)), (None, t)]) == 2
    assert peak_concurrency([]) == 0


def test_quality_names_old_and_new() -> None:
    values = ["1_good", "good", "2_ok", "3_bad", "4_terrible", "0_unknown", "", "weird"]
    assert [quality_of(HistoryParticipant(id="x", call_quality=v)) for v in values] == [
        "good",
        "good",
        "ok",
        "bad",
        "terrible",
        "unknown",
        "unknown",
        "unknown",
    ]


def test_daily_figures_by_hand() -> None:
    rm = TenantInfo("rm", "Region Midtjylland", "Region")
    quiet = TenantInfo("quiet")
    meetings = [
        meeting(
            "a", 0, 60, [participant(1, 0, 60, is_direct=True), participant(2, 0, 30, is_direct=True)], "rm"
        ),
        meeting(
            "b",
            20,
            40,
            [
                participant(3, 20, 40, protocol="SIP", call_quality="3_bad"),
                participant(4, 25, 40, protocol="H323", call_direction="out"),
                participant(5, 25, 35, protocol="MSSIP", call_quality=""),
            ],
            "rm",
        ),
        meeting("c", 0, 10, [participant(6, 0, 10)], None),
        meeting("d", 0, 10, [participant(7, 0, 10)], "elsewhere"),  # a tenant not reported
    ]
    daily, breakdown = aggregate(meetings, [rm, quiet], [date(2026, 10, 1)], "prod")
    rows = {(r.tenant, r.unattributed_reason): r for r in daily}
    assert set(rows) == {("rm", ""), ("quiet", ""), (UNATTRIBUTED, "unknown-domain")}
    row = rows[("rm", "")]
    assert (row.meetings, row.participants, row.meeting_minutes) == (2, 5, 80.0)
    assert row.participant_seconds == (60 + 30 + 20 + 15 + 10) * 60
    assert row.participant_minutes == 135.0
    assert (row.participants_webrtc, row.participants_sip, row.participants_h323) == (2, 1, 1)
    assert row.participants_other_protocol == 1
    assert (row.calls_in, row.calls_out) == (4, 1)
    assert (row.direct_media_meetings, row.direct_media_share, row.direct_media_participant_minutes) == (
        1,
        0.5,
        90.0,
    )
    assert (row.quality_good, row.quality_bad, row.quality_unknown) == (3, 1, 1)
    assert row.peak_concurrent_participants == 5  # minute 25-30: p1, p2, p3, p4, p5
    assert row.peak_concurrent_meetings == 2
    assert rows[("quiet", "")].meetings == 0
    assert rows[(UNATTRIBUTED, "unknown-domain")].participants == 1
    protocols = {b.value: b.participants for b in breakdown if b.tenant == "rm" and b.dimension == "protocol"}
    assert protocols == {"webrtc": 2, "sip": 1, "h323": 1, "mssip": 1}


async def test_export_reconciles_with_the_raw_history(tmp_path: Path) -> None:
    """Every participant second of the raw history is in exactly one daily row, and in the breakdown."""
    stranger = SeedTenant("Ukendt", "vdx.example.org", "ukendt")
    sim = simulator(days=7, tenants=(*DEFAULT_TENANTS, stranger))
    result = await export(sim, tmp_path, START, START + timedelta(days=6))
    conferences, participants = await raw_history(sim)
    daily = read_rows(tmp_path / DAILY_CSV, DailyRow)
    breakdown = read_rows(tmp_path / BREAKDOWN_CSV, BreakdownRow)

    # Way one: the daily rows; way two: each breakdown dimension; both against the raw records.
    raw_seconds = sum(p.duration for p in participants)
    assert raw_seconds > 0
    assert sum(r.participant_seconds for r in daily) == raw_seconds
    assert abs(sum(r.participant_minutes for r in daily) - raw_seconds / 60) < 0.01 * len(daily)
    for dimension in ("protocol", "call_direction", "call_quality"):
        assert sum(b.participant_seconds for b in breakdown if b.dimension == dimension) == raw_seconds
    assert sum(r.meetings for r in daily) == len(conferences) == result.meetings
    assert sum(r.participants for r in daily) == len(participants)
    assert abs(
        sum(r.meeting_minutes for r in daily) - sum(c.duration for c in conferences) / 60
    ) < 0.01 * len(daily)

    # Per tenant: the seed puts each tenant's tag on its calls; the example tenants are named by tag.
    by_tag = Counter[str]()
    for p in participants:
        by_tag[p.service_tag] += p.duration
    exported = Counter[str]()
    for r in daily:
        exported[r.tenant] += r.participant_seconds
    for tag in ("regionh", "rm", "aarhus", "rsyd"):
        assert exported[tag] == by_tag[tag] > 0
    assert exported[UNATTRIBUTED] == by_tag["ukendt"] > 0
    assert {r.unattributed_reason for r in daily if r.tenant == UNATTRIBUTED} == {"unknown-domain"}
    listed = read_rows(tmp_path / UNATTRIBUTED_CSV, UnattributedMeeting)
    assert len(listed) == result.unattributed == sum(1 for c in conferences if c.tag == "ukendt")
    assert all("vdx.example.org" in u.detail for u in listed)


def test_the_platform_peak_is_the_peak_of_the_sum_not_the_sum_of_the_peaks() -> None:
    """rm has 3 people 9:00-10:00 and 5 at 11:00-12:00, kk 4 at 9:30-10:30, an unattributed call 2
    for ten minutes. Their peaks add up to 11 whenever that call is; the platform's peak is 9 with
    the call at 9:40 (3 + 4 + 2 at once) and 7 with it at 10:40 (rm's 3 and kk's 4 at 9:30)."""
    day = date(2026, 10, 1)

    def people(first: int, count: int, start: int, end: int) -> list[HistoryParticipant]:
        return [participant(first + n, start, end) for n in range(count)]

    def day_of(at: int) -> list[Meeting]:
        return [
            meeting("rm-a", 0, 60, people(1, 3, 0, 60), "rm"),
            meeting("rm-b", 120, 180, people(10, 5, 120, 180), "rm"),
            meeting("kk-a", 30, 90, people(20, 4, 30, 90), "kk"),
            meeting(
                "x",
                at,
                at + 10,
                people(30, 2, at, at + 10),
                None,
            ),
        ]

    tenants = [TenantInfo("rm"), TenantInfo("kk")]
    daily, _ = aggregate(day_of(40), tenants, [day], "prod")
    peaks = {r.tenant: r.peak_concurrent_participants for r in daily}
    assert peaks == {"rm": 5, "kk": 4, UNATTRIBUTED: 2}
    assert platform_day(day, "prod", day_of(40)).peak_concurrent_participants == 9  # 9:40: 3 + 4 + 2
    assert sum(peaks.values()) == 11
    shifted = platform_day(day, "prod", day_of(100))  # 10:40: kk's 4 and the 2 unattributed, 6
    assert shifted.peak_concurrent_participants == 7  # 9:30-10:00: rm's 3 and kk's 4
    assert (shifted.meetings, shifted.participants, shifted.peak_concurrent_meetings) == (4, 14, 2)
    # A meeting that ended on another day is that day's.
    assert platform_day(date(2026, 10, 2), "prod", day_of(40)).meetings == 0


async def test_the_export_writes_the_platforms_days(tmp_path: Path) -> None:
    sim = simulator(days=3)
    await export(sim, tmp_path, START, START + timedelta(days=2))
    days = read_rows(tmp_path / PLATFORM_DAILY_CSV, PlatformDayRow)
    daily = read_rows(tmp_path / DAILY_CSV, DailyRow)
    assert [d.date for d in days] == [START + timedelta(days=n) for n in range(3)]
    for day in days:
        mine = [r for r in daily if r.date == day.date]
        assert day.meetings == sum(r.meetings for r in mine)
        assert day.participants == sum(r.participants for r in mine)
        assert max(r.peak_concurrent_participants for r in mine) <= day.peak_concurrent_participants
        assert day.peak_concurrent_participants <= sum(r.peak_concurrent_participants for r in mine)
    assert (tmp_path / "excel" / PLATFORM_DAILY_CSV).exists()

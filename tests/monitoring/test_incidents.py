"""The incident record's pure logic: opening, extending, closing, the bound, storage, availability."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vdx.controller.incidents import PLATFORM_UNREACHABLE, Incident, IncidentLog, availability

T0 = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


def test_an_outage_opens_once_collects_tenants_and_closes() -> None:
    log = IncidentLog()
    assert log.observe_platform("prod", True, T0) is False  # up and nothing open: nothing to record
    assert log.observe_platform("prod", False, T0, ["rm"], "503 from the management node")
    assert log.observe_platform("prod", False, T0 + timedelta(minutes=1), ["rm"]) is False
    assert log.observe_platform("prod", False, T0 + timedelta(minutes=2), ["regionh"])
    assert log.observe_platform("stage", False, T0 + timedelta(minutes=2), ["stage-rm"])
    assert log.observe_platform("prod", True, T0 + timedelta(minutes=12))
    prod, stage = log.incidents
    assert prod == Incident(
        PLATFORM_UNREACHABLE,
        "prod",
        T0,
        T0 + timedelta(minutes=12),
        ("regionh", "rm"),
        "503 from the management node",
    )
    assert stage.open
    assert log.current(PLATFORM_UNREACHABLE, "stage") is stage
    # A second outage is a second incident.
    assert log.observe_platform("prod", False, T0 + timedelta(hours=1), [], "timeout")
    assert [i.cause for i in log.incidents if i.platform == "prod"] == [
        "503 from the management node",
        "timeout",
    ]


def test_the_log_is_bounded_and_keeps_open_incidents() -> None:
    log = IncidentLog(capacity=3)
    log.observe_platform("stage", False, T0)  # stays open throughout
    for n in range(5):
        log.observe_platform("prod", False, T0 + timedelta(hours=n))
        log.observe_platform("prod", True, T0 + timedelta(hours=n, minutes=5))
    assert len(log.incidents) == 3
    assert log.incidents[0].platform == "stage"
    assert log.incidents[0].open
    assert [i.start for i in log.incidents[1:]] == [T0 + timedelta(hours=3), T0 + timedelta(hours=4)]


def test_it_survives_storage_and_starts_over_on_a_bad_document() -> None:
    log = IncidentLog()
    log.observe_platform("prod", False, T0, ["rm", "kk"], "connection refused")
    log.observe_platform("prod", True, T0 + timedelta(minutes=3))
    log.observe_platform("stage", False, T0, [], "")
    again = IncidentLog.from_text(log.to_text())
    assert again.incidents == log.incidents
    for bad in ("", "not json", '{"format": 99, "incidents": []}', '{"format": 1}', "[]"):
        assert IncidentLog.from_text(bad).incidents == []


def test_availability_is_the_share_of_the_period_without_an_outage() -> None:
    month = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    seconds = (month[1] - month[0]).total_seconds()
    log = IncidentLog()
    log.observe_platform("prod", False, datetime(2026, 10, 31, 23, 50, tzinfo=UTC))  # starts before the month
    log.observe_platform("prod", True, datetime(2026, 11, 1, 0, 10, tzinfo=UTC))
    log.observe_platform("prod", False, datetime(2026, 11, 15, 12, 0, tzinfo=UTC))
    log.observe_platform("prod", True, datetime(2026, 11, 15, 12, 30, tzinfo=UTC))
    log.observe_platform("stage", False, datetime(2026, 11, 2, tzinfo=UTC))  # another platform
    after = datetime(2026, 12, 5, tzinfo=UTC)
    got = availability(log.incidents, "prod", *month, now=after)
    assert got == pytest.approx(1 - (10 + 30) * 60 / seconds)
    assert availability(log.incidents, "none", *month, now=after) == 1.0
    # Overlapping records (two instances wrote while both saw it) count once.
    twice = [*log.incidents, log.incidents[1]]
    assert availability(twice, "prod", *month, now=after) == got
    # An open outage lasts until now; a month not over yet counts only its past.
    now = datetime(2026, 11, 3, 0, 0, tzinfo=UTC)
    assert availability(log.incidents, "stage", *month, now=now) == pytest.approx(0.5)
    partial = availability(log.incidents, "prod", *month, now=now)
    assert partial == pytest.approx(1 - 10 * 60 / (2 * 24 * 3600))

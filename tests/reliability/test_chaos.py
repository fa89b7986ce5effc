"""The fault campaign, short: every fault of the full run, a few SIGKILLs and a short outage.

`vdx chaos` with defaults is the full run (docs/RELIABILITY.md); this one keeps the suite quick
while still failing on a duplicate, an orphan, a lost object, an unscheduled exit or no convergence.
The schedule and the state checks are pure and tested on their own below.
"""

from __future__ import annotations

import pytest

from vdx.reliability.campaign import run_campaign, summary
from vdx.reliability.checks import check_state, duplicates, foreign_objects
from vdx.reliability.schedule import plan_campaign

OUR_TURN = {"name": "ns/t", "description": "[vdx:TurnService/ns/t] x"}


def test_the_plan_is_seeded_and_has_every_fault() -> None:
    first = plan_campaign(7, kills=50, outage_seconds=300, phase_seconds=60)
    assert first == plan_campaign(7, kills=50, outage_seconds=300, phase_seconds=60)
    assert first != plan_campaign(8, kills=50, outage_seconds=300, phase_seconds=60)
    assert len(first.kill_times) == 50
    assert all(0 < t < first.seconds for t in first.kill_times)
    names = [p.name for p in first.phases]
    assert names[:7] == [
        "20% 5xx",
        "timeouts",
        "responses dropped after commit",
        "429 storm",
        "outage",
        "slow reads",
        "kube-apiserver restart",
    ]
    outage = first.phases[4]
    assert outage.seconds == 300
    assert outage.faults["outage"]["duration_s"] == 300
    assert sum(first.phases[0].faults["error_rates"].values()) == pytest.approx(0.2)


def test_state_checks_find_duplicates_orphans_and_losses() -> None:
    before = {"conference": {1: {"name": "room"}}, "tls_certificate": {1: {"certificate": "NODE"}}}
    foreign = foreign_objects(before)
    claimed = [{"kind": "TurnService", "status": {"pexipObjects": [{"resourceUri": "/a/turn_server/1/"}]}}]
    clean = {**before, "turn_server": {1: OUR_TURN}}
    assert check_state(clean, claimed, foreign).clean
    dirty = {
        "conference": {},  # someone else's room is gone
        "tls_certificate": {1: {"certificate": "NODE"}, 2: {"certificate": "OURS"}},  # unclaimed upload
        "turn_server": {1: OUR_TURN, 2: OUR_TURN},  # same name twice
    }
    result = check_state(dirty, claimed, foreign)
    assert result.duplicates == ["turn_server 'ns/t' x2"]
    assert sorted(o.split()[0] for o in result.orphans) == ["tls_certificate/2", "turn_server/2"]
    assert result.lost_foreign == ["conference 'room'"]
    assert check_state(clean, [], foreign).orphans  # nothing claims our TURN server
    assert check_state({"turn_server": {}}, claimed, {}).missing == ["turn_server/1"]
    assert duplicates({"webapp_alias": {1: {"slug": "a"}, 2: {"slug": "b"}}}) == []


@pytest.mark.timeout(420)
def test_short_campaign_converges_with_nothing_duplicated_orphaned_or_lost() -> None:
    lines: list[str] = []
    report = run_campaign(
        seed=12,
        kills=3,
        outage_seconds=25.0,
        phase_seconds=3.0,
        scale=0.01,
        # On a loaded 2-core CI machine the passes after the faults take longer than alone.
        convergence_bound_seconds=240.0,
        resync_seconds=5.0,
        say=lines.append,
    )
    text = summary(report)
    assert report.kills == 3, text
    assert report.unscheduled_exits == 0, text
    assert report.converged_after_seconds is not None, text
    assert report.state == {"duplicates": [], "orphans": [], "missing": [], "lost_foreign": []}, text
    assert all(p.visible for p in report.phases), text
    assert any(p.apiserver_down_seconds for p in report.phases), text
    assert sum(sum(p.injected.values()) for p in report.phases) > 0, text

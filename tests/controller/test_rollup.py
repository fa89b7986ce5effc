"""The Tenant's roll-up of the resources in its namespace (pure)."""

from __future__ import annotations

from typing import Any

from vdx.controller.known import KnownBodies
from vdx.controller.rollup import CONDITION, members, rollup, with_transition


def _body(kind: str, name: str, ready: bool | None, reason: str = "Available") -> dict[str, Any]:
    status: dict[str, Any] = {}
    if ready is not None:
        status["conditions"] = [{"type": "Ready", "status": "True" if ready else "False", "reason": reason}]
    return {"kind": kind, "metadata": {"name": name, "namespace": "vdx-a"}, "status": status}


def test_all_ready_is_true_with_counts() -> None:
    condition, fields = rollup([_body("Domain", "d", True), _body("TurnService", "t", True)], 3)
    assert condition["type"] == CONDITION
    assert (condition["status"], condition["reason"], condition["observedGeneration"]) == (
        "True",
        "ResourcesReady",
        3,
    )
    assert fields == {
        "resources": {"Domain": {"ready": 1, "notReady": 0}, "TurnService": {"ready": 1, "notReady": 0}},
        "resourcesReady": "2/2",
    }


def test_one_not_ready_is_named_with_its_reason() -> None:
    bodies = [
        _body("TurnService", "t", True),
        _body("Domain", "d", False, "WaitingForTurnService"),
        _body("MeetingRoom", "new", None),
    ]
    condition, fields = rollup(bodies, 1)
    assert condition["status"] == "False"
    assert condition["reason"] == "ResourcesNotReady"
    assert condition["message"] == (
        "2 of 3 not Ready: Domain d (WaitingForTurnService), MeetingRoom new (not reconciled yet)"
    )
    assert fields["resourcesReady"] == "1/3"
    assert fields["resources"]["MeetingRoom"] == {"ready": 0, "notReady": 1}


def test_many_not_ready_are_counted_past_the_first_five() -> None:
    condition, _ = rollup([_body("MeetingRoom", f"r{i}", False, "QuotaExceeded") for i in range(8)], 1)
    assert condition["message"].endswith("and 3 more")
    assert condition["message"].startswith("8 of 8 not Ready: MeetingRoom r0 (QuotaExceeded)")


def test_an_empty_namespace_is_ready() -> None:
    condition, fields = rollup([], None)
    assert condition["status"] == "True"
    assert fields == {"resources": {}, "resourcesReady": "0/0"}


def test_members_are_the_namespace_s_and_the_transition_time_is_kept_while_status_holds() -> None:
    known = KnownBodies(
        {
            ("Domain", "vdx-a", "d"): _body("Domain", "d", True),
            ("Domain", "vdx-b", "e"): _body("Domain", "e", True),
            ("Tenant", None, "a"): {"kind": "Tenant"},
        }
    )
    assert [b["metadata"]["name"] for b in members(known, "vdx-a")] == ["d"]
    old = [{"type": CONDITION, "status": "True", "lastTransitionTime": "2026-12-01T00:00:00Z"}]
    same = with_transition({"type": CONDITION, "status": "True"}, old, "2026-12-04T00:00:00Z")
    flipped = with_transition({"type": CONDITION, "status": "False"}, old, "2026-12-04T00:00:00Z")
    assert same["lastTransitionTime"] == "2026-12-01T00:00:00Z"
    assert flipped["lastTransitionTime"] == "2026-12-04T00:00:00Z"


def test_an_edit_not_yet_reconciled_is_not_ready() -> None:
    # kstatus reads a Ready of an older generation as in progress; so does the roll-up.
    edited = _body("MeetingRoom", "edited", True)
    edited["metadata"]["generation"] = 3
    edited["status"]["conditions"][0]["observedGeneration"] = 2
    current = _body("MeetingRoom", "current", True)
    current["metadata"]["generation"] = 3
    current["status"]["conditions"][0]["observedGeneration"] = 3
    condition, fields = rollup([edited, current], 1)
    assert condition["status"] == "False"
    assert condition["message"] == "1 of 2 not Ready: MeetingRoom edited (generation 3 not reconciled yet)"
    assert fields["resourcesReady"] == "1/2"
    # Once reconciled, it counts.
    edited["status"]["conditions"][0]["observedGeneration"] = 3
    assert rollup([edited, current], 1)[0]["status"] == "True"

"""The benchmark names the last resources to converge, and what each waits for."""

from __future__ import annotations

from vdx.bench.run import _waiting_for


def _obj(
    kind: str, generation: int, status: dict[str, object], namespace: str | None = "vdx-a"
) -> dict[str, object]:
    meta: dict[str, object] = {"name": "a", "generation": generation}
    if namespace:
        meta["namespace"] = namespace
    return {"kind": kind, "metadata": meta, "status": status}


def test_a_resource_without_status_says_so() -> None:
    assert _waiting_for(_obj("Domain", 1, {})) == "Domain vdx-a/a: no Ready condition yet"


def test_the_ready_reason_and_message_are_named() -> None:
    status = {
        "observedGeneration": 1,
        "conditions": [
            {"type": "Ready", "status": "False", "reason": "WaitingForBranding", "message": "theme"}
        ],
    }
    assert _waiting_for(_obj("Tenant", 1, status, None)) == "Tenant a: WaitingForBranding (theme)"


def test_a_generation_not_observed_and_rooms_not_in_line_are_named() -> None:
    ready = {"type": "Ready", "status": "True", "reason": "Available", "message": ""}
    stale = _waiting_for(_obj("Domain", 2, {"observedGeneration": 1, "conditions": [ready]}))
    assert stale.startswith("Domain vdx-a/a: generation 2 not observed yet")
    rooms = {"observedGeneration": 1, "conditions": [ready], "meetingRooms": 40, "meetingRoomsInLine": 12}
    assert _waiting_for(_obj("Tenant", 1, rooms, None)) == "Tenant a: rooms in line 12/40"

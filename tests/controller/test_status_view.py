"""The typed view of a status: what a missing or partial status means, said once."""

from __future__ import annotations

from vdx.controller.status import status_of


def test_a_missing_status_reads_as_empty() -> None:
    view = status_of({"metadata": {"name": "x"}})
    assert view.conditions == []
    assert not view.ready
    assert view.observed_generation is None
    assert view.recorded("turn_server") == []
    assert view.get("secretResourceVersion") is None
    assert view.get("meetingRoomsCorrected", 0) == 0


def test_conditions_and_recorded_objects() -> None:
    body = {
        "status": {
            "observedGeneration": 3,
            "conditions": [
                {"type": "Ready", "status": "True"},
                {"type": "Stalled", "status": "False"},
            ],
            "pexipObjects": [
                {"resource": "tls_certificate", "resourceUri": "/c/1/"},
                {"resource": "tls_certificate", "resourceUri": "/c/2/"},
                {"resource": "turn_server", "resourceUri": "/t/1/"},
                {"resource": "turn_server"},
            ],
        }
    }
    view = status_of(body)
    assert view.ready
    assert not view.is_true("Stalled")
    assert view.observed_generation == 3
    assert view.recorded("tls_certificate") == ["/c/1/", "/c/2/"]
    assert view.recorded("turn_server") == ["/t/1/"]

"""Events go out in the background (`controller.events`): a reconcile does not wait for them, they
keep their order, a failed one does not stop the next, and a flood is bounded."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from vdx.controller.events import EventSender
from vdx.controller.kube import Kube


class GatedPost:
    """A POST that waits for the gate, and remembers what it sent."""

    def __init__(self, fail: set[str] | None = None) -> None:
        self.gate = asyncio.Event()
        self.sent: list[str] = []
        self.fail = fail or set()

    async def __call__(self, namespace: str, event: dict[str, Any]) -> None:
        await self.gate.wait()
        if event["reason"] in self.fail:
            raise ApiException(status=500, reason="refused")
        self.sent.append(f"{namespace}/{event['reason']}")


def event(reason: str) -> dict[str, Any]:
    return {"reason": reason, "message": reason}


async def test_recording_returns_at_once_and_the_events_go_out_in_order() -> None:
    post = GatedPost()
    sender = EventSender(post)
    for reason in ("Created", "Updated", "Ready"):
        sender.record("rm", event(reason))
    await asyncio.sleep(0.01)
    assert post.sent == []  # recorded, not yet sent: nobody waited for the POST
    post.gate.set()
    assert await sender.flush(5)
    assert post.sent == ["rm/Created", "rm/Updated", "rm/Ready"]
    await sender.close()


async def test_a_refused_event_does_not_stop_the_next() -> None:
    post = GatedPost(fail={"Refused"})
    post.gate.set()
    sender = EventSender(post)
    for reason in ("First", "Refused", "Third"):
        sender.record("rm", event(reason))
    assert await sender.flush(5)
    assert post.sent == ["rm/First", "rm/Third"]
    await sender.close()


async def test_a_flood_is_bounded_and_the_drops_are_told(caplog: pytest.LogCaptureFixture) -> None:
    post = GatedPost()
    sender = EventSender(post, capacity=2)
    with caplog.at_level(logging.WARNING, logger="vdx.events"):
        sender.record("rm", event("InFlight"))
        await asyncio.sleep(0.01)  # the sender took it and waits at the gate
        for n in range(5):
            sender.record("rm", event(f"Waiting{n}"))
        assert sender.dropped == 3
        post.gate.set()
        assert await sender.flush(5)
    assert post.sent == ["rm/InFlight", "rm/Waiting0", "rm/Waiting1"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "2 Kubernetes Events are waiting to be sent: dropping new ones until they drain",
        "3 Kubernetes Events were dropped while the queue was full",
    ]
    assert sender.dropped == 0
    await sender.close()


async def test_closing_sends_what_waits_and_nothing_after() -> None:
    post = GatedPost()
    post.gate.set()
    sender = EventSender(post)
    sender.record("rm", event("Last"))
    await sender.close()
    assert post.sent == ["rm/Last"]
    sender.record("rm", event("TooLate"))
    await asyncio.sleep(0.01)
    assert post.sent == ["rm/Last"]


async def test_closing_gives_up_on_a_stuck_api_server(caplog: pytest.LogCaptureFixture) -> None:
    post = GatedPost()  # never opened
    sender = EventSender(post)
    sender.record("rm", event("Stuck"))
    with caplog.at_level(logging.WARNING, logger="vdx.events"):
        await sender.close(0.1)
    assert "1 Kubernetes Events not sent before the operator stopped" in caplog.text
    assert post.sent == []


async def test_an_event_names_the_object_as_it_was_when_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Event names the object's version at the moment it was recorded, not when it is sent."""
    posted: list[tuple[str, str, dict[str, Any]]] = []

    def request(self: Kube, method: str, path: str, body: Any = None, **_: Any) -> Any:
        posted.append((method, path, body))
        return {}

    monkeypatch.setattr(Kube, "request", request)
    kube = Kube(client.ApiClient())
    body = {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "Domain",
        "metadata": {"name": "vdx-rm-dk", "namespace": "rm", "uid": "u-1", "resourceVersion": "7"},
    }
    await kube.event(body, type_="Normal", reason="Created", message="system_location Region Midtjylland")
    body["metadata"]["resourceVersion"] = "8"  # the reconcile goes on and the object changes
    assert await kube.events.flush(5)
    ((method, path, sent),) = posted
    assert (method, path) == ("POST", "/api/v1/namespaces/rm/events")
    assert sent["involvedObject"]["resourceVersion"] == "7"
    assert sent["reason"] == "Created"
    assert sent["metadata"]["generateName"] == "vdx-rm-dk."
    await kube.events.close()

"""At start, a resource that reads others waits until kopf has delivered what already existed.

Seen in CI (`tests/gitops/test_plan_equals_operator.py`, the examples applied before the operator
started): a MeetingRoom was reconciled before kopf had delivered its namespace's CviBranding, so its
conference was created without the IVR theme, and a later pass added the theme and called it
drift. The runtime now lists what exists when it starts leading (`note_existing`) and a reconcile
of a kind with dependencies waits until all of it was handed over, at most a bounded time.
Nothing here is timed except the bound itself: the test counts what each reconcile saw.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException

from vdx.controller import runtime as runtime_module
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.reasons import Reason
from vdx.controller.reconcilers.base import Reconciled
from vdx.controller.registry import BY_KIND, PLURALS
from vdx.controller.runtime import Runtime


def body(kind: str, name: str, namespace: str | None = "ns-a") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "generation": 1, "uid": f"uid-{kind}-{name}"}
    if namespace:
        meta["namespace"] = namespace
    return {"apiVersion": "vdx.medcom.dk/v1alpha1", "kind": kind, "metadata": meta, "spec": {}}


class Kube:
    """Lists what the test says exists; status writes and events land nowhere."""

    def __init__(self, existing: list[dict[str, Any]], fail: bool = False) -> None:
        self.existing = existing
        self.fail = fail

    async def list(self, plural: str) -> list[dict[str, Any]]:
        if self.fail:
            raise ApiException(status=503, reason="unavailable")
        return [dict(b) for b in self.existing if PLURALS[b["kind"]] == plural]

    async def list_namespaced(self, plural: str, namespace: str) -> list[dict[str, Any]]:
        return [b for b in await self.list(plural) if b["metadata"].get("namespace") == namespace]

    async def patch_status(self, plural: str, name: str, namespace: str | None, status: Any) -> bool:
        return True

    async def event(self, body: Any, *, type_: str, reason: str, message: str) -> None:
        return None


@pytest.fixture
def saw_branding(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per MeetingRoom reconcile: whether its namespace's CviBranding was known then."""
    log: list[bool] = []

    async def reconcile_room(rt: Any, body: dict[str, Any]) -> Reconciled:
        log.append(any(k[0] == "CviBranding" for k in rt.known))
        return Reconciled(Outcome(Phase.READY, Reason.AVAILABLE, "in line"))

    async def reconcile_other(rt: Any, body: dict[str, Any]) -> Reconciled:
        return Reconciled(Outcome(Phase.READY, Reason.AVAILABLE, "in line"))

    monkeypatch.setitem(
        BY_KIND, "MeetingRoom", dataclasses.replace(BY_KIND["MeetingRoom"], reconcile=reconcile_room)
    )
    for kind in ("CviBranding", "PexipPlatform"):
        monkeypatch.setitem(BY_KIND, kind, dataclasses.replace(BY_KIND[kind], reconcile=reconcile_other))
    return log


ROOM = body("MeetingRoom", "room")


async def start_and_reconcile_a_room(kube: Kube) -> None:
    """Start as the operator does, then have kopf hand over the room alone (at most 5 s)."""
    rt = Runtime(kube)  # type: ignore[arg-type]
    try:
        await rt.note_existing(())
        await asyncio.wait_for(rt.reconcile("MeetingRoom", dict(ROOM)), timeout=5)
    finally:
        await rt.close()


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_a_room_waits_for_the_branding_that_existed_at_start(saw_branding: list[bool]) -> None:
    room, branding = body("MeetingRoom", "room"), body("CviBranding", "cvi")
    rt = Runtime(Kube([room, branding]))  # type: ignore[arg-type]
    try:
        await rt.note_existing(())
        # kopf hands the room over first: it waits, rather than deciding without the branding.
        first = asyncio.create_task(rt.reconcile("MeetingRoom", dict(room)))
        await settle()
        assert saw_branding == []
        assert not first.done()
        # A kind that reads no other kind's state does not wait.
        platform = body("PexipPlatform", "prod", None)
        await asyncio.wait_for(rt.reconcile("PexipPlatform", platform), timeout=5)

        await rt.reconcile("CviBranding", dict(branding))
        await asyncio.wait_for(first, timeout=5)
        assert saw_branding == [True]
        # Once everything was delivered, nothing waits any more.
        await asyncio.wait_for(rt.reconcile("MeetingRoom", dict(room)), timeout=5)
        assert saw_branding == [True, True]
    finally:
        await rt.close()


async def test_what_is_never_delivered_is_waited_for_a_bounded_time(
    saw_branding: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime_module, "STARTUP_DELIVERY_SECONDS", 0.2)
    await start_and_reconcile_a_room(Kube([ROOM, body("CviBranding", "deleted-meanwhile")]))
    assert saw_branding == [False]


async def test_without_a_listing_nothing_waits(saw_branding: list[bool]) -> None:
    await start_and_reconcile_a_room(Kube([ROOM, body("CviBranding", "cvi")], fail=True))
    assert saw_branding == [False]

"""A wait ends on the event it waits for, not on a fixed recheck (issue 24: the cold start's idle slots).

A Tenant holds its room writes while its CviBranding's IVR theme is on the way (so each room is
written once, with the theme). It used to start them only at its next recheck (`requeue`, 5 s
later), and in a cold start every Tenant waited so. Now the branding's becoming Ready wakes it.
The recheck delay is set to an hour here: only the wake can reconcile the Tenant again; nothing is
timed, the test counts reconciles and what each one saw.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from vdx.controller import runtime as runtime_module
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.reasons import Reason
from vdx.controller.reconcilers.base import Reconciled
from vdx.controller.registry import BY_KIND
from vdx.controller.runtime import Runtime, key_of
from vdx.controller.status import status_of


class Kube:
    """Status writes and events land in memory."""

    def __init__(self) -> None:
        self.status_writes: list[tuple[str, str, str | None]] = []

    async def patch_status(self, plural: str, name: str, namespace: str | None, status: Any) -> bool:
        self.status_writes.append((plural, name, namespace))
        return True

    async def event(self, body: Any, *, type_: str, reason: str, message: str) -> None:
        return None


def tenant(name: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": name, "generation": 1, "uid": f"uid-{name}"},
        "spec": {"namespace": namespace},
    }


def branding(namespace: str, name: str = "cvi") -> dict[str, Any]:
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "CviBranding",
        "metadata": {"name": name, "namespace": namespace, "generation": 1, "uid": f"uid-{name}-{namespace}"},
        "spec": {},
    }


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def install(
    monkeypatch: pytest.MonkeyPatch, reconcile_tenant: Callable[[Any, dict[str, Any]], Awaitable[Reconciled]]
) -> None:
    """`reconcile_tenant` as the Tenant's reconcile, every CviBranding Ready at once, and the
    recheck an hour away: only a wake can reconcile a Tenant again."""

    async def reconcile_branding(rt: Any, body: dict[str, Any]) -> Reconciled:
        return Reconciled(Outcome(Phase.READY, Reason.AVAILABLE, "uploaded"))

    monkeypatch.setitem(BY_KIND, "Tenant", dataclasses.replace(BY_KIND["Tenant"], reconcile=reconcile_tenant))
    monkeypatch.setitem(
        BY_KIND, "CviBranding", dataclasses.replace(BY_KIND["CviBranding"], reconcile=reconcile_branding)
    )
    monkeypatch.setattr(runtime_module, "PROGRESSING_RECHECK_SECONDS", 3600.0)


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[bool]]:
    """Per Tenant, one entry per reconcile: whether its namespace's branding was Ready then."""
    log: dict[str, list[bool]] = {}

    async def reconcile_tenant(rt: Any, body: dict[str, Any]) -> Reconciled:
        namespace = body["spec"]["namespace"]
        ready = any(status_of(b).ready for k, b in rt.known.items() if k[:2] == ("CviBranding", namespace))
        log.setdefault(body["metadata"]["name"], []).append(ready)
        if not ready:
            return Reconciled(Outcome(Phase.PROGRESSING, Reason.WAITING_FOR_BRANDING, "theme on its way"))
        return Reconciled(Outcome(Phase.READY, Reason.AVAILABLE, "rooms in line"))

    install(monkeypatch, reconcile_tenant)
    return log


def test_a_branding_wakes_its_tenant_when_ready() -> None:
    assert "Tenant" in BY_KIND["CviBranding"].wakes_when_ready


async def test_the_tenant_starts_when_its_branding_is_ready(seen: dict[str, list[bool]]) -> None:
    rt = Runtime(Kube())  # type: ignore[arg-type]  # status writes and events only
    try:
        waiting, other = tenant("region-a", "ns-a"), tenant("region-b", "ns-b")
        for body in (waiting, other):
            rt.follow_up("Tenant", key_of(body), await rt.reconcile("Tenant", body))
        assert seen == {"region-a": [False], "region-b": [False]}

        await rt.reconcile("CviBranding", branding("ns-a"))
        await settle()

        # Woken at once (the recheck is an hour away), and it saw the branding Ready.
        assert seen["region-a"] == [False, True]
        assert status_of(rt.known[key_of(waiting)]).ready
        # Another namespace's Tenant is not woken by it.
        assert seen["region-b"] == [False]
    finally:
        await rt.close()


async def test_a_ready_tenant_is_not_woken_again(seen: dict[str, list[bool]]) -> None:
    rt = Runtime(Kube())  # type: ignore[arg-type]
    try:
        await rt.reconcile("CviBranding", branding("ns-a"))
        body = tenant("region-a", "ns-a")
        await rt.reconcile("Tenant", body)
        assert seen["region-a"] == [True]
        again = branding("ns-a")
        again["metadata"]["name"] = "cvi-2"
        again["metadata"]["uid"] = "uid-cvi-2"
        await rt.reconcile("CviBranding", again)
        await settle()
        assert seen["region-a"] == [True]
    finally:
        await rt.close()


async def test_wakes_in_a_burst_are_one_reconcile(seen: dict[str, list[bool]]) -> None:
    # Ten dependencies Ready one after the other before the woken resource got its turn (a
    # region's certificates and TURN services, each waking its Domains): one reconcile, which reads
    # them all when it runs, as a workqueue keeps one entry per key.
    rt = Runtime(Kube())  # type: ignore[arg-type]
    try:
        body = tenant("region-a", "ns-a")
        rt.follow_up("Tenant", key_of(body), await rt.reconcile("Tenant", body))
        await asyncio.gather(*(rt.reconcile("CviBranding", branding("ns-a", f"cvi-{n}")) for n in range(10)))
        await settle()
        assert seen["region-a"] == [False, True]
    finally:
        await rt.close()


async def test_a_wake_while_the_woken_reconcile_runs_is_not_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    # The reconcile already running may have read its dependencies before the second one became
    # Ready: that wake needs a reconcile of its own, after it.
    gate = asyncio.Event()
    calls: list[int] = []

    async def reconcile_tenant(rt: Any, body: dict[str, Any]) -> Reconciled:
        calls.append(len(calls))
        if len(calls) == 2:  # the first woken one holds here while the next dependency turns Ready
            await gate.wait()
        return Reconciled(Outcome(Phase.PROGRESSING, Reason.WAITING_FOR_BRANDING, "still waiting"))

    install(monkeypatch, reconcile_tenant)
    rt = Runtime(Kube())  # type: ignore[arg-type]
    try:
        body = tenant("region-a", "ns-a")
        rt.follow_up("Tenant", key_of(body), await rt.reconcile("Tenant", body))
        await rt.reconcile("CviBranding", branding("ns-a", "cvi-0"))
        await settle()
        assert len(calls) == 2  # woken, and holding at the gate
        await rt.reconcile("CviBranding", branding("ns-a", "cvi-1"))
        await rt.reconcile("CviBranding", branding("ns-a", "cvi-2"))  # coalesced with cvi-1's
        gate.set()
        await settle()
        assert len(calls) == 3
    finally:
        await rt.close()


async def test_a_wake_cancelled_before_it_ran_does_not_block_the_next(seen: dict[str, list[bool]]) -> None:
    rt = Runtime(Kube())  # type: ignore[arg-type]
    try:
        body = tenant("region-a", "ns-a")
        rt.follow_up("Tenant", key_of(body), await rt.reconcile("Tenant", body))
        before = set(rt._background)
        rt._wake("Tenant", "ns-a")
        (woken,) = set(rt._background) - before
        woken.cancel()  # before its first step: its own code never runs
        await settle()
        assert seen["region-a"] == [False]
        await rt.reconcile("CviBranding", branding("ns-a"))
        await settle()
        assert seen["region-a"] == [False, True]
    finally:
        await rt.close()


async def test_a_reconcile_wakes_the_readers_of_its_status_after_writing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`Reconciled.wake`: the namespace's resources of those kinds are reconciled, Ready or not, and
    only once the new status is written (woken before, they would read the old one and settle)."""
    seen: list[tuple[str, object]] = []

    def reader(kind: str) -> Callable[[Any, dict[str, Any]], Awaitable[Reconciled]]:
        async def reconcile(rt: Any, body: dict[str, Any]) -> Reconciled:
            namespace = body["spec"]["namespace"] if kind == "Tenant" else body["metadata"]["namespace"]
            themes = [
                b.get("status", {}).get("ivrTheme")
                for k, b in rt.known.items()
                if k[:2] == ("CviBranding", namespace)
            ]
            seen.append((f"{kind} {body['metadata']['name']}", themes[0] if themes else None))
            return Reconciled(Outcome(Phase.READY, Reason.AVAILABLE, "in line"))

        return reconcile

    async def reconcile_branding(rt: Any, body: dict[str, Any]) -> Reconciled:
        theme = "/api/admin/configuration/v1/ivr_theme/3/"
        return Reconciled(
            Outcome(Phase.READY, Reason.AVAILABLE, "uploaded"),
            status={"ivrTheme": theme},
            wake=("Tenant", "MeetingRoom"),
        )

    for kind in ("Tenant", "MeetingRoom", "Device"):
        monkeypatch.setitem(BY_KIND, kind, dataclasses.replace(BY_KIND[kind], reconcile=reader(kind)))
    monkeypatch.setitem(
        BY_KIND, "CviBranding", dataclasses.replace(BY_KIND["CviBranding"], reconcile=reconcile_branding)
    )
    monkeypatch.setattr(runtime_module, "PROGRESSING_RECHECK_SECONDS", 3600.0)
    rt = Runtime(Kube())  # type: ignore[arg-type]
    try:
        room = {
            "apiVersion": "vdx.medcom.dk/v1alpha1",
            "kind": "MeetingRoom",
            "metadata": {"name": "akut", "namespace": "ns-a", "generation": 1, "uid": "uid-akut"},
            "spec": {},
        }
        device = {**room, "kind": "Device", "metadata": {**room["metadata"], "name": "tv", "uid": "uid-tv"}}
        elsewhere = {**room, "metadata": {**room["metadata"], "namespace": "ns-b", "uid": "uid-b"}}
        for kind, body in (
            ("Tenant", tenant("region-a", "ns-a")),
            ("MeetingRoom", room),
            ("Device", device),
            ("MeetingRoom", elsewhere),
        ):
            await rt.reconcile(kind, body)
        assert all(status_of(b).ready for b in rt.known.values())
        seen.clear()
        await rt.reconcile("CviBranding", branding("ns-a"))
        await settle()
        theme = "/api/admin/configuration/v1/ivr_theme/3/"
        # Ready as they are, both readers in the namespace are reconciled, and read the new theme;
        # a Device (not named) and a room of another namespace are not.
        assert sorted(seen) == [("MeetingRoom akut", theme), ("Tenant region-a", theme)]
    finally:
        await rt.close()

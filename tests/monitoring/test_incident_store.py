"""The recorder between the platforms and the ConfigMap: writes only on change, resumes a stored log."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from vdx.controller.incident_store import CONFIG_MAP, KEY, IncidentRecorder, PlatformObservation, cause_of
from vdx.controller.incidents import IncidentLog
from vdx.controller.kube import Kube

T0 = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


class FakeKube:
    """The two calls the recorder makes, on a dict standing for the namespace's ConfigMaps."""

    def __init__(self) -> None:
        self.maps: dict[tuple[str, str], dict[str, str]] = {}
        self.writes = 0

    async def config_map(self, namespace: str, name: str) -> tuple[dict[str, str], dict[str, bytes]] | None:
        found = self.maps.get((namespace, name))
        return (dict(found), {}) if found is not None else None

    async def write_config_map(
        self, namespace: str, name: str, data: dict[str, str], labels: dict[str, str]
    ) -> None:
        assert labels["app.kubernetes.io/component"] == "incident-record"
        self.maps[(namespace, name)] = dict(data)
        self.writes += 1


def test_writes_on_change_only_and_a_new_leader_continues_the_incident() -> None:
    kube = FakeKube()
    now = [T0]
    seen = [PlatformObservation("prod", True, ("rm",), cause_of(None))]

    def recorder() -> IncidentRecorder:
        return IncidentRecorder(cast(Kube, kube), "vdx-system", lambda: seen, clock=lambda: now[0])

    async def scenario() -> None:
        first = recorder()
        await first.load()
        await first.step()
        assert kube.writes == 0  # all well: nothing to record
        seen[0] = PlatformObservation("prod", False, ("rm",), cause_of("503"))
        await first.step()
        await first.step()
        assert kube.writes == 1
        # Failover: the next leader loads the open incident and closes it when the node answers.
        second = recorder()
        await second.load()
        now[0] = T0 + timedelta(minutes=7)
        seen[0] = PlatformObservation("prod", True, ("rm",), cause_of(None))
        await second.step()
        assert kube.writes == 2

    asyncio.run(scenario())
    (incident,) = IncidentLog.from_text(kube.maps[("vdx-system", CONFIG_MAP)][KEY]).incidents
    assert (incident.start, incident.end) == (T0, T0 + timedelta(minutes=7))
    assert incident.cause == "the management node answered 503"
    assert incident.tenants == ("rm",)


def test_causes_say_what_the_operator_saw() -> None:
    assert cause_of("error").startswith("no answer from the management node")
    assert cause_of("502") == "the management node answered 502"


def test_a_failing_write_is_retried_at_the_next_step() -> None:
    kube = FakeKube()
    calls: list[Any] = []

    async def refuse(*args: Any) -> None:
        calls.append(args)
        from kubernetes.client.exceptions import ApiException

        raise ApiException(status=403, reason="Forbidden")

    seen = [PlatformObservation("prod", False, (), cause_of("error"))]
    rec = IncidentRecorder(cast(Kube, kube), "vdx-system", lambda: seen, interval=0.01, clock=lambda: T0)

    async def scenario() -> None:
        original = kube.write_config_map
        kube.write_config_map = refuse  # type: ignore[method-assign]
        task = asyncio.create_task(rec.run())
        await asyncio.sleep(0.05)
        assert len(calls) >= 2  # retried, the loop kept going
        kube.write_config_map = original  # type: ignore[method-assign]
        await asyncio.sleep(0.05)
        task.cancel()

    asyncio.run(scenario())
    assert ("vdx-system", CONFIG_MAP) in kube.maps

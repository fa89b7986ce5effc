"""The recorder between the platforms and the ConfigMap: writes only on change, resumes a stored log."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from vdx.controller.incident_store import (
    CONFIG_MAP,
    KEY,
    IncidentRecorder,
    Observation,
    cause_of,
    observations,
)
from vdx.controller.incidents import PLATFORM_UNREACHABLE, REFUSAL_STORM, IncidentLog
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
    seen = [Observation(PLATFORM_UNREACHABLE, "prod", False, ("rm",), cause_of(None))]

    def recorder() -> IncidentRecorder:
        return IncidentRecorder(cast(Kube, kube), "vdx-system", lambda: seen, clock=lambda: now[0])

    async def scenario() -> None:
        first = recorder()
        await first.load()
        await first.step()
        assert kube.writes == 0  # all well: nothing to record
        seen[0] = Observation(PLATFORM_UNREACHABLE, "prod", True, ("rm",), cause_of("503"))
        await first.step()
        await first.step()
        assert kube.writes == 1
        # Failover: the next leader loads the open incident and closes it when the node answers.
        second = recorder()
        await second.load()
        now[0] = T0 + timedelta(minutes=7)
        seen[0] = Observation(PLATFORM_UNREACHABLE, "prod", False, ("rm",), cause_of(None))
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

    seen = [Observation(PLATFORM_UNREACHABLE, "prod", True, (), cause_of("error"))]
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


def body(kind: str, name: str, ns: str | None, stalled: str | None = None, **spec: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, **({"namespace": ns} if ns else {})}
    conditions = [
        {"type": "Stalled", "status": "True" if stalled else "False", "reason": stalled or "NotStalled"}
    ]
    return {"kind": kind, "metadata": meta, "spec": spec, "status": {"conditions": conditions}}


TENANTS = [
    body("Tenant", "rm", None, namespace="vdx-rm", platformRef={"name": "prod"}),
    body("Tenant", "kk", None, namespace="vdx-kk", platformRef={"name": "prod"}),
    body("Tenant", "stage-rm", None, namespace="vdx-stage-rm", platformRef={"name": "stage"}),
]


def test_observations_of_reachability_and_a_refusal_storm() -> None:
    bodies = [
        *TENANTS,
        body("Domain", "a", "vdx-rm", "DomainClaimedElsewhere"),
        body("Domain", "b", "vdx-kk", "DomainClaimedElsewhere"),
        body("TlsCertificate", "c", "vdx-kk", "ForeignNames"),
        body("Domain", "d", "vdx-stage-rm", "DomainClaimedElsewhere"),  # one on stage: no storm
        body("Domain", "e", "vdx-rm"),  # not stalled
    ]
    seen = observations({"prod": (False, "503"), "stage": (True, None), "new": (None, None)}, bodies)
    by_key = {(o.kind, o.platform): o for o in seen}
    down = by_key[(PLATFORM_UNREACHABLE, "prod")]
    assert (down.active, down.tenants, down.cause) == (True, ("kk", "rm"), "the management node answered 503")
    assert by_key[(PLATFORM_UNREACHABLE, "stage")].active is False
    assert (PLATFORM_UNREACHABLE, "new") not in by_key  # no request yet: nothing known
    storm = by_key[(REFUSAL_STORM, "prod")]
    assert storm.active
    assert storm.tenants == ("kk", "rm")
    assert storm.cause == "3 resources Stalled: 2 DomainClaimedElsewhere, 1 ForeignNames"
    assert by_key[(REFUSAL_STORM, "stage")].active is False


def test_a_storm_is_recorded_and_closed_when_fixed() -> None:
    kube = FakeKube()
    stalled = [body("Domain", n, "vdx-rm", "DomainClaimedElsewhere") for n in "abc"]
    state: list[dict[str, Any]] = [*TENANTS, *stalled]
    now = [T0]
    rec = IncidentRecorder(cast(Kube, kube), "ns", lambda: observations({}, state), clock=lambda: now[0])

    async def scenario() -> None:
        await rec.load()
        await rec.step()
        del state[-1]  # one fixed: below the threshold, the storm is over
        now[0] = T0 + timedelta(minutes=20)
        await rec.step()

    asyncio.run(scenario())
    (incident,) = IncidentLog.from_text(kube.maps[("ns", CONFIG_MAP)][KEY]).incidents
    assert (incident.kind, incident.platform, incident.tenants) == (REFUSAL_STORM, "prod", ("rm",))
    assert incident.end == T0 + timedelta(minutes=20)

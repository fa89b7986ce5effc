"""The periodic list under kopf's watch (controller.sweep), against the real control plane.

The fault campaign found a resource that kopf's watch never delivered around a kube-apiserver
restart. These tests drive the same situation deterministically: resources are created while no
watch runs, and only the sweep can find them.
"""

from __future__ import annotations

import asyncio
import time

from tests.e2e.conftest import FAST, start_operator
from tests.e2e.harness import Harness, condition, wait_for, wait_ready
from tests.e2e.test_behaviours import turn_servers
from tests.e2e.test_lifecycle import full_tenant
from vdx.controller.kube import Kube
from vdx.controller.runtime import Runtime
from vdx.controller.sweep import FINALIZER
from vdx.testing.operator import OperatorThread

SWEPT = (
    ("pexipplatforms", "platform", False),
    ("tenants", "tenant", False),
    ("turnservices", "turn", True),
    ("tlscertificates", "cert", True),
    ("domains", "domain", True),
)


def _name(h: Harness, what: str) -> str:
    return {"platform": h.platform, "tenant": h.tenant}.get(what, what)


def _missed(runtime: Runtime) -> float:
    return sum(
        sample.value
        for metric in runtime.metrics.watch_missed.collect()
        for sample in metric.samples
        if sample.name == "vdx_watch_missed_total"
    )


async def _sweeps(h: Harness, count: int) -> tuple[list[int], float]:
    runtime = Runtime(Kube(h.api), FAST)
    try:
        found = [await runtime.sweep((h.namespace,)) for _ in range(count)]
        return found, _missed(runtime)
    finally:
        await runtime.close()


def test_resources_the_watch_never_delivered_are_reconciled_by_the_periodic_list(
    h: Harness, operator_namespace: str
) -> None:
    full_tenant(h)  # no operator runs: nothing watches these

    # The first sweep only notes them (a watch event may be in flight); the second reconciles them,
    # dependencies first; later sweeps find nothing more to do once statuses record the generation.
    found, missed = asyncio.run(_sweeps(h, 4))
    assert found == [0, len(SWEPT), 0, 0]
    assert missed == len(SWEPT)

    for plural, what, namespaced in SWEPT:
        obj = h.get(plural, _name(h, what), namespaced)
        assert FINALIZER in obj["metadata"]["finalizers"], f"{plural} has no finalizer"
        assert obj["status"]["observedGeneration"] == obj["metadata"]["generation"]
        assert condition(obj, "Ready") is not None
    for plural, what, namespaced in SWEPT[:3]:
        wait_ready(h, plural, _name(h, what), namespaced, timeout=1)
    assert len(turn_servers(h)) == 1

    # The real operator, started afterwards, owns them as if its watch had delivered them: its
    # finalizer releases the Pexip objects the sweep created.
    operator = start_operator(h.api, identity="sweep-cleanup")
    try:
        wait_ready(h, "domains", "domain", timeout=60)
        h.cleanup()
        wait_for(lambda: not turn_servers(h), what="the TURN server released")
    finally:
        operator.stop()


def test_the_sweep_leaves_what_the_watch_delivered_alone(operator: OperatorThread, h: Harness) -> None:
    full_tenant(h)
    for plural, what, namespaced in SWEPT:
        wait_ready(h, plural, _name(h, what), namespaced, timeout=60)
    state = operator.state
    assert state is not None
    assert state.runtime is not None
    runtime = state.runtime
    # Three sweep intervals (FAST: 2 s each) over resources the watch delivered.
    time.sleep(3 * runtime.sweep_seconds * 1.1 + 1)
    assert _missed(runtime) == 0

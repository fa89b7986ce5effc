"""Regressions for the operator bugs the fault campaign found (see docs/RELIABILITY.md)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import MaxRetryError

from tests.e2e.harness import Harness, wait_for, wait_ready
from vdx.controller.conditions import Phase
from vdx.pexip.resources import TURN_SERVER
from vdx.testing.operator import OperatorThread


def _turns(h: Harness, name: str) -> list[Any]:
    async def go() -> list[Any]:
        async with h.pexip() as pexip:
            return [t for t in await pexip.list(TURN_SERVER) if t.name == f"{h.namespace}/{name}"]

    return asyncio.run(go())


def test_a_reconcile_queued_behind_the_finalizer_recreates_nothing(
    operator: OperatorThread, h: Harness
) -> None:
    """A retry, resync or wake that still holds the old body used to re-create the deleted object."""
    h.platform_and_tenant(["vdx.regress.dk"])
    h.secret("turn-secret", {"secret": "regress"})
    h.create(
        "turnservices",
        "TurnService",
        "turn",
        {"address": "turn.vdx.regress.dk", "secretRef": {"name": "turn-secret"}},
    )
    stale = wait_ready(h, "turnservices", "turn")
    assert len(_turns(h, "turn")) == 1
    h.delete("turnservices", "turn")
    wait_for(lambda: h.gone("turnservices", "turn"), 30, "deleted")
    assert _turns(h, "turn") == []
    assert operator.state is not None
    runtime = operator.state.runtime
    assert runtime is not None
    stale.pop("status", None)  # as a body captured before the first status write
    outcome = operator.run_coroutine(runtime.reconcile("TurnService", stale, from_resync=False))
    assert outcome.reason == "Deleted"
    time.sleep(1)
    assert _turns(h, "turn") == [], "the stale reconcile re-created the deleted TURN server"


def test_kubernetes_unreachable_while_reporting_is_a_failure_on_our_backoff(
    operator: OperatorThread, h: Harness
) -> None:
    """The status write failing (API server restarting) used to escape to kopf with a traceback."""
    h.platform_and_tenant(["vdx.regress2.dk"])
    h.secret("turn-secret", {"secret": "regress"})
    h.create(
        "turnservices",
        "TurnService",
        "turn",
        {"address": "turn.vdx.regress2.dk", "secretRef": {"name": "turn-secret"}},
    )
    body = wait_ready(h, "turnservices", "turn")
    assert operator.state is not None
    runtime = operator.state.runtime
    assert runtime is not None
    kube = runtime.kube
    original = kube.patch_status
    for error in (
        MaxRetryError(None, "/", "connection refused"),
        ApiException(status=503, reason="restarting"),
    ):

        async def failing(*_: Any, error: Exception = error, **__: Any) -> None:
            raise error

        # Force a status write: a status for a generation not yet observed. (An empty status alone
        # did not: a resync's reconcile that held the lock before this one wrote the status into
        # the body this one waits with, which is right, and there was then nothing to write.)
        body["status"] = {}
        body["metadata"]["generation"] = int(body["metadata"]["generation"]) + 100
        kube.patch_status = failing  # type: ignore[method-assign]
        try:
            outcome = operator.run_coroutine(runtime.reconcile("TurnService", body))
        finally:
            kube.patch_status = original  # type: ignore[method-assign]
        assert outcome.phase is Phase.FAILED
        assert outcome.reason == "KubernetesUnavailable"


def test_a_resource_deleted_before_the_operator_touched_it_leaves_nothing_in_pexip(
    operator: OperatorThread, h: Harness
) -> None:
    """Created and deleted at once (before kopf's finalizer is on it): the reconcile already under
    way used to create the Pexip object, find the resource gone, and leave an orphan for good."""
    h.platform_and_tenant(["vdx.regress3.dk"])
    h.secret("turn-secret", {"secret": "regress"})
    wait_ready(h, "tenants", h.tenant, namespaced=False)
    assert operator.state is not None
    runtime = operator.state.runtime
    assert runtime is not None
    vanished = {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "TurnService",
        "metadata": {
            "name": "ghost",
            "namespace": h.namespace,
            "uid": "5c1e0000-0000-4000-8000-000000000001",
            "generation": 1,
        },
        "spec": {"address": "turn.vdx.regress3.dk", "secretRef": {"name": "turn-secret"}},
    }
    outcome = operator.run_coroutine(runtime.reconcile("TurnService", vanished))
    assert outcome.reason == "Deleted"
    assert h.sim.simulator.accounting.count("POST") >= 1  # it did create, then undid it
    assert _turns(h, "ghost") == []


def test_a_deletion_finds_the_object_the_cache_never_learnt_of(operator: OperatorThread, h: Harness) -> None:
    """A create whose answer was lost left the object out of the cache; releasing on the cache alone
    removed the finalizer and orphaned the object in Pexip (a short fault campaign run found one)."""
    h.platform_and_tenant(["vdx.regress3.dk"])
    h.secret("turn-secret", {"secret": "regress"})
    h.create(
        "turnservices",
        "TurnService",
        "turn",
        {"address": "turn.vdx.regress3.dk", "secretRef": {"name": "turn-secret"}},
    )
    body = wait_ready(h, "turnservices", "turn")
    (made,) = _turns(h, "turn")
    assert operator.state is not None
    runtime = operator.state.runtime
    assert runtime is not None
    platform = runtime.platforms[h.platform]
    platform.cache.remove(TURN_SERVER, made.resource_uri)  # as if the POST's answer had been lost
    body["status"] = {}  # nor was it recorded
    operator.run_coroutine(runtime.finalize("TurnService", body))
    assert _turns(h, "turn") == [], "the TURN server the cache did not know of was orphaned"

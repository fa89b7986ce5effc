"""A create the node finishes after the operator stopped waiting for it is not left behind.

The fault campaign once ended with an orphaned TURN server whose TurnService had been deleted. Here
that is made to happen on purpose: the node holds every POST for 2.5 s and commits it after the
operator's client gave up at 1 s (one attempt), so the reconcile fails with the create's outcome
unknown, and the TurnService is deleted meanwhile. The finalizer's lookup finds nothing yet; letting
the resource go then would leave the TURN server in Pexip with nobody to delete it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from kubernetes import client

from tests.e2e.conftest import FAST, start_operator
from tests.e2e.harness import Harness, condition, wait_for, wait_ready
from tests.e2e.test_lifecycle import DOMAIN, pexip_list, run
from vdx.pexip.resources import TURN_SERVER
from vdx.pexip.retry import RetryPolicy
from vdx.pexip.simulator import Latency
from vdx.testing.operator import OperatorThread

CLIENT_TIMEOUT = 1.0
NODE_HOLDS_POST = 2.5


@pytest.fixture
def impatient_operator(
    kube_api_client: client.ApiClient, operator_namespace: str
) -> Iterator[OperatorThread]:
    settings = replace(
        FAST,
        client_options={"timeout": CLIENT_TIMEOUT, "retry": RetryPolicy(max_attempts=1)},
    )
    thread = start_operator(kube_api_client, runtime=settings)
    yield thread
    thread.stop()


def ours(h: Harness) -> list[str]:
    marker = f"[vdx:TurnService/{h.namespace}/"
    return [t.name for t in run(pexip_list(h, TURN_SERVER)) if (t.description or "").startswith(marker)]


def turn_server_requests(h: Harness, method: str) -> list[int]:
    """The statuses the node answered `method` requests to turn_server with (logged as answered)."""
    return [
        e.status
        for e in h.sim.simulator.accounting.entries
        if e.method == method and "/turn_server/" in e.path
    ]


def test_a_create_still_committing_is_deleted_not_orphaned(
    impatient_operator: OperatorThread, h: Harness
) -> None:
    h.platform_and_tenant([DOMAIN])
    wait_ready(h, "tenants", h.tenant, namespaced=False)
    h.secret("turn-secret", {"secret": "canary-turn-in-doubt"})
    h.sim.simulator.set_faults(
        latency=Latency(kind="fixed", ms=NODE_HOLDS_POST * 1000), latency_methods=["POST"]
    )
    h.create(
        "turnservices",
        "TurnService",
        "turn",
        {"address": f"turn.{DOMAIN}", "secretRef": {"name": "turn-secret"}},
    )

    def create_failed() -> bool:
        ready = condition(h.get("turnservices", "turn"), "Ready")
        return ready is not None and ready["status"] == "False" and "POST" in ready["message"]

    wait_for(create_failed, 20, "the TurnService's create failing with its outcome unknown")
    assert not ours(h)  # not committed yet: the node still holds the POST
    h.delete("turnservices", "turn")

    def deletion_waits() -> dict[str, str] | None:
        ready = condition(h.get("turnservices", "turn"), "Ready")
        return ready if ready is not None and ready["reason"] == "CreateInDoubt" else None

    waiting = wait_for(deletion_waits, 20, "the deletion waiting for the create in doubt")
    assert "turn_server" in waiting["message"]
    wait_for(lambda: h.gone("turnservices", "turn"), 60, "the TurnService deleted")
    h.sim.simulator.set_faults(latency=Latency(), latency_methods=None)
    assert ours(h) == []  # nothing of the TurnService's is left in Pexip
    # ...because the finalizer deleted what the late POST made, once it had committed.
    assert turn_server_requests(h, "DELETE") == [204]

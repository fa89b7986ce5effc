"""kopf's diff base lives in the operator's memory: no PATCH writes it, and edits are still seen,
also by an operator that started after the resource was made (`controller/diffbase.py`)."""

from __future__ import annotations

from kubernetes import client

from tests.e2e.harness import Harness, wait_for, wait_ready
from tests.e2e.test_behaviours import turn_servers
from tests.e2e.test_lifecycle import full_tenant
from vdx.controller.handlers import ANNOTATION_PREFIX


def kopf_annotations(h: Harness) -> list[str]:
    meta = h.get("turnservices", "turn")["metadata"]
    return [a for a in meta.get("annotations") or {} if a.startswith(f"{ANNOTATION_PREFIX}/")]


def port_in_pexip(h: Harness) -> int | None:
    found = turn_servers(h)
    return found[0].port if found else None


def test_edits_are_seen_without_a_diff_base_on_the_resource(
    kube_api_client: client.ApiClient, operator_namespace: str, h: Harness
) -> None:
    from tests.e2e.conftest import start_operator

    first = start_operator(kube_api_client, identity="first")
    try:
        full_tenant(h)
        wait_ready(h, "turnservices", "turn")
        assert kopf_annotations(h) == []  # kopf's annotation storage wrote last-handled-configuration
        h.patch("turnservices", "turn", {"spec": {"port": 3479}})
        wait_for(lambda: port_in_pexip(h) == 3479, 20, "the first operator's edit in Pexip")
    finally:
        first.stop()
    second = start_operator(kube_api_client, identity="second")
    try:
        # The new process has no memory of the resource: it reconciles it as new, then sees edits.
        wait_for(lambda: (rt := second.state.runtime) is not None and rt.reconcile_count > 0, 30, "resumed")
        h.patch("turnservices", "turn", {"spec": {"port": 3480}})
        wait_for(lambda: port_in_pexip(h) == 3480, 20, "the second operator's edit in Pexip")
        assert kopf_annotations(h) == []
    finally:
        h.cleanup()
        second.stop()

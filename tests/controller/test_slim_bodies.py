"""What the runtime keeps of each resource's body: no managedFields, no kopf bookkeeping."""

from __future__ import annotations

import asyncio
from typing import Any

from vdx.controller import handlers
from vdx.controller.runtime import UNREAD_ANNOTATION_PREFIX, Runtime, slim


def _body() -> dict[str, Any]:
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "TurnService",
        "metadata": {
            "name": "turn",
            "namespace": "tenant-a",
            "uid": "u-1",
            "generation": 2,
            "finalizers": ["vdx.medcom.dk/finalizer"],
            "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}],
            "annotations": {
                "kopf.vdx.medcom.dk/last-handled-configuration": '{"spec": {"address": "turn.a.dk"}}',
                "vdx.medcom.dk/adopt": "/api/admin/configuration/v1/turn_server/7/",
            },
        },
        "spec": {"address": "turn.a.dk", "secretRef": {"name": "turn-secret"}},
    }


def test_slim_drops_what_no_reconciler_reads_and_keeps_the_rest() -> None:
    body = _body()
    kept = slim(body)
    assert "managedFields" not in kept["metadata"]
    assert kept["metadata"]["annotations"] == {
        "vdx.medcom.dk/adopt": "/api/admin/configuration/v1/turn_server/7/"
    }
    assert {k: v for k, v in kept["metadata"].items() if k != "annotations"} == {
        "name": "turn",
        "namespace": "tenant-a",
        "uid": "u-1",
        "generation": 2,
        "finalizers": ["vdx.medcom.dk/finalizer"],
    }
    assert kept["spec"] == body["spec"]
    assert "managedFields" in body["metadata"]  # the caller's body is not changed
    assert slim(kept) is kept  # nothing left to drop: no copy


def test_the_prefix_is_kopfs() -> None:
    assert UNREAD_ANNOTATION_PREFIX == handlers.ANNOTATION_PREFIX + "/"


class _NoKube:
    """No tenants, no platforms: a TurnService reconcile waits for its tenant and writes its status."""

    async def list(self, plural: str) -> list[dict[str, Any]]:
        return []

    async def patch_status(self, *args: Any) -> bool:
        return True

    async def event(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_the_runtime_keeps_the_slim_body() -> None:
    runtime = Runtime(_NoKube())  # type: ignore[arg-type]
    asyncio.run(runtime.reconcile("TurnService", _body()))
    kept = runtime.known[("TurnService", "tenant-a", "turn")]
    assert kept["status"]["conditions"]  # reconciled, and its status kept on the slim body
    assert "managedFields" not in kept["metadata"]
    assert list(kept["metadata"]["annotations"]) == ["vdx.medcom.dk/adopt"]

"""A finalizer that waited for a running reconcile sees the status that reconcile wrote.

kopf hands the finalizer the body of the deletion event. A reconcile that held the resource's lock
meanwhile (a resync, a retry, a Secret's renewal) may have uploaded or bound something and recorded
it in the status. A finalizer that deletes what the status records (TlsCertificate, Domain) would
otherwise leave that in Pexip with nobody to delete it.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
from typing import Any

import pytest

from vdx.controller.conditions import Outcome, Phase
from vdx.controller.reasons import Reason
from vdx.controller.reconcilers.base import Reconciled
from vdx.controller.registry import BY_KIND
from vdx.controller.runtime import Runtime

URI = "/api/admin/configuration/v1/tls_certificate/{}/"
RECORDED_BEFORE = [{"resource": "tls_certificate", "resourceUri": URI.format(1)}]
RECORDED_AFTER = [*RECORDED_BEFORE, {"resource": "tls_certificate", "resourceUri": URI.format(2)}]


class Kube:
    async def patch_status(self, plural: str, name: str, namespace: str | None, status: Any) -> bool:
        return True

    async def event(self, body: Any, *, type_: str, reason: str, message: str) -> None:
        return None


def certificate() -> dict[str, Any]:
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "TlsCertificate",
        "metadata": {
            "name": "vdx-rm-dk",
            "namespace": "vdx-rm",
            "generation": 1,
            "uid": "uid-1",
            # As the API server sends it: the runtime keeps a slimmed copy, not this body.
            "managedFields": [{"manager": "kubectl"}],
        },
        "spec": {},
        "status": {"pexipObjects": RECORDED_BEFORE},
    }


@pytest.mark.parametrize("managed_fields", [True, False])
async def test_the_finalizer_sees_what_the_reconcile_it_waited_for_recorded(
    monkeypatch: pytest.MonkeyPatch, managed_fields: bool
) -> None:
    gate = asyncio.Event()
    seen: list[Any] = []

    async def reconcile(rt: Any, body: dict[str, Any]) -> Reconciled:
        await gate.wait()  # uploading, while the deletion arrives
        uploaded = Outcome(Phase.READY, Reason.AVAILABLE, "uploaded")
        return Reconciled(uploaded, status={"pexipObjects": RECORDED_AFTER})

    async def finalize(rt: Any, body: dict[str, Any]) -> None:
        seen.append((body.get("status") or {}).get("pexipObjects"))

    registration = BY_KIND["TlsCertificate"]
    stand_in = dataclasses.replace(registration, reconcile=reconcile, finalize=finalize, writes=())
    monkeypatch.setitem(BY_KIND, "TlsCertificate", stand_in)
    rt = Runtime(Kube())  # type: ignore[arg-type]  # only the calls above
    body = certificate()
    if not managed_fields:
        del body["metadata"]["managedFields"]

    reconciling = asyncio.create_task(rt.reconcile("TlsCertificate", copy.deepcopy(body)))
    for _ in range(20):
        await asyncio.sleep(0)
    deleting = copy.deepcopy(body)
    deleting["metadata"]["deletionTimestamp"] = "2026-12-06T00:00:00Z"
    finalizing = asyncio.create_task(rt.finalize("TlsCertificate", deleting))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not seen  # it waits for the reconcile
    gate.set()
    await reconciling
    await finalizing
    assert seen == [RECORDED_AFTER]

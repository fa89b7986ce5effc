"""Status read by others is the newest there is: a finalizer's, and the Tenant's roll-up.

kopf hands the finalizer the body of the deletion event. A reconcile that held the resource's lock
meanwhile (a resync, a retry, a Secret's renewal) may have uploaded or bound something and recorded
it in the status. A finalizer that deletes what the status records (TlsCertificate, Domain) would
otherwise leave that in Pexip with nobody to delete it. And an edit, and then its reconcile, each
refresh the Tenant's roll-up, which counts an edited resource as in progress until it is reconciled.
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


async def test_an_edit_and_its_reconcile_each_refresh_the_tenants_roll_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The roll-up counts an edited resource as in progress until its generation is reconciled,
    so both moments refresh it, even when Ready reads the same before and after."""

    async def reconcile(rt: Any, body: dict[str, Any]) -> Reconciled:
        return Reconciled(Outcome(Phase.READY, Reason.AVAILABLE, "in place"))

    stand_in = dataclasses.replace(BY_KIND["TlsCertificate"], reconcile=reconcile, writes=())
    monkeypatch.setitem(BY_KIND, "TlsCertificate", stand_in)
    rt = Runtime(Kube())  # type: ignore[arg-type]  # only the calls above
    refreshed: list[str] = []
    monkeypatch.setattr(rt, "_rollup_soon", refreshed.append)
    body = certificate()
    await rt.reconcile("TlsCertificate", copy.deepcopy(body))  # generation 1 becomes Ready
    refreshed.clear()
    edited = copy.deepcopy(rt.known[("TlsCertificate", "vdx-rm", "vdx-rm-dk")])
    edited["metadata"]["generation"] = 2
    await rt.reconcile("TlsCertificate", edited)
    # Once when generation 2 arrived, once when its Ready (same reason) was written for it.
    assert refreshed == ["vdx-rm", "vdx-rm"]
    refreshed.clear()
    await rt.reconcile("TlsCertificate", copy.deepcopy(rt.known[("TlsCertificate", "vdx-rm", "vdx-rm-dk")]))
    assert refreshed == []  # nothing new: no refresh


async def test_a_reconcile_that_stops_early_keeps_the_last_extra_conditions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An expiring certificate's RenewalDue does not vanish while Pexip is down: the reconcile that
    fails never got to work it out, so the last one stays, with its own generation."""
    renewal = {
        "type": "RenewalDue",
        "status": "True",
        "reason": "ExpiresIn7Days",
        "message": "expires soon",
        "observedGeneration": 1,
    }
    outcomes = iter(
        [
            Reconciled(Outcome(Phase.READY, Reason.AVAILABLE, "uploaded"), extra_conditions=[dict(renewal)]),
            Reconciled(Outcome(Phase.FAILED, Reason.PEXIP_UNAVAILABLE, "Pexip is unavailable")),
            Reconciled(Outcome(Phase.READY, Reason.AVAILABLE, "uploaded")),
        ]
    )

    async def reconcile(rt: Any, body: dict[str, Any]) -> Reconciled:
        return next(outcomes)

    stand_in = dataclasses.replace(BY_KIND["TlsCertificate"], reconcile=reconcile, writes=())
    monkeypatch.setitem(BY_KIND, "TlsCertificate", stand_in)
    rt = Runtime(Kube())  # type: ignore[arg-type]  # only the calls above
    key = ("TlsCertificate", "vdx-rm", "vdx-rm-dk")

    def condition_types() -> list[str]:
        return [c["type"] for c in rt.known[key]["status"]["conditions"]]

    await rt.reconcile("TlsCertificate", certificate())
    assert "RenewalDue" in condition_types()
    edited = copy.deepcopy(rt.known[key])
    edited["metadata"]["generation"] = 2
    await rt.reconcile("TlsCertificate", edited)  # fails before working it out
    kept = next(c for c in rt.known[key]["status"]["conditions"] if c["type"] == "RenewalDue")
    assert (kept["status"], kept["observedGeneration"]) == ("True", 1)
    ready = next(c for c in rt.known[key]["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["observedGeneration"]) == ("False", 2)
    # A reconcile that reached Ready without it: the kind no longer reports it.
    await rt.reconcile("TlsCertificate", copy.deepcopy(rt.known[key]))
    assert "RenewalDue" not in condition_types()

"""The health checks on objects as the real API server returns them (marked `kube`).

The operator's runtime writes the statuses through its real Kubernetes client into the control
plane; the object is then read back, as Argo CD's cache would hold it, and its kind's script run.
What only a real API server shows: the status subresource's round trip (nulls dropped, integers),
the generation bump on a spec change and on a deletion with a finalizer, and deletionTimestamp.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from kubernetes import client

from tests.crds.specimens import SPEC_CHANGES, Custom, Obj, specimen, unique
from vdx.api.kinds import KINDS_BY_NAME
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.kube import Kube
from vdx.controller.planners.common import foreign_outcome
from vdx.controller.reasons import Reason
from vdx.crd import argocd

from .lua import INTERPRETERS, Health, run_health
from .runtime import Operator

# One interpreter is enough here (the Lua itself is covered in test_health_lua): Argo CD's own first.
LUA: Path | None = next((path for path in INTERPRETERS.values() if path is not None), None)
HOLD = "test.vdx.medcom.dk/hold"  # a finalizer of the test's: the deleted object stays to be read


@pytest.fixture
async def operator(
    monkeypatch: pytest.MonkeyPatch, kube_api_client: client.ApiClient
) -> AsyncIterator[Operator]:
    made = Operator(monkeypatch, Kube(kube_api_client))
    yield made
    await made.rt.close()


def health(obj: Obj) -> Health:
    if LUA is None:
        pytest.skip("no Lua interpreter: run scripts/fetch-lua")
    return run_health(LUA, argocd.health_scripts()[argocd.health_key(str(obj["kind"]))], obj)


@pytest.mark.parametrize("kind", sorted(KINDS_BY_NAME))
async def test_health_of_what_the_api_server_holds(
    operator: Operator, kube_api_client: client.ApiClient, kube_namespace: str, kind: str
) -> None:
    custom = Custom(kube_api_client)
    obj = specimen(kind, unique("argocd"), kube_namespace)
    obj["metadata"]["finalizers"] = [HOLD]
    created = custom.create(obj)
    ident = (kind, created["metadata"]["name"], created["metadata"].get("namespace"))
    try:
        assert health(created) == Health("Progressing", argocd.NOT_RECONCILED)

        await operator.reconcile(created, Outcome(Phase.READY, Reason.AVAILABLE, "in line with Pexip"))
        assert health(custom.get(*ident)) == Health("Healthy", "in line with Pexip")

        edited = custom.patch(*ident, {"spec": SPEC_CHANGES[kind]})
        assert edited["metadata"]["generation"] == 2
        assert health(edited) == Health("Progressing", argocd.not_observed(2))

        stalled = foreign_outcome("turn_server", "x", "/api/admin/configuration/v1/turn_server/7/")
        await operator.reconcile(edited, stalled)
        assert health(custom.get(*ident)) == Health("Degraded", stalled.message)

        custom.delete(*ident)
        deleting = custom.get(*ident)
        assert deleting["metadata"].get("deletionTimestamp")
        assert deleting["metadata"]["generation"] == 3  # the API server's bump: the old verdict is stale
        assert health(deleting) == Health("Progressing", argocd.PENDING_DELETION)
        holder = Outcome(Phase.FAILED, Reason.IN_USE, "waiting for 1 Domain(s) that use it to stop: d")
        await operator.finalize(deleting, holder)
        assert health(custom.get(*ident)) == Health(
            "Progressing", f"{argocd.PENDING_DELETION}: {holder.message}"
        )
    finally:
        custom.patch(*ident, {"metadata": {"finalizers": None}})
        custom.delete(*ident)

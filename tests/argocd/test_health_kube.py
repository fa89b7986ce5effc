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
import yaml
from kubernetes import client

from tests.crds.specimens import SPEC_CHANGES, Custom, Obj, specimen, unique
from vdx.api.kinds import KINDS_BY_NAME
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.kube import Kube
from vdx.controller.planners.common import foreign_outcome
from vdx.controller.reasons import Reason
from vdx.controlplane.server import ControlPlane
from vdx.crd import argocd
from vdx.paths import SCHEMAS_DIR

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


def test_the_documented_kubectl_patch_adds_the_checks_and_keeps_argo_cds_keys(
    control_plane: ControlPlane, kube_api_client: client.ApiClient, kube_namespace: str
) -> None:
    # An argocd-cm as Argo CD's install makes it, with a setting of its own; then the doc's command.
    core = client.CoreV1Api(kube_api_client)
    core.create_namespaced_config_map(
        kube_namespace,
        {"metadata": {"name": "argocd-cm"}, "data": {"url": "https://argocd.example.dk"}},
    )
    patch = str(SCHEMAS_DIR / argocd.FILE)
    result = control_plane.kubectl(
        *("-n", kube_namespace, "patch", "configmap", "argocd-cm", "--patch-file", patch),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data = core.read_namespaced_config_map("argocd-cm", kube_namespace).data
    assert data == {"url": "https://argocd.example.dk", **argocd.health_scripts()}


def test_the_documented_kustomize_patch_matches_argo_cds_install(
    control_plane: ControlPlane, tmp_path: Path
) -> None:
    # Argo CD's install manifests name no namespace; a kustomization installing them sets it.
    (tmp_path / "install.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\ndata:\n  url: https://argocd.example.dk\n",
        encoding="utf-8",
    )
    (tmp_path / "argocd-cm-health.yaml").write_text((SCHEMAS_DIR / argocd.FILE).read_text(encoding="utf-8"))
    (tmp_path / "kustomization.yaml").write_text(
        "namespace: argocd\nresources: [install.yaml]\npatches: [{path: argocd-cm-health.yaml}]\n",
        encoding="utf-8",
    )
    result = control_plane.kubectl("kustomize", str(tmp_path), check=False)
    assert result.returncode == 0, result.stderr
    (built,) = yaml.safe_load_all(result.stdout)
    assert built["metadata"]["namespace"] == "argocd"
    assert built["data"] == {"url": "https://argocd.example.dk", **argocd.health_scripts()}

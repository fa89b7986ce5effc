"""`vdx phonebook PATH --kubeconfig` and `vdx ports ... --kubeconfig`: each tenant's state read from
the cluster's Tenants (the roll-up the operator writes), beside what the tree says."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from kubernetes import client

from vdx.api.meta import API_GROUP, API_VERSION
from vdx.cli.main import cli
from vdx.controlplane.server import ControlPlane
from vdx.paths import EXAMPLES_DIR

ROLLUP_MESSAGE = "2 of 5 not Ready: Domain aarhus (Stalled), TurnService aarhus-turn (PlatformNotReady)"


@pytest.fixture
def aarhus_in_the_cluster(kube_api_client: client.ApiClient) -> Iterator[None]:
    """The example tree's Tenant aarhus, with the status the operator would write for a Stalled Domain."""
    custom = client.CustomObjectsApi(kube_api_client)
    documents = yaml.safe_load_all(
        (EXAMPLES_DIR / "prod" / "aarhus" / "tenant.yaml").read_text(encoding="utf-8")
    )
    body = next(d for d in documents if d and d.get("kind") == "Tenant")
    custom.create_cluster_custom_object(API_GROUP, API_VERSION, "tenants", body)
    status = {
        "observedGeneration": 1,
        "resources": {"Domain": {"ready": 1, "notReady": 1}, "TurnService": {"ready": 2, "notReady": 1}},
        "resourcesReady": "3/5",
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "reason": "Synced",
                "message": "in sync",
                "lastTransitionTime": "2026-12-04T10:00:00Z",
                "observedGeneration": 1,
            },
            {
                "type": "ResourcesReady",
                "status": "False",
                "reason": "ResourcesNotReady",
                "message": ROLLUP_MESSAGE,
                "lastTransitionTime": "2026-12-04T10:00:00Z",
                "observedGeneration": 1,
            },
        ],
    }
    custom.patch_cluster_custom_object_status(API_GROUP, API_VERSION, "tenants", "aarhus", {"status": status})
    yield
    custom.delete_cluster_custom_object(API_GROUP, API_VERSION, "tenants", "aarhus")


def test_phonebook_shows_the_clusters_state(control_plane: ControlPlane, aarhus_in_the_cluster: None) -> None:
    runner = CliRunner()
    args = ["phonebook", str(EXAMPLES_DIR), "--platform", "all", "-o", "json"]
    from_cluster = runner.invoke(cli, [*args, "--kubeconfig", str(control_plane.kubeconfig)])
    assert from_cluster.exit_code == 0, from_cluster.output
    tenants = {t["name"]: t for t in json.loads(from_cluster.stdout)["tenants"]}
    assert tenants["aarhus"] == {
        "name": "aarhus",
        "ready": False,
        "state": "2 not ready: Domain aarhus (Stalled), TurnService aarhus-turn (PlatformNotReady)",
    }
    # A tenant of the tree the cluster does not have is said to be missing, not Ready.
    assert {t["state"] for n, t in tenants.items() if n != "aarhus"} == {"not in the cluster"}
    tree_only = runner.invoke(cli, args)
    assert {t["state"] for t in json.loads(tree_only.stdout)["tenants"]} == {"state unknown (no cluster)"}


def test_a_cluster_that_does_not_answer_is_a_clear_error(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
                "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "c",
                "users": [{"name": "u", "user": {"token": "t"}}],
            }
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["phonebook", str(EXAMPLES_DIR), "--kubeconfig", str(kubeconfig)])
    assert result.exit_code == 1
    assert f"the cluster of {kubeconfig} does not answer" in result.output

"""Every document of the example GitOps tree is accepted by the real API server's server-side apply.

Server-side apply with dryRun=All runs the full validation (schema, CEL rules, admission) without
persisting anything, so the example platforms and tenants do not leak into other tests. Only the
examples' Namespaces are created for real, because namespaced objects need their namespace.
Field validation is Strict, as kubectl and Flux apply it, so a field the CRD would silently prune
fails the test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client, dynamic

from vdx.api.kinds import KINDS_BY_NAME
from vdx.api.meta import API_GROUP
from vdx.controlplane.server import ControlPlane
from vdx.paths import EXAMPLES_DIR

FIELD_MANAGER = "vdx-crd-tests"
FILES = sorted(path for path in EXAMPLES_DIR.rglob("*") if path.suffix in {".yaml", ".yml"})


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def all_documents() -> list[dict[str, Any]]:
    return [doc for path in FILES for doc in documents(path)]


@pytest.fixture(scope="module")
def dynamic_client(
    kube_api_client: client.ApiClient, tmp_path_factory: pytest.TempPathFactory
) -> dynamic.DynamicClient:
    cache = tmp_path_factory.mktemp("discovery") / "cache.json"
    return dynamic.DynamicClient(kube_api_client, cache_file=str(cache))


@pytest.fixture(scope="module")
def example_namespaces(kube_api_client: client.ApiClient) -> list[str]:
    """The examples' Namespaces, for real (idempotent). Never deleted: without a controller manager a
    deleted namespace stays Terminating and would refuse the next session-mate's objects."""
    core = client.CoreV1Api(kube_api_client)
    names = sorted({doc["metadata"]["name"] for doc in all_documents() if doc["kind"] == "Namespace"})
    for name in names:
        try:
            core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
        except client.ApiException as error:
            if error.status != 409:
                raise
    return names


def test_the_example_tree_has_every_kind_and_its_namespaces() -> None:
    docs = all_documents()
    assert len(FILES) >= 20
    kinds = {doc["kind"] for doc in docs if doc["apiVersion"].startswith(f"{API_GROUP}/")}
    assert kinds == set(KINDS_BY_NAME)
    namespaces = {doc["metadata"]["name"] for doc in docs if doc["kind"] == "Namespace"}
    used = {doc["metadata"]["namespace"] for doc in docs if doc["metadata"].get("namespace")}
    assert used <= namespaces | {"default"}, (
        f"examples use namespaces they do not create: {used - namespaces}"
    )


@pytest.mark.parametrize("path", FILES, ids=[str(path.relative_to(EXAMPLES_DIR)) for path in FILES])
def test_every_document_is_accepted_by_server_side_apply(
    dynamic_client: dynamic.DynamicClient, example_namespaces: list[str], path: Path
) -> None:
    for doc in documents(path):
        resource = dynamic_client.resources.get(api_version=doc["apiVersion"], kind=doc["kind"])
        name = doc["metadata"]["name"]
        try:
            applied = dynamic_client.server_side_apply(
                resource,
                body=doc,
                field_manager=FIELD_MANAGER,
                force_conflicts=True,
                dry_run="All",
                query_params=[("fieldValidation", "Strict")],
            ).to_dict()
        except client.ApiException as error:
            pytest.fail(f"{path.relative_to(EXAMPLES_DIR)}: {doc['kind']} {name} refused: {error.body}")
        assert applied["kind"] == doc["kind"]
        assert applied["metadata"]["name"] == name
        assert (resource.namespaced and applied["metadata"]["namespace"] == doc["metadata"]["namespace"]) or (
            not resource.namespaced and "namespace" not in applied["metadata"]
        ), f"{doc['kind']} {name} has the wrong scope"
        if "spec" in doc:
            assert_contains(applied["spec"], doc["spec"], f"{doc['kind']} {name}: spec")


def assert_contains(actual: Any, expected: Any, where: str) -> None:
    """Everything the document says survives (defaults may be added; nothing may be pruned)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} was dropped by the API server"
            assert_contains(actual[key], value, f"{where}.{key}")
    else:
        assert actual == expected, f"{where}: sent {expected!r}, the API server kept {actual!r}"


def test_kubectl_applies_the_whole_tree_server_side(
    control_plane: ControlPlane, example_namespaces: list[str]
) -> None:
    """What a GitOps tool does: one `kubectl apply --server-side` over the folder, as a dry run."""
    result = control_plane.kubectl(
        "apply",
        "--server-side",
        "--dry-run=server",
        "--field-manager",
        FIELD_MANAGER,
        "--force-conflicts",
        "-R",
        "-f",
        str(EXAMPLES_DIR),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    applied = [
        line for line in result.stdout.splitlines() if line.endswith("serverside-applied (server dry run)")
    ]
    assert len(applied) == len(all_documents()), result.stdout

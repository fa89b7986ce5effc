"""The generated CRDs: current, structural, and documented on every property."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from vdx.api.kinds import ALL_KINDS
from vdx.cli.schemas import generated_files, stale_files
from vdx.crd.generate import crd_manifest
from vdx.paths import SCHEMAS_DIR


def walk(node: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    yield path, node
    for name, child in node.get("properties", {}).items():
        yield from walk(child, f"{path}.{name}")
    if isinstance(node.get("items"), dict):
        yield from walk(node["items"], f"{path}[]")
    if isinstance(node.get("additionalProperties"), dict):
        yield from walk(node["additionalProperties"], f"{path}{{}}")


def crd_schemas() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted((SCHEMAS_DIR / "crds").glob("*.yaml")):
        crd = yaml.safe_load(path.read_text(encoding="utf-8"))
        yield crd["spec"]["names"]["kind"], crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


def test_schemas_folder_is_current() -> None:
    assert stale_files(SCHEMAS_DIR) == []


def test_stale_check_notices_an_edit(tmp_path: Path) -> None:
    for rel, content in generated_files().items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(content, encoding="utf-8")
    assert stale_files(tmp_path) == []
    victim = next(iter(generated_files()))
    (tmp_path / victim).write_text("edited by hand\n", encoding="utf-8")
    (tmp_path / "crds" / "leftover.yaml").write_text("{}\n", encoding="utf-8")
    assert stale_files(tmp_path) == [f"out of date: {victim}", "no longer generated: crds/leftover.yaml"]


def test_one_crd_per_kind() -> None:
    kinds = {kind for kind, _ in crd_schemas()}
    assert kinds == {kind.__name__ for kind in ALL_KINDS}


@pytest.mark.parametrize(
    ("kind", "schema"), list(crd_schemas()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_property_has_a_description(kind: str, schema: dict[str, Any]) -> None:
    # Properties only: list items are described by their list (that is what `kubectl explain` shows).
    missing = [
        path
        for path, node in walk(schema)
        # `.metadata` may carry nothing but its type: the API server refuses a description there.
        if path and path != ".metadata" and not path.endswith("[]") and not node.get("description")
    ]
    assert missing == [], f"{kind}: properties without a description: {missing}"


@pytest.mark.parametrize(
    ("kind", "schema"), list(crd_schemas()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_schema_is_structural(kind: str, schema: dict[str, Any]) -> None:
    for path, node in walk(schema):
        assert "type" in node, f"{kind}{path} has no type"
        assert not {"$ref", "anyOf", "allOf"} & set(node), f"{kind}{path}"
        assert not ("properties" in node and "additionalProperties" in node), f"{kind}{path}"
        top_level_envelope = path in (".apiVersion", ".kind")
        if (
            node["type"] == "string"
            and "enum" not in node
            and "format" not in node
            and not top_level_envelope
        ):
            assert "maxLength" in node, f"{kind}{path}: strings need maxLength to bound CEL cost"
        if node["type"] == "array":
            assert "maxItems" in node, f"{kind}{path}: lists need maxItems to bound CEL cost"
            assert "x-kubernetes-list-type" in node, f"{kind}{path}: lists need x-kubernetes-list-type"


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.__name__)
def test_crd_shows_conditions_and_is_in_the_vdx_category(kind: Any) -> None:
    crd = crd_manifest(kind)
    names = crd["spec"]["names"]
    assert names["categories"] == ["vdx"]
    assert names["shortNames"]
    version = crd["spec"]["versions"][0]
    assert version["subresources"] == {"status": {}}
    columns = [c["name"] for c in version["additionalPrinterColumns"]]
    assert columns[:2] == ["Ready", "Synced"]
    assert columns[-1] == "Age"
    message = next(c for c in version["additionalPrinterColumns"] if c["name"] == "Message")
    assert message["priority"] == 1
    conditions = version["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]["conditions"]
    assert conditions["x-kubernetes-list-map-keys"] == ["type"]


def test_owning_kinds_have_deletion_and_management_policy() -> None:
    for kind in ALL_KINDS:
        spec = crd_manifest(kind)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
        props = spec["properties"]
        if kind.__name__ in ("PexipPlatform", "Recorder"):  # they own no Pexip objects
            continue
        assert props["managementPolicy"]["enum"] == ["Full", "ObserveOnly"], kind.__name__
        if kind.__name__ != "Tenant":
            assert props["deletionPolicy"]["enum"] == ["Delete", "Orphan"], kind.__name__

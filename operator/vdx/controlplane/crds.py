"""Install CustomResourceDefinitions from a directory and wait until clients can use them.

A CRD is usable only after the API server marks it `Established` *and* publishes it in discovery;
creating a custom resource in between fails with 404, which makes tests flaky.  So this waits for
both, like envtest's `WaitForCRDs`.  Files are applied with server-side apply, so installing the
same directory twice (a restarted demo, a re-run) is harmless.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client

_SUFFIXES = (".yaml", ".yml", ".json")
FIELD_MANAGER = "vdx-controlplane"


class CRDError(RuntimeError):
    """A CRD file is unreadable, or a CRD did not become usable in time."""


def yaml_documents(paths: Iterable[Path], error: type[Exception]) -> Iterator[dict[str, Any]]:
    """The mapping documents of the given files and directories (recursively, sorted by file).

    A missing path yields nothing: the project's `schemas/` folders may not exist yet, and a control
    plane without them is still useful. A file that is not YAML raises `error` naming it.
    """
    for root in paths:
        if root.is_file():
            files = [root]
        elif root.is_dir():
            files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in _SUFFIXES)
        else:
            continue
        for file in files:
            try:
                documents = list(yaml.safe_load_all(file.read_text(encoding="utf-8")))
            except yaml.YAMLError as exc:
                raise error(f"{file}: not valid YAML: {exc}") from exc
            yield from (d for d in documents if isinstance(d, dict))


def load_crds(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Every CustomResourceDefinition document in the given files/directories (`yaml_documents`)."""
    return [d for d in yaml_documents(paths, CRDError) if d.get("kind") == "CustomResourceDefinition"]


def _served_plurals(api: client.ApiClient, group: str, version: str) -> set[str]:
    request = api.param_serialize(method="GET", resource_path=f"/apis/{group}/{version}")
    try:
        response: Any = api.call_api(*request)
        response.read()
    except client.ApiException:
        return set()
    if response.status != 200 or not response.data:
        return set()
    body = json.loads(response.data)
    return {resource["name"] for resource in body.get("resources", [])}


def _message(error: client.ApiException) -> str:
    """The Status message the server sent, which names the offending field."""
    try:
        return str(json.loads(error.body or "")["message"])
    except (TypeError, ValueError, KeyError):
        return f"HTTP {error.status} {error.reason}"


def _established(crd: client.V1CustomResourceDefinition) -> bool:
    conditions = (crd.status.conditions if crd.status else None) or []
    state = {condition.type: condition.status for condition in conditions}
    return state.get("Established") == "True" and state.get("NamesAccepted") == "True"


def _storage_ready(api: client.ApiClient, group: str, version: str, plural: str) -> bool:
    """A list answers: right after a CRD is served, its storage may still be initialising, and the
    API server answers 429 "storage is (re)initializing" (an operator's watch then logs an error)."""
    try:
        client.CustomObjectsApi(api).list_cluster_custom_object(group, version, plural, limit=1)
    except client.ApiException as error:
        if error.status in (429, 503):
            return False
        raise
    return True


def install_crds(
    api: client.ApiClient, documents: Sequence[dict[str, Any]], timeout: float = 30.0
) -> list[str]:
    """Server-side apply each CRD, then wait until all are Established and served; returns names."""
    extensions = client.ApiextensionsV1Api(api)
    names: list[str] = []
    for document in documents:
        name = document["metadata"]["name"]
        try:
            extensions.patch_custom_resource_definition(
                name,
                document,
                field_manager=FIELD_MANAGER,
                force=True,
                _content_type="application/apply-patch+yaml",
            )
        except client.ApiException as error:
            raise CRDError(f"the API server rejected CRD {name}: {_message(error)}") from error
        names.append(name)
    deadline = time.monotonic() + timeout
    pending = {document["metadata"]["name"]: document for document in documents}
    while pending:
        for name, document in list(pending.items()):
            crd = extensions.read_custom_resource_definition(name)
            if not _established(crd):
                continue
            group = document["spec"]["group"]
            plural = document["spec"]["names"]["plural"]
            versions = [v["name"] for v in document["spec"]["versions"] if v.get("served", True)]
            if all(
                plural in _served_plurals(api, group, version) and _storage_ready(api, group, version, plural)
                for version in versions
            ):
                del pending[name]
        if not pending:
            break
        if time.monotonic() > deadline:
            raise CRDError(
                f"CRDs not established and served after {timeout:.0f}s: {', '.join(sorted(pending))}"
            )
        time.sleep(0.1)
    return names

"""Build CRD manifests and editor JSON Schemas from the resource models."""

from __future__ import annotations

from typing import Any

from vdx.api.kinds import ALL_KINDS
from vdx.api.meta import API_GROUP, API_VERSION, CATEGORY, GROUP_VERSION
from vdx.api.resource import Resource
from vdx.crd.structural import structural

_API_VERSION_DESCRIPTION = (
    "APIVersion defines the versioned schema of this representation of an object. Servers should "
    "convert recognized schemas to the latest internal value, and may reject unrecognized values."
)
_KIND_DESCRIPTION = (
    "Kind is a string value representing the REST resource this object represents. In CamelCase."
)
_METADATA_DESCRIPTION = "Standard object metadata: name, namespace, labels, annotations."


def _spec_and_status(kind: type[Resource]) -> tuple[dict[str, Any], dict[str, Any]]:
    full = kind.model_json_schema(by_alias=True, mode="validation")
    defs = full.get("$defs", {})
    spec = structural(full["properties"]["spec"], defs)
    status = structural(full["properties"]["status"], defs)
    return spec, status


def openapi_schema(kind: type[Resource]) -> dict[str, Any]:
    """The openAPIV3Schema of a kind's CRD."""
    spec, status = _spec_and_status(kind)
    return {
        "type": "object",
        "description": kind.crd.description,
        "required": ["spec"],
        "properties": {
            "apiVersion": {"type": "string", "description": _API_VERSION_DESCRIPTION},
            "kind": {"type": "string", "description": _KIND_DESCRIPTION},
            # The API server forbids anything but `type` here (metadata is its own schema).
            "metadata": {"type": "object"},
            "spec": spec,
            "status": status,
        },
    }


def crd_manifest(kind: type[Resource]) -> dict[str, Any]:
    info = kind.crd
    singular = kind.__name__.lower()
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": f"{info.plural}.{API_GROUP}",
            "labels": {"app.kubernetes.io/part-of": "vdx-operator"},
        },
        "spec": {
            "group": API_GROUP,
            "scope": info.scope,
            "names": {
                "kind": kind.__name__,
                "listKind": f"{kind.__name__}List",
                "plural": info.plural,
                "singular": singular,
                "shortNames": list(info.short_names),
                "categories": [CATEGORY],
            },
            "versions": [
                {
                    "name": API_VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": info.printer_columns(),
                    "schema": {"openAPIV3Schema": openapi_schema(kind)},
                }
            ],
        },
    }


def editor_json_schema(kind: type[Resource]) -> dict[str, Any]:
    """A JSON Schema of the whole document, for yaml-language-server and other editors."""
    spec, status = _spec_and_status(kind)
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": f"{GROUP_VERSION}/{kind.__name__}",
        "title": kind.__name__,
        "description": kind.crd.description,
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {
                "type": "string",
                "enum": [GROUP_VERSION],
                "description": _API_VERSION_DESCRIPTION,
            },
            "kind": {"type": "string", "enum": [kind.__name__], "description": _KIND_DESCRIPTION},
            "metadata": {
                "type": "object",
                "description": _METADATA_DESCRIPTION,
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "description": "Name of the object."},
                    "namespace": {"type": "string", "description": "Namespace (namespaced kinds only)."},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            },
            "spec": _forbid_unknown(spec),
            "status": status,
        },
    }


def combined_editor_json_schema() -> dict[str, Any]:
    """One schema for a whole GitOps file: it picks the kind's schema by `kind`.

    GitOps files hold several kinds (a Domain next to its TlsCertificate and TurnService), and
    yaml-language-server applies one schema per file to every document in it, so the per-kind
    schemas alone would not do. Other objects (ConfigMaps, Namespaces) pass unchecked.
    """
    branches = []
    for kind in ALL_KINDS:
        schema = editor_json_schema(kind)
        schema.pop("$schema")
        schema.pop("$id")
        branches.append(
            {
                "if": {
                    "properties": {"apiVersion": {"const": GROUP_VERSION}, "kind": {"const": kind.__name__}},
                    "required": ["apiVersion", "kind"],
                },
                "then": schema,
            }
        )
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": f"{GROUP_VERSION}/all",
        "title": "vdx.medcom.dk resources",
        "description": "Any vdx.medcom.dk/v1alpha1 resource, chosen by kind; other objects pass.",
        "type": "object",
        "allOf": branches,
    }


def _forbid_unknown(node: dict[str, Any]) -> dict[str, Any]:
    """Editors should flag typos, which the API server would silently prune."""
    out = dict(node)
    if "properties" in out:
        out["properties"] = {k: _forbid_unknown(v) for k, v in out["properties"].items()}
        out["additionalProperties"] = False
    if isinstance(out.get("items"), dict):
        out["items"] = _forbid_unknown(out["items"])
    return out


def all_files() -> dict[str, str]:
    """Every generated file under `schemas/`, relative path -> content."""
    import json

    from vdx.yamlio import dump_yaml  # local: keeps this module's import light for the API

    files: dict[str, str] = {}
    for kind in ALL_KINDS:
        crd = crd_manifest(kind)
        header = "# Generated by `vdx schemas` from the pydantic models in operator/vdx/api. Do not edit.\n"
        files[f"crds/{API_GROUP}_{kind.crd.plural}.yaml"] = header + dump_yaml(crd)
        files[f"jsonschema/{kind.__name__.lower()}.json"] = (
            json.dumps(editor_json_schema(kind), indent=2, sort_keys=False) + "\n"
        )
    files["jsonschema/all.json"] = json.dumps(combined_editor_json_schema(), indent=2) + "\n"
    # The ValidatingAdmissionPolicies of the platform rules that fit CEL (docs/policies.md).
    from vdx.policies.vap import admission_files

    files.update(admission_files())
    return files

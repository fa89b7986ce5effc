"""`/schema/` documents and API root indices, generated from the same field tables as the engine."""

from __future__ import annotations

from typing import Any

from vdx.pexip.simulator.engine import EngineOptions
from vdx.pexip.simulator.query import ordering_fields
from vdx.pexip.simulator.spec import ALL_SPECS, FieldSpec, ResourceSpec

NO_DEFAULT = "No default provided."


def _field_doc(f: FieldSpec) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "blank": not f.required,
        "default": NO_DEFAULT if f.required or f.readonly else f.default,
        "help_text": f.help_text or _help(f),
        "nullable": f.nullable,
        "readonly": f.readonly,
        "type": f.type,
        "unique": f.unique,
    }
    if f.type == "related":
        doc["related_type"] = "to_many" if f.to_many else "to_one"
    elif f.uri_of is not None:
        # A relation to a collection the simulator does not model: a node documents it as related.
        doc["type"] = "related"
        doc["related_type"] = "to_many" if f.type == "list" else "to_one"
    if f.choices is not None:
        doc["valid_choices"] = [c for c in f.choices if c != ""]
    if f.max_length is not None and f.type == "string":
        doc["max_length"] = f.max_length
    return doc


def _help(f: FieldSpec) -> str:
    if f.type == "related" or f.uri_of is not None:
        if f.to_many or f.type == "list":
            return (
                "Many related resources. Can be either a list of URIs or list of individually nested"
                " resource data."
            )
        return "A single related resource. Can be either a URI or set of nested resource data."
    if f.type == "boolean":
        return "Boolean data. Ex: True"
    if f.secret:
        return "Write-only; never returned."
    return ""


def schema_document(spec: ResourceSpec, options: EngineOptions) -> dict[str, Any]:
    fields = {f.name: _field_doc(f) for f in spec.fields}
    fields[spec.id_field] = {
        "blank": False,
        "default": NO_DEFAULT,
        "help_text": "",
        "nullable": False,
        "readonly": True,
        "type": "integer" if spec.id_kind == "int" else "string",
        "unique": True,
    }
    fields["resource_uri"] = {
        "blank": False,
        "default": NO_DEFAULT,
        "help_text": 'Unicode string data. Ex: "Hello World"',
        "nullable": False,
        "readonly": True,
        "type": "string",
        "unique": False,
    }
    filtering: dict[str, Any] = {f.name: f.filtering for f in spec.fields if f.filtering is not None}
    filtering[spec.id_field] = 1
    return {
        "allowed_detail_http_methods": list(spec.detail_methods),
        "allowed_list_http_methods": list(spec.list_methods),
        "default_format": "application/json",
        "default_limit": options.default_limit,
        "fields": fields,
        "filtering": filtering,
        "ordering": ordering_fields(spec),
    }


def api_index(api: str) -> dict[str, Any]:
    return {
        spec.name: {"list_endpoint": spec.base_path, "schema": f"{spec.base_path}schema/"}
        for spec in ALL_SPECS.values()
        if spec.api == api
    }

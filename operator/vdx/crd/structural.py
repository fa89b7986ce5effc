"""Turn pydantic's JSON Schema into a Kubernetes structural OpenAPI v3 schema.

The API server accepts only structural schemas: no `$ref`, a `type` on every node, no
`additionalProperties` next to `properties`, and `nullable` instead of `null` unions. Optional fields
are simply left out of `required` (the operator never writes nulls), so null branches are dropped.
"""

from __future__ import annotations

from typing import Any

# JSON Schema keywords that carry no meaning for Kubernetes, or that it refuses.
_DROPPED = {"title", "$defs", "examples", "const"}


def structural(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """A structural copy of `schema`, with `$ref`s into `defs` inlined."""
    node = _inline(schema, defs)
    return _clean(node, defs)


def _inline(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Resolve one level of `$ref`, `allOf: [ref]` and `anyOf: [X, null]`, keeping sibling keys.

    Sibling keys (the field's description, default, validations) win over the referenced
    definition's, because they are the more specific statement.
    """
    node = dict(schema)
    if "allOf" in node and len(node["allOf"]) == 1:
        inner = node.pop("allOf")[0]
        node = {**_inline(inner, defs), **node}
    if "$ref" in node:
        name = node.pop("$ref").rsplit("/", 1)[-1]
        target = _inline(defs[name], defs)
        merged = {**target, **node}
        # Both may carry CEL rules: the field's and the type's. Keep both.
        rules = target.get("x-kubernetes-validations", []) + node.get("x-kubernetes-validations", [])
        if rules:
            merged["x-kubernetes-validations"] = rules
        node = merged
    if "anyOf" in node:
        branches = [b for b in node["anyOf"] if b.get("type") != "null"]
        if len(branches) != 1:
            raise ValueError(f"cannot express a union of {len(branches)} types in a structural schema")
        node.pop("anyOf")
        if node.get("default", ...) is None:
            node.pop("default")
        inner = _inline(branches[0], defs)
        merged = {**inner, **node}
        rules = inner.get("x-kubernetes-validations", []) + node.get("x-kubernetes-validations", [])
        if rules:
            merged["x-kubernetes-validations"] = rules
        node = merged
    return node


def _clean(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key == "properties":
            out[key] = {name: _clean(_inline(prop, defs), defs) for name, prop in value.items()}
        elif key == "items":
            out[key] = _clean(_inline(value, defs), defs)
        elif key == "additionalProperties":
            if isinstance(value, dict):
                out[key] = _clean(_inline(value, defs), defs)
            # `false` is how pydantic says extra="forbid"; the API server prunes unknown fields anyway.
        else:
            out[key] = value
    if "properties" in out and "type" not in out:
        out["type"] = "object"
    if "enum" in out and "type" not in out:
        out["type"] = "string"
    if "type" not in out:
        raise ValueError(f"schema node without a type: {sorted(node)}")
    if "properties" in out:
        out.pop("additionalProperties", None)
    return out

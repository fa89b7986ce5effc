"""The base model every resource model derives from, and the rules it carries.

A rule is written once as a `Rule`: its CEL expression goes into the CRD as an
`x-kubernetes-validations` entry (the API server enforces it at admission), and its Python `check`
lets `vdx check` enforce the same thing offline with the same message. Transition rules (those
using `oldSelf`) only make sense on the server, so they carry no Python check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, GetJsonSchemaHandler
from pydantic.alias_generators import to_camel
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema


@dataclass(frozen=True)
class Rule:
    """One validation rule, enforced both by the API server (CEL) and offline (Python)."""

    cel: str
    message: str
    # Where the error points, relative to the object the rule is declared on (".turnServiceRef").
    field_path: str | None = None
    # None: a transition rule that only the API server can evaluate (it needs the old object).
    check: Callable[[Any], bool] | None = None

    def to_crd(self) -> dict[str, str]:
        entry = {"rule": self.cel, "message": self.message}
        if self.field_path:
            entry["fieldPath"] = self.field_path
        return entry


def immutable(field_label: str, why: str) -> dict[str, Any]:
    """JSON-schema extras that make a field immutable once set (a CEL transition rule).

    `why` is part of the message, because "immutable" alone leaves the reader guessing what to do.
    """
    return {
        "x-kubernetes-validations": [
            {"rule": "self == oldSelf", "message": f"{field_label} is immutable: {why}"},
        ]
    }


class VdxModel(BaseModel):
    """Base of every model: camelCase on the wire, unknown fields refused, rules attached."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        use_attribute_docstrings=False,
    )

    object_rules: ClassVar[tuple[Rule, ...]] = ()

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(core_schema)
        target = handler.resolve_ref_schema(json_schema)
        if cls.object_rules:
            target["x-kubernetes-validations"] = [rule.to_crd() for rule in cls.object_rules]
        return json_schema

    def rule_violations(self, path: str = "") -> Iterator[tuple[str, str]]:
        """(field path, message) for every offline-checkable rule this object or a child breaks."""
        for rule in type(self).object_rules:
            if rule.check is not None and not rule.check(self):
                yield (path + (rule.field_path or ""), rule.message)
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            key = field.alias or name
            children: list[tuple[str, Any]]
            if isinstance(value, list):
                children = [(f"{path}.{key}[{i}]", item) for i, item in enumerate(value)]
            elif isinstance(value, dict):
                children = [(f"{path}.{key}.{k}", item) for k, item in value.items()]
            else:
                children = [(f"{path}.{key}", value)]
            for child_path, child in children:
                if isinstance(child, VdxModel):
                    yield from child.rule_violations(child_path)


def described(description: str, **kwargs: Any) -> Any:
    """`Field` with a mandatory description: `kubectl explain` shows it, and a test demands one.

    A nested model built by `default_factory` gets `default: {}` in the schema, so the API server
    fills in its own defaults too and CEL rules can rely on the object being there.
    """
    factory = kwargs.get("default_factory")
    if isinstance(factory, type) and issubclass(factory, BaseModel):
        extra = dict(kwargs.pop("json_schema_extra", None) or {})
        extra.setdefault("default", {})
        kwargs["json_schema_extra"] = extra
    return Field(description=description, **kwargs)

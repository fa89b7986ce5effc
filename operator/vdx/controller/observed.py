"""What the operator keeps of each Pexip object, and how its own writes are folded into it.

Pure functions, no I/O; `vdx.controller.cache` does the listing and `reconcilers.base` the writing.

Memory: a GET embeds related objects whole (spec §1.7), and an embedded object carries its own
to-many lists. A conference's `ivr_theme` thus carries the URI of every room using the theme, so
25 000 rooms held 25 000 copies of lists a few hundred URIs long (about 20 KiB per room, most of
the operator's memory). Embedded objects are kept as references here: their own fields without
their lists. Everything else of the top-level object is kept, so a planner that compares any field
of it still sees what Pexip returned.

Requests: Pexip answers a PATCH with 202 and no body and a POST with 201 and a `Location`.
Rather than a GET after every write (twice the requests at national scale), the operator folds
what it sent into what it last observed, following Pexip's rules: a PATCH is merged over the
stored object and the whole re-validated, so accepted means stored as sent; references are
written as URIs but some come back embedded; write-only secrets never come back; a created
object has the server's defaults (the models' defaults mirror them) for whatever was not sent,
and fields the server derives (a certificate's parsed dates, a theme's layouts) stay at their
defaults until the next list. What cannot be folded (a nested create, a reference to something
the operator has not seen) returns None, and the caller reads the object back. Every resync
lists each type again and replaces all of it with what Pexip really holds, so drift detection
never depends on a fold.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from vdx.pexip.models import PexipModel
from vdx.pexip.resources import WRITE_ONLY_FIELDS, Kind

M = TypeVar("M", bound=PexipModel)
Resolve = Callable[[str], PexipModel | None]
Shape = tuple[Literal["one", "many"], type[PexipModel]]


@cache
def embedded_fields(model: type[PexipModel]) -> dict[str, Shape]:
    """The fields a GET returns as embedded objects (one, or a list): typed with a model."""
    shapes: dict[str, Shape] = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        origin = get_origin(annotation)
        if origin is list:
            (item,) = get_args(annotation) or (Any,)
            if isinstance(item, type) and issubclass(item, PexipModel):
                shapes[name] = ("many", item)
        elif origin in (Union, types.UnionType):
            models = [a for a in get_args(annotation) if isinstance(a, type) and issubclass(a, PexipModel)]
            if models:
                shapes[name] = ("one", models[0])
        elif isinstance(annotation, type) and issubclass(annotation, PexipModel):
            shapes[name] = ("one", annotation)
    return shapes


@cache
def _list_fields(model: type[PexipModel]) -> frozenset[str]:
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if get_origin(info.annotation) is list or info.annotation is list
    )


def _reference_values(model: type[PexipModel], raw: Mapping[str, Any]) -> dict[str, Any]:
    """An embedded object's own fields, without its lists and without fields the model does not know."""
    lists = _list_fields(model)
    keep = {k: v for k, v in raw.items() if (k in model.model_fields and k not in lists)}
    keep["resource_uri"] = raw.get("resource_uri") or ""
    return keep


def slim_raw(model: type[PexipModel], raw: Mapping[str, Any]) -> dict[str, Any]:
    """A GET shape with its embedded objects reduced to references (see the module docstring)."""
    out = dict(raw)
    for name, (shape, target) in embedded_fields(model).items():
        value = raw.get(name)
        if shape == "one" and isinstance(value, Mapping):
            out[name] = _reference_values(target, value)
        elif shape == "many" and isinstance(value, list):
            out[name] = [_reference_values(target, v) if isinstance(v, Mapping) else v for v in value]
    return out


def drop_embedded_lists(obj: dict[str, Any]) -> dict[str, Any]:
    """A `json.loads` object hook for list pages: the lists of embedded objects go as soon as they
    are decoded, instead of a page's worth of them (500 rooms' copies of their theme's room list,
    25 MiB) existing until the page is done. The same lists `slim_raw` drops, decided without the
    models: an object inside another object is embedded; the list envelope's objects are not.
    """
    if "objects" in obj and "meta" in obj:
        return obj
    for value in obj.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                for key in [k for k, v in item.items() if isinstance(v, list)]:
                    del item[key]
    return obj


class Decoder:
    """The `json.loads` object hook the cache lists with: `drop_embedded_lists`, and one shared
    instance of each short string value.

    Rooms repeat the same values (`never`, `default`, `no_hosts`, their theme's URI and name, an
    alias's room URI equal to the room's own), each a separate string once decoded; sharing them
    saves about a kilobyte per room. The table only deduplicates: it is emptied when it grows past
    `max_entries` (names and URIs of churning objects) and nothing depends on its content.
    """

    def __init__(self, max_length: int = 64, max_entries: int = 200_000) -> None:
        self.max_length = max_length
        self.max_entries = max_entries
        self._shared: dict[str, str] = {}

    def __call__(self, obj: dict[str, Any]) -> dict[str, Any]:
        obj = drop_embedded_lists(obj)
        if len(self._shared) > self.max_entries:
            self._shared.clear()
        shared = self._shared
        for key, value in obj.items():
            if isinstance(value, str) and len(value) <= self.max_length:
                obj[key] = shared.setdefault(value, value)
        return obj


def slim(obj: M) -> M:
    """The same object with its embedded objects reduced to references; `obj` if there are none."""
    shapes = embedded_fields(type(obj))
    if not any(_has_lists(getattr(obj, name, None)) for name in shapes):
        return obj
    raw = {**obj.__dict__, **(obj.__pydantic_extra__ or {})}
    for name, (shape, target) in shapes.items():
        value = raw.get(name)
        if shape == "one" and isinstance(value, PexipModel):
            raw[name] = target.model_validate(_reference_values(target, _values(value)))
        elif shape == "many" and isinstance(value, list):
            raw[name] = [
                target.model_validate(_reference_values(target, _values(v)))
                if isinstance(v, PexipModel)
                else v
                for v in value
            ]
    return type(obj).model_validate(raw)


def _values(obj: PexipModel) -> dict[str, Any]:
    return {**obj.__dict__, **(obj.__pydantic_extra__ or {})}


def _has_lists(value: Any) -> bool:
    items = value if isinstance(value, list) else [value]
    return any(
        isinstance(item, PexipModel) and any(getattr(item, name, None) for name in _list_fields(type(item)))
        for item in items
    )


# One set of field names per model, shared by every cached object of it (see `compact`).
_SHARED_FIELD_SETS: dict[type[PexipModel], set[str]] = {}


def compact(obj: M) -> M:
    """`obj`, and the objects it embeds, sharing one set of given field names per model.

    pydantic keeps, per instance, the set of field names present at validation: 2 KiB for a
    conference, a third of what a cached room costs. Only `exclude_unset` dumps read it, and
    nothing does that with observed objects (equality ignores it), so cached objects share one
    set per model holding every name any of them was given.
    """
    shared = _SHARED_FIELD_SETS.setdefault(type(obj), set())
    own = obj.__pydantic_fields_set__
    if own is not shared:
        shared.update(own)
        object.__setattr__(obj, "__pydantic_fields_set__", shared)
    for name in embedded_fields(type(obj)):
        value = obj.__dict__.get(name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, PexipModel):
                compact(item)
    return obj


def observe(model: type[M], raw: Mapping[str, Any]) -> M:
    """A listed object as the cache keeps it: slim and compact."""
    return compact(model.model_validate(slim_raw(model, raw)))


def _object_id(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _blank(annotation: Any) -> Any:
    """A placeholder for a required field of a reference nothing better is known of."""
    if annotation is str:
        return ""
    if annotation is int:
        return 0
    if annotation is bool:
        return False
    return None


def reference(model: type[PexipModel], uri: str, resolve: Resolve) -> PexipModel:
    """What a GET would embed for a written URI: the operator's copy of that object, as a reference;
    without a copy, a reference that knows only its URI and id (all planners compare references by
    URI)."""
    known = resolve(uri)
    if isinstance(known, model):
        return model.model_validate(_reference_values(model, _values(known)))
    values: dict[str, Any] = {"resource_uri": uri}
    object_id = _object_id(uri)
    for name, info in model.model_fields.items():
        if name in ("id", "uuid") and name not in values:
            values[name] = int(object_id) if info.annotation is int and object_id.isdigit() else object_id
        elif info.is_required() and name not in values:
            values[name] = _blank(info.annotation)
    return model.model_construct(**values)


def _fold_value(model: type[PexipModel], name: str, value: Any, resolve: Resolve) -> tuple[bool, Any]:
    """(foldable, the value a GET would show) for one written field."""
    shape = embedded_fields(model).get(name)
    if shape is None:
        return True, value
    kind, target = shape
    if kind == "one":
        if value is None:
            return True, None
        if isinstance(value, str):
            return True, reference(target, value, resolve)
        return False, None  # a nested object: what the server made of it is unknown
    if value is None:
        return True, []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return True, [reference(target, v, resolve) for v in value]
    return False, None


def _written(kind: Kind[Any], payload: Mapping[str, Any], resolve: Resolve) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    for name, value in payload.items():
        if name in WRITE_ONLY_FIELDS or name == kind.file_field:
            continue  # write-only: Pexip never shows them, so neither does the operator's copy
        if name in ("id", "resource_uri"):
            continue  # read-only, ignored by Pexip
        foldable, shown = _fold_value(kind.model, name, value, resolve)
        if not foldable:
            return None
        values[name] = shown
    return values


def fold_update(
    kind: Kind[M], previous: PexipModel, payload: Mapping[str, Any], resolve: Resolve
) -> M | None:
    """`previous` after an accepted PATCH of `payload`; None when the result cannot be known."""
    written = _written(kind, payload, resolve)
    if written is None or not isinstance(previous, kind.model):
        return None
    return kind.model.model_validate({**_values(previous), **written})


def fold_create(
    kind: Kind[M], uri: str, object_id: str, payload: Mapping[str, Any], resolve: Resolve
) -> M | None:
    """The object an accepted POST of `payload` made at `uri`; None when it cannot be known.

    Fields not sent take the model's defaults, which mirror Pexip's (spec §2); fields the server
    derives (parsed certificate fields, a theme's layouts, timestamps) are unknown until the next list.
    """
    written = _written(kind, payload, resolve)
    if written is None:
        return None
    id_field = kind.id_field
    id_value: Any = object_id
    if kind.model.model_fields[id_field].annotation is int:
        if not object_id.isdigit():
            return None
        id_value = int(object_id)
    try:
        return kind.model.model_validate({**written, id_field: id_value, "resource_uri": uri})
    except ValueError:
        return None  # a required field the server fills: read it back

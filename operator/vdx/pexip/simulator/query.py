"""List-query semantics of a Tastypie resource: filters, lookups, ordering, paging (spec §1.4-1.6).

Pure functions over already-resolved values; the engine supplies a `resolve(row, path)` callback
that walks relations, so this module knows nothing about storage.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from vdx.pexip.simulator.spec import ALL_WITH_RELATIONS, FieldSpec, ResourceSpec

LOOKUPS = frozenset(
    {
        "exact",
        "iexact",
        "contains",
        "icontains",
        "startswith",
        "istartswith",
        "endswith",
        "iendswith",
        "regex",
        "iregex",
        "lt",
        "lte",
        "gt",
        "gte",
        "in",
        "range",
        "isnull",
    }
)
RESERVED = frozenset({"limit", "offset", "order_by", "format", "username", "api_key"})


class QueryError(ValueError):
    """A framework-level 400 (`{"error": ...}`)."""


@dataclass(frozen=True)
class Filter:
    path: tuple[FieldSpec, ...]
    lookup: str
    raw: str


def parse_datetime(value: str) -> datetime:
    """Accept naive `YYYY-MM-DDTHH:MM:SS[.ffffff]` (UTC) and, leniently, a `Z` or offset suffix."""
    text = value.strip().replace(" ", "T")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def coerce(field: FieldSpec | None, raw: str) -> Any:
    if raw in ("none", "None", "nil"):
        return None
    kind = field.type if field else "string"
    if kind == "boolean":
        if raw in ("true", "True", "1"):
            return True
        if raw in ("false", "False", "0"):
            return False
        raise QueryError(f"Invalid boolean value for filter on '{field.name if field else ''}'.")
    if kind == "integer" or (kind == "related" and raw.isdigit()):
        try:
            return int(raw)
        except ValueError:
            raise QueryError("Invalid integer value in filter.") from None
    if kind == "float":
        try:
            return float(raw)
        except ValueError:
            raise QueryError("Invalid number in filter.") from None
    if kind == "datetime":
        try:
            return parse_datetime(raw)
        except ValueError:
            raise QueryError("Invalid datetime in filter; use YYYY-MM-DDTHH:MM:SS.") from None
    if kind == "related":
        # Accept a resource URI as well as a primary key (spec §1.5: unclear which Pexip takes).
        parts = [p for p in raw.split("/") if p]
        return int(parts[-1]) if parts and parts[-1].isdigit() else (parts[-1] if parts else raw)
    return raw


def parse_filters(
    spec: ResourceSpec, params: Sequence[tuple[str, str]], specs: dict[str, ResourceSpec]
) -> list[Filter]:
    """Turn query params into filters; unknown fields are silently ignored, as Tastypie does."""
    out: list[Filter] = []
    for key, raw in params:
        if key in RESERVED:
            continue
        bits = key.split("__")
        lookup = "exact"
        if len(bits) > 1 and bits[-1] in LOOKUPS:
            lookup = bits.pop()
        current = spec
        path: list[FieldSpec] = []
        known = True
        for depth, name in enumerate(bits):
            field = current.by_name.get(name)
            if field is None and name == current.id_field:
                field = FieldSpec(name, "integer" if current.id_kind == "int" else "string")
            if field is None:
                known = False
                break
            if field.filtering is None:
                raise QueryError(f"The '{name}' field does not allow filtering.")
            path.append(field)
            if depth < len(bits) - 1:
                if field.type != "related" or field.filtering != ALL_WITH_RELATIONS or not field.target:
                    raise QueryError(
                        f"Lookups are not allowed more than one level deep on the '{name}' field."
                    )
                current = specs[field.target]
        if known and path:
            out.append(Filter(tuple(path), lookup, raw))
    return out


def _cmp_text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else str(value)


def matches(values: Iterable[Any], flt: Filter) -> bool:
    """True when any of `values` (several for to-many paths) satisfies the lookup."""
    field = flt.path[-1]
    lookup = flt.lookup
    if lookup == "isnull":
        want_null = flt.raw in ("true", "True", "1")
        vals = list(values)
        return (not vals or all(v is None for v in vals)) == want_null
    if lookup == "in":
        wanted = [coerce(field, p) for p in flt.raw.split(",")]
        return any(v in wanted for v in values)
    if lookup == "range":
        lo_raw, _, hi_raw = flt.raw.partition(",")
        lo, hi = coerce(field, lo_raw), coerce(field, hi_raw)
        return any(v is not None and lo <= v <= hi for v in values)
    if lookup in ("lt", "lte", "gt", "gte", "exact"):
        wanted = coerce(field, flt.raw)
        for v in values:
            if lookup == "exact" and v == wanted:
                return True
            if v is None or wanted is None or lookup == "exact":
                continue
            try:
                if (
                    (lookup == "lt" and v < wanted)
                    or (lookup == "lte" and v <= wanted)
                    or (lookup == "gt" and v > wanted)
                    or (lookup == "gte" and v >= wanted)
                ):
                    return True
            except TypeError:
                raise QueryError(f"Invalid value for '{field.name}__{lookup}'.") from None
        return False
    insensitive = lookup.startswith("i")
    base = lookup[1:] if insensitive else lookup
    needle = flt.raw.lower() if insensitive else flt.raw
    for v in values:
        hay = _cmp_text(v)
        hay = hay.lower() if insensitive else hay
        if base == "exact" and hay == needle:
            return True
        if base == "contains" and needle in hay:
            return True
        if base == "startswith" and hay.startswith(needle):
            return True
        if base == "endswith" and hay.endswith(needle):
            return True
        if base == "regex":
            try:
                if re.search(flt.raw, _cmp_text(v), re.IGNORECASE if insensitive else 0):
                    return True
            except re.error:
                raise QueryError("Invalid regular expression in filter.") from None
    return False


def parse_ordering(spec: ResourceSpec, params: Sequence[tuple[str, str]]) -> list[tuple[str, bool]]:
    """`order_by` values as (field, descending); fields outside the schema's `ordering` are 400."""
    allowed = set(ordering_fields(spec))
    out: list[tuple[str, bool]] = []
    for key, raw in params:
        if key != "order_by":
            continue
        desc = raw.startswith("-")
        name = raw[1:] if desc else raw
        if name not in allowed:
            raise QueryError(f"No matching '{name}' field for ordering on.")
        out.append((name, desc))
    return out


def ordering_fields(spec: ResourceSpec) -> list[str]:
    return [spec.id_field] + [
        f.name for f in spec.fields if f.orderable and not f.secret and f.type not in ("related", "list")
    ]


def sort_rows(
    rows: list[dict[str, Any]], order: list[tuple[str, bool]], id_field: str
) -> list[dict[str, Any]]:
    """Stable multi-key sort; nulls sort first ascending, as in PostgreSQL's DESC NULLS FIRST mirror."""
    result = sorted(rows, key=lambda r: _sort_key(r.get(id_field)))
    for name, desc in reversed(order):
        result.sort(key=_key_for(name), reverse=desc)
    return result


def in_id_order(ids: list[Any]) -> list[Any]:
    """`ids` in the order `sort_rows` gives their rows when no ordering is asked for. Ids of one
    type (int, or str for uuids) sort natively as `_sort_key` sorts them, and tables are kept in id
    order by their inserts, so this is mostly a check at C speed rather than a sort."""
    try:
        return sorted(ids)
    except TypeError:
        return sorted(ids, key=_sort_key)


def _key_for(name: str) -> Callable[[dict[str, Any]], tuple[int, Any]]:
    return lambda row: _sort_key(row.get(name))


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float):
        return (1, value)
    if isinstance(value, datetime):
        return (2, value.isoformat())
    return (3, str(value))


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def parse_page(params: Sequence[tuple[str, str]], default_limit: int, max_limit: int) -> Page:
    values = dict(params)
    try:
        limit = int(values.get("limit", default_limit))
        offset = int(values.get("offset", 0))
    except ValueError:
        raise QueryError("Invalid limit or offset provided. Please provide a positive integer.") from None
    if limit < 0:
        raise QueryError("Invalid limit provided. Please provide a positive integer >= 0.")
    if offset < 0:
        raise QueryError("Invalid offset provided. Please provide a positive integer >= 0.")
    if limit == 0 or limit > max_limit:
        limit = max_limit
    return Page(limit, offset)


def page_meta(path: str, params: Sequence[tuple[str, str]], page: Page, total: int) -> dict[str, Any]:
    """Tastypie's `meta`, with `next`/`previous` as host-relative paths keeping the filters."""
    kept = [(k, v) for k, v in params if k not in ("limit", "offset")]

    def link(offset: int) -> str:
        return f"{path}?{urlencode([*kept, ('limit', str(page.limit)), ('offset', str(offset))])}"

    nxt = link(page.offset + page.limit) if page.offset + page.limit < total else None
    prev = link(max(page.offset - page.limit, 0)) if page.offset > 0 else None
    return {"limit": page.limit, "next": nxt, "offset": page.offset, "previous": prev, "total_count": total}


Resolver = Callable[[dict[str, Any], tuple[FieldSpec, ...]], list[Any]]

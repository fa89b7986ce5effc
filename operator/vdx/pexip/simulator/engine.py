"""The simulator's data engine: storage, validation, write semantics, rendering and deletes.

Everything here is synchronous and guarded by one lock, so the same engine can serve an in-process
ASGI transport and a uvicorn thread without event-loop affinity. Rows are kept in an internal
form (related objects as ids, secrets in clear) and rendered into Pexip's mixed GET shapes only
on the way out.
"""

from __future__ import annotations

import ipaddress
import re
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from vdx.pexip.simulator import query
from vdx.pexip.simulator.certs import CertificateError, check_private_key, parse_certificate
from vdx.pexip.simulator.packages import PackageError, validate_branding, validate_theme
from vdx.pexip.simulator.spec import ALL_SPECS, FieldSpec, ResourceSpec, key_of

PIN_RE = re.compile(r"^[0-9]+#?$")
URI_RE = re.compile(r"^(?:https?://[^/]+)?/api/admin/(configuration|status|history)/v1/([a-z_]+)/([^/]+)/$")


# Deferred side effects of a delete, run only once every check has passed.
Plan = list[Callable[[], object]]


class ApiError(Exception):
    """An HTTP error response the handler turns into JSON (or an empty body when `body` is None)."""

    def __init__(self, status: int, body: Any = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def field_error(resource: str, errors: Mapping[str, list[str]]) -> ApiError:
    return ApiError(400, {resource: dict(errors)})


def flat_error(message: str) -> ApiError:
    return ApiError(400, {"error": message})


@dataclass
class EngineOptions:
    """Choices where the spec is silent (recorded in docs/pexip-simulator.md)."""

    default_limit: int = 20
    max_limit: int = 10_000
    alias_case_insensitive: bool = True
    protect_referenced: bool = True
    secret_rendering: Literal["omit", "blank"] = "omit"  # noqa: S105 - a mode, not a secret
    version: str = "41.0"


@dataclass
class UploadedFile:
    filename: str
    data: bytes


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Engine:
    options: EngineOptions = field(default_factory=EngineOptions)
    clock: Callable[[], datetime] = utcnow
    lock: threading.RLock = field(default_factory=threading.RLock)
    tables: dict[str, dict[Any, dict[str, Any]]] = field(default_factory=dict)
    next_ids: dict[str, int] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    # Reverse-relation indexes, valid only while one read holds the lock (see list_objects).
    _memo: dict[tuple[str, str], dict[Any, list[Any]]] | None = None
    # Write counters per table, and reverse indexes kept while their table is unchanged: without
    # them every single GET of a conference scanned every alias, which made a national-size
    # store (25 000 rooms) answer in tens of milliseconds of CPU per request.
    _versions: dict[str, int] = field(default_factory=dict)
    _reverse_cache: dict[tuple[str, str], tuple[int, dict[Any, list[Any]]]] = field(default_factory=dict)
    # Unique-value indexes ((table, field) -> (table version, value -> ids)), kept in step by the
    # engine's own writes and rebuilt after anything else touches the table: without them each
    # create scanned the whole table, and seeding a national-size store took minutes.
    _unique_cache: dict[tuple[str, str], tuple[int, dict[str, set[Any]]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key in ALL_SPECS:
            self.tables.setdefault(key, {})
            self.next_ids.setdefault(key, 1)

    # ------------------------------------------------------------------ helpers
    def spec(self, key: str) -> ResourceSpec:
        return ALL_SPECS[key]

    def new_id(self, spec: ResourceSpec) -> Any:
        if spec.id_kind == "uuid":
            return str(uuid.uuid4())
        key = key_of(spec)
        value = self.next_ids[key]
        self.next_ids[key] = value + 1
        return value

    def insert(self, key: str, row: dict[str, Any], object_id: Any = None) -> Any:
        """Store a row as-is (seeding, history); ids stay monotonic even when supplied."""
        spec = self.spec(key)
        if object_id is None:
            object_id = self.new_id(spec)
        elif spec.id_kind == "int":
            self.next_ids[key] = max(self.next_ids[key], int(object_id) + 1)
        full = {f.name: _copy_default(f) for f in spec.fields if f.reverse_of is None}
        full.update(row)
        full[spec.id_field] = object_id
        previous = self.tables[key].get(object_id)
        self.tables[key][object_id] = full
        self._stored(key, object_id, previous, full)
        return object_id

    def resolve_uri(self, field_spec: FieldSpec, value: Any) -> Any:
        """Turn a written reference into a stored id; framework-level errors use the flat shape."""
        assert field_spec.target is not None
        target = self.spec(field_spec.target)
        if not isinstance(value, str):
            raise flat_error(
                f"The '{field_spec.name}' field was given data that was not a URI, not a dictionary-alike"
                " and does not have a 'pk' attribute."
            )
        m = URI_RE.match(value)
        if not m or m.group(1) != target.api or m.group(2) != target.name:
            raise flat_error(f"Could not find the provided object via resource URI '{value}'.")
        raw_id: Any = m.group(3)
        if target.id_kind == "int":
            if not raw_id.isdigit():
                raise flat_error(f"Could not find the provided object via resource URI '{value}'.")
            raw_id = int(raw_id)
        if raw_id not in self.tables[field_spec.target]:
            raise flat_error(f"Could not find the provided object via resource URI '{value}'.")
        return raw_id

    # ------------------------------------------------------------------ rendering
    def render(self, key: str, row: dict[str, Any], nested: bool = False) -> dict[str, Any]:
        spec = self.spec(key)
        oid = row[spec.id_field]
        out: dict[str, Any] = {spec.id_field: oid}
        for f in spec.fields:
            if f.secret:
                if self.options.secret_rendering == "blank":  # noqa: S105
                    out[f.name] = ""
                continue
            if f.type == "related":
                out[f.name] = self._render_related(key, spec, f, row, nested)
            elif f.type == "file":
                out[f.name] = row.get(f.name)
            else:
                out[f.name] = _render_scalar(row.get(f.name))
        out["resource_uri"] = spec.uri(oid)
        return out

    def _related_ids(self, key: str, spec: ResourceSpec, f: FieldSpec, row: dict[str, Any]) -> list[Any]:
        assert f.target is not None
        if f.reverse_of is None:
            value = row.get(f.name)
            if f.to_many:
                return list(value or [])
            return [] if value is None else [value]
        index = self._reverse_index(f.target, f.reverse_of)
        ids = list(index.get(row[spec.id_field], ()))
        return sorted(ids, key=query._sort_key)

    def touched(self, *keys: str) -> None:
        """Note a write to these tables: reverse indexes built over them are stale now."""
        for key in keys:
            self._versions[key] = self._versions.get(key, 0) + 1

    def _stored(self, key: str, object_id: Any, previous: dict[str, Any] | None, row: dict[str, Any]) -> None:
        """Note one row written by the engine: bump the table's version, keep unique indexes in step."""
        before = self._versions.get(key, 0)
        self.touched(key)
        for (table, name), (version, index) in self._unique_cache.items():
            if table != key or version != before:
                continue
            old = self._unique_norm(key, previous.get(name)) if previous is not None else None
            if old is not None:
                index.get(old, set()).discard(object_id)
            new = self._unique_norm(key, row.get(name))
            if new is not None:
                index.setdefault(new, set()).add(object_id)
            self._unique_cache[(table, name)] = (self._versions[key], index)

    def _unique_norm(self, key: str, value: Any) -> str | None:
        if not isinstance(value, str):
            return None
        fold = key == "conference_alias" and self.options.alias_case_insensitive
        return value.lower() if fold else value

    def _unique_index(self, key: str, name: str) -> dict[str, set[Any]]:
        version = self._versions.get(key, 0)
        cached = self._unique_cache.get((key, name))
        if cached is not None and cached[0] == version:
            return cached[1]
        index: dict[str, set[Any]] = {}
        for oid, row in self.tables[key].items():
            norm = self._unique_norm(key, row.get(name))
            if norm is not None:
                index.setdefault(norm, set()).add(oid)
        self._unique_cache[(key, name)] = (version, index)
        return index

    def invalidate(self) -> None:
        """Forget every cached index (after deletes and state loads, which touch many tables)."""
        self._reverse_cache.clear()
        for key in self.tables:
            self.touched(key)

    def _reverse_index(self, target: str, field_name: str) -> dict[Any, list[Any]]:
        """Which target rows point at each id through `field_name`, kept while `target` is unchanged."""
        memo_key = (target, field_name)
        if self._memo is not None and memo_key in self._memo:
            return self._memo[memo_key]
        version = self._versions.get(target, 0)
        cached = self._reverse_cache.get(memo_key)
        if cached is not None and cached[0] == version:
            return cached[1]
        to_many = self.spec(target).by_name[field_name].to_many
        index: dict[Any, list[Any]] = {}
        for tid, trow in self.tables[target].items():
            ref = trow.get(field_name)
            for value in (ref or []) if to_many else ([] if ref is None else [ref]):
                index.setdefault(value, []).append(tid)
        if self._memo is not None:
            self._memo[memo_key] = index
        self._reverse_cache[memo_key] = (version, index)
        return index

    def _render_related(
        self, key: str, spec: ResourceSpec, f: FieldSpec, row: dict[str, Any], nested: bool
    ) -> Any:
        assert f.target is not None
        target = self.spec(f.target)
        ids = self._related_ids(key, spec, f, row)
        expand = "uri" if nested else f.expand
        rendered: list[Any] = []
        for tid in ids:
            trow = self.tables[f.target].get(tid)
            if trow is None:
                continue
            if expand == "uri":
                rendered.append(target.uri(tid))
            elif expand == "stub":
                rendered.append({"resource_uri": target.uri(tid)})
            else:
                obj = self.render(f.target, trow, nested=True)
                if expand == "embed_no_uri":
                    obj["resource_uri"] = ""
                rendered.append(obj)
        if f.to_many:
            return rendered
        return rendered[0] if rendered else None

    # ------------------------------------------------------------------ reads
    def list_objects(self, key: str, params: Sequence[tuple[str, str]], path: str) -> dict[str, Any]:
        spec = self.spec(key)
        with self.lock:
            self._memo = {}
            try:
                filters = query.parse_filters(spec, params, ALL_SPECS)
                order = query.parse_ordering(spec, params)
                page = query.parse_page(params, self.options.default_limit, self.options.max_limit)
                table = self.tables[key]
                if not filters and not order:
                    # The plain listing every client pages through: by id, without filtering and
                    # sorting every row for each page (25 000 rooms took 30 ms a page, and the
                    # node's lock held every other request that long).
                    ids = query.in_id_order(list(table))
                    total = len(ids)
                    chunk = [table[i] for i in ids[page.offset : page.offset + page.limit]]
                else:
                    rows = [
                        r
                        for r in table.values()
                        if all(query.matches(self._path_values(key, r, flt.path), flt) for flt in filters)
                    ]
                    rows = query.sort_rows(rows, order, spec.id_field)
                    total = len(rows)
                    chunk = rows[page.offset : page.offset + page.limit]
                objects = [self.render(key, r) for r in chunk]
            except query.QueryError as exc:
                raise flat_error(str(exc)) from None
            finally:
                self._memo = None
            return {"meta": query.page_meta(path, params, page, total), "objects": objects}

    def _path_values(self, key: str, row: dict[str, Any], path: tuple[FieldSpec, ...]) -> list[Any]:
        spec = self.spec(key)
        f = path[0]
        if f.name == spec.id_field and f.name not in spec.by_name:
            return [row[spec.id_field]]
        if f.type != "related":
            return [row.get(f.name)]
        ids = self._related_ids(key, spec, f, row)
        if len(path) == 1:
            return ids or [None]
        assert f.target is not None
        out: list[Any] = []
        for tid in ids:
            trow = self.tables[f.target].get(tid)
            if trow is not None:
                out.extend(self._path_values(f.target, trow, path[1:]))
        return out

    def get(self, key: str, object_id: Any) -> dict[str, Any]:
        with self.lock:
            row = self.tables[key].get(object_id)
            if row is None:
                raise ApiError(404)
            return self.render(key, row)

    # ------------------------------------------------------------------ writes
    def create(self, key: str, body: Mapping[str, Any], uploads: Mapping[str, UploadedFile]) -> Any:
        spec = self.spec(key)
        with self.lock:
            row = {f.name: _copy_default(f) for f in spec.fields if f.reverse_of is None}
            if spec.id_kind == "uuid":
                row[spec.id_field] = str(uuid.uuid4())
            plan = self._apply_input(spec, row, body, uploads, creating=True)
            self._validate(spec, row, None, plan)
            oid = row[spec.id_field] if spec.id_kind == "uuid" else self.new_id(spec)
            row[spec.id_field] = oid
            now = self.clock()
            for ts in ("creation_time", "last_updated"):
                if ts in spec.by_name:
                    row[ts] = now
            if "uuid" in spec.by_name and not row.get("uuid"):
                row["uuid"] = str(uuid.uuid4())
            self._commit(spec, row, plan)
            return oid

    def update(
        self, key: str, object_id: Any, body: Mapping[str, Any], uploads: Mapping[str, UploadedFile]
    ) -> None:
        spec = self.spec(key)
        with self.lock:
            current = self.tables[key].get(object_id)
            if current is None:
                raise ApiError(404)
            if key == "ivr_theme" and current.get("name") == "Base theme":
                raise flat_error("The Base theme cannot be modified.")
            row = dict(current)
            plan = self._apply_input(spec, row, body, uploads, creating=False)
            self._validate(spec, row, current, plan)
            if "last_updated" in spec.by_name:
                row["last_updated"] = self.clock()
            self._commit(spec, row, plan)

    def delete(self, key: str, object_id: Any) -> None:
        with self.lock:
            if object_id not in self.tables[key]:
                raise ApiError(404)
            row = self.tables[key][object_id]
            if key == "webapp_branding" and row.get("is_default"):
                raise flat_error("Default web app brandings cannot be deleted.")
            if key == "ivr_theme" and row.get("name") == "Base theme":
                raise flat_error("The Base theme cannot be deleted.")
            if key == "tls_certificate" and row.get("nodes"):
                raise flat_error("This certificate is in use by one or more nodes and cannot be deleted.")
            plan: Plan = []
            self._plan_delete(key, object_id, plan, set())
            for step in plan:
                step()
            self.invalidate()

    def delete_all(self, key: str) -> None:
        with self.lock:
            for oid in list(self.tables[key]):
                if oid in self.tables[key]:
                    self.delete(key, oid)

    def _plan_delete(self, key: str, object_id: Any, plan: Plan, seen: set[Any]) -> None:
        if (key, object_id) in seen:
            return
        seen.add((key, object_id))
        for other_key, other in ALL_SPECS.items():
            for f in other.fields:
                if f.type != "related" or f.target != key or f.reverse_of is not None:
                    continue
                for oid, orow in list(self.tables[other_key].items()):
                    ref = orow.get(f.name)
                    if f.to_many:
                        if object_id in (ref or []):
                            plan.append(_m2m_remover(orow, f.name, object_id))
                        continue
                    if ref != object_id:
                        continue
                    if f.on_delete == "cascade":
                        self._plan_delete(other_key, oid, plan, seen)
                    elif f.on_delete == "protect" and self.options.protect_referenced:
                        raise flat_error(
                            f"Cannot delete this {self.spec(key).verbose_name}: it is referenced by"
                            f" {other.verbose_name} {other.uri(oid)} ({f.name})."
                        )
                    else:
                        plan.append(_setter(orow, f.name, None))
        table = self.tables[key]
        plan.append(lambda: table.pop(object_id, None))
        if key in ("ivr_theme", "webapp_branding"):
            plan.append(lambda: self.files.pop(f"{key}/{object_id}", None))

    # ------------------------------------------------------------------ input handling
    def _apply_input(
        self,
        spec: ResourceSpec,
        row: dict[str, Any],
        body: Mapping[str, Any],
        uploads: Mapping[str, UploadedFile],
        creating: bool,
    ) -> WritePlan:
        plan = WritePlan()
        errors: dict[str, list[str]] = {}
        for name, value in body.items():
            f = spec.by_name.get(name)
            if f is None or f.readonly or f.type == "file":
                continue  # unknown and read-only keys are ignored (spec §5.2)
            try:
                if f.type == "related":
                    self._apply_related(spec, f, row, value, plan)
                elif f.uri_of is not None:
                    row[name] = _foreign_uris(f, value)
                else:
                    row[name] = _coerce(f, value)
            except _FieldProblem as exc:
                errors.setdefault(name, []).append(str(exc))
        if spec.file_field:
            upload = uploads.get(spec.file_field)
            if upload is not None:
                if spec.name == "webapp_branding" and not creating:
                    raise ApiError(400, {"branding_file": ["The branding file cannot be changed."]})
                plan.upload = upload
        if errors:
            raise field_error(spec.name, errors)
        return plan

    def _apply_related(
        self, spec: ResourceSpec, f: FieldSpec, row: dict[str, Any], value: Any, plan: WritePlan
    ) -> None:
        if not f.to_many:
            if value is None:
                row[f.name] = None
                return
            if isinstance(value, dict):
                raise flat_error(f"The '{f.name}' field must be given as a resource URI.")
            row[f.name] = self.resolve_uri(f, value)
            return
        if value is None:
            if f.reverse_of is not None and f.name == "aliases":
                return  # `aliases: null` leaves existing aliases alone (spec §1.9)
            value = []
        if not isinstance(value, list):
            raise flat_error(f"The '{f.name}' field must be a list of resource URIs.")
        ids: list[Any] = []
        for item in value:
            if isinstance(item, dict) and spec.name == "conference" and f.name == "aliases":
                if item.get("resource_uri"):
                    ids.append(self.resolve_uri(f, item["resource_uri"]))
                else:
                    plan.nested_aliases.append(dict(item))
                continue
            ids.append(self.resolve_uri(f, item))
        if f.reverse_of is None:
            row[f.name] = list(dict.fromkeys(ids))
        else:
            plan.reverse[f.name] = list(dict.fromkeys(ids))

    # ------------------------------------------------------------------ validation
    def _validate(
        self, spec: ResourceSpec, row: dict[str, Any], current: dict[str, Any] | None, plan: WritePlan
    ) -> None:
        key = key_of(spec)
        errors: dict[str, list[str]] = {}

        def add(name: str, message: str) -> None:
            errors.setdefault(name, []).append(message)

        for f in spec.fields:
            if f.readonly or f.reverse_of is not None or f.type == "file":
                continue
            value = row.get(f.name)
            if f.required and (value is None or value == "" or value == []):
                add(f.name, "This field is required.")
                continue
            if value is None:
                if not f.nullable and f.type != "related" and f.default is not None:
                    add(f.name, "This field cannot be null.")
                continue
            if f.type == "string" and isinstance(value, str):
                if f.max_length is not None and len(value) > f.max_length:
                    add(
                        f.name,
                        f"Ensure this value has at most {f.max_length} characters (it has {len(value)}).",
                    )
                if f.min_length is not None and 0 < len(value) < f.min_length:
                    add(
                        f.name,
                        f"Ensure this value has at least {f.min_length} characters (it has {len(value)}).",
                    )
                if f.choices is not None and value not in f.choices and not (f.nullable and value == ""):
                    shown = "***" if f.secret else value
                    add(f.name, f"Value '{shown}' is not a valid choice.")
            if f.type in ("integer", "float") and isinstance(value, int | float):
                if f.minimum is not None and value < f.minimum:
                    add(f.name, f"Ensure this value is greater than or equal to {int(f.minimum)}.")
                if f.maximum is not None and value > f.maximum:
                    add(f.name, f"Ensure this value is less than or equal to {int(f.maximum)}.")
            if (
                f.unique
                and isinstance(value, str)
                and self._is_taken(key, f.name, value, row.get(spec.id_field))
            ):
                label = f.name.replace("_", " ").capitalize()
                add(f.name, f"{spec.verbose_name} with this {label} already exists.")
        rule = _RULES.get(key)
        if rule is not None:
            rule(self, row, current, add)
        if errors:
            raise field_error(spec.name, errors)
        self._validate_nested_aliases(plan)
        if key in ("tls_certificate", "ca_certificate"):
            self._parse_certificate(key, row, current)
        if plan.upload is not None:
            try:
                if key == "webapp_branding":
                    validate_branding(plan.upload.data, str(row.get("webapp_type")))
                else:
                    row.update(validate_theme(plan.upload.data))
            except PackageError as exc:
                raise ApiError(400, exc.errors) from None
        elif key == "webapp_branding" and current is None:
            raise ApiError(400, {"branding_file": ["No file was submitted."]})

    def _validate_nested_aliases(self, plan: WritePlan) -> None:
        seen: set[str] = set()
        for item in plan.nested_aliases:
            alias = item.get("alias")
            if not isinstance(alias, str) or not alias:
                raise field_error("conference_alias", {"alias": ["This field is required."]})
            norm = alias.lower() if self.options.alias_case_insensitive else alias
            if norm in seen or self._is_taken("conference_alias", "alias", alias, None):
                raise field_error("conference_alias", {"alias": ["Alias with this Alias already exists."]})
            if len(alias) > 250:
                raise field_error(
                    "conference_alias", {"alias": ["Ensure this value has at most 250 characters."]}
                )
            seen.add(norm)

    def _is_taken(self, key: str, name: str, value: str, own_id: Any) -> bool:
        stored = self.tables[key].get(own_id) if own_id is not None else None
        if stored is not None and stored.get(name) == value:
            return False  # unchanged by this write: it was unique when stored, and still is
        wanted = self._unique_norm(key, value)
        holders = self._unique_index(key, name).get(wanted or "", set())
        return any(oid != own_id for oid in holders)

    def _parse_certificate(self, key: str, row: dict[str, Any], current: dict[str, Any] | None) -> None:
        spec = self.spec(key)
        try:
            parsed = parse_certificate(str(row["certificate"]), with_tls_fields=key == "tls_certificate")
            if key == "tls_certificate":
                check_private_key(
                    parsed.certificate,
                    str(row.get("private_key") or ""),
                    str(row.get("private_key_passphrase") or ""),
                )
        except CertificateError as exc:
            raise field_error(spec.name, exc.errors) from None
        row.update(parsed.fields)

    # ------------------------------------------------------------------ commit
    def _commit(self, spec: ResourceSpec, row: dict[str, Any], plan: WritePlan) -> None:
        key = key_of(spec)
        oid = row[spec.id_field]
        if plan.upload is not None and spec.file_field:
            self.files[f"{key}/{oid}"] = plan.upload.data
            row[spec.file_field] = plan.upload.filename
        if key == "webapp_alias" and row.get("is_default"):
            for other_id, other in self.tables[key].items():
                if other_id != oid:
                    other["is_default"] = False
        previous = self.tables[key].get(oid)
        self.tables[key][oid] = row
        self._stored(key, oid, previous, row)
        for name, ids in plan.reverse.items():
            f = spec.by_name[name]
            assert f.target is not None
            assert f.reverse_of is not None
            self._write_reverse(f, oid, ids, new=previous is None)
        for item in plan.nested_aliases:
            self.insert(
                "conference_alias",
                {
                    "alias": item["alias"],
                    "description": str(item.get("description") or ""),
                    "conference": oid,
                    "creation_time": self.clock(),
                },
            )

    def _write_reverse(self, f: FieldSpec, oid: Any, ids: list[Any], new: bool = False) -> None:
        assert f.target is not None
        assert f.reverse_of is not None
        target_field = self.spec(f.target).by_name[f.reverse_of]
        table = self.tables[f.target]
        wanted = set(ids)
        # Nothing points at a new object yet (ids are never reused): only the rows it names change.
        # Scanning the whole table here made every conference create O(aliases).
        rows = [(tid, table[tid]) for tid in ids if tid in table] if new else list(table.items())
        if not rows:
            return
        self.touched(f.target)
        for tid, trow in rows:
            ref = trow.get(f.reverse_of)
            if target_field.to_many:
                refs = list(ref or [])
                if tid in wanted and oid not in refs:
                    trow[f.reverse_of] = [*refs, oid]
                elif tid not in wanted and oid in refs:
                    trow[f.reverse_of] = [r for r in refs if r != oid]
            elif tid in wanted:
                trow[f.reverse_of] = oid
            elif ref == oid:
                if target_field.nullable:
                    trow[f.reverse_of] = None
                else:
                    plan: Plan = []
                    self._plan_delete(f.target, tid, plan, set())
                    for step in plan:
                        step()


@dataclass
class WritePlan:
    """Side effects decided during input handling and applied only after validation passes."""

    reverse: dict[str, list[Any]] = field(default_factory=dict)
    nested_aliases: list[dict[str, Any]] = field(default_factory=list)
    upload: UploadedFile | None = None


class _FieldProblem(ValueError):
    pass


def _copy_default(f: FieldSpec) -> Any:
    return list(f.default) if isinstance(f.default, list) else f.default


def _m2m_remover(row: dict[str, Any], name: str, object_id: Any) -> Callable[[], object]:
    return lambda: row.__setitem__(name, [r for r in (row.get(name) or []) if r != object_id])


def _setter(row: dict[str, Any], name: str, value: Any) -> Callable[[], object]:
    return lambda: row.__setitem__(name, value)


def _foreign_uris(f: FieldSpec, value: Any) -> Any:
    """A reference to a collection the simulator does not model: checked for shape, kept as sent."""
    assert f.uri_of is not None
    pattern = re.compile(rf"^(?:https?://[^/]+)?/api/admin/configuration/v1/{re.escape(f.uri_of)}/[0-9]+/$")

    def one(item: Any) -> str:
        if not isinstance(item, str):
            raise flat_error(
                f"The '{f.name}' field was given data that was not a URI, not a dictionary-alike"
                " and does not have a 'pk' attribute."
            )
        if not pattern.match(item):
            raise flat_error(f"Could not find the provided object via resource URI '{item}'.")
        return item

    if f.type == "list":
        if value is None and f.nullable:
            return None
        if not isinstance(value, list):
            raise _FieldProblem("Expected a list.")
        return [one(item) for item in value]
    if value is None:
        if f.nullable:
            return None
        raise _FieldProblem("This field cannot be null.")
    return one(value)


def _render_scalar(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [dict(v) if isinstance(v, dict) else v for v in value]
    return value


def _coerce(f: FieldSpec, value: Any) -> Any:
    """Django-form-like coercion; multipart parts arrive as strings, JSON as native types."""
    if value is None:
        if f.nullable or (f.type == "string" and f.default is None):
            return None
        raise _FieldProblem("This field cannot be null.")
    if f.type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "on", "off"):
            return value.lower() in ("true", "1", "on")
        raise _FieldProblem("'value' must be either True or False.")
    if f.type == "integer":
        if isinstance(value, bool):
            raise _FieldProblem("Enter a whole number.")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        if isinstance(value, str) and value == "" and f.nullable:
            return None
        raise _FieldProblem("Enter a whole number.")
    if f.type == "float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise _FieldProblem("Enter a number.")
    if f.type == "list":
        if not isinstance(value, list):
            raise _FieldProblem("Expected a list.")
        return value
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _FieldProblem("Enter a valid value.")


# ---------------------------------------------------------------------- cross-field rules
Adder = Callable[[str, str], None]


def _global(engine: Engine) -> dict[str, Any]:
    return next(iter(engine.tables["global"].values()), {})


def _conference_rules(engine: Engine, row: dict[str, Any], current: Any, add: Adder) -> None:
    min_len = int(_global(engine).get("min_pin_length") or 4)
    pins: dict[str, str] = {}
    for name in ("pin", "guest_pin"):
        pin = row.get(name) or ""
        if not pin:
            continue
        if not PIN_RE.match(pin):
            add(name, "PIN must contain only digits, optionally followed by '#'.")
            continue
        digits = len(pin.rstrip("#"))
        if digits < max(4, min_len) or len(pin) > 20:
            add(name, f"PIN must be between {max(4, min_len)} and 20 digits long.")
        pins[name] = pin.rstrip("#")
    if row.get("guest_pin") and not row.get("pin"):
        add("guest_pin", "A Guest PIN can only be set when a Host PIN is also set.")
    if pins.get("pin") and pins.get("pin") == pins.get("guest_pin"):
        add("guest_pin", "Host PIN and Guest PIN must be different.")
    if row.get("allow_guests") and not row.get("pin"):
        add("allow_guests", "A Host PIN is required when Guests are allowed.")
    if row.get("breakout_rooms") and not _global(engine).get("enable_breakout_rooms"):
        add("breakout_rooms", "Breakout rooms must be enabled in global settings first.")
    if row.get("service_type") == "lecture" and row.get("host_view") == "five_mains_seven_pips":
        add("host_view", "This layout is not available for Virtual Auditoriums.")


def _turn_rules(engine: Engine, row: dict[str, Any], current: Any, add: Adder) -> None:
    if row.get("server_type") == "coturn_shared" and not row.get("secret_key"):
        add("secret_key", "A shared secret is required for a coturn shared-secret TURN server.")


def _registration_rules(engine: Engine, row: dict[str, Any], current: Any, add: Adder) -> None:
    for prefix in ("adaptive", "maximum", "natted"):
        lo, hi = row.get(f"{prefix}_min_refresh"), row.get(f"{prefix}_max_refresh")
        if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
            add(f"{prefix}_max_refresh", "The maximum refresh must not be lower than the minimum.")


def _global_rules(engine: Engine, row: dict[str, Any], current: Any, add: Adder) -> None:
    for kind, gap in (("media", 99), ("signalling", 0)):
        lo, hi = row.get(f"{kind}_ports_start"), row.get(f"{kind}_ports_end")
        if isinstance(lo, int) and isinstance(hi, int) and hi - lo < gap:
            add(f"{kind}_ports_end", f"The {kind} port range is too small.")


def _location_rules(engine: Engine, row: dict[str, Any], current: Any, add: Adder) -> None:
    own = row.get("id")
    for name in ("transcoding_location", "overflow_location1", "overflow_location2"):
        if own is not None and row.get(name) == own:
            add(name, "A location cannot refer to itself.")


def _webapp_alias_rules(engine: Engine, row: dict[str, Any], current: Any, add: Adder) -> None:
    if not re.fullmatch(r"[A-Za-z0-9_-]+", str(row.get("slug") or "")):
        add("slug", "Enter a valid path: letters, numbers, underscores or hyphens.")
    branding_id = row.get("branding")
    if branding_id is not None:
        branding = engine.tables["webapp_branding"].get(branding_id)
        if branding and branding.get("webapp_type") != row.get("webapp_type"):
            add("branding", "The branding is for a different web app type.")


def _branding_rules(engine: Engine, row: dict[str, Any], current: Any, add: Adder) -> None:
    if current is not None and row.get("webapp_type") != current.get("webapp_type"):
        add("webapp_type", "The web app type of a branding cannot be changed.")


def _adp_rules(engine: Engine, row: dict[str, Any], current: Any, add: Adder) -> None:
    alias = str(row.get("alias") or "")
    if row.get("protocol") == "rtmp" and not alias.startswith(("rtmp://", "rtmps://")):
        add("alias", "RTMP participants need an rtmp:// or rtmps:// alias.")


def _worker_rules(engine: Engine, row: dict[str, Any], current: Any, add: Adder) -> None:
    checks: tuple[tuple[tuple[str, ...], Callable[[str], object], str], ...] = (
        (
            ("address", "netmask", "gateway", "static_nat_address", "secondary_address", "secondary_netmask"),
            ipaddress.IPv4Address,
            "Enter a valid IPv4 address.",
        ),
        (("ipv6_address", "ipv6_gateway"), ipaddress.IPv6Address, "Enter a valid IPv6 address."),
    )
    for names, parse, message in checks:
        for name in names:
            value = row.get(name)
            if not value:
                continue  # "" and null: whether it is required is checked with every field
            try:
                parse(str(value))
            except ValueError:
                add(name, message)


CALENDAR_SOURCES = ("exchange_deployment", "google_deployment", "graph_deployment")


def _otj_profile_rules(engine: Engine, row: dict[str, Any], current: Any, add: Adder) -> None:
    """A One-Touch Join profile reads one calendar: Exchange, Google Workspace or Microsoft 365."""
    chosen = [name for name in CALENDAR_SOURCES if row.get(name) is not None]
    if len(chosen) > 1:
        for name in chosen:
            add(
                name, f"Only one of {', '.join(CALENDAR_SOURCES)} may be set; this profile has {len(chosen)}."
            )


def _exchange_connector_rules(engine: Engine, row: dict[str, Any], current: Any, add: Adder) -> None:
    value = row.get("uuid")
    if value:
        try:
            uuid.UUID(str(value))
        except ValueError:
            add("uuid", "Enter a valid UUID.")
    elif current is not None:
        add("uuid", "This field cannot be blank.")


def _exchange_domain_rules(engine: Engine, row: dict[str, Any], current: Any, add: Adder) -> None:
    """A domain is listed once per integration (compared without case, as DNS does)."""
    domain = str(row.get("domain") or "").lower()
    own, connector = row.get("id"), row.get("exchange_connector")
    for oid, other in engine.tables["exchange_domain"].items():
        if (
            oid != own
            and other.get("exchange_connector") == connector
            and str(other.get("domain")).lower() == domain
        ):
            add("domain", "Exchange Metadata Domain with this Domain and Exchange connector already exists.")
            return


_RULES: dict[str, Callable[[Engine, dict[str, Any], Any, Adder], None]] = {
    "worker_vm": _worker_rules,
    "conference": _conference_rules,
    "turn_server": _turn_rules,
    "registration": _registration_rules,
    "global": _global_rules,
    "system_location": _location_rules,
    "webapp_alias": _webapp_alias_rules,
    "webapp_branding": _branding_rules,
    "automatic_participant": _adp_rules,
    "mjx_integration": _otj_profile_rules,
    "ms_exchange_connector": _exchange_connector_rules,
    "exchange_domain": _exchange_domain_rules,
}

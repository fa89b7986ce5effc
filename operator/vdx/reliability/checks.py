"""After the faults: what the Pexip node holds against what the resources say. Pure functions.

Duplicates are found by each object type's unique key (the certificate's PEM for tls_certificate,
which has no name); orphans are objects carrying the operator's marker that no resource claims;
losses are objects a resource claims that Pexip no longer has, and objects made by others (seeded
before the campaign) that disappeared.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

UNIQUE_KEYS: dict[str, str] = {
    "turn_server": "name",
    "conference": "name",
    "system_location": "name",
    "device": "alias",
    "ivr_theme": "name",
    "webapp_branding": "name",
    "webapp_alias": "slug",
    "tls_certificate": "certificate",
}

Tables = Mapping[str, Mapping[Any, Mapping[str, Any]]]


@dataclass
class StateCheck:
    duplicates: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    lost_foreign: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.duplicates or self.orphans or self.missing or self.lost_foreign)


def duplicates(tables: Tables) -> list[str]:
    found: list[str] = []
    for table, key in UNIQUE_KEYS.items():
        counts = Counter(str(row.get(key, "")).strip() for row in tables.get(table, {}).values())
        found += [f"{table} {value[:60]!r} x{n}" for value, n in counts.items() if n > 1 and value]
    return sorted(found)


def is_ours(table: str, row: Mapping[str, Any], foreign: Mapping[str, set[str]]) -> bool:
    """The operator's marker or name prefix (ARCHITECTURE.md, 'Custom resources and the Pexip objects').

    A tls_certificate has no free-text field: every certificate the node did not hold before the
    operator started is the operator's.
    """
    if table == "tls_certificate":
        return str(row.get("certificate", "")).strip() not in foreign.get(table, set())
    if table == "ivr_theme":
        return str(row.get("name", "")).startswith("vdx:")
    return str(row.get("description", "")).startswith("[vdx:")


def claimed_uris(resources: Iterable[Mapping[str, Any]]) -> set[tuple[str, str]]:
    """(table, id) of every Pexip object a resource's status lists."""
    claimed: set[tuple[str, str]] = set()
    for obj in resources:
        status = obj.get("status") or {}
        for entry in status.get("pexipObjects") or []:
            parts = [p for p in str(entry.get("resourceUri", "")).split("/") if p]
            if len(parts) >= 2:
                claimed.add((parts[-2], parts[-1]))
    return claimed


def check_state(
    tables: Tables, resources: Iterable[Mapping[str, Any]], foreign_before: Mapping[str, set[str]]
) -> StateCheck:
    """`foreign_before`: table -> unique-key values of objects others made before the campaign."""
    result = StateCheck(duplicates=duplicates(tables))
    resources = list(resources)
    claimed = claimed_uris(resources)
    present = {(table, str(oid)) for table, rows in tables.items() for oid in rows}
    for table, rows in tables.items():
        for oid, row in rows.items():
            if is_ours(table, row, foreign_before) and (table, str(oid)) not in claimed:
                owner = _owner(row, resources)
                result.orphans.append(f"{table}/{oid} {str(row.get('name', ''))[:60]!r} ({owner})")
    result.missing = sorted(f"{t}/{i}" for t, i in claimed - present)
    for table, values in foreign_before.items():
        key = UNIQUE_KEYS[table]
        now = {str(row.get(key, "")).strip() for row in tables.get(table, {}).values()}
        result.lost_foreign += sorted(f"{table} {v[:60]!r}" for v in values - now)
    return result


def _owner(row: Mapping[str, Any], resources: list[Mapping[str, Any]]) -> str:
    """What the marker names, and whether that resource still exists: the first clue to an orphan."""
    description = str(row.get("description", ""))
    if not description.startswith("[vdx:"):
        return "no marker"
    marker = description[5 : description.find("]")]
    kind, _, rest = marker.partition("/")
    namespace, _, name = rest.partition("/")
    for obj in resources:
        meta = obj.get("metadata") or {}
        if obj.get("kind") == kind and meta.get("namespace") == namespace and meta.get("name") == name:
            listed = [e.get("resourceUri") for e in (obj.get("status") or {}).get("pexipObjects") or []]
            deleting = " being deleted" if meta.get("deletionTimestamp") else ""
            return f"{marker} exists{deleting}, its status lists {listed}"
    return f"{marker} no longer exists"


def foreign_objects(tables: Tables) -> dict[str, set[str]]:
    """Unique keys of everything on the node now (taken before the operator starts)."""
    return {
        table: {str(row.get(key, "")).strip() for row in tables.get(table, {}).values()}
        for table, key in UNIQUE_KEYS.items()
        if table in ("conference", "system_location", "device", "tls_certificate")
    }

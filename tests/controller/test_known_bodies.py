"""The runtime's bodies by key, and by kind and namespace without a scan: every way of changing them keeps
all three in step."""

from __future__ import annotations

import random
from typing import Any

import pytest

from vdx.controller.context import Key
from vdx.controller.known import KnownBodies

KINDS = ("Domain", "Tenant", "TurnService")


def by_scan(known: dict[Key, dict[str, Any]], kind: str) -> list[tuple[Key, dict[str, Any]]]:
    return sorted(((k, b) for k, b in known.items() if k[0] == kind), key=lambda kb: str(kb[0]))


def by_namespace_scan(
    known: dict[Key, dict[str, Any]], namespace: str | None
) -> list[tuple[Key, dict[str, Any]]]:
    return sorted(((k, b) for k, b in known.items() if k[1] == namespace), key=lambda kb: str(kb[0]))


NAMESPACES = ("a", "b", None)


def test_the_index_matches_a_scan_after_any_sequence_of_changes() -> None:
    rng = random.Random(7)
    known = KnownBodies()
    keys: list[Key] = [(kind, ns, f"n{i}") for kind in KINDS for ns in NAMESPACES for i in range(4)]
    for step in range(2000):
        key = rng.choice(keys)
        action = rng.randrange(7)
        if action <= 1:
            known[key] = {"step": step}
        elif action == 2:
            known.pop(key, None)
        elif action == 3 and key in known:
            del known[key]
        elif action == 4:
            known.setdefault(key, {"step": step})
        elif action == 5:
            known.update({rng.choice(keys): {"step": step}})
        elif known and rng.random() < 0.05:
            known.popitem()
        for kind in KINDS:
            assert sorted(known.of_kind(kind), key=lambda kb: str(kb[0])) == by_scan(known, kind)
        for namespace in NAMESPACES:
            found = sorted(known.of_namespace(namespace), key=lambda kb: str(kb[0]))
            assert found == by_namespace_scan(known, namespace)
    known.clear()
    assert all(known.of_kind(kind) == [] for kind in KINDS)
    assert all(known.of_namespace(namespace) == [] for namespace in NAMESPACES)


def test_it_behaves_as_a_dict() -> None:
    key: Key = ("Domain", "ns", "a")
    known = KnownBodies({key: {"a": 1}})
    assert known[key] == {"a": 1}
    assert dict(known) == {key: {"a": 1}}
    assert known.pop(("Domain", "ns", "missing"), None) is None
    with pytest.raises(KeyError):
        known.pop(("Domain", "ns", "missing"))
    assert known.pop(key) == {"a": 1}
    assert known.of_kind("Domain") == []


def test_of_kind_is_a_copy_safe_to_change_the_bodies_while_iterating() -> None:
    known = KnownBodies({("Domain", "ns", f"d{i}"): {} for i in range(3)})
    for key, _ in known.of_kind("Domain"):
        known.pop(key)
        known[("Tenant", None, key[2])] = {}
    assert known.of_kind("Domain") == []
    assert len(known.of_kind("Tenant")) == 3

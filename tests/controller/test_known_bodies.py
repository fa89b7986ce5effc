"""The runtime's bodies by key, and by kind without a scan: every way of changing them keeps both in step."""

from __future__ import annotations

import random
from typing import Any

import pytest

from vdx.controller.context import Key
from vdx.controller.known import KnownBodies

KINDS = ("Domain", "Tenant", "TurnService")


def by_scan(known: dict[Key, dict[str, Any]], kind: str) -> list[tuple[Key, dict[str, Any]]]:
    return sorted(((k, b) for k, b in known.items() if k[0] == kind), key=lambda kb: str(kb[0]))


def test_the_index_matches_a_scan_after_any_sequence_of_changes() -> None:
    rng = random.Random(7)
    known = KnownBodies()
    keys: list[Key] = [(kind, "ns", f"n{i}") for kind in KINDS for i in range(6)]
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
    known.clear()
    assert all(known.of_kind(kind) == [] for kind in KINDS)


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

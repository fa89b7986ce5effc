"""The survivors of a full collection are frozen, so the next one walks only what is new; a cycle
frozen while alive and dropped later is freed by the next rescan, not kept for ever."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from vdx.controller import collector
from vdx.controller.collector import SurvivorFreeze
from vdx.controller.metrics import OperatorMetrics


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Node:
    """A container that can sit in a reference cycle."""

    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture
def policy() -> Iterator[tuple[SurvivorFreeze, Clock]]:
    clock = Clock()
    gc.collect()  # nothing pending: the tests' own collections are the first the policy sees
    installed = SurvivorFreeze(rescan_seconds=600.0, min_frozen=0, clock=clock)
    installed.install()
    try:
        yield installed, clock
    finally:
        installed.uninstall()
    assert gc.get_freeze_count() == 0


def test_a_full_collection_freezes_its_survivors_and_the_next_walks_only_what_is_new(
    policy: tuple[SurvivorFreeze, Clock],
) -> None:
    installed, _ = policy
    kept = [Node() for _ in range(1000)]
    gc.collect()
    frozen = gc.get_freeze_count()
    assert frozen >= len(kept)
    figures = installed.figures()
    assert figures.collections[2] >= 1
    assert figures.seconds[2] > 0
    assert 0 < figures.frozen <= frozen + 1000  # counted when it was frozen (some freed since)
    assert figures.rescans == 0


def test_a_small_heap_is_not_frozen() -> None:
    """Below `min_frozen` survivors a full collection is cheap, and frozen cycles would only hold
    memory: the heap stays as Python keeps it."""
    small = SurvivorFreeze(min_frozen=10**9)
    small.install()
    try:
        gc.collect()
        assert gc.get_freeze_count() == 0
        assert small.figures().collections[2] >= 1
    finally:
        small.uninstall()


def test_a_heap_that_grows_past_min_frozen_is_frozen_from_then_on() -> None:
    gc.collect()
    start = len(gc.get_objects())
    growing = SurvivorFreeze(min_frozen=start + 50_000)
    growing.install()
    try:
        gc.collect()
        assert gc.get_freeze_count() == 0
        kept = [Node() for _ in range(100_000)]
        gc.collect()
        assert gc.get_freeze_count() >= start + 50_000
        assert growing.figures().frozen >= start + 50_000
        del kept
    finally:
        growing.uninstall()


def test_an_unreferenced_frozen_object_is_still_freed_by_its_reference_count(
    policy: tuple[SurvivorFreeze, Clock],
) -> None:
    """What the cache's rooms are: replaced by a write, freed at once, frozen or not."""
    node = Node()
    gone = weakref.ref(node)
    gc.collect()
    del node
    assert gone() is None


def test_a_frozen_cycle_dropped_later_waits_for_the_next_rescan_only(
    policy: tuple[SurvivorFreeze, Clock],
) -> None:
    installed, clock = policy
    first, second = Node(), Node()
    first.other, second.other = second, first
    gone = weakref.ref(first)
    gc.collect()  # both survive, and are frozen
    del first, second
    gc.collect()
    assert gone() is not None  # frozen: not walked
    clock.now = 599.0
    gc.collect()
    assert gone() is not None
    clock.now = 600.0
    gc.collect()  # unfreezes first, then walks everything
    assert gone() is None
    assert installed.figures().rescans == 1
    assert gc.get_freeze_count() > 0  # this collection's survivors are frozen again


def test_the_figures_are_exported_as_metrics_and_zero_where_nothing_is_installed(
    policy: tuple[SurvivorFreeze, Clock], monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = OperatorMetrics().registry
    monkeypatch.setattr(collector, "_installed", None)
    assert registry.get_sample_value("vdx_gc_collection_seconds_total", {"generation": "2"}) == 0.0
    assert registry.get_sample_value("vdx_gc_frozen_objects") == 0.0
    monkeypatch.setattr(collector, "_installed", policy[0])
    gc.collect()
    assert (registry.get_sample_value("vdx_gc_collection_seconds_total", {"generation": "2"}) or 0) > 0
    assert (registry.get_sample_value("vdx_gc_frozen_objects") or 0) > 0
    assert registry.get_sample_value("vdx_gc_rescans_total") == 0.0


def test_no_rescan_while_nothing_is_frozen_and_none_right_after_a_first_freeze() -> None:
    """The rescan frees cycles frozen while alive: a small heap has none, and a heap frozen whole
    just now was walked whole by that very collection."""
    clock = Clock()
    policy = SurvivorFreeze(rescan_seconds=600.0, min_frozen=10**9, clock=clock)
    policy.install()
    try:
        clock.now = 700.0
        gc.collect()
        assert policy.figures().rescans == 0
        policy.min_frozen = 0
        gc.collect()  # frozen whole now
        clock.now = 1200.0  # 500 s after the freeze
        gc.collect()
        assert policy.figures().rescans == 0
        clock.now = 1300.0
        gc.collect()
        assert policy.figures().rescans == 1
    finally:
        policy.uninstall()

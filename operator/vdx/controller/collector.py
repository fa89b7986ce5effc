"""Python's cyclic garbage collector, told what the operator's heap looks like.

At national size the operator holds about half a million container objects for as long as it
runs: the observed copy of 25 000 rooms and 10 000 devices, kopf's and the cache's indexes. A full
(generation 2) collection walks all of them, about 175 ms on the event loop, each time the objects
that survived since the last one reach a quarter of those. A cold start rewrites every room, so it
made 17 full collections (3.5 s), and each kept the five Pexip requests in flight from being
followed by the next for as long as it lasted.

What survives a full collection is, nearly all of it, what the operator keeps: walking it again
finds nothing to free. So after each full collection its survivors are frozen (`gc.freeze`): the
collector no longer walks them, and the next full collection walks only what survived since. A
frozen object that is no longer referenced is still freed at once by its reference count, as the
cache's rooms are when a write or a resync replaces them. Only a frozen object that becomes garbage
inside a reference cycle is not, until it is unfrozen: so every `rescan_seconds` the next full
collection begins by unfreezing everything and walks the whole heap, as an untuned process does, and
such cycles live that long at most. The thresholds stay Python's, which decide how soon cyclic
garbage is found: raising them instead doubled the steady state's memory (issue 24, twelfth pass).

Only a large heap is frozen (`min_frozen` survivors): a small platform's (a few hundred Pexip
objects; 100 000 objects after the imports) is walked in a few tens of milliseconds, and frozen it
held the cycles its cold start left behind: 8-16 MiB more after the first resync, against a target
of 140 MiB.

Installed for the process by `vdx operator run`, not by `run_operator`, which tests run inside
pytest's process. The figures (time in collections per generation) are exported as metrics either
way: zero where nothing is installed.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FULL = 2  # the oldest generation: a full collection
GENERATIONS = 3
RESCAN_SECONDS = 600.0
# Survivors from which freezing pays: a full collection of this many objects takes about 90 ms.
MIN_FROZEN = 250_000


@dataclass(frozen=True)
class Figures:
    """Collections and the seconds they took, per generation, since the policy was installed."""

    seconds: tuple[float, ...] = (0.0,) * GENERATIONS
    collections: tuple[int, ...] = (0,) * GENERATIONS
    rescans: int = 0
    frozen: int = 0  # what the last full collection of the whole heap froze (0: nothing frozen)


@dataclass
class SurvivorFreeze:
    """The `gc.callbacks` entry that freezes a full collection's survivors, and times collections.

    A callback runs in whichever thread allocated when the collection began (the event loop, a
    worker thread), holding the GIL throughout; it takes no lock, since a collection may begin
    while its own thread holds any lock."""

    rescan_seconds: float = RESCAN_SECONDS
    min_frozen: int = MIN_FROZEN
    clock: Callable[[], float] = time.monotonic
    _seconds: list[float] = field(default_factory=lambda: [0.0] * GENERATIONS)
    _collections: list[int] = field(default_factory=lambda: [0] * GENERATIONS)
    _rescans: int = 0
    _started: float = 0.0
    _last_rescan: float = 0.0
    _frozen: bool = False  # until the next rescan; counting what is frozen walks it
    _frozen_count: int = 0  # counted when it was frozen whole (the first time, after each rescan)

    def __post_init__(self) -> None:
        self._last_rescan = self.clock()

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        generation = int(info.get("generation", 0))
        if phase == "start":
            if (
                generation == FULL
                and self._frozen
                and self.clock() - self._last_rescan >= self.rescan_seconds
            ):
                # This collection walks everything again, and frees the cycles frozen meanwhile.
                gc.unfreeze()
                self._frozen, self._frozen_count = False, 0
                self._last_rescan = self.clock()
                self._rescans += 1
            self._started = time.perf_counter()
            return
        self._seconds[generation] += time.perf_counter() - self._started
        self._collections[generation] += 1
        if generation == FULL:
            gc.freeze()
            if not self._frozen:
                count = gc.get_freeze_count()
                if count >= self.min_frozen:
                    self._frozen, self._frozen_count = True, count
                    self._last_rescan = self.clock()  # this collection walked it whole
                else:
                    gc.unfreeze()  # a small heap: walked as Python walks it

    def figures(self) -> Figures:
        # Not `gc.get_freeze_count()`: it walks every frozen object, on the event loop of a scrape.
        return Figures(tuple(self._seconds), tuple(self._collections), self._rescans, self._frozen_count)

    def install(self) -> None:
        if self not in gc.callbacks:
            gc.callbacks.append(self)

    def uninstall(self) -> None:
        """Take the callback out and give the collector back every frozen object."""
        if self in gc.callbacks:
            gc.callbacks.remove(self)
        gc.unfreeze()


_installed: SurvivorFreeze | None = None


def freeze_survivors(rescan_seconds: float = RESCAN_SECONDS, min_frozen: int = MIN_FROZEN) -> SurvivorFreeze:
    """Install the process's one `SurvivorFreeze` (again: the one installed)."""
    global _installed
    if _installed is None:
        _installed = SurvivorFreeze(rescan_seconds, min_frozen)
        _installed.install()
    return _installed


def figures() -> Figures:
    """The installed policy's figures; zeros where none is installed."""
    return _installed.figures() if _installed is not None else Figures()

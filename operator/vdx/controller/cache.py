"""The observed Pexip state of one platform, shared by every reconcile on it.

Filled by paginated lists (one per resource type, on first use and at each resync; the first with
several pages in flight) and kept current
by the operator's own writes. A reconcile reads only from here, so the cost of steady state is one
list per type per resync interval, whatever the number of resources.

Objects are held as slim projections (`vdx.controller.observed`), and a resync replaces them one by
one as its pages arrive instead of building a second full copy beside the first. Writes are folded
in from what was sent (no read-back); the resync that follows corrects anything a fold got wrong.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from vdx.controller import observed
from vdx.pexip.client import PexipClient
from vdx.pexip.models import PexipModel
from vdx.pexip.resources import Kind

M = TypeVar("M", bound=PexipModel)
T = TypeVar("T")
NEVER = float("-inf")


def kind_label_of(uri: str) -> str | None:
    """`configuration/conference` for `/api/admin/configuration/v1/conference/12/`."""
    parts = [p for p in uri.split("/") if p]
    if len(parts) < 5 or parts[0] != "api" or parts[1] != "admin":
        return None
    return f"{parts[2]}/{parts[4]}"


class FirstListing:
    """A type's first listing while it runs: what it has read so far, for a reader that can act on
    part of a type instead of waiting for all of it (a Tenant writes its rooms as their pages
    arrive; at national size the whole listing ends 40 s into a cold start).

    The objects read so far are the table the listing fills, which the operator's own writes fold
    into as well: a room written from an early page is held as written when the listing ends, so
    the decision over the whole type finds it in line instead of writing it again.
    """

    def __init__(self, table: dict[str, PexipModel]) -> None:
        self.table = table
        self.order: list[str] = []  # URIs in the order they were read (or written), each once
        self._ordered: set[str] = set()
        self.done = False
        self._more = asyncio.Event()
        self._views: dict[str, tuple[int, Any]] = {}

    def _arrived(self, uri: str) -> None:
        if uri not in self._ordered:
            self._ordered.add(uri)
            self.order.append(uri)
            self._more.set()

    def _end(self) -> None:
        self.done = True
        self._more.set()

    async def wait(self, count: int) -> None:
        """Until at least `count` objects have been read, or the listing has ended."""
        while len(self.order) < count and not self.done:
            self._more.clear()
            await self._more.wait()

    def view(self, name: str, start: Callable[[], T], step: Callable[[T, list[PexipModel]], None]) -> T:
        """An index over the objects read so far, shared by every reader and advanced by `step`
        over only what arrived since it was last asked: 124 Tenants finding their rooms among the
        pages read so far must not each scan every room on every page."""
        position, state = self._views.get(name, (0, None))
        if state is None:
            state = start()
        if position < len(self.order):
            table = self.table
            step(state, [table[uri] for uri in self.order[position:] if uri in table])
        self._views[name] = (len(self.order), state)
        value: T = state
        return value


class PexipCache:
    def __init__(self, client: PexipClient) -> None:
        self._client = client
        self._objects: dict[str, dict[str, PexipModel]] = {}
        self._listed_at: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._kinds: dict[str, Kind[Any]] = {}
        # Per type, URI -> when the operator last wrote it; a list that started before then is
        # older news. Per type, so a list's clean-up walks only its own type's writes (one dict for
        # all was 25 000 room URIs walked for every type of every resync).
        self._written_at: dict[str, dict[str, float]] = {}
        # Per type: a counter that moves whenever an object is added or removed, or one of the
        # fields a derived index reads changes; and what was derived at which count (`derived`).
        self._generation: dict[str, int] = {}
        self._index_fields: dict[str, set[str]] = {}
        self._decoder = observed.Decoder()
        self._write_locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._derived: dict[tuple[str, str], tuple[int, Any]] = {}
        self._first: dict[str, FirstListing] = {}
        # Per type: the table of a first listing that failed part-way. Writes still in flight fold
        # into it (not read back: 25 000 room writes could each cost a GET), and the next first
        # listing starts from it; what that listing does not see is dropped at its end as usual.
        self._unfinished: dict[str, dict[str, PexipModel]] = {}

    @property
    def first_listing_pages_in_flight(self) -> int:
        """Pages of a type's first listing requested at once: all of the platform's request slots
        but one, which stays for the writes and a person's change. Everything waits for a first
        listing (25 000 rooms are 250 pages), so it should not trickle through one slot while the
        others idle; a resync later reads one page at a time, as it competes with the writes
        for the budget."""
        return max(1, self._client.limiter.max_in_flight - 1)

    def first_listing(self, kind: Kind[Any]) -> FirstListing | None:
        """The first listing of `kind` while it runs; None before it starts and once it has ended."""
        return self._first.get(kind.label)

    def _table(self, label: str) -> dict[str, PexipModel] | None:
        """The table writes fold into: the published one, or the one a first listing is filling."""
        published = self._objects.get(label)
        if published is not None:
            return published
        first = self._first.get(label)
        return first.table if first is not None else self._unfinished.get(label)

    def _lock(self, kind: Kind[Any]) -> asyncio.Lock:
        return self._locks.setdefault(kind.label, asyncio.Lock())

    async def objects(self, kind: Kind[M]) -> list[M]:
        """Every object of `kind`, listing it from Pexip the first time only."""
        await self.ensure(kind)
        return [obj for obj in self._objects[kind.label].values() if isinstance(obj, kind.model)]

    async def ensure(self, kind: Kind[Any]) -> None:
        """List `kind` unless it is listed already (without copying 25 000 rooms into a list)."""
        if kind.label not in self._objects:
            async with self._lock(kind):
                if kind.label not in self._objects:
                    await self._fill(kind)

    async def _fill(self, kind: Kind[Any]) -> None:
        """List `kind` into the cache page by page, replacing objects in place.

        Objects the operator wrote after the list began keep the operator's copy (the page may
        predate the write); objects the list no longer shows are dropped at the end. A first
        listing is published only when complete, so `objects` never passes half a type for all of
        it; meanwhile `first_listing` shows what it has read.
        """
        started = time.monotonic()
        first = kind.label not in self._objects
        table = self._objects[kind.label] if not first else self._unfinished.pop(kind.label, {})
        listing = FirstListing(table) if first else None
        if listing is not None:
            self._first[kind.label] = listing
        written = self._written_at.setdefault(kind.label, {})
        seen: set[str] = set()
        try:
            pages = self._client.iter_raw(
                kind.path,
                label=kind.label,
                object_hook=self._decoder,
                page_size=kind.page_size,
                pages_in_flight=self.first_listing_pages_in_flight if first else 1,
            )
            async for raw in pages:
                obj = observed.observe(kind.model, raw)
                seen.add(obj.resource_uri)
                if written.get(obj.resource_uri, NEVER) < started:
                    self._store(kind.label, table, obj)
                if listing is not None and obj.resource_uri in table:
                    listing._arrived(obj.resource_uri)
            for uri in [u for u in table if u not in seen and written.get(u, NEVER) < started]:
                del table[uri]
                self._changed(kind.label)
            self._objects[kind.label] = table
            self._listed_at[kind.label] = time.monotonic()
            self._kinds[kind.label] = kind
            for uri in [u for u, at in written.items() if at < started]:
                del written[uri]
        finally:
            if listing is not None:
                del self._first[kind.label]
                if kind.label not in self._objects:  # failed part-way: keep what writes fold into
                    self._unfinished[kind.label] = table
                listing._end()

    def _store(self, label: str, table: dict[str, PexipModel], obj: PexipModel) -> None:
        """Put `obj` in `table`; move the type's counter only if an index could see the difference.

        An object equal to the one held is dropped and the old copy kept: a resync of 25 000
        unchanged rooms then frees each new copy at once instead of swapping every long-lived
        object for a new one (replacing all of them at once raised the peak by about 66 MiB in an
        isolated test)."""
        previous = table.get(obj.resource_uri)
        if previous is not None and previous == obj:
            return
        table[obj.resource_uri] = obj
        if previous is None or any(
            getattr(previous, name, None) != getattr(obj, name, None)
            for name in self._index_fields.get(label, ())
        ):
            self._changed(label)

    async def relist(self, kind: Kind[Any]) -> None:
        """List one type again now: after a write whose outcome the operator may have missed (a
        crash or failure between Pexip committing it and the cache learning of it), planning on the
        old copy would create the object a second time."""
        async with self._lock(kind):
            await self._fill(kind)

    async def refresh(self) -> None:
        """Re-list every type that has been used: the resync that makes drift visible."""
        for kind in list(self._kinds.values()):
            async with self._lock(kind):
                await self._fill(kind)

    def _changed(self, label: str) -> None:
        self._generation[label] = self._generation.get(label, 0) + 1

    def derived(self, kind: Kind[M], name: str, build: Callable[[list[M]], T], reads: tuple[str, ...]) -> T:
        """`build` over the objects of `kind` (already listed), computed again only after an object
        was added or removed or one of the fields it `reads` changed: one index of 25 000 rooms
        shared by every Tenant's reconcile instead of every Tenant scanning all rooms, and not
        rebuilt for every room another Tenant writes (that was 15 s of CPU in a national cold start)."""
        fields = self._index_fields.setdefault(kind.label, set())
        if not fields.issuperset(reads):
            fields.update(reads)
            self._changed(kind.label)
        generation = self._generation.get(kind.label, 0)
        found = self._derived.get((kind.label, name))
        if found is not None and found[0] == generation:
            value: T = found[1]
            return value
        objects = [o for o in self._objects.get(kind.label, {}).values() if isinstance(o, kind.model)]
        value = build(objects)
        self._derived[(kind.label, name)] = (generation, value)
        return value

    def write_lock(self, kind: Kind[Any], name: str) -> asyncio.Lock:
        """One lock per shared object that several resources read, modify and write back (Pexip
        replaces to-many lists whole): held from reading the copy to folding the write in, the
        second writer plans on the first one's result instead of overwriting it."""
        return self._write_locks.setdefault((kind.label, name), asyncio.Lock())

    def find(self, uri: str) -> PexipModel | None:
        """The operator's copy of the object at `uri`, of any type already listed."""
        label = kind_label_of(uri)
        return self._objects.get(label, {}).get(uri) if label is not None else None

    def put(self, kind: Kind[Any], obj: PexipModel) -> None:
        """Record a write; only for listed types or one being listed the first time (its table is
        published only when complete; `_unfinished` when that listing failed), so a partial set
        never passes for a full listing."""
        objects = self._table(kind.label)
        if objects is None:
            return
        self._store(kind.label, objects, observed.compact(observed.slim(obj)))
        self._written_at.setdefault(kind.label, {})[obj.resource_uri] = time.monotonic()
        first = self._first.get(kind.label)
        if first is not None:
            first._arrived(obj.resource_uri)

    def remove(self, kind: Kind[Any], uri: str) -> None:
        (self._table(kind.label) or {}).pop(uri, None)
        self._written_at.setdefault(kind.label, {})[uri] = time.monotonic()
        self._changed(kind.label)

    def updated(self, kind: Kind[M], uri: str, payload: Mapping[str, Any]) -> M | None:
        """Fold an accepted PATCH into the copy; None (nothing stored) when it cannot be folded."""
        previous = (self._table(kind.label) or {}).get(uri)
        if previous is None:
            return None
        obj = observed.fold_update(kind, previous, payload, self.find)
        if obj is not None:
            self.put(kind, obj)
        return obj

    def created(self, kind: Kind[M], uri: str, object_id: str, payload: Mapping[str, Any]) -> M | None:
        """Fold an accepted POST into the cache; None (nothing stored) when it cannot be folded."""
        obj = observed.fold_create(kind, uri, object_id, payload, self.find)
        if obj is not None:
            self.put(kind, obj)
        return obj

    def count(self) -> int:
        return sum(len(objects) for objects in self._objects.values())

"""Tenants find their rooms through one index by alias domain, shared and kept current by the cache."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from vdx.controller.cache import PexipCache
from vdx.controller.planners.rooms import (
    RoomCursor,
    add_rooms_by_alias_domain,
    new_rooms_in_domains,
    rooms_by_alias_domain,
    rooms_in_domains,
)
from vdx.pexip.errors import PexipTransportError
from vdx.pexip.limits import PlatformLimiter
from vdx.pexip.models import Conference
from vdx.pexip.resources import CONFERENCE

API = "/api/admin/configuration/v1"


def room_raw(cid: int, *aliases: str) -> dict[str, Any]:
    return {
        "id": cid,
        "name": f"room-{cid}",
        "resource_uri": f"{API}/conference/{cid}/",
        "aliases": [{"id": cid * 10 + n, "alias": a} for n, a in enumerate(aliases)],
    }


def uri(cid: int) -> str:
    return f"{API}/conference/{cid}/"


def test_index_finds_what_a_scan_of_every_room_finds() -> None:
    rooms = [
        Conference.model_validate(room_raw(1, "a@vdx.rm.dk")),
        Conference.model_validate(room_raw(2, "b@vdx.regionh.dk")),
        Conference.model_validate(room_raw(3, "12345", "c@sub.vdx.rm.dk")),  # a subdomain counts
        Conference.model_validate(room_raw(4, "d@vdx.rm.dk", "e@vdx.rm.dk")),  # two aliases, one room
        Conference.model_validate(room_raw(5, "f@notvdx.rm.dk")),  # a suffix is not a subdomain
    ]
    index = rooms_by_alias_domain(rooms)
    assert sorted(rooms_in_domains(index, ["vdx.rm.dk"])) == [uri(1), uri(3), uri(4)]
    assert rooms_in_domains(index, ["vdx.regionh.dk"]) == [uri(2)]
    assert rooms_in_domains(index, ["vdx.other.dk"]) == []


class Listing:
    limiter = PlatformLimiter(max_in_flight=1, rate=1000)  # the cache asks how many pages at once

    def __init__(self, objects: list[dict[str, Any]]) -> None:
        self.objects = objects

    async def iter_raw(self, path: str, **_: Any) -> AsyncIterator[dict[str, Any]]:
        for obj in self.objects:
            yield obj


def counting(builds: list[int]) -> Callable[[list[Conference]], dict[str, list[str]]]:
    """The room index, noting in `builds` how many rooms each build saw."""

    def build(rooms: list[Conference]) -> dict[str, list[str]]:
        builds.append(len(rooms))
        return rooms_by_alias_domain(rooms)

    return build


async def test_derived_index_is_built_once_and_again_after_a_change() -> None:
    cache = PexipCache(Listing([room_raw(1, "a@vdx.rm.dk")]))  # type: ignore[arg-type]  # only iter_raw
    await cache.objects(CONFERENCE)
    builds: list[int] = []
    build = counting(builds)
    first = cache.derived(CONFERENCE, "by-domain", build, reads=("aliases",))
    assert cache.derived(CONFERENCE, "by-domain", build, reads=("aliases",)) is first
    assert builds == [1]
    cache.created(CONFERENCE, uri(2), "2", {"name": "room-2"})
    assert cache.derived(CONFERENCE, "by-domain", build, reads=("aliases",)) is not first
    assert builds == [1, 2]
    cache.remove(CONFERENCE, uri(1))
    assert cache.derived(CONFERENCE, "by-domain", build, reads=("aliases",)) == {}
    assert builds == [1, 2, 1]


async def test_derived_index_is_not_rebuilt_for_writes_it_does_not_read() -> None:
    cache = PexipCache(Listing([room_raw(1, "a@vdx.rm.dk"), room_raw(2, "b@vdx.rm.dk")]))  # type: ignore[arg-type]
    await cache.objects(CONFERENCE)
    builds: list[int] = []
    build = counting(builds)
    first = cache.derived(CONFERENCE, "by-domain", build, reads=("aliases",))
    # A Tenant writing direct media onto a room: the index of rooms by alias domain still holds.
    assert cache.updated(CONFERENCE, uri(1), {"direct_media": "never"}) is not None
    assert cache.derived(CONFERENCE, "by-domain", build, reads=("aliases",)) is first
    assert builds == [2]
    # A room whose aliases changed (here: lost) is another index.
    room = cache.find(uri(2))
    assert isinstance(room, Conference)
    cache.put(CONFERENCE, room.model_copy(update={"aliases": []}))
    assert cache.derived(CONFERENCE, "by-domain", build, reads=("aliases",)) == {"vdx.rm.dk": [uri(1)]}
    assert builds == [2, 2]


def test_one_write_lock_per_shared_object() -> None:
    from vdx.pexip.resources import SYSTEM_LOCATION

    cache = PexipCache(Listing([]))  # type: ignore[arg-type]  # only iter_raw
    assert cache.write_lock(SYSTEM_LOCATION, "rm") is cache.write_lock(SYSTEM_LOCATION, "rm")
    assert cache.write_lock(SYSTEM_LOCATION, "rm") is not cache.write_lock(SYSTEM_LOCATION, "rh")


async def test_a_resync_keeps_the_copy_of_an_unchanged_object() -> None:
    listing = Listing([room_raw(1, "a@vdx.rm.dk"), room_raw(2, "b@vdx.rm.dk")])
    cache = PexipCache(listing)  # type: ignore[arg-type]  # only iter_raw
    await cache.objects(CONFERENCE)
    before = {n: cache.find(uri(n)) for n in (1, 2)}
    listing.objects = [room_raw(1, "a@vdx.rm.dk"), {**room_raw(2, "b@vdx.rm.dk"), "name": "renamed"}]
    await cache.refresh()
    assert cache.find(uri(1)) is before[1]  # unchanged: the long-lived copy stays
    renamed = cache.find(uri(2))
    assert renamed is not before[2]
    assert isinstance(renamed, Conference)
    assert renamed.name == "renamed"


def test_rooms_taken_as_the_index_grows_are_the_rooms_of_the_final_index() -> None:
    rooms = [
        Conference.model_validate(room_raw(1, "a@vdx.rm.dk")),
        Conference.model_validate(room_raw(2, "b@vdx.regionh.dk")),
        Conference.model_validate(room_raw(3, "c@sub.vdx.rm.dk")),  # a domain first seen later
        Conference.model_validate(room_raw(4, "d@vdx.rm.dk", "e@sub.vdx.rm.dk")),  # two of ours: once
        Conference.model_validate(room_raw(5, "f@notvdx.rm.dk")),
        Conference.model_validate(room_raw(6, "g@vdx.rm.dk")),
    ]
    index: dict[str, list[str]] = {}
    cursor = RoomCursor()
    taken: list[list[str]] = []
    for page in (rooms[:2], rooms[2:4], [], rooms[4:]):
        add_rooms_by_alias_domain(index, page)
        taken.append(new_rooms_in_domains(index, ["vdx.rm.dk"], cursor))
    assert taken == [[uri(1)], [uri(4), uri(3)], [], [uri(6)]]
    assert sorted(uri for page in taken for uri in page) == sorted(
        rooms_in_domains(rooms_by_alias_domain(rooms), ["vdx.rm.dk"])
    )
    assert index == rooms_by_alias_domain(rooms)


class PagedListing:
    """A first listing whose pages the test hands out one at a time (`next_page`)."""

    limiter = PlatformLimiter(max_in_flight=5, rate=1000)

    def __init__(self, pages: list[list[dict[str, Any]]]) -> None:
        self.pages = pages
        self.gates = [asyncio.Event() for _ in pages]
        self.fail_at: int | None = None

    def next_page(self) -> None:
        next(g for g in self.gates if not g.is_set()).set()

    async def iter_raw(self, path: str, **_: Any) -> AsyncIterator[dict[str, Any]]:
        for n, (gate, page) in enumerate(zip(self.gates, self.pages, strict=True)):
            await gate.wait()
            if n == self.fail_at:
                raise PexipTransportError("GET conference: ConnectError", method="GET", path=path)
            for obj in page:
                yield obj


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def test_a_first_listing_shows_what_it_has_read_and_keeps_what_was_written_meanwhile() -> None:
    older = {**room_raw(1, "a@vdx.rm.dk"), "direct_media": "never"}
    # The second page holds room 1 again, as it was (a deletion shifting the offsets repeats it).
    pages = PagedListing([[older, room_raw(2, "b@vdx.rm.dk")], [room_raw(3, "c@vdx.rm.dk"), older]])
    cache = PexipCache(pages)  # type: ignore[arg-type]  # only iter_raw
    filling = asyncio.create_task(cache.ensure(CONFERENCE))
    await settle()
    listing = cache.first_listing(CONFERENCE)
    assert listing is not None
    assert listing.order == []
    waiter = asyncio.create_task(listing.wait(2))
    pages.next_page()
    await settle()
    assert waiter.done()
    assert listing.order == [uri(1), uri(2)]
    assert cache.find(uri(1)) is None  # not published: nobody takes half a type for all of it

    # A write to a room read so far folds into the listing's table (no read-back needed) ...
    folded = cache.updated(CONFERENCE, uri(1), {"direct_media": "best_effort"})
    assert folded is not None
    assert folded.direct_media == "best_effort"
    # ... and the index over what was read is advanced by what arrived since it was last asked.
    steps: list[int] = []

    def step(index: dict[str, list[str]], new: list[Any]) -> None:
        steps.append(len(new))
        add_rooms_by_alias_domain(index, new)

    assert listing.view("by-domain", dict, step) == {"vdx.rm.dk": [uri(1), uri(2)]}
    assert listing.view("by-domain", dict, step) == {"vdx.rm.dk": [uri(1), uri(2)]}
    pages.next_page()
    await filling
    assert listing.done
    assert cache.first_listing(CONFERENCE) is None
    assert listing.view("by-domain", dict, step) == {"vdx.rm.dk": [uri(1), uri(2), uri(3)]}
    assert steps == [2, 1]
    assert listing.order == [uri(1), uri(2), uri(3)]  # room 1 once
    kept = cache.find(uri(1))  # published with the write, not the page's older copy
    assert isinstance(kept, Conference)
    assert kept.direct_media == "best_effort"


async def test_a_first_listing_that_fails_releases_its_readers() -> None:
    pages = PagedListing([[room_raw(1, "a@vdx.rm.dk")], [room_raw(2, "b@vdx.rm.dk")]])
    pages.fail_at = 1
    cache = PexipCache(pages)  # type: ignore[arg-type]  # only iter_raw
    filling = asyncio.create_task(cache.ensure(CONFERENCE))
    await settle()
    listing = cache.first_listing(CONFERENCE)
    assert listing is not None
    waiter = asyncio.create_task(listing.wait(5))
    pages.next_page()
    pages.next_page()
    with pytest.raises(PexipTransportError):
        await filling
    await settle()
    assert waiter.done()
    assert listing.done
    assert cache.first_listing(CONFERENCE) is None
    assert cache.find(uri(1)) is None  # nothing half-listed published; the next reader lists again
    # A write still in flight folds into what was read (no read-back GET of each room) ...
    folded = cache.updated(CONFERENCE, uri(1), {"direct_media": "best_effort"})
    assert folded is not None
    assert folded.direct_media == "best_effort"
    # ... and the next first listing starts from that table; a page it reads after the write is the
    # node's own row and counts, as in any listing.
    pages.gates = [asyncio.Event(), asyncio.Event()]
    pages.fail_at = None
    pages.pages = [[{**room_raw(1, "a@vdx.rm.dk"), "direct_media": "never"}], [room_raw(2, "b@vdx.rm.dk")]]
    pages.next_page()
    pages.next_page()
    await cache.ensure(CONFERENCE)
    again = cache.find(uri(1))
    assert isinstance(again, Conference)
    assert again.direct_media == "never"  # listed after the write: the node's own row counts
    assert cache.find(uri(2)) is not None

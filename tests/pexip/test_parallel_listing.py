"""A first listing with several pages in flight (issue 24): the same objects in the same order as
reading page after page, the same requests, within the platform's in-flight cap and token bucket.

Against the simulator over real HTTP; nothing here is timed (concurrency is read from the
simulator's own count of requests in flight)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from vdx.controller.cache import PexipCache
from vdx.pexip import PexipClient, PlatformLimiter
from vdx.pexip.resources import TURN_SERVER
from vdx.pexip.simulator import FaultConfig, Latency, RunningServer, Simulator

from .conftest import FAST_RETRY

OBJECTS = 237  # 12 pages of 20, the last one short
PAGE = 20


def _seed(sim: Simulator, count: int = OBJECTS, start: int = 0) -> None:
    for n in range(start, start + count):
        sim.engine.create("turn_server", {"name": f"turn-{n:04d}", "address": f"t{n}.vdx.rm.dk"}, {})


def _client(running: RunningServer, limiter: PlatformLimiter | None = None) -> PexipClient:
    return PexipClient(
        running.base_url,
        auth=("admin", "admin"),
        limiter=limiter or PlatformLimiter(max_in_flight=5, rate=1000),
        retry=FAST_RETRY,
        page_size=PAGE,
    )


async def _names(pexip: PexipClient, in_flight: int, **kw: Any) -> list[str]:
    return [
        o["name"]
        async for o in pexip.iter_raw(
            TURN_SERVER.path, label=TURN_SERVER.label, pages_in_flight=in_flight, **kw
        )
    ]


def _gets(sim: Simulator) -> list[str]:
    return [e.query for e in sim.accounting.entries if e.method == "GET"]


async def test_same_objects_same_order_same_requests(running: RunningServer, sim: Simulator) -> None:
    _seed(sim)
    sim.set_faults(FaultConfig(latency=Latency(kind="fixed", ms=20)))
    async with _client(running) as pexip:
        sim.accounting.reset()
        one_by_one = await _names(pexip, 1)
        sequential_gets = _gets(sim)
        assert sim.accounting.max_in_flight == 1
        sim.accounting.reset()
        parallel = await _names(pexip, 4)
        parallel_gets = _gets(sim)
    assert parallel == one_by_one == [f"turn-{n:04d}" for n in range(OBJECTS)]
    assert len(parallel_gets) == len(sequential_gets) == math.ceil(OBJECTS / PAGE)
    # The first page, then one request per further page, each by offset: no page read twice.
    offsets = sorted(int(dict(p.split("=") for p in q.split("&")).get("offset", "0")) for q in parallel_gets)
    assert offsets == list(range(0, OBJECTS, PAGE))
    assert 1 < sim.accounting.max_in_flight <= 4


async def test_filters_and_page_size_carry_to_every_page(running: RunningServer, sim: Simulator) -> None:
    _seed(sim)
    async with _client(running) as pexip:
        sim.accounting.reset()
        names = await _names(pexip, 3, filters={"name__startswith": "turn-01"}, page_size=7)
    assert names == [f"turn-{n:04d}" for n in range(100, 200)]
    assert len(_gets(sim)) == math.ceil(100 / 7)
    assert all("name__startswith=turn-01" in q and "limit=7" in q for q in _gets(sim))


async def test_objects_created_during_the_listing_come_once_at_the_end(
    running: RunningServer, sim: Simulator
) -> None:
    """What was chosen: the default order is by primary key, so a new object lands after the
    counted pages; the last page's `meta.next` leads to it. Nothing is given twice."""
    _seed(sim)
    sim.set_faults(FaultConfig(latency=Latency(kind="fixed", ms=10)))
    names: list[str] = []
    async with _client(running) as pexip:
        sim.accounting.reset()
        async for obj in pexip.iter_raw(TURN_SERVER.path, pages_in_flight=2):
            names.append(obj["name"])
            if len(names) == 1:  # the other pages are in flight or still to be requested
                _seed(sim, count=45, start=OBJECTS)
    assert names == [f"turn-{n:04d}" for n in range(OBJECTS + 45)]
    assert len(names) == len(set(names))
    assert len(_gets(sim)) == math.ceil((OBJECTS + 45) / PAGE)


async def test_objects_deleted_during_the_listing_are_never_given_twice(
    running: RunningServer, sim: Simulator
) -> None:
    _seed(sim)
    names: list[str] = []
    async with _client(running) as pexip:
        async for obj in pexip.iter_raw(TURN_SERVER.path, pages_in_flight=3):
            names.append(obj["name"])
            if len(names) == 1:
                page = sim.engine.list_objects("turn_server", [("limit", "5")], TURN_SERVER.path)
                for victim in page["objects"]:
                    sim.engine.delete("turn_server", victim["id"])
    assert len(names) == len(set(names))
    # Those past the deleted ones' pages are all there; at most the shifted ones were missed.
    assert set(names) >= {f"turn-{n:04d}" for n in range(5 + 4 * PAGE, OBJECTS)}


async def test_every_page_is_admitted_once_by_the_limiter(running: RunningServer, sim: Simulator) -> None:
    """The budget: each page takes one token and one slot, the cap holds with pages in flight."""
    _seed(sim)
    sim.set_faults(FaultConfig(latency=Latency(kind="fixed", ms=20)))
    pages = math.ceil(OBJECTS / PAGE)
    limiter = PlatformLimiter(max_in_flight=2, rate=0.001, burst=pages, clock=lambda: 0.0)
    assert limiter.bucket.wait_for(0.0) == 0
    async with _client(running, limiter) as pexip:
        names = await _names(pexip, 6)
    assert len(names) == OBJECTS
    assert sum(limiter.admitted.values()) == pages
    assert limiter.bucket.wait_for(0.0) > 0  # the burst is spent: exactly one token a page
    assert limiter.peak_in_flight == 2
    assert sim.accounting.max_in_flight <= 2


async def test_a_single_page_and_an_empty_type(running: RunningServer, sim: Simulator) -> None:
    async with _client(running) as pexip:
        sim.accounting.reset()
        assert await _names(pexip, 4) == []
        _seed(sim, count=PAGE)
        assert len(await _names(pexip, 4)) == PAGE
    assert len(_gets(sim)) == 2


async def test_a_failing_page_fails_the_listing_and_leaves_nothing_running(
    running: RunningServer, sim: Simulator
) -> None:
    _seed(sim)
    async with _client(running) as pexip:
        listing = pexip.iter_raw(TURN_SERVER.path, pages_in_flight=4)
        first = await anext(listing)
        assert first["name"] == "turn-0000"
        await listing.aclose()  # the caller stops early: the pages in flight are cancelled
        sim.accounting.reset()
        assert len(await _names(pexip, 4)) == OBJECTS
    with pytest.raises(ValueError, match="pages_in_flight must be at least 1, not 0"):
        await anext(pexip.iter_raw(TURN_SERVER.path, pages_in_flight=0))


async def test_the_cache_lists_a_type_first_in_parallel_then_page_by_page(
    running: RunningServer, sim: Simulator
) -> None:
    _seed(sim)
    sim.set_faults(FaultConfig(latency=Latency(kind="fixed", ms=20)))
    async with _client(running, PlatformLimiter(max_in_flight=5, rate=1000)) as pexip:
        cache = PexipCache(pexip)
        assert cache.first_listing_pages_in_flight == 4  # one slot stays for writes and people
        sim.accounting.reset()
        listed = await cache.objects(TURN_SERVER)
        assert 1 < sim.accounting.max_in_flight <= 4
        assert sorted(o.name for o in listed) == [f"turn-{n:04d}" for n in range(OBJECTS)]
        sim.accounting.reset()
        await cache.refresh()  # a resync competes with the writes: one page at a time
        assert sim.accounting.max_in_flight == 1
        assert len(_gets(sim)) == math.ceil(OBJECTS / PAGE)

"""A platform lists its rooms in the background once the node answers (PlatformRuntime.warm_up)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from tests.controller.test_room_index import room_raw, uri
from vdx.controller.cache import PexipCache
from vdx.controller.metrics import OperatorMetrics
from vdx.controller.platforms import PlatformRuntime
from vdx.pexip.errors import PexipTransportError
from vdx.pexip.limits import PlatformLimiter
from vdx.pexip.resources import CONFERENCE


class Listing:
    limiter = PlatformLimiter(max_in_flight=1, rate=1000)  # the cache asks how many pages at once

    def __init__(self, objects: list[dict[str, Any]], fail: bool = False) -> None:
        self.objects = objects
        self.fail = fail
        self.lists = 0

    async def iter_raw(self, path: str, **_: Any) -> AsyncIterator[dict[str, Any]]:
        self.lists += 1
        if self.fail:
            raise PexipTransportError("the management node did not answer")
        for obj in self.objects:
            yield obj


def runtime(listing: Listing) -> PlatformRuntime:
    cache = PexipCache(listing)  # type: ignore[arg-type]  # only iter_raw
    return PlatformRuntime("p", "f", listing, cache, OperatorMetrics())  # type: ignore[arg-type]


async def test_warm_up_lists_the_rooms_once() -> None:
    listing = Listing([room_raw(1, "a@vdx.rm.dk")])
    platform = runtime(listing)
    await platform.warm_up()
    assert platform.cache.find(uri(1)) is not None
    await platform.warm_up()
    assert listing.lists == 1


async def test_a_failed_warm_up_leaves_the_listing_to_the_first_reader() -> None:
    listing = Listing([room_raw(1, "a@vdx.rm.dk")], fail=True)
    platform = runtime(listing)
    await platform.warm_up()  # no exception escapes a background task
    assert platform.cache.find(uri(1)) is None
    listing.fail = False
    assert [room.resource_uri for room in await platform.cache.objects(CONFERENCE)] == [uri(1)]

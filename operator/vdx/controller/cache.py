"""The observed Pexip state of one platform, shared by every reconcile on it.

Filled by paginated lists (one per resource type, on first use and at each resync) and kept current
by the operator's own writes. A reconcile reads only from here, so the cost of steady state is one
list per type per resync interval, whatever the number of resources.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, TypeVar

from vdx.pexip.client import PexipClient
from vdx.pexip.models import PexipModel
from vdx.pexip.resources import Kind

M = TypeVar("M", bound=PexipModel)


class PexipCache:
    def __init__(self, client: PexipClient) -> None:
        self._client = client
        self._objects: dict[str, dict[str, PexipModel]] = {}
        self._listed_at: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._kinds: dict[str, Kind[Any]] = {}

    def _lock(self, kind: Kind[Any]) -> asyncio.Lock:
        return self._locks.setdefault(kind.label, asyncio.Lock())

    async def objects(self, kind: Kind[M]) -> list[M]:
        """Every object of `kind`, listing it from Pexip the first time only."""
        if kind.label not in self._objects:
            async with self._lock(kind):
                if kind.label not in self._objects:
                    await self._fill(kind)
        return [obj for obj in self._objects[kind.label].values() if isinstance(obj, kind.model)]

    async def _fill(self, kind: Kind[Any]) -> None:
        listed = await self._client.list(kind)
        self._objects[kind.label] = {obj.resource_uri: obj for obj in listed}
        self._listed_at[kind.label] = time.monotonic()
        self._kinds[kind.label] = kind

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

    def put(self, kind: Kind[Any], obj: PexipModel) -> None:
        """Record a write; only for listed types, so a partial set never passes for a full listing."""
        objects = self._objects.get(kind.label)
        if objects is not None:
            objects[obj.resource_uri] = obj

    def remove(self, kind: Kind[Any], uri: str) -> None:
        self._objects.get(kind.label, {}).pop(uri, None)

    def count(self) -> int:
        return sum(len(objects) for objects in self._objects.values())

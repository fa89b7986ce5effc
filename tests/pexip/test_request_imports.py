"""A Pexip request costs no search of the import path (issue 24: per-request cost on the operator's side).

httpcore asks `import sniffio` which event loop runs, several times per request. anyio no longer
brings sniffio along; without it each of those imports failed after searching every entry of
`sys.path` (about 0.5 ms of CPU per request in the cold start's 25 000 room writes, a quarter of
the client's CPU). The test counts the searches with a finder placed first on `sys.meta_path`:
once the first request has imported what it needs, the next ones search nothing.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Iterator, Sequence
from types import ModuleType

import pytest

from vdx.pexip import PexipClient
from vdx.pexip.resources import CONFERENCE
from vdx.pexip.simulator import Simulator


class CountingFinder(importlib.abc.MetaPathFinder):
    """Notes every module name the import system searches for, and lets the real finders answer."""

    def __init__(self) -> None:
        self.searched: list[str] = []

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        self.searched.append(fullname)
        return None


@pytest.fixture
def finder() -> Iterator[CountingFinder]:
    counting = CountingFinder()
    sys.meta_path.insert(0, counting)
    try:
        yield counting
    finally:
        sys.meta_path.remove(counting)


def test_sniffio_is_installed() -> None:
    """The dependency itself (pyproject.toml): httpcore's `import sniffio` must find it."""
    import sniffio

    assert sniffio.current_async_library is not None


async def test_requests_after_the_first_search_no_module(
    client: PexipClient, sim: Simulator, finder: CountingFinder
) -> None:
    created = await client.post(CONFERENCE, {"name": "room-0", "aliases": []})
    await client.patch(CONFERENCE, created.object_id, {"direct_media": "always"})  # warms every path
    finder.searched.clear()
    for n in range(20):
        await client.patch(
            CONFERENCE, created.object_id, {"direct_media": "never" if n % 2 else "best_effort"}
        )
        await client.get(CONFERENCE, created.object_id)
    assert finder.searched == [], f"modules searched on the import path: {sorted(set(finder.searched))}"
    assert sum(1 for e in sim.accounting.entries if e.method == "PATCH") == 21

"""A Tenant writes its rooms as the rooms' first listing reads them (issue 24), each room once.

At national size every room write waited for the listing of 25 000 rooms, which ends 40 s into a
cold start. Here the listing is held half-way by the test's own transport in front of the simulator
(real HTTP, the simulator's own request log): while it is held, a Tenant whose theme is ready must
already have written the rooms of the pages read; once it ends, the rest, and no room twice, no
read-back GET of a room. A Tenant without a ready theme writes nothing early. Nothing is timed: the
test waits for states and counts requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from vdx.controller.cache import PexipCache
from vdx.controller.known import KnownBodies
from vdx.controller.metrics import OperatorMetrics
from vdx.controller.platforms import PlatformRuntime
from vdx.controller.reconcilers import tenant as tenant_reconciler
from vdx.pexip import PexipClient, PlatformLimiter
from vdx.pexip.models import Conference
from vdx.pexip.resources import CONFERENCE, IVR_THEME
from vdx.pexip.simulator import RunningServer, Simulator

from .conftest import FAST_RETRY

OURS, OTHERS = "vdx.rm.dk", "vdx.regionh.dk"
ROOMS = 800  # 8 pages of 100 (the rooms' page size), every other room ours
HELD_FROM = 400  # list pages from this offset wait for the test


class HeldListing(httpx.AsyncBaseTransport):
    """Holds the rooms' list pages from `HELD_FROM` on until `release` is set."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.release = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if (
            request.method == "GET"
            and path.endswith("/conference/")
            and int(request.url.params.get("offset", "0")) >= HELD_FROM
        ):
            await self.release.wait()
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class Kube:
    async def raw(self, kind: str, namespace: str | None, name: str) -> None:
        return None


class Context:
    """What a Tenant's reconcile reads of the operator's runtime."""

    def __init__(self, platform: PlatformRuntime, brandings: list[dict[str, Any]]) -> None:
        self.platforms = {platform.name: platform}
        self.known = KnownBodies({("CviBranding", b["metadata"]["namespace"], "cvi"): b for b in brandings})
        self.tenants: dict[str, Any] = {}
        self.kube = Kube()
        self.metrics = platform.metrics

    def watch_object(self, *_: Any) -> None:
        return None

    async def domain_owner(self, platform: str, fqdn: str) -> str | None:
        return "rm"


def tenant_body() -> dict[str, Any]:
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": "rm", "generation": 1, "uid": "uid-rm"},
        "spec": {
            "organisationKind": "Region",
            "displayName": "Region Midtjylland",
            "namespace": "vdx-rm",
            "platformRef": {"name": "p"},
            "domains": [OURS],
        },
    }


def branding_body(theme_uri: str | None, ready: bool) -> dict[str, Any]:
    status: dict[str, Any] = {
        "conditions": [{"type": "Ready", "status": "True" if ready else "False", "reason": "x"}]
    }
    if theme_uri is not None:
        status["ivrTheme"] = theme_uri
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "CviBranding",
        "metadata": {"name": "cvi", "namespace": "vdx-rm", "generation": 1, "uid": "uid-cvi"},
        "spec": {},
        "status": status,
    }


def seed(sim: Simulator) -> str:
    for n in range(ROOMS):
        domain = OURS if n % 2 == 0 else OTHERS
        sim.engine.create(
            "conference",
            {"name": f"room-{n:04d}", "direct_media": "never", "aliases": [{"alias": f"r{n}@{domain}"}]},
            {},
        )
    return IVR_THEME.uri(sim.engine.create("ivr_theme", {"name": "rm"}, {}))


def room_patches(sim: Simulator) -> list[str]:
    return [e.path for e in sim.accounting.entries if e.method == "PATCH" and "/conference/" in e.path]


def room_reads(sim: Simulator) -> list[str]:
    """GETs of one room (a read-back), not of the list."""
    return [
        e.path
        for e in sim.accounting.entries
        if e.method == "GET" and "/conference/" in e.path and not e.path.endswith("/conference/")
    ]


async def until(check: Callable[[], bool], what: str, task: Awaitable[Any] | None = None) -> None:
    """Wait for `check`; the deadline only turns a hang into a failure that says what never came."""
    deadline = asyncio.get_running_loop().time() + 30
    while not check():
        if isinstance(task, asyncio.Task) and task.done():
            task.result()
            raise AssertionError(f"the reconcile ended before {what}")
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never came: {what}")
        await asyncio.sleep(0.01)


@pytest.fixture
def held() -> HeldListing:
    return HeldListing()


@pytest.fixture
async def platform(running: RunningServer, held: HeldListing) -> Any:
    client = PexipClient(
        running.base_url,
        auth=("admin", "admin"),
        limiter=PlatformLimiter(max_in_flight=5, rate=1000),
        retry=FAST_RETRY,
        transport=held,
    )
    runtime = PlatformRuntime("p", "f", client, PexipCache(client), OperatorMetrics())
    runtime.version = "41"
    yield runtime
    held.release.set()
    await client.aclose()


def listing_read(platform: PlatformRuntime, count: int) -> Callable[[], bool]:
    def check() -> bool:
        listing = platform.cache.first_listing(CONFERENCE)
        return listing is not None and len(listing.order) >= count

    return check


EARLY = HELD_FROM // 2  # our rooms among the pages read before the listing is held


async def writing_early(
    platform: PlatformRuntime, sim: Simulator
) -> tuple[Context, asyncio.Task[Any], asyncio.Task[Any], str]:
    """A Tenant with its theme ready, reconciled while the listing is held half-way, once it has
    written the rooms of the pages read: (its context, the reconcile, the listing, the theme)."""
    theme = seed(sim)
    rt = Context(platform, [branding_body(theme, ready=True)])
    warm = asyncio.create_task(platform.warm_up())
    await until(listing_read(platform, HELD_FROM), "half the rooms are read")
    sim.accounting.reset()
    reconcile = asyncio.create_task(tenant_reconciler.reconcile(rt, tenant_body()))  # type: ignore[arg-type]
    await until(lambda: len(room_patches(sim)) >= EARLY, "the rooms read so far are written", reconcile)
    return rt, reconcile, warm, theme


async def test_a_tenant_with_its_theme_ready_writes_rooms_before_the_listing_ends(
    platform: PlatformRuntime, held: HeldListing, sim: Simulator
) -> None:
    _, reconcile, warm, _ = await writing_early(platform, sim)
    await asyncio.sleep(0.2)  # room for a wrong extra write to show
    assert platform.cache.first_listing(CONFERENCE) is not None  # the listing is still held
    assert len(room_patches(sim)) == EARLY
    assert not reconcile.done()  # it waits for the rest of the listing

    held.release.set()
    result = await reconcile
    await warm
    patched = room_patches(sim)
    assert len(patched) == len(set(patched)) == ROOMS // 2  # every room of ours, each once
    assert room_reads(sim) == []  # folded into the listing's table, not read back
    assert result.outcome.reason == "Available"
    assert result.status["meetingRooms"] == result.status["meetingRoomsInLine"] == ROOMS // 2
    assert result.status["meetingRoomsCorrected"] == ROOMS // 2
    rows = [r for r in sim.engine.list_objects("conference", [("limit", "0")], "")["objects"]]
    ours = [r for r in rows if r["aliases"][0]["alias"].endswith("@" + OURS)]
    others = [r for r in rows if r["aliases"][0]["alias"].endswith("@" + OTHERS)]
    assert all(r["direct_media"] == "best_effort" and r["ivr_theme"] for r in ours)
    assert all(r["direct_media"] == "never" and not r["ivr_theme"] for r in others)
    # The cache holds what was written, as the node does: the next decision writes nothing.
    cached = [platform.cache.find(r["resource_uri"]) for r in ours]
    assert all(isinstance(c, Conference) and c.direct_media == "best_effort" for c in cached)


@pytest.mark.parametrize(
    "brandings",
    [
        pytest.param([branding_body(None, ready=False)], id="theme-on-its-way"),
        pytest.param([], id="no-branding-seen-yet"),
    ],
)
async def test_a_tenant_without_a_ready_theme_writes_nothing_before_the_listing_ends(
    platform: PlatformRuntime, held: HeldListing, sim: Simulator, brandings: list[dict[str, Any]]
) -> None:
    seed(sim)
    rt = Context(platform, brandings)
    warm = asyncio.create_task(platform.warm_up())
    await until(listing_read(platform, HELD_FROM), "half the rooms are read")
    sim.accounting.reset()

    reconcile = asyncio.create_task(tenant_reconciler.reconcile(rt, tenant_body()))  # type: ignore[arg-type]
    await asyncio.sleep(0.5)
    # Written now without the theme, a room could be written again when the theme comes.
    assert room_patches(sim) == []
    assert not reconcile.done()

    held.release.set()
    result = await reconcile
    await warm
    patched = room_patches(sim)
    if brandings:  # still on its way: nothing written, the Tenant says what it waits for
        assert patched == []
        assert result.outcome.reason == "WaitingForBranding"
    else:  # no branding: the defaults alone, each room once
        assert len(patched) == len(set(patched)) == ROOMS // 2
        assert result.status["meetingRoomsInLine"] == ROOMS // 2


async def test_rooms_written_early_are_counted_when_the_theme_goes_pending_meanwhile(
    platform: PlatformRuntime, held: HeldListing, sim: Simulator
) -> None:
    rt, reconcile, warm, theme = await writing_early(platform, sim)

    # The branding is edited meanwhile: its new theme is on its way when the listing ends.
    rt.known[("CviBranding", "vdx-rm", "cvi")] = branding_body(theme, ready=False)
    held.release.set()
    result = await reconcile
    await warm
    assert len(room_patches(sim)) == EARLY  # nothing more until the new theme is there
    assert result.outcome.reason == "WaitingForBranding"
    # The next reconcile finds these rooms in line: counted now, or never.
    assert result.status["meetingRoomsCorrected"] == EARLY
    assert [e.reason for e in result.events] == ["MeetingRoomDefaultsApplied"]
    assert f"set on {EARLY} meeting rooms" in result.events[0].message

"""A resource deleted before the operator's finalizer was on it, while another resource names it.

No finalizer will ever run for it, so the reconcile that finds it gone undoes what it just made in
Pexip (`Runtime._undo_for_vanished`), as the finalizer would (deletionPolicy honoured). The
finalizers of the kinds others depend on wait while a user names them (`wait_for_users`); for a
resource already gone that wait could never end, and it left the package, path and theme of a
CviBranding an OutlookScheduling names (the TURN server of a TurnService a Domain names) in Pexip
for good, with a warning. Now the cleanup goes ahead at once and the users are woken afterwards,
so they say their dependency is missing; but only once the API server says no resource holds the
name: one created again under it owns those objects by their marker.

A real Runtime against the in-process simulator; Kubernetes is a stand-in whose status write says
the resource is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import yaml
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import ProtocolError

from tests.pexip.support import branding_zip, theme_zip
from vdx.api.tenant import Tenant
from vdx.controller.cache import PexipCache
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.metrics import OperatorMetrics
from vdx.controller.ownership import Owner, owner_of
from vdx.controller.planners.branding import package_fields, theme_name
from vdx.controller.platforms import PlatformRuntime
from vdx.controller.reasons import Reason
from vdx.controller.reconcilers.base import Reconciled, Stop, create_object, wait_for_users
from vdx.controller.reconcilers.branding import readers_to_wake
from vdx.controller.registry import BY_KIND
from vdx.controller.runtime import Runtime
from vdx.paths import EXAMPLES_DIR
from vdx.pexip import PexipClient, RetryPolicy
from vdx.pexip.resources import CONFERENCE, IVR_THEME, TURN_SERVER, WEBAPP_ALIAS, WEBAPP_BRANDING
from vdx.pexip.simulator import FaultConfig, Latency, RunningServer, Simulator, serve

NAMESPACE = "vdx-rm"
TURN_SECRET = "a-turn-secret-never-logged"
ROOM_PIN = "471108"
READY = {
    "type": "Ready",
    "status": "True",
    "reason": Reason.AVAILABLE,
    "observedGeneration": 1,
    "lastTransitionTime": "2026-12-06T08:00:00Z",
}
TENANT = {
    "apiVersion": "vdx.medcom.dk/v1alpha1",
    "kind": "Tenant",
    "metadata": {"name": "rm", "uid": "uid-tenant", "generation": 1},
    "spec": {
        "organisationKind": "Region",
        "displayName": "Region Midtjylland",
        "region": "midtjylland",
        "namespace": NAMESPACE,
        "platformRef": {"name": "prod"},
        "domains": ["vdx.rm.dk"],
    },
    # Ready: a dependency that becomes Ready (or is deleted) wakes only those that are not.
    "status": {"observedGeneration": 1, "conditions": [READY]},
}


class Kube:
    """The resource of `gone` is gone (its status write finds nothing; `now` is what a read of it by
    name answers: nothing, a resource created again, or an error); its users are there and listed
    (or the list fails, `lists_fail`); events are kept."""

    def __init__(self, users: dict[str, list[dict[str, Any]]], gone: str) -> None:
        self.users = users
        self.gone = gone
        self.now: dict[str, Any] | Exception | None = None
        self.lists_fail = False
        # Called by the status write that finds the resource gone, before it answers.
        self.on_gone: Callable[[], Awaitable[None]] | None = None
        self.events: list[tuple[str, str]] = []

    async def patch_status(self, plural: str, name: str, namespace: str | None, status: Any) -> bool:
        if plural != self.gone:
            return True
        if self.on_gone is not None:
            await self.on_gone()
        return False

    async def current(self, plural: str, name: str, namespace: str | None) -> dict[str, Any] | None:
        if isinstance(self.now, Exception):
            raise self.now
        return self.now

    async def event(self, body: Any, *, type_: str, reason: str, message: str) -> None:
        self.events.append((reason, message))

    async def list_namespaced(self, plural: str, namespace: str) -> list[dict[str, Any]]:
        if self.lists_fail:
            raise ApiException(status=503, reason="Service Unavailable")
        return [u for u in self.users.get(plural, []) if u["metadata"]["namespace"] == namespace]

    async def list(self, plural: str) -> list[dict[str, Any]]:
        return [TENANT] if plural == "tenants" else []

    async def secret_data(self, namespace: str, name: str) -> tuple[dict[str, str], str]:
        return {"secret": TURN_SECRET}, "7"


def user(kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """A user that is Ready: a dependency that becomes Ready wakes only those that are not."""
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": kind,
        "metadata": {"name": name, "namespace": NAMESPACE, "uid": f"uid-{name}", "generation": 1},
        "spec": spec,
        "status": {"observedGeneration": 1, "conditions": [READY]},
    }


def branding_body(spec: dict[str, Any] | None = None, uid: str = "uid-branding") -> dict[str, Any]:
    """The example CviBranding, as first seen (no status)."""
    path = EXAMPLES_DIR / "prod" / "rm" / "branding.yaml"
    doc = next(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d["kind"] == "CviBranding")
    doc["metadata"].update(uid=uid, generation=1)
    doc["spec"].update(spec or {})
    return dict(doc)


def turn_body() -> dict[str, Any]:
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "TurnService",
        "metadata": {"name": "turn", "namespace": NAMESPACE, "uid": "uid-turn", "generation": 1},
        "spec": {"address": "turn.vdx.rm.dk", "secretRef": {"name": "turn-secret"}},
    }


@dataclasses.dataclass
class World:
    rt: Runtime
    kube: Kube
    client: PexipClient
    node: RunningServer
    # Per user kind: for each of its reconciles, whether the vanished resource was still known.
    seen: dict[str, list[bool]]


# The resources that read the vanished one, by kind: their reconciles are stand-ins that note them.
READERS = {"outlookschedulings": "OutlookScheduling", "domains": "Domain", "tenants": "Tenant"}


@pytest.fixture
async def world(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Callable[..., Awaitable[World]]]:
    worlds: list[World] = []
    with serve(Simulator()) as node:
        async with contextlib.AsyncExitStack() as clients:

            async def make(
                users: dict[str, list[dict[str, Any]]],
                gone: tuple[str, str],
                *,
                request_seconds: float = 30.0,
                retry: RetryPolicy | None = None,
            ) -> World:
                client = PexipClient(
                    node.base_url, auth=("admin", "admin"), timeout=request_seconds, retry=retry
                )
                await clients.enter_async_context(client)
                kube = Kube(users, BY_KIND[gone[0]].plural)
                rt = Runtime(kube)  # type: ignore[arg-type]  # what the runtime and these finalizers call
                platform = PlatformRuntime("prod", "f", client, PexipCache(client), OperatorMetrics())
                for kind in (WEBAPP_BRANDING, WEBAPP_ALIAS, IVR_THEME, TURN_SERVER, CONFERENCE):
                    await platform.cache.ensure(kind)
                rt.platforms["prod"] = platform
                rt.tenants["rm"] = Tenant.model_validate(TENANT)
                seen: dict[str, list[bool]] = {}
                for plural, user_kind in READERS.items():
                    for body in users.get(plural, []):
                        rt.known[(user_kind, body["metadata"].get("namespace"), body["metadata"]["name"])] = (
                            body
                        )

                    async def reconcile_user(
                        _rt: Any, body: dict[str, Any], user_kind: str = user_kind
                    ) -> Reconciled:
                        seen.setdefault(user_kind, []).append((gone[0], NAMESPACE, gone[1]) in rt.known)
                        return Reconciled(Outcome(Phase.READY, Reason.AVAILABLE, "stand-in"))

                    monkeypatch.setitem(
                        BY_KIND, user_kind, dataclasses.replace(BY_KIND[user_kind], reconcile=reconcile_user)
                    )
                made = World(rt, kube, client, node, seen)
                worlds.append(made)
                return made

            try:
                yield make
            finally:
                for made in worlds:
                    await made.rt.close()


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def install_branding_reconcile(monkeypatch: pytest.MonkeyPatch) -> None:
    """The branding's reconcile as far as Pexip goes (rendering aside): a package, the web app path
    on it and the IVR theme, each as the real reconcile names and marks them (taken over when Pexip
    has them already), and the theme put on the tenant's rooms, as the Tenant would; the readers of
    the theme to wake, as the real reconcile says them."""
    owner = Owner("CviBranding", NAMESPACE, "rm")

    async def reconcile(rt: Any, body: dict[str, Any]) -> Reconciled:
        platform = rt.platforms["prod"]
        package = next(
            (b for b in await platform.cache.objects(WEBAPP_BRANDING) if owner_of(b.description) == owner),
            None,
        ) or await create_object(
            platform, WEBAPP_BRANDING, package_fields(owner, "ab" * 32), file=("b.zip", branding_zip())
        )
        alias = next(
            (a for a in await platform.cache.objects(WEBAPP_ALIAS) if owner_of(a.description) == owner), None
        ) or await create_object(
            platform,
            WEBAPP_ALIAS,
            {
                "slug": "rm",
                "description": owner.describe("web app path"),
                "webapp_type": "webapp3",
                "is_enabled": True,
                "branding": package.resource_uri,
            },
        )
        theme = next(
            (t for t in await platform.cache.objects(IVR_THEME) if t.name == theme_name(owner)), None
        ) or await create_object(
            platform, IVR_THEME, {"name": theme_name(owner)}, file=("t.zip", theme_zip())
        )
        for room in await platform.cache.objects(CONFERENCE):
            await platform.client.patch(CONFERENCE, room.id, {"ivr_theme": theme.resource_uri})
            platform.cache.put(CONFERENCE, await platform.client.get(CONFERENCE, room.id))
        status = {"ivrTheme": theme.resource_uri, "webAppUrl": f"https://vdx.rm.dk/{alias.slug}"}
        wake = readers_to_wake(body.get("status") or {}, theme.resource_uri, applied=True)
        outcome = Outcome(Phase.READY, Reason.AVAILABLE, "uploaded")
        return Reconciled(outcome, status=status, platform="prod", wake=wake)

    monkeypatch.setitem(
        BY_KIND, "CviBranding", dataclasses.replace(BY_KIND["CviBranding"], reconcile=reconcile)
    )


async def _ours(client: PexipClient) -> dict[str, list[Any]]:
    """What Pexip holds of the branding: by marker (package, path) and by reserved name (theme)."""
    owner = Owner("CviBranding", NAMESPACE, "rm")
    return {
        "packages": [b for b in await client.list(WEBAPP_BRANDING) if "rm " in b.name],
        "paths": [a for a in await client.list(WEBAPP_ALIAS) if a.slug == "rm"],
        "themes": [t for t in await client.list(IVR_THEME) if t.name == theme_name(owner)],
    }


def _uris(held: dict[str, list[Any]]) -> dict[str, list[str]]:
    return {what: [o.resource_uri for o in objects] for what, objects in held.items()}


def _marked(held: dict[str, list[Any]]) -> list[Owner | None]:
    """The owners the package and path name (the theme is known by its name alone)."""
    return [owner_of(o.description) for o in (*held["packages"], *held["paths"])]


OURS = Owner("CviBranding", NAMESPACE, "rm")
KEY = ("CviBranding", NAMESPACE, "rm")


async def _room(w: World) -> Any:
    """A room of the tenant that holds a PIN; the branding's reconcile puts its theme on it."""
    room = await w.client.create(
        CONFERENCE, {"name": "rm-room", "aliases": [{"alias": "room@vdx.rm.dk"}], "pin": ROOM_PIN}
    )
    w.rt.platforms["prod"].cache.put(CONFERENCE, room)
    return room


def _theme_writes(w: World) -> list[tuple[str, str, Any]]:
    """The writes to rooms and themes Pexip received, in order: (method, resource, body)."""
    return [
        (e.method, e.resource.rsplit("/", 1)[-1], e.body)
        for e in w.node.simulator.accounting.entries
        if e.method in ("PATCH", "DELETE")
        and e.resource in ("configuration/conference", "configuration/ivr_theme")
    ]


async def _booked_branding_with_room(
    world: Callable[..., Awaitable[World]], monkeypatch: pytest.MonkeyPatch
) -> tuple[World, Any]:
    """The branding named by an OutlookScheduling, its theme on a room with a PIN."""
    install_branding_reconcile(monkeypatch)
    booking = user("OutlookScheduling", "booking", {"brandingRef": {"name": "rm"}})
    w = await world({"outlookschedulings": [booking]}, ("CviBranding", "rm"))
    return w, await _room(w)


async def test_a_vanished_branding_named_by_an_outlook_scheduling_leaves_nothing_in_pexip(
    world: Callable[..., Awaitable[World]], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    w, room = await _booked_branding_with_room(world, monkeypatch)
    with caplog.at_level(logging.INFO, logger="vdx"):
        outcome = await w.rt.reconcile("CviBranding", branding_body())
        await settle()
    assert outcome.reason == Reason.DELETED
    assert await _ours(w.client) == {"packages": [], "paths": [], "themes": []}
    # The theme was taken off the room before it was deleted (`release_theme`: Pexip would refuse
    # to delete it in use), by a write that sends no PIN; the room kept its PIN.
    assert _theme_writes(w)[-2:] == [
        ("PATCH", "conference", {"ivr_theme": None}),
        ("DELETE", "ivr_theme", None),
    ]
    after = await w.client.get(CONFERENCE, room.id)
    assert after.ivr_theme is None
    assert after.pin == ROOM_PIN
    assert "were not cleaned up" not in caplog.text
    assert "was deleted before the operator's finalizer was on it" in caplog.text
    # Woken once the branding is gone from what the operator knows, so it says its branding is missing.
    assert w.seen.get("OutlookScheduling") == [False]


async def test_a_vanished_branding_wakes_the_tenant_that_reads_its_theme(
    world: Callable[..., Awaitable[World]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Tenant is no user of the branding (it does not depend on it) but reads its theme
    (`Reconciled.wake`): Ready, it would otherwise hear of it at its next resync."""
    install_branding_reconcile(monkeypatch)
    w = await world({"tenants": [TENANT]}, ("CviBranding", "rm"))
    await w.rt.reconcile("CviBranding", branding_body())
    await settle()
    assert w.seen.get("Tenant") == [False]


async def test_a_vanished_branding_whose_users_cannot_be_listed_is_cleaned_up_all_the_same(
    world: Callable[..., Awaitable[World]], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """It waits for no user, so it lists none: a failed list would end the one cleanup."""
    install_branding_reconcile(monkeypatch)
    w = await world({}, ("CviBranding", "rm"))
    w.kube.lists_fail = True
    with caplog.at_level(logging.WARNING, logger="vdx"):
        outcome = await w.rt.reconcile("CviBranding", branding_body())
    assert outcome.reason == Reason.DELETED
    assert await _ours(w.client) == {"packages": [], "paths": [], "themes": []}
    assert "were not cleaned up" not in caplog.text


async def test_a_vanished_branding_under_orphan_keeps_its_objects_without_the_marker(
    world: Callable[..., Awaitable[World]], monkeypatch: pytest.MonkeyPatch
) -> None:
    install_branding_reconcile(monkeypatch)
    booking = user("OutlookScheduling", "booking", {"brandingRef": {"name": "rm"}})
    w = await world({"outlookschedulings": [booking]}, ("CviBranding", "rm"))
    outcome = await w.rt.reconcile("CviBranding", branding_body({"deletionPolicy": "Orphan"}))
    assert outcome.reason == Reason.DELETED
    left = await _ours(w.client)
    assert len(left["packages"]) == len(left["paths"]) == 1
    assert _marked(left) == [None, None]


async def test_a_vanished_branding_under_observe_only_lets_go_of_nothing(
    world: Callable[..., Awaitable[World]], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    w, room = await _booked_branding_with_room(world, monkeypatch)
    with caplog.at_level(logging.INFO, logger="vdx"):
        outcome = await w.rt.reconcile("CviBranding", branding_body({"managementPolicy": "ObserveOnly"}))
    assert outcome.reason == Reason.DELETED
    left = await _ours(w.client)
    assert [len(objects) for objects in left.values()] == [1, 1, 1]
    assert _marked(left) == [OURS, OURS]  # not even the markers are taken off
    assert [(method, what) for method, what, _ in _theme_writes(w)] == [
        ("PATCH", "conference")
    ]  # putting it on
    after = await w.client.get(CONFERENCE, room.id)
    assert after.ivr_theme is not None
    assert after.ivr_theme.resource_uri == left["themes"][0].resource_uri
    assert "was let go as its deletionPolicy and managementPolicy say" in caplog.text
    assert KEY not in w.rt.known


@pytest.mark.parametrize(
    "delivered", [True, False], ids=["its-reconcile-queued", "only-the-api-server-knows"]
)
async def test_a_branding_created_again_under_its_name_keeps_what_the_first_one_made(
    world: Callable[..., Awaitable[World]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    delivered: bool,
) -> None:
    """Deleted and applied again while its first reconcile ran: the new resource owns the objects by
    their marker (kind, namespace, name), so the undo of the first one leaves them and its body."""
    install_branding_reconcile(monkeypatch)
    booking = user("OutlookScheduling", "booking", {"brandingRef": {"name": "rm"}})
    w = await world({"outlookschedulings": [booking]}, ("CviBranding", "rm"))
    again = branding_body(uid="uid-branding-2")
    first: dict[str, list[str]] = {}
    queued: list[asyncio.Task[Outcome]] = []

    async def created_again() -> None:
        first.update(_uris(await _ours(w.client)))
        w.kube.now = again
        w.kube.gone = ""  # its status writes land
        if delivered:  # delivered by kopf: known, its reconcile waits for the first one's lock
            queued.append(asyncio.create_task(w.rt.reconcile("CviBranding", again)))
            await settle()

    w.kube.on_gone = created_again
    with caplog.at_level(logging.INFO, logger="vdx"):
        outcome = await w.rt.reconcile("CviBranding", branding_body())
        for task in queued:
            assert (await task).reason == Reason.AVAILABLE
        await settle()
    assert outcome.reason == Reason.DELETED
    assert [len(uris) for uris in first.values()] == [1, 1, 1]
    assert _uris(await _ours(w.client)) == first  # nothing deleted, nothing made again
    assert "left to the resource of the same name" in caplog.text
    assert "was let go" not in caplog.text
    if delivered:
        # Its rechecks (`requeue`) and its users find it where the runtime keeps it.
        assert w.rt.known[KEY]["metadata"]["uid"] == "uid-branding-2"
    else:
        assert KEY not in w.rt.known  # the first one's body; the second's comes with its delivery
    assert False not in w.seen.get("OutlookScheduling", [])  # never missing for its users


@pytest.mark.parametrize(
    "answer",
    [ApiException(status=503, reason="Service Unavailable"), ProtocolError("reset"), branding_body()],
    ids=["api-error", "unreachable", "still-there"],
)
async def test_a_branding_not_known_to_be_gone_keeps_its_objects_and_is_looked_at_again(
    world: Callable[..., Awaitable[World]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    answer: Any,
) -> None:
    """The status write answered 404, but a read of the resource by name failed, or found it (its
    API version no longer served): its users may need its objects, so nothing is undone yet."""
    install_branding_reconcile(monkeypatch)
    w = await world({}, ("CviBranding", "rm"))
    w.kube.now = answer
    with caplog.at_level(logging.WARNING, logger="vdx"):
        outcome = await w.rt.reconcile("CviBranding", branding_body())
    assert (outcome.phase, outcome.reason) == (Phase.FAILED, Reason.KUBERNETES_UNAVAILABLE)
    left = await _ours(w.client)
    assert [len(objects) for objects in left.values()] == [1, 1, 1]
    assert _marked(left) == [OURS, OURS]
    assert "what it has in Pexip is kept" in caplog.text
    # Retried as any failure is (`Runtime.requeue`, from the body kept): gone now, it is undone.
    w.kube.now = None
    outcome = await w.rt.reconcile("CviBranding", w.rt.known[KEY], from_resync=True)
    assert outcome.reason == Reason.DELETED
    assert await _ours(w.client) == {"packages": [], "paths": [], "themes": []}


async def test_a_vanished_turn_service_named_by_a_domain_leaves_nothing_in_pexip(
    world: Callable[..., Awaitable[World]], caplog: pytest.LogCaptureFixture
) -> None:
    domain = user("Domain", "rm", {"fqdn": "vdx.rm.dk", "turnServiceRef": {"name": "turn"}})
    w = await world({"domains": [domain]}, ("TurnService", "turn"))
    with caplog.at_level(logging.DEBUG):
        outcome = await w.rt.reconcile("TurnService", turn_body())  # the real reconcile: it creates
        await settle()
    assert outcome.reason == Reason.DELETED
    assert [t.name for t in await w.client.list(TURN_SERVER)] == []
    assert w.seen.get("Domain") == [False]
    assert TURN_SECRET not in caplog.text
    assert all(TURN_SECRET not in message for _, message in w.kube.events)


async def test_a_vanished_turn_service_waits_out_its_create_in_doubt(
    world: Callable[..., Awaitable[World]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its POST had no answer and the node commits it later: the undo waits as a finalizer would
    (`CreateInDoubt`), bounded, then finds the late TURN server and deletes it."""
    monkeypatch.setattr(PexipClient, "in_doubt_seconds", property(lambda _client: 2.0))
    w = await world({}, ("TurnService", "turn"), request_seconds=0.3, retry=RetryPolicy(max_attempts=1))
    w.node.simulator.set_faults(FaultConfig(latency=Latency(kind="fixed", ms=800), latency_methods=["POST"]))
    started = time.monotonic()
    outcome = await w.rt.reconcile("TurnService", turn_body())
    assert outcome.reason == Reason.DELETED
    assert time.monotonic() - started < 5.0  # bounded by the in-doubt time, not the deletion's retries
    await asyncio.sleep(max(0.0, started + 1.2 - time.monotonic()))  # the node has committed the POST
    assert [t.name for t in await w.client.list(TURN_SERVER)] == []


async def test_a_turn_service_created_again_while_its_create_is_in_doubt_keeps_the_objects(
    world: Callable[..., Awaitable[World]], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The name is read after the wait for creates in doubt, not before it: a resource applied again
    during that wait owns the objects by their marker, and they are left to it."""
    monkeypatch.setattr(PexipClient, "in_doubt_seconds", property(lambda _client: 2.0))
    w = await world({}, ("TurnService", "turn"), request_seconds=0.3, retry=RetryPolicy(max_attempts=1))
    w.node.simulator.set_faults(FaultConfig(latency=Latency(kind="fixed", ms=800), latency_methods=["POST"]))

    async def applied_again() -> None:
        await asyncio.sleep(1.2)  # well after the old order read the name (at the start)
        w.kube.now = {**turn_body(), "metadata": {**turn_body()["metadata"], "uid": "uid-turn-2"}}

    again = asyncio.create_task(applied_again())
    with caplog.at_level(logging.INFO, logger="vdx"):
        outcome = await w.rt.reconcile("TurnService", turn_body())
    await again
    assert outcome.reason == Reason.DELETED
    await asyncio.sleep(0.5)  # the node has committed the POST
    assert len(await w.client.list(TURN_SERVER)) == 1
    assert "left to the resource of the same name" in caplog.text


class _Finalizing:
    """The part of the runtime `wait_for_users` reads: whose undo after vanishing is under way."""

    def __init__(self, vanished: bool) -> None:
        self.is_vanished = vanished
        self.spawned = 0
        self.known: dict[Any, dict[str, Any]] = {}

    def vanishing(self, body: dict[str, Any]) -> bool:
        return self.is_vanished

    def spawn(self, coroutine: Any) -> None:
        self.spawned += 1
        coroutine.close()


def test_only_a_resource_still_in_the_cluster_waits_for_its_users() -> None:
    body = turn_body()
    users = [("Domain", "rm")]
    still_there: Any = _Finalizing(vanished=False)
    with pytest.raises(Stop) as stopped:
        wait_for_users(still_there, body, users, "waiting for 1 Domain(s)", wake=False)
    assert stopped.value.outcome.reason == Reason.IN_USE
    gone: Any = _Finalizing(vanished=True)
    wait_for_users(gone, body, users, "waiting for 1 Domain(s)")  # returns: nothing to wait for
    assert gone.spawned == 0  # its users are woken by the runtime, once it is gone from `known`


def _example(kind: str) -> dict[str, Any]:
    for path in sorted((EXAMPLES_DIR / "prod" / "rm").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc and doc.get("kind") == kind:
                doc["metadata"]["uid"] = f"uid-{kind}"
                return dict(doc)
    raise AssertionError(f"no {kind} in the examples")


class _Users:
    """Kubernetes as the finalizers list it: one resource of each user kind naming everything."""

    def __init__(self, names: dict[str, str]) -> None:
        ref = {name: {"name": value} for name, value in names.items()}
        self.user = {"metadata": {"name": "user", "namespace": NAMESPACE}, "spec": ref}
        self.lists = 0

    async def list_namespaced(self, plural: str, namespace: str) -> list[dict[str, Any]]:
        self.lists += 1
        return [self.user]


class _Finalizer(_Finalizing):
    def __init__(self, vanished: bool, names: dict[str, str]) -> None:
        super().__init__(vanished)
        self.kube = _Users(names)
        self.tenant_lookups = 0

    async def tenant_for_namespace(self, namespace: str) -> None:
        """No Tenant: each finalizer stops before Pexip; reaching here means it did not wait."""
        self.tenant_lookups += 1


@pytest.mark.parametrize(
    ("kind", "releases"),
    [("CviBranding", True), ("TurnService", True), ("IdentityProvider", True), ("Recorder", False)],
)
async def test_no_kind_that_waits_for_users_looks_for_them_once_it_vanished(
    kind: str, releases: bool
) -> None:
    """Every finalizer that waits for its users (`wait_for_users`) lists none for a vanished
    resource and goes on to release what it owns (a Recorder owns nothing in Pexip)."""
    body = _example(kind)
    name = body["metadata"]["name"]
    names = {
        "brandingRef": name,
        "turnServiceRef": name,
        "recorderRef": name,
        "identityProviderRef": name,
    }
    still_there: Any = _Finalizer(vanished=False, names=names)
    with pytest.raises(Stop) as stopped:
        await BY_KIND[kind].finalize(still_there, body)
    assert stopped.value.outcome.reason == Reason.IN_USE  # the user is seen
    assert still_there.kube.lists >= 1
    assert still_there.tenant_lookups == 0
    gone: Any = _Finalizer(vanished=True, names=names)
    await BY_KIND[kind].finalize(gone, body)
    assert gone.kube.lists == 0
    assert gone.tenant_lookups == (1 if releases else 0)

"""A resource deleted before the operator's finalizer was on it, while another resource names it.

No finalizer will ever run for it, so the reconcile that finds it gone undoes what it just made in
Pexip (`Runtime._undo_for_vanished`), as the finalizer would (deletionPolicy honoured). The
finalizers of the kinds others depend on wait while a user names them (`wait_for_users`); for a
resource already gone that wait could never end, and it left the package, path and theme of a
CviBranding an OutlookScheduling names (the TURN server of a TurnService a Domain names) in Pexip
for good, with a warning. Now the cleanup goes ahead at once and the users are woken afterwards,
so they say their dependency is missing.

A real Runtime against the in-process simulator; Kubernetes is a stand-in whose status write says
the resource is gone.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import yaml

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
from vdx.controller.registry import BY_KIND
from vdx.controller.runtime import Runtime
from vdx.paths import EXAMPLES_DIR
from vdx.pexip import PexipClient
from vdx.pexip.resources import IVR_THEME, TURN_SERVER, WEBAPP_ALIAS, WEBAPP_BRANDING
from vdx.pexip.simulator import Simulator, serve

NAMESPACE = "vdx-rm"
TURN_SECRET = "a-turn-secret-never-logged"
TENANT = {
    "apiVersion": "vdx.medcom.dk/v1alpha1",
    "kind": "Tenant",
    "metadata": {"name": "rm", "uid": "uid-tenant"},
    "spec": {
        "organisationKind": "Region",
        "displayName": "Region Midtjylland",
        "region": "midtjylland",
        "namespace": NAMESPACE,
        "platformRef": {"name": "prod"},
        "domains": ["vdx.rm.dk"],
    },
}


class Kube:
    """The resource of `gone` is gone (its status write finds nothing); its users are there and
    listed; events are kept."""

    def __init__(self, users: dict[str, list[dict[str, Any]]], gone: str) -> None:
        self.users = users
        self.gone = gone
        self.events: list[tuple[str, str]] = []

    async def patch_status(self, plural: str, name: str, namespace: str | None, status: Any) -> bool:
        return plural != self.gone

    async def event(self, body: Any, *, type_: str, reason: str, message: str) -> None:
        self.events.append((reason, message))

    async def list_namespaced(self, plural: str, namespace: str) -> list[dict[str, Any]]:
        return [u for u in self.users.get(plural, []) if u["metadata"]["namespace"] == namespace]

    async def list(self, plural: str) -> list[dict[str, Any]]:
        return [TENANT] if plural == "tenants" else []

    async def secret_data(self, namespace: str, name: str) -> tuple[dict[str, str], str]:
        return {"secret": TURN_SECRET}, "7"


def user(kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """A user that is Ready: a dependency that becomes Ready wakes only those that are not."""
    ready = {"type": "Ready", "status": "True", "reason": Reason.AVAILABLE, "observedGeneration": 1}
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": kind,
        "metadata": {"name": name, "namespace": NAMESPACE, "uid": f"uid-{name}", "generation": 1},
        "spec": spec,
        "status": {"observedGeneration": 1, "conditions": [ready]},
    }


def branding_body(spec: dict[str, Any] | None = None) -> dict[str, Any]:
    """The example CviBranding, as first seen (no status)."""
    path = EXAMPLES_DIR / "prod" / "rm" / "branding.yaml"
    doc = next(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d["kind"] == "CviBranding")
    doc["metadata"].update(uid="uid-branding", generation=1)
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
    # Per user kind: for each of its reconciles, whether the vanished resource was still known.
    seen: dict[str, list[bool]]


@pytest.fixture
async def world(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Callable[..., Awaitable[World]]]:
    worlds: list[World] = []
    with serve(Simulator()) as node:
        client = PexipClient(node.base_url, auth=("admin", "admin"))
        async with client:

            async def make(users: dict[str, list[dict[str, Any]]], gone: tuple[str, str]) -> World:
                kube = Kube(users, BY_KIND[gone[0]].plural)
                rt = Runtime(kube)  # type: ignore[arg-type]  # what the runtime and these finalizers call
                platform = PlatformRuntime("prod", "f", client, PexipCache(client), OperatorMetrics())
                for kind in (WEBAPP_BRANDING, WEBAPP_ALIAS, IVR_THEME, TURN_SERVER):
                    await platform.cache.ensure(kind)
                rt.platforms["prod"] = platform
                rt.tenants["rm"] = Tenant.model_validate(TENANT)
                seen: dict[str, list[bool]] = {}
                for user_kind, bodies in (
                    ("OutlookScheduling", users.get("outlookschedulings", [])),
                    ("Domain", users.get("domains", [])),
                ):
                    for body in bodies:
                        rt.known[(user_kind, NAMESPACE, body["metadata"]["name"])] = body

                    async def reconcile_user(
                        _rt: Any, body: dict[str, Any], user_kind: str = user_kind
                    ) -> Reconciled:
                        seen.setdefault(user_kind, []).append((gone[0], NAMESPACE, gone[1]) in rt.known)
                        return Reconciled(Outcome(Phase.READY, Reason.AVAILABLE, "stand-in"))

                    monkeypatch.setitem(
                        BY_KIND, user_kind, dataclasses.replace(BY_KIND[user_kind], reconcile=reconcile_user)
                    )
                made = World(rt, kube, client, seen)
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
    on it and the IVR theme, each as the real reconcile names and marks them."""
    owner = Owner("CviBranding", NAMESPACE, "rm")

    async def reconcile(rt: Any, body: dict[str, Any]) -> Reconciled:
        platform = rt.platforms["prod"]
        package = await create_object(
            platform, WEBAPP_BRANDING, package_fields(owner, "ab" * 32), file=("b.zip", branding_zip())
        )
        alias = await create_object(
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
        theme = await create_object(
            platform, IVR_THEME, {"name": theme_name(owner)}, file=("t.zip", theme_zip())
        )
        status = {"ivrTheme": theme.resource_uri, "webAppUrl": f"https://vdx.rm.dk/{alias.slug}"}
        return Reconciled(Outcome(Phase.READY, Reason.AVAILABLE, "uploaded"), status=status, platform="prod")

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


async def test_a_vanished_branding_named_by_an_outlook_scheduling_leaves_nothing_in_pexip(
    world: Callable[..., Awaitable[World]], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    install_branding_reconcile(monkeypatch)
    booking = user("OutlookScheduling", "booking", {"brandingRef": {"name": "rm"}})
    w = await world({"outlookschedulings": [booking]}, ("CviBranding", "rm"))
    with caplog.at_level(logging.INFO, logger="vdx"):
        outcome = await w.rt.reconcile("CviBranding", branding_body())
        await settle()
    assert outcome.reason == Reason.DELETED
    assert await _ours(w.client) == {"packages": [], "paths": [], "themes": []}
    assert "were not cleaned up" not in caplog.text
    assert "was deleted before the operator's finalizer was on it" in caplog.text
    # Woken once the branding is gone from what the operator knows, so it says its branding is missing.
    assert w.seen.get("OutlookScheduling") == [False]


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
    assert [owner_of(o.description) for o in (*left["packages"], *left["paths"])] == [None, None]


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

    async def list_namespaced(self, plural: str, namespace: str) -> list[dict[str, Any]]:
        return [self.user]


class _Finalizer(_Finalizing):
    def __init__(self, vanished: bool, names: dict[str, str]) -> None:
        super().__init__(vanished)
        self.kube = _Users(names)

    async def tenant_for_namespace(self, namespace: str) -> None:
        return None  # no Tenant: each finalizer stops before Pexip


@pytest.mark.parametrize("kind", ["CviBranding", "TurnService", "IdentityProvider", "Recorder"])
async def test_no_kind_that_waits_for_users_waits_once_it_vanished(kind: str) -> None:
    """Every finalizer that waits for its users (`wait_for_users`) goes on for a vanished resource."""
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
    gone: Any = _Finalizer(vanished=True, names=names)
    await BY_KIND[kind].finalize(gone, body)

"""The OneTouchJoin reconciler sends an object's secrets again only when what they come from changed.

The real `reconcile` against an in-process simulator, with a stand-in for the rest of the operator
(the Secrets, the Tenant). The simulator's request log shows every write, secret values as `***`:
an endpoint added or removed writes that endpoint alone; a Secret two endpoints use, rotated, is
sent to those two; a type change to that endpoint; ObserveOnly sends nothing and the objects it held
back get theirs once the policy is Full; the record the previous version wrote resends nothing.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import yaml

from vdx.api.loader import load_tree
from vdx.api.onetouch import OneTouchJoin
from vdx.api.tenant import Tenant
from vdx.controller.cache import PexipCache
from vdx.controller.conditions import Outcome
from vdx.controller.metrics import OperatorMetrics
from vdx.controller.platforms import PlatformRuntime
from vdx.controller.reconcilers.onetouch import reconcile
from vdx.paths import EXAMPLES_DIR
from vdx.pexip import PexipClient, PlatformLimiter
from vdx.pexip.resources import MJX_ENDPOINT, SYSTEM_LOCATION
from vdx.pexip.simulator import SeedOptions, Simulator, SimulatorConfig

NAMESPACE = "vdx-stage-rm"
CLIENT_SECRET = "canary-otj-graph-5d21"
PASSWORDS = {"otj-mr-skejby-1": "canary-otj-mr-1-77ab", "otj-mr-skejby-2": "canary-otj-mr-2-90c3"}
ROTATED = "canary-otj-rotated-e3f8"
SECRET_FIELDS = {"client_secret", "api_password", "poly_password"}
TENANT = load_tree([EXAMPLES_DIR / "stage" / "rm"]).of_kind(Tenant)[0]


@dataclass
class Kube:
    """The Secrets, each with its resourceVersion."""

    secrets: dict[str, tuple[dict[str, str], str]] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)

    async def secret_data(self, namespace: str, name: str) -> tuple[dict[str, str], str] | None:
        assert namespace == NAMESPACE
        self.reads.append(name)
        found = self.secrets.get(name)
        return (dict(found[0]), found[1]) if found else None

    def put(self, name: str, data: dict[str, str]) -> None:
        version = int(self.secrets[name][1]) + 1 if name in self.secrets else 1
        self.secrets[name] = (data, str(version))


class Operator:
    """The part of the runtime a OneTouchJoin's reconcile uses."""

    def __init__(self, platform: PlatformRuntime, tenant: Tenant) -> None:
        self.kube = Kube()
        self.platforms = {platform.name: platform}
        self.known: dict[Any, Any] = {}
        self.metrics = platform.metrics
        self.tenant = tenant

    async def tenant_for_namespace(self, namespace: str) -> Tenant:
        return self.tenant

    def watch_secret(self, namespace: str, name: str, body: dict[str, Any]) -> None:
        pass


@dataclass
class World:
    sim: Simulator
    rt: Operator
    body: dict[str, Any]
    outcome: Outcome | None = None

    async def reconcile(self) -> list[tuple[str, str, list[str]]]:
        """One reconcile, its status kept as the API server would; what it wrote: (method, object,
        the secret fields the write carried)."""
        self.sim.accounting.reset()
        names = {  # before: a deleted object is gone after
            (table, str(object_id)): str(row.get("name"))
            for table, rows in self.sim.engine.tables.items()
            for object_id, row in rows.items()
        }
        done = await reconcile(self.rt, copy.deepcopy(self.body))  # type: ignore[arg-type]
        self.outcome = done.outcome
        status = self.body.setdefault("status", {})
        status.update(done.status or {})
        status["observedGeneration"] = self.body["metadata"]["generation"]
        writes = []
        for entry in self.sim.accounting.entries:
            if entry.method in ("POST", "PATCH", "DELETE"):
                sent = sorted(k for k in entry.body or {} if k in SECRET_FIELDS)
                name = entry.body["name"] if entry.method == "POST" else names[_table_and_id(entry.path)]
                writes.append((entry.method, str(name), sent))
        return sorted(writes)

    def endpoints(self) -> list[dict[str, Any]]:
        return list(self.body["spec"]["endpointGroups"][0]["endpoints"])

    def set_endpoints(self, endpoints: list[dict[str, Any]]) -> None:
        self.body["spec"]["endpointGroups"][0]["endpoints"] = endpoints
        self.body["metadata"]["generation"] += 1


def _table_and_id(path: str) -> tuple[str, str]:
    table, object_id = path.rstrip("/").split("/")[-2:]
    return table, object_id


def endpoint(name: str) -> str:
    return f"{NAMESPACE}/stage-otj/{name}"


@pytest.fixture
async def world() -> AsyncIterator[World]:
    """The stage example's OneTouchJoin, reconciled once: everything created with its secrets."""
    sim = Simulator(SimulatorConfig(seed=SeedOptions(history=None)))
    client = PexipClient(
        "http://pexip.test",
        auth=("admin", "admin"),
        transport=httpx.ASGITransport(app=sim),
        limiter=PlatformLimiter(max_in_flight=5, rate=10_000),  # not the shared one of the address
    )
    metrics = OperatorMetrics()
    platform = PlatformRuntime(TENANT.spec.platform_ref.name, "f", client, PexipCache(client), metrics)
    rt = Operator(platform, TENANT)
    rt.kube.put("otj-graph", {"clientSecret": CLIENT_SECRET})
    for name, password in PASSWORDS.items():
        rt.kube.put(name, {"username": "admin", "password": password})
    path = EXAMPLES_DIR / "stage" / "rm" / "onetouch.yaml"
    body = next(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d)
    body["metadata"].update(generation=1, uid="uid-otj")
    async with client:
        await client.create(SYSTEM_LOCATION, {"name": "Region Midtjylland"})
        found = World(sim, rt, body)
        created = await found.reconcile()
        assert [(m, sent) for m, _, sent in created if sent] == [
            ("POST", ["client_secret"]),
            ("POST", ["api_password"]),
            ("POST", ["poly_password"]),
        ]
        assert await found.reconcile() == []
        yield found


async def test_an_endpoint_added_or_removed_resends_nothing_to_the_others(world: World) -> None:
    first, second = world.endpoints()
    third = {**first, "name": "mr-skejby-3", "roomMailbox": "mr3@rm.dk", "address": "mr3.video.rm.dk"}
    world.set_endpoints([first, second, third])
    assert await world.reconcile() == [("POST", endpoint("mr-skejby-3"), ["api_password"])]
    world.set_endpoints([first, third])
    assert await world.reconcile() == [("DELETE", endpoint("mr-skejby-2"), [])]
    assert await world.reconcile() == []


async def test_a_secret_two_endpoints_use_rotated_is_resent_to_both_alone(world: World) -> None:
    first, second = world.endpoints()
    third = {**first, "name": "mr-skejby-3", "roomMailbox": "mr3@rm.dk", "address": "mr3.video.rm.dk"}
    world.set_endpoints([first, second, third])
    await world.reconcile()
    world.rt.kube.put("otj-mr-skejby-1", {"username": "admin", "password": ROTATED})
    assert await world.reconcile() == [
        ("PATCH", endpoint("mr-skejby-1"), ["api_password"]),
        ("PATCH", endpoint("mr-skejby-3"), ["api_password"]),
    ]
    stored = [row.get("api_password") for row in world.sim.engine.tables[MJX_ENDPOINT.name].values()]
    assert stored.count(ROTATED) == 2
    assert await world.reconcile() == []


async def test_an_endpoint_moved_to_another_secret_or_type_alone_gets_its_password(world: World) -> None:
    first, second = world.endpoints()
    world.set_endpoints([{**first, "credentialsSecretRef": {"name": "otj-mr-skejby-2"}}, second])
    assert await world.reconcile() == [("PATCH", endpoint("mr-skejby-1"), ["api_password"])]
    world.set_endpoints(
        [{**first, "credentialsSecretRef": {"name": "otj-mr-skejby-2"}, "type": "Poly"}, second]
    )
    assert await world.reconcile() == [("PATCH", endpoint("mr-skejby-1"), ["poly_password"])]
    assert await world.reconcile() == []


async def test_observe_only_sends_nothing_and_full_sends_what_it_held_back_once(world: World) -> None:
    world.body["spec"]["managementPolicy"] = "ObserveOnly"
    world.body["metadata"]["generation"] += 1
    world.rt.kube.put("otj-mr-skejby-2", {"username": "admin", "password": ROTATED})
    assert await world.reconcile() == []
    assert await world.reconcile() == []
    # Reported as what it would write, as any difference under ObserveOnly; the value never.
    assert world.outcome is not None
    assert world.outcome.reason == "DriftObserved"
    assert f"{endpoint('mr-skejby-2')}" in world.outcome.message
    assert ROTATED not in world.outcome.message
    world.body["spec"]["managementPolicy"] = "Full"
    world.body["metadata"]["generation"] += 1
    assert await world.reconcile() == [("PATCH", endpoint("mr-skejby-2"), ["poly_password"])]
    assert await world.reconcile() == []


async def test_the_previous_versions_record_resends_nothing_after_an_upgrade(world: World) -> None:
    """The digest the version before wrote, for these Secrets: nothing changed since it was
    written, so nothing is sent; the record takes its new shape. (Built here by `former_record`;
    `test_onetouch_sent` holds that function to a digest the version before computed.)"""
    from vdx.controller.planners.onetouch_sent import former_record

    otj = OneTouchJoin.model_validate({k: v for k, v in world.body.items() if k != "status"})
    versions = {name: version for name, (_, version) in world.rt.kube.secrets.items()}
    world.body["status"]["secretResourceVersions"] = former_record(otj, versions)
    assert await world.reconcile() == []
    assert world.body["status"]["secretResourceVersions"].startswith("digests:")


async def test_an_endpoint_of_the_former_name_is_renamed_without_its_password(world: World) -> None:
    """Made as `<namespace>/<endpoint>` by an earlier version: renamed in place, its password not sent
    again (the record knows an endpoint by its name in the spec, not in Pexip)."""
    platform = world.rt.platforms["stage"]
    for made in await platform.cache.objects(MJX_ENDPOINT):
        former = f"{NAMESPACE}/{made.name.rsplit('/', 1)[-1]}"
        await platform.client.patch(MJX_ENDPOINT, made.id, {"name": former})
    await platform.cache.relist(MJX_ENDPOINT)
    assert await world.reconcile() == [  # by the name each had before the write
        ("PATCH", f"{NAMESPACE}/mr-skejby-1", []),
        ("PATCH", f"{NAMESPACE}/mr-skejby-2", []),
    ]
    names = sorted(e.name for e in await platform.cache.objects(MJX_ENDPOINT))
    assert names == [endpoint("mr-skejby-1"), endpoint("mr-skejby-2")]
    assert await world.reconcile() == []


async def test_no_secret_value_is_in_the_status(world: World) -> None:
    world.rt.kube.put("otj-mr-skejby-1", {"username": "admin", "password": ROTATED})
    await world.reconcile()
    shown = repr(world.body["status"])
    for canary in (CLIENT_SECRET, ROTATED, *PASSWORDS.values()):
        assert canary not in shown


async def test_a_secret_the_calendar_and_an_endpoint_share_is_read_once(world: World) -> None:
    """Read twice, a rotation between the reads would record the newer resourceVersion for the
    calendar, which was sent the older data: it would never get the newer."""
    first, second = world.endpoints()
    world.rt.kube.put("otj-shared", {"clientSecret": CLIENT_SECRET, "username": "admin", "password": ROTATED})
    world.body["spec"]["calendar"]["credentialsSecretRef"] = {"name": "otj-shared"}
    world.set_endpoints([{**first, "credentialsSecretRef": {"name": "otj-shared"}}, second])
    world.rt.kube.reads.clear()
    assert await world.reconcile() == [
        ("PATCH", f"{NAMESPACE}/stage-otj", ["client_secret"]),
        ("PATCH", endpoint("mr-skejby-1"), ["api_password"]),
    ]
    assert world.rt.kube.reads.count("otj-shared") == 1
    assert await world.reconcile() == []

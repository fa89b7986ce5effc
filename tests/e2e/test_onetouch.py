"""OneTouchJoin end to end: control plane + simulator + operator.

Create (calendar, profile, group, endpoints, a rule per tenant domain), update, Secret rotation
(resent, canaries never in status, events or logs), observe-only drift, Orphan and Delete, adoption
of a profile made by hand, and the refusals (an endpoint address another tenant's endpoint holds, a
Graph app registration another tenant uses) with nothing made in Pexip. Two OneTouchJoins of one
namespace with an endpoint of one name, and an endpoint of the former name renamed in place.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest
from kubernetes import client

from tests.e2e.harness import Harness, condition, wait_for, wait_ready
from vdx.controller.ownership import Owner
from vdx.pexip.resources import (
    MJX_ENDPOINT,
    MJX_ENDPOINT_GROUP,
    MJX_GRAPH_DEPLOYMENT,
    MJX_INTEGRATION,
    MJX_MEETING_PROCESSING_RULE,
)
from vdx.testing.operator import OperatorThread

pytestmark = pytest.mark.kube
T = TypeVar("T")

DOMAIN = "vdx.otj.dk"
APP = "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a"
OTHER_APP = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
CLIENT_SECRET = "canary-otj-graph-3b7e"
ENDPOINT_PASSWORD = "canary-otj-endpoint-8f1d"
OTHER_PASSWORD = "canary-otj-endpoint-b-2c7e"
ROTATED = "canary-otj-rotated-c4a9"


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def listed(h: Harness, kind: Any) -> list[Any]:
    async def go() -> list[Any]:
        async with h.pexip() as pexip:
            return list(await pexip.list(kind))

    return run(go())


def stored(h: Harness, table: str, field: str) -> list[Any]:
    """What the node holds in a write-only field (Pexip never returns it over the API)."""
    return [row.get(field) for row in h.sim.simulator.engine.tables[table].values()]


def last_write(h: Harness) -> int:
    entries = h.sim.simulator.accounting.entries
    return entries[-1].seq if entries else 0


def secrets_written_since(h: Harness, seq: int) -> list[str]:
    """The writes after `seq` that carried a secret (the node's log shows each as `***`)."""
    return [
        f"{e.method} {e.resource}"
        for e in h.sim.simulator.accounting.entries
        if e.seq > seq and isinstance(e.body, dict) and "***" in e.body.values()
    ]


def events_of(h: Harness, name: str) -> list[str]:
    core = client.CoreV1Api(h.api)
    return [
        f"{e.reason}: {e.message}"
        for e in core.list_namespaced_event(h.namespace).items
        if e.involved_object.name == name
    ]


def ready_reason(h: Harness, name: str) -> tuple[str, str]:
    cond = condition(h.get("onetouchjoins", name), "Ready") or {}
    return str(cond.get("reason")), str(cond.get("message"))


def spec(app: str = APP, **changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "calendar": {
            "type": "Microsoft365",
            "entraTenantId": "1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
            "applicationId": app,
            "credentialsSecretRef": {"name": "otj-graph"},
        },
        "endpointGroups": [
            {
                "name": "rooms",
                "systemLocation": "Default location",
                "endpoints": [
                    {
                        "name": "mr-1",
                        "type": "Cisco",
                        "roomMailbox": "mr1@otj.dk",
                        "address": "mr1.video.otj.dk",
                        "credentialsSecretRef": {"name": "otj-mr"},
                    },
                    {
                        "name": "mr-2",
                        "type": "Poly",
                        "roomMailbox": "mr2@otj.dk",
                        "address": "mr2.video.otj.dk",
                        "credentialsSecretRef": {"name": "otj-mr"},
                    },
                ],
            }
        ],
    }
    value.update(changes)
    return value


def setup(h: Harness) -> None:
    h.platform_and_tenant([DOMAIN])
    h.secret("otj-graph", {"clientSecret": CLIENT_SECRET})
    h.secret("otj-mr", {"username": "admin", "password": ENDPOINT_PASSWORD})


def test_one_touch_join_lifecycle(
    operator: OperatorThread, h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    setup(h)
    h.create("onetouchjoins", "OneTouchJoin", "otj", spec())
    obj = wait_ready(h, "onetouchjoins", "otj", timeout=60)
    (graph,) = listed(h, MJX_GRAPH_DEPLOYMENT)
    (profile,) = listed(h, MJX_INTEGRATION)
    (group,) = listed(h, MJX_ENDPOINT_GROUP)
    endpoints = sorted(listed(h, MJX_ENDPOINT), key=lambda e: e.name)
    (rule,) = listed(h, MJX_MEETING_PROCESSING_RULE)
    assert graph.client_id == APP
    assert profile.graph_deployment == graph.resource_uri
    assert group.mjx_integration == profile.resource_uri
    assert [e.endpoint_type for e in endpoints] == ["CISCO", "POLY"]
    assert all(e.mjx_endpoint_group == group.resource_uri for e in endpoints)
    assert (rule.meeting_type, rule.domain, rule.mjx_integration) == (
        "pexipinfinity",
        DOMAIN,
        profile.resource_uri,
    )
    assert stored(h, "mjx_graph_deployment", "client_secret") == [CLIENT_SECRET]
    assert stored(h, "mjx_endpoint", "api_password").count(ENDPOINT_PASSWORD) == 1
    assert stored(h, "mjx_endpoint", "poly_password").count(ENDPOINT_PASSWORD) == 1
    status = obj["status"]
    assert status["profile"] == profile.resource_uri
    assert status["endpoints"] == 2
    # The Event is posted after the status write that made it Ready: wait for it, do not peek.
    wait_for(
        lambda: any(e.startswith("CreatedExternalResource") for e in events_of(h, "otj")),
        10,
        "the CreatedExternalResource event",
    )

    # Update: an endpoint removed, the buffer changed.
    updated = spec(startBufferMinutes=15)
    updated["endpointGroups"][0]["endpoints"] = updated["endpointGroups"][0]["endpoints"][:1]
    h.patch("onetouchjoins", "otj", {"spec": updated})
    wait_for(lambda: len(listed(h, MJX_ENDPOINT)) == 1, 30, "endpoint removed")
    wait_ready(h, "onetouchjoins", "otj", timeout=30)
    assert listed(h, MJX_INTEGRATION)[0].start_buffer == 15

    # A new type takes the password in another field: it is sent there, though no Secret changed.
    poly = spec(startBufferMinutes=15)
    poly["endpointGroups"][0]["endpoints"] = [{**poly["endpointGroups"][0]["endpoints"][0], "type": "Poly"}]
    h.patch("onetouchjoins", "otj", {"spec": poly})
    wait_for(lambda: stored(h, "mjx_endpoint", "poly_password") == [ENDPOINT_PASSWORD], 30, "sent for Poly")
    wait_ready(h, "onetouchjoins", "otj", timeout=30)

    # An endpoint moved to a Secret another endpoint already uses gets that Secret's password,
    # though the Secrets in use and their versions are the same as before. Endpoints added or
    # removed send nothing to the others: the new ones get theirs on creation.
    h.secret("otj-mr-b", {"username": "admin", "password": OTHER_PASSWORD})
    before = last_write(h)
    first = poly["endpointGroups"][0]["endpoints"][0]
    room_b = {"roomMailbox": "mrb@otj.dk", "address": "mrb.video.otj.dk"}
    room_c = {"roomMailbox": "mrc@otj.dk", "address": "mrc.video.otj.dk"}
    others = [
        {**first, **room_b, "name": "mr-b", "type": "Cisco", "credentialsSecretRef": {"name": "otj-mr-b"}},
        {**first, **room_c, "name": "mr-c", "type": "Cisco"},
    ]
    poly["endpointGroups"][0]["endpoints"] = [first, *others]
    h.patch("onetouchjoins", "otj", {"spec": poly})
    wait_for(lambda: len(listed(h, MJX_ENDPOINT)) == 3, 30, "two endpoints added")
    wait_ready(h, "onetouchjoins", "otj", timeout=30)
    assert sorted(secrets_written_since(h, before)) == [
        "POST configuration/mjx_endpoint",
        "POST configuration/mjx_endpoint",
    ]
    before = last_write(h)
    poly["endpointGroups"][0]["endpoints"] = [
        {**first, "credentialsSecretRef": {"name": "otj-mr-b"}},
        *others,
    ]
    h.patch("onetouchjoins", "otj", {"spec": poly})
    wait_for(lambda: OTHER_PASSWORD in stored(h, "mjx_endpoint", "poly_password"), 30, "sent from otj-mr-b")
    wait_ready(h, "onetouchjoins", "otj", timeout=30)
    assert secrets_written_since(h, before) == ["PATCH configuration/mjx_endpoint"]
    before = last_write(h)
    poly["endpointGroups"][0]["endpoints"] = [first]
    h.patch("onetouchjoins", "otj", {"spec": poly})
    wait_for(lambda: len(listed(h, MJX_ENDPOINT)) == 1, 30, "back to one endpoint")
    wait_ready(h, "onetouchjoins", "otj", timeout=30)
    # mr-1 is back on otj-mr: its password alone, nothing to the calendar source.
    assert secrets_written_since(h, before) == ["PATCH configuration/mjx_endpoint"]
    assert stored(h, "mjx_endpoint", "poly_password") == [ENDPOINT_PASSWORD]

    # Secret rotation: resent.
    h.secret("otj-graph", {"clientSecret": ROTATED})
    wait_for(lambda: stored(h, "mjx_graph_deployment", "client_secret") == [ROTATED], 30, "secret resent")

    # Observe-only: drift reported, not corrected.
    h.patch("onetouchjoins", "otj", {"spec": {"managementPolicy": "ObserveOnly"}})
    wait_ready(h, "onetouchjoins", "otj", timeout=30)

    async def drift() -> None:
        async with h.pexip() as pexip:
            await pexip.update(MJX_INTEGRATION, profile.id, {"end_buffer": 30})

    run(drift())
    wait_for(lambda: ready_reason(h, "otj")[0] == "DriftObserved", 40, "drift observed")
    assert "end_buffer 30 -> 0" in ready_reason(h, "otj")[1]
    assert listed(h, MJX_INTEGRATION)[0].end_buffer == 30

    # Orphan: everything stays in Pexip, without markers.
    h.patch("onetouchjoins", "otj", {"spec": {"managementPolicy": "Full", "deletionPolicy": "Orphan"}})
    wait_for(lambda: listed(h, MJX_INTEGRATION)[0].end_buffer == 0, 30, "drift corrected")
    h.delete("onetouchjoins", "otj")
    wait_for(lambda: h.gone("onetouchjoins", "otj"), 30, "deleted")
    assert len(listed(h, MJX_INTEGRATION)) == 1
    assert not listed(h, MJX_ENDPOINT)[0].description.startswith("[vdx:")

    assert operator.events_sent()  # they go out in the background
    blob = "\n".join([caplog.text, *events_of(h, "otj"), repr(status)])
    for canary in (CLIENT_SECRET, ENDPOINT_PASSWORD, OTHER_PASSWORD, ROTATED):
        assert canary not in blob


def test_two_one_touch_joins_of_a_namespace_and_an_endpoint_of_the_former_name(
    operator: OperatorThread, h: Harness
) -> None:
    """Endpoints are named `<namespace>/<otj>/<endpoint>`: a second OneTouchJoin of the namespace
    with an endpoint mr-1 gets its own. One made under the former name `<namespace>/<endpoint>`
    (with the marker) is renamed in place: the same object, no delete, an update, not drift."""
    setup(h)
    h.create("onetouchjoins", "OneTouchJoin", "first", spec())
    wait_ready(h, "onetouchjoins", "first", timeout=60)
    made = {e.resource_uri: e for e in listed(h, MJX_ENDPOINT)}
    assert sorted(e.name for e in made.values()) == [f"{h.namespace}/first/mr-1", f"{h.namespace}/first/mr-2"]

    async def as_formerly_named() -> None:
        async with h.pexip() as pexip:
            for endpoint in made.values():
                former = f"{h.namespace}/{endpoint.name.rsplit('/', 1)[-1]}"
                await pexip.update(MJX_ENDPOINT, endpoint.id, {"name": former})

    run(as_formerly_named())

    def renamed() -> bool:
        now = {e.resource_uri: e.name for e in listed(h, MJX_ENDPOINT)}
        return now == {uri: e.name for uri, e in made.items()}

    wait_for(renamed, 40, "renamed in place")
    rename = f"name '{h.namespace}/mr-1' -> '{h.namespace}/first/mr-1'"
    wait_for(
        lambda: any(e.startswith("UpdatedExternalResource") and rename in e for e in events_of(h, "first")),
        10,
        "the rename's event",
    )
    events = events_of(h, "first")
    assert not [e for e in events if e.startswith(("DriftCorrected", "DeletedExternalResource"))], events
    assert stored(h, "mjx_endpoint", "api_password").count(ENDPOINT_PASSWORD) == 1

    # A second OneTouchJoin of the namespace, with its own app registration and rooms, and mr-1 too.
    second = spec(OTHER_APP)
    for endpoint in second["endpointGroups"][0]["endpoints"]:
        endpoint.update(roomMailbox=f"b.{endpoint['roomMailbox']}", address=f"b.{endpoint['address']}")
    h.create("onetouchjoins", "OneTouchJoin", "second", second)
    wait_ready(h, "onetouchjoins", "second", timeout=60)
    assert sorted(e.name for e in listed(h, MJX_ENDPOINT)) == [
        f"{h.namespace}/first/mr-1",
        f"{h.namespace}/first/mr-2",
        f"{h.namespace}/second/mr-1",
        f"{h.namespace}/second/mr-2",
    ]


def test_one_touch_join_refusals_adoption_and_delete(operator: OperatorThread, h: Harness) -> None:
    setup(h)
    other = Owner("OneTouchJoin", "vdx-other-tenant", "otj")

    async def another_tenants() -> None:
        """Another tenant's profile: its Graph deployment (app registration APP) and an endpoint."""
        async with h.pexip() as pexip:
            graph = await pexip.create(
                MJX_GRAPH_DEPLOYMENT,
                {"name": "vdx-other-tenant/otj", "description": other.describe(None), "client_id": APP},
            )
            profile = await pexip.create(
                MJX_INTEGRATION,
                {
                    "name": "vdx-other-tenant/otj",
                    "description": other.describe(None),
                    "graph_deployment": graph.resource_uri,
                },
            )
            group = await pexip.create(
                MJX_ENDPOINT_GROUP,
                {"name": "vdx-other-tenant/otj/rooms", "mjx_integration": profile.resource_uri},
            )
            await pexip.create(
                MJX_ENDPOINT,
                {
                    "name": "vdx-other-tenant/x",
                    "description": other.describe(None),
                    "endpoint_type": "CISCO",
                    "room_resource_email": "x@other.dk",
                    "api_address": "MR2.video.otj.dk",
                    "mjx_endpoint_group": group.resource_uri,
                },
            )

    run(another_tenants())
    kinds = (
        MJX_GRAPH_DEPLOYMENT,
        MJX_INTEGRATION,
        MJX_ENDPOINT_GROUP,
        MJX_ENDPOINT,
        MJX_MEETING_PROCESSING_RULE,
    )

    def counts() -> dict[str, int]:
        return {kind.name: len(listed(h, kind)) for kind in kinds}

    before = counts()
    # An endpoint address another tenant's endpoint holds: refused, nothing made.
    h.create("onetouchjoins", "OneTouchJoin", "otj", spec(OTHER_APP))
    wait_for(lambda: ready_reason(h, "otj")[0] == "EndpointAddressTaken", 40, "address refused")
    message = ready_reason(h, "otj")[1]
    assert "spec.endpointGroups[0].endpoints[1].address mr2.video.otj.dk" in message
    assert "OneTouchJoin vdx-other-tenant/otj" in message
    assert counts() == before
    h.delete("onetouchjoins", "otj")
    wait_for(lambda: h.gone("onetouchjoins", "otj"), 30, "refused one deleted")

    # The app registration of another tenant's Graph deployment: refused, nothing made.
    one_room = spec()
    one_room["endpointGroups"][0]["endpoints"] = one_room["endpointGroups"][0]["endpoints"][:1]
    h.create("onetouchjoins", "OneTouchJoin", "shared", one_room)
    wait_for(lambda: ready_reason(h, "shared")[0] == "GraphDeploymentShared", 40, "shared app refused")
    assert "register the organisation's own app" in ready_reason(h, "shared")[1]
    assert counts() == before
    h.delete("onetouchjoins", "shared")
    wait_for(lambda: h.gone("onetouchjoins", "shared"), 30, "refused one deleted")

    # A profile made by hand with our name: AlreadyExists until adopted.
    async def by_hand() -> str:
        async with h.pexip() as pexip:
            made = await pexip.create(MJX_INTEGRATION, {"name": f"{h.namespace}/adopted"})
            return made.resource_uri

    uri = run(by_hand())
    own = spec(OTHER_APP)
    own["endpointGroups"][0]["endpoints"] = own["endpointGroups"][0]["endpoints"][:1]
    h.create("onetouchjoins", "OneTouchJoin", "adopted", own)
    wait_for(lambda: ready_reason(h, "adopted")[0] == "AlreadyExists", 40, "foreign profile refused")
    h.custom.patch_namespaced_custom_object(
        "vdx.medcom.dk",
        "v1alpha1",
        h.namespace,
        "onetouchjoins",
        "adopted",
        {"metadata": {"annotations": {"vdx.medcom.dk/adopt": uri}}},
    )
    wait_ready(h, "onetouchjoins", "adopted", timeout=40)
    adopted = [p for p in listed(h, MJX_INTEGRATION) if p.resource_uri == uri]
    assert adopted[0].description.startswith(f"[vdx:OneTouchJoin/{h.namespace}/adopted]")
    assert counts()[MJX_ENDPOINT.name] == before[MJX_ENDPOINT.name] + 1

    # Delete: endpoints, rules, group, profile, calendar; the other tenant's objects stay.
    h.delete("onetouchjoins", "adopted")
    wait_for(lambda: h.gone("onetouchjoins", "adopted"), 30, "deleted")
    assert counts() == before
    assert [p.name for p in listed(h, MJX_INTEGRATION)] == ["vdx-other-tenant/otj"]

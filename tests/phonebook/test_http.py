"""The phone book routes of the operator's HTTP app, and the cache behind them."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from tests.phonebook.bodies import device, room, tenant
from vdx.controller.http import health_app
from vdx.controller.metrics import OperatorMetrics
from vdx.phonebook.book import PhoneBook
from vdx.phonebook.live import LivePhoneBook


class Client:
    """Requests to the app in-process through httpx's ASGI transport (no socket, no thread)."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    def get(self, path: str, params: dict[str, str] | None = None) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://operator") as client:
                return await client.get(path, params=params)

        return asyncio.run(go())


def versioned(body: dict[str, Any], version: str) -> dict[str, Any]:
    body["metadata"]["resourceVersion"] = version
    return body


@pytest.fixture
def known() -> dict[tuple[str, str | None, str], dict[str, Any]]:
    bodies = [
        versioned(tenant("aarhus", "Aarhus Kommune", "vdx-aarhus"), "1"),
        versioned(tenant("plo", "PLO", "vdx-plo", shared=False), "2"),
        versioned(room("vdx-aarhus", "aeldre", "Ældreplejen Østbyen", "aeldre@vdx.aarhus.dk"), "3"),
        versioned(device("vdx-plo", "klinik", "Klinik <Åby> & Søn", "klinik@vdx.plo.dk"), "4"),
        # Other kinds the operator watches are ignored.
        {
            "kind": "Domain",
            "metadata": {"name": "d", "namespace": "vdx-plo", "resourceVersion": "5"},
            "spec": {},
        },
    ]
    return {(b["kind"], b["metadata"].get("namespace"), b["metadata"]["name"]): b for b in bodies}


@pytest.fixture
def book(known: dict[Any, dict[str, Any]]) -> LivePhoneBook:
    return LivePhoneBook(lambda: known.values())


@pytest.fixture
def http(book: LivePhoneBook) -> Client:
    return Client(health_app(OperatorMetrics(), lambda: True, book))


def test_json_full_view(http: Client) -> None:
    response = http.get("/phonebook.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert [e["alias"] for e in response.json()["entries"]] == ["aeldre@vdx.aarhus.dk", "klinik@vdx.plo.dk"]


def test_tenant_view_hides_what_is_not_shared(http: Client) -> None:
    assert [e["alias"] for e in http.get("/phonebook.json?tenant=aarhus").json()["entries"]] == [
        "aeldre@vdx.aarhus.dk"
    ]
    assert len(http.get("/phonebook.json", params={"tenant": "plo"}).json()["entries"]) == 2


def test_xml_and_csv(http: Client) -> None:
    xml = http.get("/phonebook.xml?tenant=plo")
    assert xml.headers["content-type"] == "application/xml; charset=utf-8"
    names = [e.findtext("Name") for e in ET.fromstring(xml.content)]
    assert names == ["Ældreplejen Østbyen (Aarhus Kommune)", "Klinik <Åby> & Søn (PLO)"]
    text = http.get("/phonebook.csv").content.decode("utf-8-sig")
    assert text.splitlines()[0] == "name,alias,organisation,tenant,kind,platform,tenant_state"
    assert "Klinik <Åby> & Søn" in text


def test_unknown_tenant_and_format_are_404_with_a_message(http: Client) -> None:
    response = http.get("/phonebook.json?tenant=odense")
    assert response.status_code == 404
    assert "no Tenant named 'odense'" in response.text
    response = http.get("/phonebook.vcf")
    assert response.status_code == 404
    assert "/phonebook.json" in response.text


def test_health_routes_still_answer(http: Client) -> None:
    assert http.get("/healthz").text == "ok"
    assert http.get("/readyz").text == "ready"


def test_standby_answers_503() -> None:
    def nothing() -> PhoneBook | None:
        return None

    response = Client(health_app(OperatorMetrics(), lambda: True, nothing)).get("/phonebook.xml")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"


def test_no_phone_book_routes_without_a_source() -> None:
    assert Client(health_app(OperatorMetrics(), lambda: True)).get("/phonebook.json").status_code == 404


def test_rebuilt_only_when_a_relevant_body_changes(
    http: Client, book: LivePhoneBook, known: dict[Any, dict[str, Any]]
) -> None:
    http.get("/phonebook.json")
    http.get("/phonebook.xml?tenant=plo")
    assert book.builds == 1
    known[("Domain", "vdx-plo", "d")]["metadata"]["resourceVersion"] = "50"  # not in the phone book
    http.get("/phonebook.json")
    assert book.builds == 1
    # The watch delivers a new body for a changed room: new resourceVersion, new name.
    changed = versioned(room("vdx-aarhus", "aeldre", "Ældreplejen Vest", "aeldre@vdx.aarhus.dk"), "60")
    known[("MeetingRoom", "vdx-aarhus", "aeldre")] = changed
    assert http.get("/phonebook.json").json()["entries"][0]["name"] == "Ældreplejen Vest"
    assert book.builds == 2
    known[("Device", "vdx-aarhus", "new")] = versioned(
        device("vdx-aarhus", "new", "Ny stue", "ny@vdx.aarhus.dk"), "61"
    )
    assert len(http.get("/phonebook.json").json()["entries"]) == 3
    del known[("Device", "vdx-aarhus", "new")]
    assert len(http.get("/phonebook.json").json()["entries"]) == 2
    assert book.builds == 4


def test_bodies_without_resource_version_are_fingerprinted_by_content() -> None:
    bodies = [
        tenant("aarhus", "Aarhus Kommune", "vdx-aarhus"),
        room("vdx-aarhus", "r", "Rum", "r@vdx.aarhus.dk"),
    ]
    book = LivePhoneBook(lambda: bodies)
    assert book().entries[0].display_name == "Rum"
    bodies[1]["spec"]["displayName"] = "Rum 2"
    assert book().entries[0].display_name == "Rum 2"
    book()
    assert book.builds == 2


def test_the_operator_serves_what_its_watch_holds_and_only_while_leading() -> None:
    from kubernetes import client

    from vdx.controller.kube import Kube
    from vdx.controller.run import OperatorState, phonebook_source
    from vdx.controller.runtime import Runtime, key_of

    runtime = Runtime(Kube(client.ApiClient()))
    state = OperatorState()
    for body in (
        versioned(tenant("aarhus", "Aarhus Kommune", "vdx-aarhus"), "1"),
        versioned(room("vdx-aarhus", "aeldre", "Ældreplejen", "aeldre@vdx.aarhus.dk"), "2"),
    ):
        runtime.known[key_of(body)] = body
    http = Client(health_app(runtime.metrics, lambda: True, phonebook_source(runtime, state)))
    state.standing_by = True
    assert http.get("/phonebook.json").status_code == 503
    state.standing_by, state.leading = False, True
    assert [e["alias"] for e in http.get("/phonebook.json").json()["entries"]] == ["aeldre@vdx.aarhus.dk"]


def test_the_served_full_view_is_production_when_the_platforms_are_known(
    known: dict[Any, dict[str, Any]],
) -> None:
    for name, environment in (("prod", "Production"), ("stage", "Stage")):
        known[("PexipPlatform", None, name)] = {
            "kind": "PexipPlatform",
            "metadata": {"name": name, "resourceVersion": f"p{name}"},
            "spec": {"environment": environment},
        }
    stage = versioned(tenant("stage-aarhus", "Aarhus Kommune", "vdx-stage-aarhus", platform="stage"), "6")
    known[("Tenant", None, "stage-aarhus")] = stage
    known[("Device", "vdx-stage-aarhus", "t")] = versioned(
        device("vdx-stage-aarhus", "t", "Test", "t@stage.vdx.aarhus.dk"), "7"
    )
    http = Client(health_app(OperatorMetrics(), lambda: True, LivePhoneBook(lambda: known.values())))
    default = {e["alias"] for e in http.get("/phonebook.json").json()["entries"]}
    assert "t@stage.vdx.aarhus.dk" not in default
    assert "aeldre@vdx.aarhus.dk" in default
    every = {e["alias"] for e in http.get("/phonebook.json", {"platform": "all"}).json()["entries"]}
    assert every == default | {"t@stage.vdx.aarhus.dk"}


def _with_rollup(body: dict[str, Any], ready: bool, message: str) -> dict[str, Any]:
    body["status"] = {
        "resources": {"Domain": {"ready": 0 if not ready else 1, "notReady": 0 if ready else 1}},
        "conditions": [
            {"type": "Ready", "status": "True", "reason": "Synced"},
            {
                "type": "ResourcesReady",
                "status": "True" if ready else "False",
                "reason": "ResourcesReady" if ready else "ResourcesNotReady",
                "message": message,
            },
        ],
    }
    return body


def test_the_served_book_shows_each_tenants_state_and_follows_it(
    known: dict[Any, dict[str, Any]], http: Client
) -> None:
    """The operator's bodies carry their status: the book shows each tenant's roll-up, refreshed when
    the operator updates it in place (same resourceVersion), and another tenant sees only ready or not."""
    aarhus = known[("Tenant", None, "aarhus")]
    _with_rollup(aarhus, False, "1 of 3 not Ready: Domain aarhus (Stalled)")
    _with_rollup(known[("Tenant", None, "plo")], True, "all 2 resources Ready")
    tenants = {t["name"]: t for t in http.get("/phonebook.json").json()["tenants"]}
    assert tenants["aarhus"] == {
        "name": "aarhus",
        "ready": False,
        "state": "1 not ready: Domain aarhus (Stalled)",
    }
    assert tenants["plo"] == {"name": "plo", "ready": True, "state": "Ready"}
    assert (
        http.get("/phonebook.csv")
        .content.decode("utf-8-sig")
        .splitlines()[1]
        .endswith(",1 not ready: Domain aarhus (Stalled)")
    )
    # In PLO's view aarhus's entries are visible, its failing resources are not.
    in_plo = {t["name"]: t for t in http.get("/phonebook.json?tenant=plo").json()["tenants"]}
    assert in_plo["aarhus"]["state"] == "not ready"
    _with_rollup(aarhus, True, "all 3 resources Ready")  # in place, as the runtime's roll-up does
    tenants = {t["name"]: t for t in http.get("/phonebook.json").json()["tenants"]}
    assert tenants["aarhus"]["state"] == "Ready"

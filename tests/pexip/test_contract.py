"""Contract suite: the simulator's wire behaviour over real HTTP against spec §1 and §5.

Each test names the §5 item it checks. The raw `http` client is used on purpose: these tests pin
what a real Management Node does, independent of our client library.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from typing import Any

import httpx
import pytest

from vdx.pexip.simulator import FaultConfig, Outage, RateLimit, Simulator

from .support import API, branding_zip, make_cert, make_zip, theme_zip


async def create(http: httpx.AsyncClient, resource: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await http.post(f"{API}/{resource}/", json=body)
    assert response.status_code == 201, response.text
    got = await http.get(response.headers["Location"])
    assert got.status_code == 200
    result: dict[str, Any] = got.json()
    return result


# §5.1 envelope and paging ------------------------------------------------------------------
async def test_list_envelope_default_page_and_next_links(http: httpx.AsyncClient) -> None:
    for n in range(25):
        await http.post(f"{API}/stun_server/", json={"name": f"stun-{n:02d}", "address": f"s{n}.vdx.rm.dk"})
    body = (await http.get(f"{API}/stun_server/", params={"name__startswith": "stun-"})).json()
    assert set(body) == {"meta", "objects"}
    meta = body["meta"]
    assert meta["limit"] == 20
    assert meta["total_count"] == 25
    assert meta["previous"] is None
    assert len(body["objects"]) == 20
    assert meta["next"].startswith("/api/admin/configuration/v1/stun_server/?")
    assert "name__startswith=stun-" in meta["next"]
    second = (await http.get(meta["next"])).json()
    assert len(second["objects"]) == 5
    assert second["meta"]["next"] is None
    assert second["meta"]["previous"] is not None
    names = [o["name"] for o in body["objects"] + second["objects"]]
    assert names == [f"stun-{n:02d}" for n in range(25)]


async def test_limit_zero_means_the_cap_and_offset_past_end_is_empty(http: httpx.AsyncClient) -> None:
    body = (await http.get("/api/admin/history/v1/participant/", params={"limit": 0})).json()
    assert body["meta"]["limit"] == 10_000
    assert len(body["objects"]) == body["meta"]["total_count"]
    body = (await http.get("/api/admin/history/v1/participant/", params={"limit": 20_000})).json()
    assert body["meta"]["limit"] == 10_000
    past = (await http.get(f"{API}/conference/", params={"offset": 500})).json()
    assert past["objects"] == []
    assert past["meta"]["total_count"] == 0


@pytest.mark.parametrize("params", [{"limit": -1}, {"limit": "x"}, {"offset": -5}])
async def test_bad_paging_is_a_flat_error(http: httpx.AsyncClient, params: dict[str, Any]) -> None:
    response = await http.get(f"{API}/conference/", params=params)
    assert response.status_code == 400
    assert set(response.json()) == {"error"}


# §5.2 leniency and its limits --------------------------------------------------------------
async def test_unknown_params_and_body_keys_are_ignored(http: httpx.AsyncClient) -> None:
    await create(http, "stun_server", {"name": "a", "address": "a.example"})
    listed = (await http.get(f"{API}/stun_server/", params={"nmae": "typo"})).json()
    assert listed["meta"]["total_count"] == 1  # a typo returns unfiltered data
    obj = await create(
        http,
        "stun_server",
        {"name": "b", "address": "b.example", "bogus": 1, "id": 999, "resource_uri": "/x/"},
    )
    assert obj["id"] != 999
    assert "bogus" not in obj


async def test_filter_on_non_filterable_field_and_bad_order_are_400(http: httpx.AsyncClient) -> None:
    r = await http.get(f"{API}/tls_certificate/", params={"private_key": "x"})
    assert r.status_code == 400
    assert "does not allow filtering" in r.json()["error"]
    r = await http.get(f"{API}/conference/", params={"order_by": "aliases"})
    assert r.status_code == 400
    assert "error" in r.json()


async def test_filters_lookups_and_ordering(http: httpx.AsyncClient) -> None:
    for name, port in (("turn-rm", 3478), ("turn-regionh", 443), ("TURN-aarhus", 5349)):
        await create(http, "turn_server", {"name": name, "address": f"{name}.dk", "port": port})

    async def names(**params: Any) -> list[str]:
        body = (await http.get(f"{API}/turn_server/", params=params)).json()
        return [o["name"] for o in body["objects"]]

    assert await names(name="turn-rm") == ["turn-rm"]
    assert await names(name__istartswith="turn-", order_by="name") == [
        "TURN-aarhus",
        "turn-regionh",
        "turn-rm",
    ]
    assert await names(name__startswith="turn-", order_by="-port") == ["turn-rm", "turn-regionh"]
    assert await names(port__gte="3478", order_by="port") == ["turn-rm", "TURN-aarhus"]
    assert await names(port__in="443,5349", order_by="id") == ["turn-regionh", "TURN-aarhus"]
    assert await names(name__icontains="AARHUS") == ["TURN-aarhus"]
    assert await names(name__regex="^turn-r", order_by="name") == ["turn-regionh", "turn-rm"]


async def test_related_filters_by_pk_uri_and_traversal(http: httpx.AsyncClient) -> None:
    conf = await create(http, "conference", {"name": "rm-vmr", "aliases": [{"alias": "vmr@vdx.rm.dk"}]})
    await create(http, "conference", {"name": "other", "aliases": [{"alias": "other@vdx.rm.dk"}]})
    by_pk = (await http.get(f"{API}/conference_alias/", params={"conference": conf["id"]})).json()
    by_uri = (await http.get(f"{API}/conference_alias/", params={"conference": conf["resource_uri"]})).json()
    by_name = (await http.get(f"{API}/conference_alias/", params={"conference__name": "rm-vmr"})).json()
    for body in (by_pk, by_uri, by_name):
        assert [o["alias"] for o in body["objects"]] == ["vmr@vdx.rm.dk"]


# §5.3 status codes and empty bodies ----------------------------------------------------------
async def test_write_status_codes_and_empty_bodies(http: httpx.AsyncClient) -> None:
    r = await http.post(f"{API}/stun_server/", json={"name": "s", "address": "s.example"})
    assert r.status_code == 201
    assert r.content == b""
    uri = r.headers["Location"]
    assert uri == f"{API}/stun_server/1/"
    r = await http.patch(uri, json={"description": "patched"})
    assert (r.status_code, r.content) == (202, b"")
    r = await http.put(uri, json={"name": "s", "address": "s2.example"})
    assert (r.status_code, r.content) == (204, b"")
    got = (await http.get(uri)).json()
    assert got["description"] == "patched"  # PUT keeps omitted values
    assert got["address"] == "s2.example"
    r = await http.delete(uri)
    assert (r.status_code, r.content) == (204, b"")
    r = await http.get(uri)
    assert (r.status_code, r.content) == (404, b"")
    assert (await http.delete(uri)).status_code == 404


async def test_trailing_slash_is_mandatory_and_unknown_resources_404(http: httpx.AsyncClient) -> None:
    assert (await http.get(f"{API}/conference")).status_code == 404
    assert (await http.get(f"{API}/no_such_thing/")).status_code == 404
    assert (await http.get(f"{API}/conference/abc/")).status_code == 404


async def test_requests_without_valid_credentials_get_401(running: Any, sim: Simulator) -> None:
    async with httpx.AsyncClient(base_url=running.base_url) as anon:
        r = await anon.get(f"{API}/conference/")
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"].startswith("Basic")
        r = await anon.get(f"{API}/conference/", auth=("admin", "wrong"))
        assert r.status_code == 401
        assert (await anon.get("/_simulator/accounting")).status_code == 401


# §5.4 error shapes ------------------------------------------------------------------------
async def test_validation_errors_use_the_wrapped_shape_and_uniqueness_is_400(http: httpx.AsyncClient) -> None:
    await create(http, "conference", {"name": "dup"})
    r = await http.post(f"{API}/conference/", json={"name": "dup"})
    assert r.status_code == 400
    assert r.json() == {"conference": {"name": ["Virtual Meeting Room with this Name already exists."]}}
    r = await http.post(f"{API}/conference/", json={"name": "x" * 251, "direct_media": "sometimes"})
    errors = r.json()["conference"]
    assert set(errors) == {"name", "direct_media"}
    r = await http.post(f"{API}/conference/", json={})
    assert r.json() == {"conference": {"name": ["This field is required."]}}


async def test_framework_errors_are_flat(http: httpx.AsyncClient) -> None:
    r = await http.post(
        f"{API}/conference/", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert set(r.json()) == {"error"}
    r = await http.post(f"{API}/conference_alias/", json={"alias": "a@b", "conference": 1})
    assert r.status_code == 400
    assert "not a URI" in r.json()["error"]
    r = await http.post(
        f"{API}/conference_alias/", json={"alias": "a@b", "conference": f"{API}/conference/77/"}
    )
    assert r.status_code == 400
    assert "Could not find" in r.json()["error"]


async def test_injected_500_uses_the_error_message_shape(http: httpx.AsyncClient, sim: Simulator) -> None:
    sim.set_faults(FaultConfig(error_rates={500: 1.0}))
    r = await http.get(f"{API}/conference/")
    assert r.status_code == 500
    assert set(r.json()) == {"error_message"}


# §5.5 mixed expansion ----------------------------------------------------------------------
async def test_per_field_get_shapes(http: httpx.AsyncClient) -> None:
    theme = (await http.get(f"{API}/ivr_theme/2/")).json()
    adp = await create(
        http,
        "automatic_participant",
        {"alias": "rtmp://rec.vdx.rm.dk/live/k", "protocol": "rtmp", "streaming": True},
    )
    conf = await create(
        http,
        "conference",
        {
            "name": "shapes",
            "aliases": [{"alias": "shapes@vdx.rm.dk", "description": "main"}],
            "automatic_participants": [adp["resource_uri"]],
            "ivr_theme": theme["resource_uri"],
        },
    )
    alias = conf["aliases"][0]
    assert alias["alias"] == "shapes@vdx.rm.dk"
    assert alias["resource_uri"].startswith(f"{API}/conference_alias/")
    assert alias["conference"] == conf["resource_uri"]
    assert conf["automatic_participants"][0]["id"] == adp["id"]
    assert not conf["automatic_participants"][0]["resource_uri"]
    assert conf["ivr_theme"]["name"] == theme["name"]
    adp_after = (await http.get(adp["resource_uri"])).json()
    assert adp_after["conference"] == [conf["resource_uri"]]
    alias_obj = (await http.get(alias["resource_uri"])).json()
    assert alias_obj["conference"] == conf["resource_uri"]

    turn = await create(http, "turn_server", {"name": "t", "address": "turn.vdx.rm.dk"})
    dns = await create(http, "dns_server", {"address": "10.0.0.53"})
    loc = await create(
        http,
        "system_location",
        {
            "name": "rm",
            "turn_server": turn["resource_uri"],
            "client_turn_servers": [turn["resource_uri"]],
            "dns_servers": [dns["resource_uri"]],
        },
    )
    assert loc["turn_server"] == turn["resource_uri"]
    assert loc["client_turn_servers"] == [turn["resource_uri"]]
    assert loc["dns_servers"][0]["address"] == "10.0.0.53"
    webapp_alias = (await http.get(f"{API}/webapp_alias/3/")).json()
    assert webapp_alias["branding"] is None
    glob = (await http.get(f"{API}/global/1/")).json()
    assert glob["default_webapp_alias"] == f"{API}/webapp_alias/3/"


# §5.6 nested create --------------------------------------------------------------------
async def test_nested_alias_conflict_fails_the_whole_request(http: httpx.AsyncClient) -> None:
    await create(http, "conference", {"name": "first", "aliases": [{"alias": "taken@vdx.rm.dk"}]})
    r = await http.post(
        f"{API}/conference/",
        json={"name": "second", "aliases": [{"alias": "new@x"}, {"alias": "TAKEN@vdx.rm.dk"}]},
    )
    assert r.status_code == 400
    assert "alias" in r.json()["conference_alias"]
    assert (await http.get(f"{API}/conference/", params={"name": "second"})).json()["meta"][
        "total_count"
    ] == 0
    assert (await http.get(f"{API}/conference_alias/", params={"alias": "new@x"})).json()["objects"] == []


# §5.7 PATCH = merge then full re-validation ------------------------------------------------
async def test_patch_revalidates_the_whole_object(http: httpx.AsyncClient) -> None:
    conf = await create(http, "conference", {"name": "pin", "pin": "123456"})
    r = await http.patch(f"{API}/global/1/", json={"min_pin_length": 8})
    assert r.status_code == 202
    r = await http.patch(conf["resource_uri"], json={"description": "only the description"})
    assert r.status_code == 400
    assert "pin" in r.json()["conference"]
    assert (await http.get(conf["resource_uri"])).json()["description"] == ""


# §5.8 to-many replacement -----------------------------------------------------------------
async def test_to_many_writes_replace_and_null_clears(http: httpx.AsyncClient) -> None:
    a = await create(http, "identity_provider_attribute", {"name": "email"})
    b = await create(http, "identity_provider_attribute", {"name": "upn"})
    idp = await create(
        http,
        "identity_provider",
        {
            "name": "adfs-rm",
            "assertion_consumer_service_url": "https://x/api/v1/samlconsumer/1",
            "attributes": [a["resource_uri"]],
        },
    )
    await http.patch(idp["resource_uri"], json={"attributes": [b["resource_uri"]]})
    got = (await http.get(idp["resource_uri"])).json()
    assert [x["name"] for x in got["attributes"]] == ["upn"]
    await http.patch(idp["resource_uri"], json={"attributes": None})
    assert (await http.get(idp["resource_uri"])).json()["attributes"] == []


async def test_aliases_null_leaves_aliases_and_list_replaces(http: httpx.AsyncClient) -> None:
    conf = await create(
        http, "conference", {"name": "c", "aliases": [{"alias": "one@x"}, {"alias": "two@x"}]}
    )
    await http.put(conf["resource_uri"], json={"name": "c", "aliases": None})
    assert len((await http.get(conf["resource_uri"])).json()["aliases"]) == 2
    keep = conf["aliases"][0]["resource_uri"]
    await http.patch(conf["resource_uri"], json={"aliases": [keep, {"alias": "three@x"}]})
    got = (await http.get(conf["resource_uri"])).json()
    assert sorted(x["alias"] for x in got["aliases"]) == ["one@x", "three@x"]


# §5.9 empty string vs null ---------------------------------------------------------------
async def test_unset_char_fields_are_empty_strings_and_fks_null(http: httpx.AsyncClient) -> None:
    conf = await create(http, "conference", {"name": "blank"})
    for name in ("description", "tag", "pin", "guest_pin", "match_string", "primary_owner_email_address"):
        assert conf[name] == ""
    for name in (
        "ivr_theme",
        "system_location",
        "max_callrate_in",
        "participant_limit",
        "max_pixels_per_second",
    ):
        assert conf[name] is None


# §5.10 secrets ----------------------------------------------------------------------------
async def test_secrets_are_never_echoed_and_kept_when_omitted(
    http: httpx.AsyncClient, sim: Simulator
) -> None:
    canary = "canary-turn-secret-7f3a"
    turn = await create(
        http,
        "turn_server",
        {"name": "coturn", "address": "turn.vdx.rm.dk", "server_type": "coturn_shared", "secret_key": canary},
    )
    assert "secret_key" not in turn
    assert canary not in str(turn)
    r = await http.patch(turn["resource_uri"], json={"description": "still has its secret"})
    assert r.status_code == 202  # would be 400 had the omitted secret been cleared
    listed = await http.get(f"{API}/turn_server/")
    assert canary not in listed.text
    assert canary not in str(sim.accounting.snapshot())
    r = await http.patch(turn["resource_uri"], json={"secret_key": ""})
    assert r.status_code == 400
    assert "secret_key" in r.json()["turn_server"]


async def test_the_request_log_keeps_no_stream_key(http: httpx.AsyncClient, sim: Simulator) -> None:
    # A streaming participant's alias is its RTMP address, with the stream key in its path. The
    # node returns it (it is not write-only), but the simulator's request log must not keep it.
    key = "canary-stream-key-5b9e"
    address = f"rtmps://rec.vdx.rm.dk:443/live-{key}/vdx-rm-room"
    participant = {"alias": address, "protocol": "rtmp", "streaming": True}
    adp = await create(http, "automatic_participant", participant)
    await http.patch(adp["resource_uri"], json={"alias": address + "-2"})
    for other_form in (f"rtmp://user:{key}@rec.vdx.rm.dk/live", f" rtmp://rec.vdx.rm.dk?key={key}\n"):
        # Logged whether or not the node takes it.
        await http.post(f"{API}/automatic_participant/", json={**participant, "alias": other_form})
    logged = str(sim.accounting.snapshot()) + (await http.get("/_simulator/accounting")).text
    assert key not in logged
    assert "rtmps://rec.vdx.rm.dk:443/***" in logged  # where it streams to stays visible
    # A room's alias is not an address with a path: kept as it is.
    await create(http, "conference", {"name": "logged", "aliases": [{"alias": "logged@vdx.rm.dk"}]})
    assert "logged@vdx.rm.dk" in str(sim.accounting.snapshot())


async def test_pins_are_echoed(http: httpx.AsyncClient) -> None:
    conf = await create(
        http, "conference", {"name": "p", "pin": "246810", "guest_pin": "135790", "allow_guests": True}
    )
    assert (conf["pin"], conf["guest_pin"]) == ("246810", "135790")


# §5.11 certificates ----------------------------------------------------------------------
async def test_certificate_fields_are_parsed_server_side(http: httpx.AsyncClient) -> None:
    pair = make_cert("vdx.rm.dk", ("vdx.rm.dk", "meet.vdx.rm.dk"), days=90)
    cert = await create(
        http, "tls_certificate", {"certificate": pair.certificate, "private_key": pair.private_key}
    )
    assert "private_key" not in cert
    assert cert["subject_name"] == "vdx.rm.dk"
    assert cert["issuer_name"] == "VDX Test Root"
    assert cert["raw_subject"] == "C=DK, O=Region Midtjylland, CN=vdx.rm.dk"
    assert cert["subject_alt_names"] == "DNS:vdx.rm.dk, DNS:meet.vdx.rm.dk"
    assert cert["serial_no"] == "123456789"
    assert cert["server_auth_usage"] is True
    assert cert["client_auth_usage"] is True
    assert len(cert["key_id"].split(":")) == 20
    assert cert["issuer_key_id"]
    assert cert["issuer_key_id"] != cert["key_id"]
    assert "T" in cert["start_date"]
    assert "+" not in cert["start_date"]
    assert cert["end_date"] > cert["start_date"]
    assert len(cert["subject_hash"]) == 8


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl binary")
async def test_subject_hash_matches_openssl(http: httpx.AsyncClient) -> None:
    pair = make_cert("Meet.VDX.rm.dk", ("meet.vdx.rm.dk",))
    cert = await create(http, "ca_certificate", {"certificate": pair.ca_certificate})
    leaf = await create(
        http, "tls_certificate", {"certificate": pair.certificate, "private_key": pair.private_key}
    )
    for pem, got in ((pair.ca_certificate, cert["subject_hash"]), (pair.certificate, leaf["subject_hash"])):
        expected = _openssl_hash(pem)
        assert got == expected


def _openssl_hash(pem: str) -> str:
    done = subprocess.run(
        ["openssl", "x509", "-noout", "-hash"], input=pem.encode(), capture_output=True, check=True
    )
    return done.stdout.decode().strip()


async def test_mismatched_key_and_malformed_pem_are_refused(http: httpx.AsyncClient) -> None:
    one, two = make_cert(), make_cert(rsa_key=True)
    r = await http.post(
        f"{API}/tls_certificate/", json={"certificate": one.certificate, "private_key": two.private_key}
    )
    assert r.status_code == 400
    assert r.json() == {
        "tls_certificate": {"private_key": ["The private key does not match the certificate."]}
    }
    r = await http.post(
        f"{API}/tls_certificate/", json={"certificate": "garbage", "private_key": one.private_key}
    )
    assert "certificate" in r.json()["tls_certificate"]
    assert two.private_key not in r.text


# §5.12 singletons ------------------------------------------------------------------------
async def test_singletons(http: httpx.AsyncClient) -> None:
    for name in ("global", "registration"):
        listed = (await http.get(f"{API}/{name}/")).json()
        assert listed["meta"]["total_count"] == 1
        assert listed["objects"][0]["resource_uri"] == f"{API}/{name}/1/"
        assert (await http.post(f"{API}/{name}/", json={})).status_code == 405
        r = await http.delete(f"{API}/{name}/1/")
        assert r.status_code == 405
        assert "GET" in r.headers["Allow"]
    assert (await http.put(f"{API}/registration/1/", json={"enable": False})).status_code == 204
    assert (await http.get(f"{API}/registration/1/")).json()["enable"] is False


# §5.13 fresh node ------------------------------------------------------------------------
async def test_fresh_node_objects(http: httpx.AsyncClient) -> None:
    certs = (await http.get(f"{API}/tls_certificate/")).json()["objects"]
    assert [c["id"] for c in certs] == [1]
    brandings = (await http.get(f"{API}/webapp_branding/", params={"is_default": "true"})).json()["objects"]
    assert {b["webapp_type"] for b in brandings} == {"webapp2", "webapp3"}
    slugs = {(a["id"], a["slug"]) for a in (await http.get(f"{API}/webapp_alias/")).json()["objects"]}
    assert slugs == {(1, "webapp"), (2, "webapp2"), (3, "webapp3")}
    themes = (await http.get(f"{API}/ivr_theme/")).json()["objects"]
    assert themes[0]["name"] == "Base theme"
    vm = (await http.get("/api/admin/status/v1/management_vm/")).json()["objects"][0]
    assert vm["version"]
    assert vm["primary"] is True
    assert (await http.get(f"{API}/system_location/")).json()["meta"]["total_count"] >= 1


# §5.14 ids --------------------------------------------------------------------------------
async def test_ids_are_never_reused(http: httpx.AsyncClient) -> None:
    first = await create(http, "stun_server", {"name": "a", "address": "a"})
    await http.delete(first["resource_uri"])
    second = await create(http, "stun_server", {"name": "a", "address": "a"})
    assert second["id"] == first["id"] + 1


# §5.15 multipart -------------------------------------------------------------------------
async def test_branding_upload_validation_and_immutability(http: httpx.AsyncClient) -> None:
    form = {"name": "rm", "webapp_type": "webapp3", "description": "Region Midtjylland"}
    r = await http.post(
        f"{API}/webapp_branding/", data=form, files={"branding_file": ("b.zip", b"not a zip")}
    )
    assert r.status_code == 400
    assert list(r.json()) == ["branding_file"]
    wrong = make_zip({"webapp2/branding/manifest.json": b"{}"})
    r = await http.post(f"{API}/webapp_branding/", data=form, files={"branding_file": ("b.zip", wrong)})
    assert r.json() == {"branding_file": ["No branding files found"]}
    r = await http.post(
        f"{API}/webapp_branding/", data=form, files={"branding_file": ("b.zip", branding_zip())}
    )
    assert r.status_code == 201
    uri = r.headers["Location"]
    uuid = uri.rstrip("/").rsplit("/", 1)[-1]
    assert len(uuid) == 36
    got = (await http.get(uri)).json()
    assert got["uuid"] == uuid
    assert "id" not in got
    assert got["is_default"] is False
    r = await http.patch(uri, json={"webapp_type": "webapp2"})
    assert r.status_code == 400
    r = await http.patch(uri, data={"name": "x"}, files={"branding_file": ("b.zip", branding_zip())})
    assert r.status_code == 400
    assert (await http.patch(uri, json={"description": "new"})).status_code == 202
    download = await http.get(f"{uri}download/")
    assert download.content == branding_zip()


async def test_theme_upload(http: httpx.AsyncClient) -> None:
    r = await http.post(
        f"{API}/ivr_theme/", data={"name": "Region Midtjylland"}, files={"package": ("t.zip", theme_zip())}
    )
    assert r.status_code == 201
    theme = (await http.get(r.headers["Location"])).json()
    assert theme["package"] == "t.zip"
    r = await http.post(
        f"{API}/ivr_theme/", data={"name": "Region Midtjylland"}, files={"package": ("t.zip", theme_zip())}
    )
    assert r.status_code == 400
    assert "name" in r.json()["ivr_theme"]


# §5.16 cross-field rules --------------------------------------------------------------------
async def test_cross_field_rules(http: httpx.AsyncClient) -> None:
    r = await http.post(f"{API}/conference/", json={"name": "b", "breakout_rooms": True})
    assert "breakout_rooms" in r.json()["conference"]
    await http.patch(f"{API}/global/1/", json={"enable_breakout_rooms": True})
    await create(http, "conference", {"name": "b", "breakout_rooms": True, "direct_media": "best_effort"})
    r = await http.post(f"{API}/conference/", json={"name": "g", "allow_guests": True})
    assert "allow_guests" in r.json()["conference"]
    r = await http.post(f"{API}/conference/", json={"name": "g", "pin": "123456", "guest_pin": "123456"})
    assert "guest_pin" in r.json()["conference"]
    r = await http.post(f"{API}/conference/", json={"name": "g", "pin": "12ab"})
    assert "pin" in r.json()["conference"]
    r = await http.post(
        f"{API}/webapp_alias/",
        json={
            "slug": "rm",
            "webapp_type": "webapp2",
            "branding": f"{API}/webapp_branding/0f5b9a2e-0000-4000-8000-000000000003/",
        },
    )
    assert "branding" in r.json()["webapp_alias"]


# §5.17 referential deletes ----------------------------------------------------------------
async def test_referential_deletes(http: httpx.AsyncClient) -> None:
    adp = await create(http, "automatic_participant", {"alias": "sip:rec@vdx.rm.dk"})
    conf = await create(
        http,
        "conference",
        {"name": "d", "aliases": [{"alias": "d@x"}], "automatic_participants": [adp["resource_uri"]]},
    )
    assert (await http.delete(conf["resource_uri"])).status_code == 204
    assert (await http.get(conf["aliases"][0]["resource_uri"])).status_code == 404
    assert (await http.get(adp["resource_uri"])).json()["conference"] == []

    theme = (await http.get(f"{API}/ivr_theme/2/")).json()
    await http.patch(f"{API}/global/1/", json={"default_theme": theme["resource_uri"]})
    r = await http.delete(theme["resource_uri"])
    assert r.status_code == 400
    assert "error" in r.json()

    turn = await create(http, "turn_server", {"name": "t", "address": "t"})
    await create(http, "system_location", {"name": "l", "turn_server": turn["resource_uri"]})
    assert (await http.delete(turn["resource_uri"])).status_code == 400

    r = await http.post(
        f"{API}/webapp_branding/",
        data={"name": "b", "webapp_type": "webapp3"},
        files={"branding_file": ("b.zip", branding_zip())},
    )
    branding = r.headers["Location"]
    await create(http, "webapp_alias", {"slug": "rm", "webapp_type": "webapp3", "branding": branding})
    assert (await http.delete(branding)).status_code == 400
    assert (
        await http.delete(f"{API}/webapp_branding/0f5b9a2e-0000-4000-8000-000000000003/")
    ).status_code == 400


# §5.18 time format and history ------------------------------------------------------------
async def test_history_is_seeded_and_filterable_by_time(http: httpx.AsyncClient) -> None:
    base = "/api/admin/history/v1"
    window = {"end_time__gte": "2026-10-05T00:00:00", "end_time__lt": "2026-10-06T00:00:00", "limit": 0}
    parts = (await http.get(f"{base}/participant/", params=window)).json()["objects"]
    assert parts
    assert all("2026-10-05" <= p["end_time"] < "2026-10-06" for p in parts)
    domains = {
        p["local_alias"].split("@")[1]
        for p in (await http.get(f"{base}/participant/", params={"limit": 0})).json()["objects"]
    }
    assert {"vdx.regionh.dk", "vdx.rm.dk", "vdx.aarhus.dk"} <= domains
    conf = (await http.get(f"{base}/conference/", params={"tag": "rm", "limit": 1})).json()["objects"][0]
    assert len(conf["participants"]) == conf["participant_count"]
    one = (await http.get(conf["participants"][0])).json()
    assert one["conference"] == conf["resource_uri"]
    assert one["service_tag"] == "rm"


async def test_history_is_deterministic(http: httpx.AsyncClient, sim: Simulator) -> None:
    first = (await http.get("/api/admin/history/v1/conference/", params={"limit": 5})).json()["objects"]
    sim.reset()
    again = (await http.get("/api/admin/history/v1/conference/", params={"limit": 5})).json()["objects"]
    assert first == again


# §5.19 rate limiting and faults -------------------------------------------------------------
async def test_request_budget_gives_429_with_retry_after(http: httpx.AsyncClient, sim: Simulator) -> None:
    sim.set_faults(FaultConfig(rate_limit=RateLimit(enabled=True, budget=3, window_s=60)))
    statuses = [(await http.get(f"{API}/conference/")).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    r = await http.get(f"{API}/conference/")
    assert 1 <= int(r.headers["Retry-After"]) <= 60


async def test_error_after_commit_still_commits(http: httpx.AsyncClient, sim: Simulator) -> None:
    sim.set_faults(FaultConfig(error_after_commit=1.0))
    r = await http.post(f"{API}/stun_server/", json={"name": "committed", "address": "a"})
    assert r.status_code == 500
    sim.set_faults(FaultConfig())
    assert (await http.get(f"{API}/stun_server/", params={"name": "committed"})).json()["meta"][
        "total_count"
    ] == 1


async def test_dropped_response_after_commit(http: httpx.AsyncClient, sim: Simulator) -> None:
    sim.set_faults(FaultConfig(drop_response_after_commit=1.0))
    with pytest.raises(httpx.TransportError):
        await http.post(f"{API}/stun_server/", json={"name": "lost", "address": "a"})
    sim.set_faults(FaultConfig())
    assert (await http.get(f"{API}/stun_server/", params={"name": "lost"})).json()["meta"]["total_count"] == 1


async def test_outage_window_and_latency(http: httpx.AsyncClient, sim: Simulator) -> None:
    # A short window runs out on its own; it is long enough that a stalled machine cannot end it
    # before the first request arrives.
    sim.set_faults(FaultConfig(outage=Outage(start_s=0, duration_s=1.5, retry_after_s=1)))
    r = await http.get(f"{API}/conference/")
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "1"
    await asyncio.sleep(1.6)
    assert (await http.get(f"{API}/conference/")).status_code == 200
    sim.set_faults(FaultConfig(slow_read_ms=150, slow_read_probability=1.0))
    started = time.monotonic()
    await http.get(f"{API}/conference/")
    assert time.monotonic() - started >= 0.15


async def test_faults_are_deterministic_from_the_seed(http: httpx.AsyncClient, sim: Simulator) -> None:
    async def run() -> list[int]:
        sim.set_faults(FaultConfig(seed=42, error_rates={500: 0.3, 503: 0.2}))
        return [(await http.get(f"{API}/conference/")).status_code for _ in range(30)]

    first = await run()
    assert first == await run()
    assert {200, 500, 503} <= set(first)


async def test_control_surface_over_http(http: httpx.AsyncClient, sim: Simulator) -> None:
    r = await http.put("/_simulator/faults", json={"error_rates": {"503": 1.0}})
    assert r.status_code == 200
    assert (await http.get(f"{API}/conference/")).status_code == 503
    r = await http.patch("/_simulator/faults", json={"error_rates": {}})
    assert (await http.get(f"{API}/conference/")).status_code == 200
    acc = (await http.get("/_simulator/accounting")).json()
    gets = [c for c in acc["counts"] if c["method"] == "GET" and c["resource"] == "configuration/conference"]
    assert gets[0]["count"] == 2
    assert all(not e["path"].startswith("/_simulator") for e in acc["log"])
    assert (await http.delete("/_simulator/accounting")).status_code == 204
    assert sim.accounting.count() == 0


# §5.20 read-only APIs ---------------------------------------------------------------------
async def test_status_and_history_are_read_only(http: httpx.AsyncClient) -> None:
    assert (await http.post("/api/admin/status/v1/management_vm/", json={})).status_code == 405
    assert (await http.patch("/api/admin/status/v1/management_vm/1/", json={})).status_code == 405
    assert (await http.post("/api/admin/history/v1/conference/", json={})).status_code == 405
    conf = (await http.get("/api/admin/history/v1/conference/", params={"limit": 1})).json()["objects"][0]
    assert (await http.delete(conf["resource_uri"])).status_code == 204
    assert (await http.get(conf["participants"][0])).status_code == 404


# §5.21 schema ----------------------------------------------------------------------------
async def test_schema_documents_and_index(http: httpx.AsyncClient) -> None:
    doc = (await http.get(f"{API}/conference/schema/")).json()
    assert doc["default_limit"] == 20
    assert doc["fields"]["aliases"]["related_type"] == "to_many"
    assert "best_effort" in doc["fields"]["direct_media"]["valid_choices"]
    assert doc["fields"]["name"]["unique"] is True
    assert "name" in doc["ordering"]
    assert doc["filtering"]["name"] == 1
    glob = (await http.get(f"{API}/global/schema/")).json()
    assert "post" not in glob["allowed_list_http_methods"]
    index = (await http.get(f"{API}/")).json()
    assert index["turn_server"]["list_endpoint"] == f"{API}/turn_server/"


async def test_https_with_generated_ca() -> None:
    from vdx.pexip.simulator import serve

    with serve(Simulator(), tls=True) as server:
        assert server.base_url.startswith("https://")
        assert server.ca_bundle is not None
        async with httpx.AsyncClient(
            base_url=server.base_url, auth=("admin", "admin"), verify=_ctx(server.ca_bundle)
        ) as c:
            assert (await c.get(f"{API}/global/1/")).status_code == 200
        async with httpx.AsyncClient(base_url=server.base_url, auth=("admin", "admin")) as untrusting:
            with pytest.raises(httpx.ConnectError):
                await untrusting.get(f"{API}/global/1/")


def _ctx(ca: str) -> Any:
    import ssl

    return ssl.create_default_context(cafile=ca)


async def test_theme_side_conference_links_and_bulk_patch(http: httpx.AsyncClient) -> None:
    conf = await create(http, "conference", {"name": "linked"})
    r = await http.post(
        f"{API}/ivr_theme/",
        data={"name": "rm", "conference": conf["resource_uri"]},
        files={"package": ("t.zip", theme_zip())},
    )
    theme = (await http.get(r.headers["Location"])).json()
    assert theme["conference"] == [conf["resource_uri"]]
    assert (await http.get(conf["resource_uri"])).json()["ivr_theme"]["id"] == theme["id"]
    r = await http.patch(
        f"{API}/stun_server/",
        json={"objects": [{"name": "bulk-1", "address": "a"}, {"name": "bulk-2", "address": "b"}]},
    )
    assert r.status_code == 202
    listed = (await http.get(f"{API}/stun_server/", params={"name__startswith": "bulk-"})).json()
    uris = [o["resource_uri"] for o in listed["objects"]]
    assert len(uris) == 2
    r = await http.patch(f"{API}/stun_server/", json={"objects": [], "deleted_objects": uris[:1]})
    assert r.status_code == 202
    assert (await http.get(f"{API}/stun_server/")).json()["meta"]["total_count"] == 1

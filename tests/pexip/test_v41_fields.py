"""The simulator against Pexip's v41 field data: every field served, stored, limited and documented.

The data is `pexip-v41-fields.json` from the shared folder beside the repository, as rendered into
`vdx.pexip.simulator.v41_fields` (checked against the JSON itself when the shared folder is here).
Every test walks that data, so a field the data gains fails here until the simulator serves it or
docs/pexip-simulator.md lists it under "Not modelled" with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from vdx.paths import REPO_ROOT, SHARED_DIR
from vdx.pexip.simulator import RunningServer, SeedOptions, Simulator, SimulatorConfig, serve, v41
from vdx.pexip.simulator.spec import ALL_SPECS, FieldSpec, ResourceSpec, v41_key
from vdx.pexip.simulator.v41_fields import FIELDS

from .support import make_cert

API = "/api/admin/configuration/v1"
ENVELOPE = ("id", "resource_uri")
DOCS = REPO_ROOT / "docs" / "pexip-simulator.md"


def _not_modelled() -> dict[str, str]:
    """`collection.field -> reason` from the "Not modelled" section of docs/pexip-simulator.md."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("\n### Not modelled\n", 1)[1].split("\n#", 1)[0]
    return {
        m.group(1): m.group(2).strip()
        for m in re.finditer(r"^- `([a-z_/0-9]+\.[a-z_0-9]+)`: (.+)$", section, flags=re.MULTILINE)
    }


NOT_MODELLED = _not_modelled()


@pytest.fixture(scope="module")
def running() -> Iterator[RunningServer]:
    """A node without call history: each of the many tests here resets it, and history is slow to seed."""
    with serve(Simulator(SimulatorConfig(seed=SeedOptions(history=None)))) as server:
        yield server


SPECS: dict[str, ResourceSpec] = {v41_key(s): s for s in ALL_SPECS.values() if v41_key(s) in FIELDS}


def _fields(key: str) -> list[str]:
    return [n for n in FIELDS[key] if n not in ENVELOPE]


# ---------------------------------------------------------------------- the data itself


def test_generated_data_is_the_shared_json() -> None:
    source = SHARED_DIR / v41.SHARED_FILE_NAME
    if not source.is_file():
        pytest.skip(f"{v41.SHARED_FILE_NAME} is not beside the repository")
    assert not v41.stale(source), "run `vdx simulator v41-fields` and commit v41_fields.py"


def test_the_modelled_list_is_what_the_simulator_serves() -> None:
    assert set(FIELDS) == set(v41.MODELLED)
    assert set(SPECS) == set(v41.MODELLED)


@pytest.mark.parametrize("key", v41.MODELLED)
def test_every_v41_field_is_served_or_listed_as_not_modelled(key: str) -> None:
    spec = SPECS[key]
    lacking = [n for n in _fields(key) if n not in spec.by_name and f"{key}.{n}" not in NOT_MODELLED]
    assert lacking == [], f"{key} lacks {lacking}: serve them or list them under 'Not modelled'"


def test_not_modelled_entries_name_real_fields_and_give_reasons() -> None:
    for entry, reason in NOT_MODELLED.items():
        key, name = entry.rsplit(".", 1)
        assert name in FIELDS.get(key, {}), f"{entry} is not a v41 field"
        assert name not in SPECS[key].by_name, f"{entry} is listed as not modelled but is served"
        assert len(reason) > 10


_COMPATIBLE = {
    "string": {"string", "related", "file"},
    "integer": {"integer"},
    "boolean": {"boolean"},
    "datetime": {"datetime"},
    "float": {"float"},
    "list": {"list", "related"},
}


@pytest.mark.parametrize("key", v41.MODELLED)
def test_types_and_nullability_agree_with_the_data(key: str) -> None:
    spec = SPECS[key]
    for name in _fields(key):
        f, fact = spec.by_name.get(name), FIELDS[key][name]
        if f is None:
            continue
        wanted = {"related"} if fact.type.startswith("object") else _COMPATIBLE[fact.type]
        assert f.type in wanted, f"{key}.{name}: {f.type} for {fact.type}"
        if fact.type == "list" and f.type == "related":
            assert f.to_many, f"{key}.{name}"
        if fact.nullable:
            assert f.nullable, f"{key}.{name} must accept null"
        if fact.choices is not None:
            assert f.choices is not None, f"{key}.{name}"
            assert set(fact.choices) <= set(f.choices), f"{key}.{name}"
        if fact.range is not None:
            assert (f.minimum, f.maximum) == fact.range, f"{key}.{name}"
        if fact.max_length is not None:
            assert f.max_length == fact.max_length, f"{key}.{name}"


@pytest.mark.parametrize("key", v41.MODELLED)
async def test_schema_document_lists_every_field(http: httpx.AsyncClient, key: str) -> None:
    response = await http.get(f"/api/admin/{key}/schema/")
    assert response.status_code == 200
    fields = response.json()["fields"]
    spec = SPECS[key]
    for name in _fields(key):
        if f"{key}.{name}" in NOT_MODELLED:
            continue
        doc, fact = fields[name], FIELDS[key][name]
        assert doc["nullable"] == spec.by_name[name].nullable, f"{key}.{name}"
        if fact.nullable:
            assert doc["nullable"], f"{key}.{name}"
        if fact.type.startswith("object") or spec.by_name[name].uri_of is not None:
            assert doc["type"] == "related", f"{key}.{name}"
        if fact.choices is not None:
            assert set(fact.choices) <= set(doc["valid_choices"]), f"{key}.{name}"


# ---------------------------------------------------------------------- one object of each collection


Factory = Callable[[str], Awaitable[str]]
SEEDED = {
    "global": f"{API}/global/1/",
    "tls_certificate": f"{API}/tls_certificate/1/",
    "software_bundle_revision": f"{API}/software_bundle_revision/1/",
    "webapp_branding": f"{API}/webapp_branding/0f5b9a2e-0000-4000-8000-000000000003/",
    "webapp_alias": f"{API}/webapp_alias/1/",
    "ivr_theme": f"{API}/ivr_theme/2/",  # the Base theme (1) cannot be changed
}
_counter = iter(range(1, 1_000_000))


def _body(name: str, n: int) -> dict[str, Any]:
    """The least a create of `name` needs (unique values from `n`); references filled in by `make`."""
    if name == "ca_certificate":
        return {"certificate": make_cert(cn=f"ca{n}.vdx.rm.dk").ca_certificate}
    bodies: dict[str, dict[str, Any]] = {
        "conference": {"name": f"v41 room {n}"},
        "conference_alias": {"alias": f"v41-{n}@vdx.rm.dk"},
        "automatic_participant": {"alias": f"sip:v41-{n}@vdx.rm.dk"},
        "device": {"alias": f"device-{n}@vdx.rm.dk"},
        "system_location": {"name": f"v41 location {n}"},
        "turn_server": {"name": f"v41 turn {n}", "address": f"turn{n}.vdx.rm.dk"},
        "stun_server": {"name": f"v41 stun {n}", "address": f"stun{n}.vdx.rm.dk"},
        "identity_provider": {
            "name": f"v41 idp {n}",
            "assertion_consumer_service_url": f"https://meet.vdx.rm.dk/saml/{n}",
        },
        "identity_provider_group": {"name": f"v41 group {n}"},
        "identity_provider_attribute": {"name": f"v41 attribute {n}"},
        "user_group": {"name": f"v41 user group {n}"},
        "end_user": {"primary_email_address": f"user{n}@vdx.rm.dk"},
        "dns_server": {"address": f"10.0.{n % 250}.53"},
        "ntp_server": {"address": f"ntp{n}.vdx.rm.dk"},
        "syslog_server": {"address": f"syslog{n}.vdx.rm.dk"},
        "event_sink": {"name": f"v41 sink {n}", "url": f"https://sink{n}.vdx.rm.dk/"},
        "worker_vm": {
            "name": f"v41-node-{n}",
            "hostname": f"v41-node-{n}",
            "domain": "vdx.medcom.dk",
            "address": f"10.99.{n // 250}.{n % 250 + 1}",
            "netmask": "255.255.255.0",
            "gateway": "10.99.0.1",
            "system_location": f"{API}/system_location/1/",
        },
        "ms_exchange_connector": {"name": f"v41 scheduler {n}"},
        "exchange_domain": {"domain": f"v41-{n}.rm.dk"},
        "mjx_integration": {"name": f"v41 otj profile {n}"},
        "mjx_graph_deployment": {"name": f"v41 graph {n}"},
        "mjx_exchange_deployment": {"name": f"v41 exchange {n}"},
        "mjx_exchange_autodiscover_url": {
            "name": f"v41 autodiscover {n}",
            "url": f"https://autodiscover{n}.rm.dk/autodiscover/autodiscover.svc",
        },
        "mjx_google_deployment": {"name": f"v41 google {n}"},
        "mjx_endpoint_group": {"name": f"v41 endpoint group {n}"},
        "mjx_endpoint": {"name": f"v41 room {n}", "endpoint_type": "CISCO"},
        "mjx_meeting_processing_rule": {
            "name": f"v41 rule {n}",
            "priority": 10,
            "meeting_type": "pexipinfinity",
        },
    }
    return bodies[name]


@pytest.fixture
def make(http: httpx.AsyncClient) -> Factory:
    """Create a fresh object of a collection (or name a seeded one) and return its URI."""

    async def create(name: str) -> str:
        n = next(_counter)
        try:
            body = _body(name, n)
        except KeyError:
            return SEEDED[name]
        if name == "conference_alias":
            body["conference"] = await create("conference")
        if name == "automatic_participant":
            body["conference"] = [await create("conference")]
        if name == "exchange_domain":
            body["exchange_connector"] = await create("ms_exchange_connector")
        if name == "mjx_meeting_processing_rule":
            body["mjx_integration"] = await create("mjx_integration")
        response = await http.post(f"{API}/{name}/", json=body)
        assert response.status_code == 201, response.text
        return str(response.headers["location"])

    return create


# ---------------------------------------------------------------------- values that keep the rules


PAIR = make_cert(cn="v41.vdx.rm.dk")
PASSPHRASE = "v41 private_key_passphrase"


def _encrypted_key() -> str:
    key = serialization.load_pem_private_key(PAIR.private_key.encode(), password=None)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE.encode()),
    ).decode()


def _context(key: str, name: str, value: Any) -> dict[str, Any]:
    """Other fields a write of `name` needs so that Pexip's cross-field rules let it through."""
    needs: dict[tuple[str, str], dict[str, Any]] = {
        ("conference", "guest_pin"): {"pin": "123456"},
        ("conference", "allow_guests"): {"pin": "123456"},
        ("turn_server", "server_type"): {"secret_key": "turn-shared-secret"},
        ("turn_server", "secret_key"): {"server_type": "coturn_shared"},
        ("automatic_participant", "protocol"): {"alias": "rtmp://rec.vdx.rm.dk/live/key"},
        ("tls_certificate", "certificate"): {"private_key": PAIR.private_key},
        ("tls_certificate", "private_key"): {"certificate": PAIR.certificate},
        ("tls_certificate", "private_key_passphrase"): {
            "certificate": PAIR.certificate,
            "private_key": _encrypted_key(),
        },
        ("global", "media_ports_end"): {"media_ports_start": 10000},
        ("global", "signalling_ports_end"): {"signalling_ports_start": 10000},
        ("global", "media_ports_start"): {"media_ports_end": 49999},
        ("global", "signalling_ports_start"): {"signalling_ports_end": 49999},
    }
    return needs.get((key, name), {})


SPECIAL: dict[tuple[str, str], Any] = {
    ("conference", "pin"): "123456",
    ("conference", "guest_pin"): "654321",
    ("webapp_alias", "slug"): "v41-path",
    ("global", "disabled_codecs"): [{"value": "H264_H_0"}],
    ("tls_certificate", "certificate"): PAIR.certificate,
    ("tls_certificate", "private_key"): PAIR.private_key,
    ("tls_certificate", "private_key_passphrase"): PASSPHRASE,
    ("ca_certificate", "certificate"): PAIR.ca_certificate,
    ("worker_vm", "address"): "10.99.200.9",
    ("worker_vm", "netmask"): "255.255.0.0",
    ("worker_vm", "gateway"): "10.99.200.1",
    ("worker_vm", "static_nat_address"): "203.0.113.99",
    ("worker_vm", "secondary_address"): "10.98.0.9",
    ("worker_vm", "secondary_netmask"): "255.255.255.0",
    ("worker_vm", "ipv6_address"): "2001:db8::9",
    ("worker_vm", "ipv6_gateway"): "2001:db8::1",
    ("webapp_branding", "webapp_type"): "webapp3",  # immutable: the seeded branding's own type
    ("ms_exchange_connector", "uuid"): "6f1c0f2e-8d0b-4c7e-9a51-3b7d2f0c9e11",
}


def _writable(spec: ResourceSpec) -> list[FieldSpec]:
    return [f for f in spec.fields if not f.readonly and f.type != "file" and "put" in spec.detail_methods]


async def _value(key: str, f: FieldSpec, make: Factory) -> Any:
    if (key, f.name) in SPECIAL:
        return SPECIAL[(key, f.name)]
    if f.uri_of is not None:
        uri = f"{API}/{f.uri_of}/7/"
        return [uri] if f.type == "list" else uri
    if f.type == "related":
        assert f.target is not None
        target = await make(f.target)
        return [target] if f.to_many else target
    if f.choices is not None:
        return next(c for c in f.choices if c not in ("", f.default))
    if f.type == "boolean":
        return not f.default
    if f.type == "integer":
        low = int(f.minimum) if f.minimum is not None else 0
        high = int(f.maximum) if f.maximum is not None else low + 20
        return (low + high) // 2 + 1 if (low + high) // 2 + 1 <= high else low
    if f.type == "float":
        return 1.5
    if f.type == "list":
        return ["v41-item"]
    if f.type == "datetime":
        return "2026-10-01T12:00:00"
    text = f"v41 {f.name}"
    if f.max_length is not None:
        text = text[: f.max_length]
    if f.min_length is not None:
        text = text.ljust(f.min_length, "x")
    return text


def _uris(rendered: Any, target: str) -> set[str]:
    items = rendered if isinstance(rendered, list) else [rendered]
    spec = ALL_SPECS[target]
    out = set()
    for item in items:
        if isinstance(item, dict):
            out.add(item.get("resource_uri") or spec.uri(item[spec.id_field]))
        elif item is not None:
            out.add(item)
    return out


CASES = [(key, f.name) for key in v41.MODELLED for f in _writable(SPECS[key]) if f.name in FIELDS[key]]


@pytest.mark.parametrize(("key", "name"), CASES, ids=[f"{k.rsplit('/', 1)[1]}.{n}" for k, n in CASES])
async def test_each_field_round_trips(
    http: httpx.AsyncClient, sim: Simulator, make: Factory, key: str, name: str
) -> None:
    spec = SPECS[key]
    f = spec.by_name[name]
    uri = await make(spec.name)
    if (spec.name, name) == ("conference", "breakout_rooms"):
        await http.patch(f"{API}/global/1/", json={"enable_breakout_rooms": True})
    value = await _value(spec.name, f, make)
    response = await http.patch(uri, json=_context(spec.name, name, value) | {name: value})
    assert response.status_code == 202, response.text
    stored = (await http.get(uri)).json()
    if f.secret:
        assert name not in stored, "a write-only field came back"
        return
    if f.type == "related":
        assert f.target is not None
        assert _uris(value, f.target) <= _uris(stored[name], f.target)
    else:
        assert stored[name] == value


ENUMS = [
    (key, f.name)
    for key in v41.MODELLED
    for f in _writable(SPECS[key])
    if f.choices is not None and f.name in FIELDS[key]
]


@pytest.mark.parametrize(("key", "name"), ENUMS, ids=[f"{k.rsplit('/', 1)[1]}.{n}" for k, n in ENUMS])
async def test_each_enumeration_takes_its_values_and_refuses_another(
    http: httpx.AsyncClient, sim: Simulator, make: Factory, key: str, name: str
) -> None:
    spec = SPECS[key]
    f = spec.by_name[name]
    assert f.choices is not None
    uri = await make(spec.name)
    values = [SPECIAL[(spec.name, name)]] if (spec.name, name) in SPECIAL else [c for c in f.choices if c]
    for value in values:
        response = await http.patch(uri, json=_context(spec.name, name, value) | {name: value})
        assert response.status_code == 202, f"{value}: {response.text}"
        assert (await http.get(uri)).json()[name] == value
    refused = await http.patch(uri, json={name: "not-a-v41-choice"})
    assert refused.status_code == 400
    assert "is not a valid choice" in " ".join(refused.json()[spec.name][name])


RANGES = [
    (key, f.name, bound)
    for key in v41.MODELLED
    for f in _writable(SPECS[key])
    if f.name in FIELDS[key]
    for bound in ("minimum", "maximum")
    if getattr(f, bound) is not None
]
# Bounds Pexip's own cross-field rules make unreachable: the media range needs at least 100 ports.
UNREACHABLE = {("global", "media_ports_start", "maximum"), ("global", "media_ports_end", "minimum")}


@pytest.mark.parametrize(
    ("key", "name", "bound"), RANGES, ids=[f"{k.rsplit('/', 1)[1]}.{n}.{b}" for k, n, b in RANGES]
)
async def test_each_range_bound_holds(
    http: httpx.AsyncClient, sim: Simulator, make: Factory, key: str, name: str, bound: str
) -> None:
    spec = SPECS[key]
    f = spec.by_name[name]
    edge = int(getattr(f, bound))
    beyond = edge - 1 if bound == "minimum" else edge + 1
    uri = await make(spec.name)
    accepted = await http.patch(uri, json=_context(spec.name, name, edge) | {name: edge})
    if (spec.name, name, bound) in UNREACHABLE:
        assert accepted.status_code == 400
        errors = " ".join(accepted.json()[spec.name].get(name, []))
        assert "Ensure this value" not in errors, "the bound itself must not be out of range"
    else:
        assert accepted.status_code == 202, accepted.text
        assert (await http.get(uri)).json()[name] == edge
    refused = await http.patch(uri, json=_context(spec.name, name, beyond) | {name: beyond})
    assert refused.status_code == 400
    assert "Ensure this value" in " ".join(refused.json()[spec.name][name])


NULLABLE = [
    (key, f.name)
    for key in v41.MODELLED
    for f in _writable(SPECS[key])
    if f.name in FIELDS[key] and FIELDS[key][f.name].nullable
]


@pytest.mark.parametrize(("key", "name"), NULLABLE, ids=[f"{k.rsplit('/', 1)[1]}.{n}" for k, n in NULLABLE])
async def test_nullable_fields_take_null(
    http: httpx.AsyncClient, sim: Simulator, make: Factory, key: str, name: str
) -> None:
    spec = SPECS[key]
    f = spec.by_name[name]
    uri = await make(spec.name)
    response = await http.patch(uri, json={name: None})
    assert response.status_code == 202, response.text
    stored = (await http.get(uri)).json()
    if f.secret:
        assert name not in stored
    elif not f.to_many:
        assert stored[name] is None


async def test_write_only_secrets_of_global_take_null_as_a_read_modify_write_client_sends(
    http: httpx.AsyncClient, sim: Simulator
) -> None:
    current = (await http.get(f"{API}/global/1/")).json()
    body = {k: v for k, v in current.items() if k not in ("default_theme", "resource_uri", "id")}
    body |= {"aws_secret_key": None, "azure_secret": None, "gcp_private_key": None}
    response = await http.patch(f"{API}/global/1/", json=body)
    assert response.status_code == 202, response.text
    assert sim.accounting.ignored_fields() == {}


@pytest.mark.parametrize("key", [k for k in v41.MODELLED if k.startswith("status/")])
async def test_status_objects_carry_every_field(http: httpx.AsyncClient, key: str) -> None:
    objects = (await http.get(f"/api/admin/{key}/")).json()["objects"]
    for obj in objects:
        assert set(_fields(key)) <= set(obj), key


async def test_fields_no_v41_node_knows_are_ignored_and_counted(
    http: httpx.AsyncClient, sim: Simulator
) -> None:
    sim.accounting.reset()
    response = await http.patch(
        f"{API}/global/1/", json={"enable_mlvad": True, "logon_banner": "VDX", "no_such_field": 1}
    )
    assert response.status_code == 202
    stored = (await http.get(f"{API}/global/1/")).json()
    assert stored["enable_mlvad"] is True
    assert stored["logon_banner"] == "VDX"
    assert "no_such_field" not in stored
    assert sim.accounting.ignored_fields() == {"configuration/global.no_such_field": 1}
    bulk = await http.patch(
        f"{API}/dns_server/", json={"objects": [{"address": "10.1.1.53", "colour": "blue"}]}
    )
    assert bulk.status_code == 202
    assert sim.accounting.ignored_fields("configuration/dns_server") == {"configuration/dns_server.colour": 1}
    snapshot = sim.accounting.snapshot()
    assert {"resource": "configuration/global", "field": "no_such_field", "count": 1} in snapshot["ignored"]
    assert next(e["ignored"] for e in snapshot["log"] if e["method"] == "PATCH") == ["no_such_field"]


async def test_references_to_unmodelled_collections_must_be_their_uris(
    http: httpx.AsyncClient, sim: Simulator, make: Factory
) -> None:
    uri = await make("system_location")
    wrong = await http.patch(uri, json={"mssip_proxy": f"{API}/sip_proxy/1/"})
    assert wrong.status_code == 400
    assert "Could not find the provided object" in wrong.json()["error"]
    assert (await http.patch(uri, json={"mssip_proxy": "not a uri"})).status_code == 400
    right = await http.patch(uri, json={"mssip_proxy": f"{API}/mssip_proxy/3/"})
    assert right.status_code == 202
    assert (await http.get(uri)).json()["mssip_proxy"] == f"{API}/mssip_proxy/3/"

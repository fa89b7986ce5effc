"""Contract suite for the calendar collections: Secure Scheduler for Exchange and One-Touch Join.

What a Management Node does with `ms_exchange_connector`, `exchange_domain` and the `mjx_*`
collections (the calendar appendix of the Pexip facts, and docs/pexip-simulator.md for the choices
where it is silent), over real HTTP with a raw client, then through `PexipClient` with the Kinds the
operator uses. `test_v41_fields` walks every field of the v41 data generically; these tests pin the
behaviour the operator's OutlookScheduling and OneTouchJoin kinds rely on.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from vdx.pexip import (
    EXCHANGE_DOMAIN,
    EXCHANGE_SCHEDULER_STATUS,
    MJX_ENDPOINT,
    MJX_ENDPOINT_GROUP,
    MJX_ENDPOINT_STATUS,
    MJX_EXCHANGE_AUTODISCOVER_URL,
    MJX_EXCHANGE_DEPLOYMENT,
    MJX_GOOGLE_DEPLOYMENT,
    MJX_GRAPH_DEPLOYMENT,
    MJX_INTEGRATION,
    MJX_MEETING_PROCESSING_RULE,
    MJX_MEETING_STATUS,
    MS_EXCHANGE_CONNECTOR,
    SECRET_FIELDS,
    Kind,
    PexipClient,
    ValidationError,
)
from vdx.pexip.models import MjxIntegration
from vdx.pexip.simulator import Simulator
from vdx.pexip.simulator.spec import ALL_SPECS

from .support import API


async def post(http: httpx.AsyncClient, resource: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await http.post(f"{API}/{resource}/", json=body)
    assert response.status_code == 201, response.text
    got = await http.get(response.headers["Location"])
    assert got.status_code == 200
    result: dict[str, Any] = got.json()
    return result


async def refused(http: httpx.AsyncClient, resource: str, body: dict[str, Any]) -> dict[str, list[str]]:
    """POST that must fail with Pexip's wrapped per-field shape: `{resource: {field: [messages]}}`."""
    response = await http.post(f"{API}/{resource}/", json=body)
    assert response.status_code == 400, response.text
    document = response.json()
    assert set(document) == {resource}, document
    errors: dict[str, list[str]] = document[resource]
    return errors


async def profile(http: httpx.AsyncClient, name: str = "otj-rm", **extra: Any) -> dict[str, Any]:
    return await post(http, "mjx_integration", {"name": name, **extra})


async def group(http: httpx.AsyncClient, otj: dict[str, Any], name: str = "rm-rooms") -> dict[str, Any]:
    return await post(
        http,
        "mjx_endpoint_group",
        {
            "name": name,
            "mjx_integration": otj["resource_uri"],
            "system_location": f"{API}/system_location/1/",
        },
    )


async def rule(http: httpx.AsyncClient, otj: dict[str, Any], name: str, priority: int = 10) -> dict[str, Any]:
    return await post(
        http,
        "mjx_meeting_processing_rule",
        {
            "name": name,
            "priority": priority,
            "meeting_type": "pexipinfinity",
            "mjx_integration": otj["resource_uri"],
            "domain": "vdx.rm.dk",
        },
    )


def endpoint_body(name: str, group_uri: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "endpoint_type": "CISCO",
        "room_resource_email": f"{name}@rm.dk",
        "api_address": f"{name}.av.rm.dk",
        "mjx_endpoint_group": group_uri,
        **extra,
    }


# ---------------------------------------------------------------------- creates with defaults


async def test_scheduler_defaults_and_generated_uuid(http: httpx.AsyncClient) -> None:
    connector = await post(http, "ms_exchange_connector", {"name": "Aarhus Kommune"})
    assert str(uuid.UUID(connector["uuid"])) == connector["uuid"]
    assert connector["authentication_method"] == "BASIC"
    assert connector["auth_provider"] == "ADFS"
    assert connector["addin_authentication_method"] == "EXCHANGE_USER_ID_TOKEN"
    assert connector["scheduled_alias_prefix"] is None
    assert connector["scheduled_alias_suffix_length"] == 6
    assert (connector["meeting_buffer_before"], connector["meeting_buffer_after"]) == (30, 60)
    assert connector["enable_dynamic_vmrs"] is True
    assert connector["enable_personal_vmrs"] is False
    assert connector["kerberos_enable_tls"] is True
    assert connector["addin_display_name"] == "Pexip Scheduling Service"
    assert connector["conference_name_template"] == "{{subject}} ({{organizer_name}})"
    assert connector["office_js_url"].startswith("https://appsforoffice.microsoft.com/")
    assert connector["non_idp_participants"] == "disallow_all"
    assert connector["host_identity_provider_group"] is None
    assert connector["ivr_theme"] is None
    assert connector["domains"] == []
    other = await post(http, "ms_exchange_connector", {"name": "Randers Kommune"})
    assert other["uuid"] != connector["uuid"]


async def test_scheduler_uuid_may_be_sent_must_be_a_uuid_and_cannot_be_blanked(
    http: httpx.AsyncClient,
) -> None:
    chosen = "6f1c0f2e-8d0b-4c7e-9a51-3b7d2f0c9e11"
    connector = await post(http, "ms_exchange_connector", {"name": "Aarhus Kommune", "uuid": chosen})
    assert connector["uuid"] == chosen
    errors = await refused(http, "ms_exchange_connector", {"name": "Randers", "uuid": "not-a-uuid"})
    assert errors == {"uuid": ["Enter a valid UUID."]}
    blanked = await http.patch(connector["resource_uri"], json={"uuid": ""})
    assert blanked.status_code == 400
    assert "uuid" in blanked.json()["ms_exchange_connector"]
    assert (await http.get(connector["resource_uri"])).json()["uuid"] == chosen


async def test_one_touch_join_defaults(http: httpx.AsyncClient) -> None:
    otj = await profile(http)
    assert otj["display_upcoming_meetings"] == 7
    assert (otj["start_buffer"], otj["end_buffer"]) == (5, 0)
    assert otj["replace_subject_type"] == "PRIVATE"
    assert otj["ep_use_https"] is True
    assert otj["webex_api_domain"] == "webexapis.com"
    assert otj["exchange_deployment"] is otj["google_deployment"] is otj["graph_deployment"] is None
    assert otj["endpoint_groups"] == []

    graph = await post(http, "mjx_graph_deployment", {"name": "rm-graph"})
    assert graph["request_quota"] == 1_000_000
    assert graph["mjx_integrations"] == []
    exchange = await post(http, "mjx_exchange_deployment", {"name": "rm-ews"})
    assert exchange["authentication_method"] == "BASIC"
    assert exchange["find_items_request_quota"] == 1_000_000
    assert exchange["autodiscover_urls"] == []
    google = await post(http, "mjx_google_deployment", {"name": "rm-google"})
    assert google["mjx_integrations"] == []

    rooms = await group(http, otj)
    assert rooms["endpoints"] == []
    assert rooms["disable_proxy"] is False
    room = await post(http, "mjx_endpoint", endpoint_body("room-101", rooms["resource_uri"]))
    assert (room["use_https"], room["verify_cert"]) == ("GLOBAL", "GLOBAL")
    assert room["api_port"] is None  # the node's own choice: 443 over HTTPS, else 80
    assert room["poly_raise_alarms_for_this_endpoint"] is False
    first = await rule(http, otj, "vdx-rm")
    assert first["enabled"] is True
    assert first["default_processing_enabled"] is True
    assert first["include_pin"] is False
    assert first["match_string"] == first["transform_rule"] == ""


# ---------------------------------------------------------------------- per-field 400s as a node gives


VIOLATIONS: list[tuple[str, dict[str, Any], str, str]] = [
    ("ms_exchange_connector", {"name": ""}, "name", "This field is required."),
    ("ms_exchange_connector", {"name": "x" * 251}, "name", "at most 250 characters"),
    (
        "ms_exchange_connector",
        {"authentication_method": "DIGEST"},
        "authentication_method",
        "not a valid choice",
    ),
    ("ms_exchange_connector", {"auth_provider": "OKTA"}, "auth_provider", "not a valid choice"),
    (
        "ms_exchange_connector",
        {"non_idp_participants": "allow_all"},
        "non_idp_participants",
        "not a valid choice",
    ),
    (
        "ms_exchange_connector",
        {"meeting_buffer_before": 181},
        "meeting_buffer_before",
        "less than or equal to 180",
    ),
    (
        "ms_exchange_connector",
        {"meeting_buffer_after": -1},
        "meeting_buffer_after",
        "greater than or equal to 0",
    ),
    (
        "ms_exchange_connector",
        {"scheduled_alias_suffix_length": 4},
        "scheduled_alias_suffix_length",
        "greater than or equal to 5",
    ),
    (
        "ms_exchange_connector",
        {"scheduled_alias_prefix": "vdx-aarhus"},
        "scheduled_alias_prefix",
        "at most 8",
    ),
    ("ms_exchange_connector", {"scheduled_alias_domain": "d" * 193}, "scheduled_alias_domain", "at most 192"),
    ("ms_exchange_connector", {"addin_display_name": "n" * 251}, "addin_display_name", "at most 250"),
    (
        "ms_exchange_connector",
        {"meeting_instructions_template": "t" * 12289},
        "meeting_instructions_template",
        "at most 12288",
    ),
    ("ms_exchange_connector", {"password": "p" * 101}, "password", "at most 100"),
    (
        "mjx_integration",
        {"display_upcoming_meetings": 366},
        "display_upcoming_meetings",
        "less than or equal to 365",
    ),
    ("mjx_integration", {"start_buffer": 181}, "start_buffer", "less than or equal to 180"),
    ("mjx_integration", {"end_buffer": -1}, "end_buffer", "greater than or equal to 0"),
    ("mjx_integration", {"replace_subject_type": "none"}, "replace_subject_type", "not a valid choice"),
    ("mjx_integration", {"replace_subject_template": "s" * 513}, "replace_subject_template", "at most 512"),
    ("mjx_graph_deployment", {"request_quota": 9_999}, "request_quota", "greater than or equal to 10000"),
    (
        "mjx_graph_deployment",
        {"request_quota": 10_000_001},
        "request_quota",
        "less than or equal to 10000000",
    ),
    ("mjx_graph_deployment", {"client_secret": "s" * 101}, "client_secret", "at most 100"),
    (
        "mjx_exchange_deployment",
        {"authentication_method": "APP_PERM"},
        "authentication_method",
        "not a valid choice",
    ),
    (
        "mjx_exchange_deployment",
        {"find_items_request_quota": 1},
        "find_items_request_quota",
        "greater than or equal",
    ),
    ("mjx_endpoint", {"endpoint_type": "polycom"}, "endpoint_type", "not a valid choice"),
    ("mjx_endpoint", {"endpoint_type": None}, "endpoint_type", "This field is required."),
    ("mjx_endpoint", {"use_https": "yes"}, "use_https", "not a valid choice"),
    ("mjx_endpoint", {"verify_cert": "TRUE"}, "verify_cert", "not a valid choice"),
    ("mjx_endpoint", {"api_port": 0}, "api_port", "greater than or equal to 1"),
    ("mjx_endpoint", {"api_port": 65536}, "api_port", "less than or equal to 65535"),
    ("mjx_endpoint", {"name": "n" * 101}, "name", "at most 100"),
    ("mjx_endpoint", {"description": "d" * 501}, "description", "at most 500"),
    ("mjx_endpoint", {"api_address": "a" * 256}, "api_address", "at most 255"),
    ("mjx_meeting_processing_rule", {"priority": 0}, "priority", "greater than or equal to 1"),
    ("mjx_meeting_processing_rule", {"priority": 201}, "priority", "less than or equal to 200"),
    ("mjx_meeting_processing_rule", {"priority": None}, "priority", "This field cannot be null."),
    ("mjx_meeting_processing_rule", {"meeting_type": "skype"}, "meeting_type", "not a valid choice"),
    ("mjx_meeting_processing_rule", {"transform_rule": "t" * 513}, "transform_rule", "at most 512"),
    ("mjx_meeting_processing_rule", {"custom_template": "t" * 10241}, "custom_template", "at most 10240"),
    ("mjx_meeting_processing_rule", {"company_id": "c" * 37}, "company_id", "at most 36"),
    ("mjx_meeting_processing_rule", {"match_string": "m" * 251}, "match_string", "at most 250"),
    ("mjx_meeting_processing_rule", {"mjx_integration": None}, "mjx_integration", "This field is required."),
    ("exchange_domain", {"domain": ""}, "domain", "This field is required."),
    ("mjx_exchange_autodiscover_url", {"url": ""}, "url", "This field is required."),
]


async def valid_body(http: httpx.AsyncClient, resource: str) -> dict[str, Any]:
    """A body the collection accepts, so that each violation below is the only fault."""
    if resource == "mjx_endpoint":
        return endpoint_body("room-1", None)
    if resource == "mjx_meeting_processing_rule":
        otj = await profile(http, "otj-violations")
        return {
            "name": "r",
            "priority": 5,
            "meeting_type": "pexipinfinity",
            "mjx_integration": otj["resource_uri"],
        }
    if resource == "exchange_domain":
        connector = await post(http, "ms_exchange_connector", {"name": "Aarhus Kommune"})
        return {"domain": "aarhus.dk", "exchange_connector": connector["resource_uri"]}
    if resource == "mjx_exchange_autodiscover_url":
        return {"name": "ad", "url": "https://autodiscover.rm.dk/autodiscover/autodiscover.svc"}
    return {"name": f"valid {resource}"}


@pytest.mark.parametrize(
    ("resource", "change", "field", "message"),
    VIOLATIONS,
    ids=[f"{r}.{f}-{i}" for i, (r, _c, f, _m) in enumerate(VIOLATIONS)],
)
async def test_each_violation_is_a_per_field_400(
    http: httpx.AsyncClient, resource: str, change: dict[str, Any], field: str, message: str
) -> None:
    body = await valid_body(http, resource)
    ok = await http.post(f"{API}/{resource}/", json=body)  # the base body alone is accepted ...
    assert ok.status_code == 201, ok.text
    await http.delete(ok.headers["Location"])
    errors = await refused(http, resource, body | change)  # ... and the change alone is refused
    assert set(errors) == {field}, errors
    assert message in " ".join(errors[field])


async def test_required_fields_of_a_rule(http: httpx.AsyncClient) -> None:
    errors = await refused(http, "mjx_meeting_processing_rule", {"name": "vdx-rm"})
    assert errors == {
        name: ["This field is required."] for name in ("priority", "meeting_type", "mjx_integration")
    }


async def test_several_faults_are_reported_together(http: httpx.AsyncClient) -> None:
    errors = await refused(
        http, "mjx_endpoint", {"endpoint_type": "SONY", "api_port": 0, "use_https": "maybe"}
    )
    assert set(errors) == {"name", "endpoint_type", "api_port", "use_https"}


# ---------------------------------------------------------------------- write-only secrets

SECRETS: dict[str, list[str]] = {
    "ms_exchange_connector": [
        "password",
        "oauth_client_secret",
        "oauth_refresh_token",
        "personal_vmr_oauth_client_secret",
        "private_key",
    ],
    "mjx_integration": ["ep_password", "webex_client_secret", "webex_refresh_token"],
    "mjx_graph_deployment": ["client_secret"],
    "mjx_exchange_deployment": ["service_account_password", "oauth_refresh_token"],
    "mjx_google_deployment": ["client_secret", "private_key", "refresh_token"],
    "mjx_endpoint": ["api_password", "poly_password"],
}


@pytest.mark.parametrize("resource", sorted(SECRETS))
async def test_secrets_are_stored_never_returned_and_kept_when_omitted(
    http: httpx.AsyncClient, sim: Simulator, resource: str
) -> None:
    canaries = {name: f"canary-{resource}-{name}-5e1b" for name in SECRETS[resource]}
    obj = await post(http, resource, await valid_body(http, resource) | canaries)
    listed = await http.get(f"{API}/{resource}/")
    schema = await http.get(f"{API}/{resource}/schema/")
    for name, canary in canaries.items():
        assert name not in obj
        assert canary not in str(obj)
        assert canary not in listed.text
        assert canary not in schema.text
        assert canary not in str(sim.accounting.snapshot())
    patched = await http.patch(obj["resource_uri"], json={"description": "rotated nothing"})
    assert patched.status_code == 202
    stored = sim.engine.tables[resource][obj["id"]]
    assert {name: stored[name] for name in canaries} == canaries, "an omitted secret must be kept"


def test_every_simulated_secret_is_scrubbed_by_the_client() -> None:
    """The client scrubs values of these names from errors and logs: a secret it missed would leak."""
    calendar = {key for key in ALL_SPECS if key.startswith(("mjx_", "ms_exchange", "exchange_"))}
    for key in calendar:
        for f in ALL_SPECS[key].fields:
            if f.secret:
                assert f.name in SECRET_FIELDS, f"{key}.{f.name} is write-only but not in SECRET_FIELDS"
    for resource, names in SECRETS.items():
        assert {f.name for f in ALL_SPECS[resource].fields if f.secret} == set(names), resource


# ---------------------------------------------------------------------- uniqueness and references

UNIQUE_NAMES = [
    "ms_exchange_connector",
    "mjx_integration",
    "mjx_graph_deployment",
    "mjx_exchange_deployment",
    "mjx_google_deployment",
    "mjx_endpoint_group",
    "mjx_endpoint",
    "mjx_meeting_processing_rule",
    "mjx_exchange_autodiscover_url",
]


@pytest.mark.parametrize("resource", UNIQUE_NAMES)
async def test_names_are_unique(http: httpx.AsyncClient, resource: str) -> None:
    body = await valid_body(http, resource)
    await post(http, resource, body)
    errors = await refused(http, resource, body)
    assert list(errors) == ["name"]
    assert errors["name"][0].endswith("with this Name already exists.")


async def test_an_exchange_domain_is_listed_once_per_integration(http: httpx.AsyncClient) -> None:
    aarhus = await post(http, "ms_exchange_connector", {"name": "Aarhus Kommune"})
    randers = await post(http, "ms_exchange_connector", {"name": "Randers Kommune"})
    await post(http, "exchange_domain", {"domain": "aarhus.dk", "exchange_connector": aarhus["resource_uri"]})
    errors = await refused(
        http, "exchange_domain", {"domain": "AARHUS.dk", "exchange_connector": aarhus["resource_uri"]}
    )
    assert list(errors) == ["domain"]
    await post(
        http, "exchange_domain", {"domain": "aarhus.dk", "exchange_connector": randers["resource_uri"]}
    )
    embedded = (await http.get(aarhus["resource_uri"])).json()["domains"]
    assert [(d["domain"], d["exchange_connector"]) for d in embedded] == [
        ("aarhus.dk", aarhus["resource_uri"])
    ]
    assert embedded[0]["resource_uri"].startswith(f"{API}/exchange_domain/")


REFERENCES: list[tuple[str, str, str]] = [
    ("ms_exchange_connector", "ivr_theme", "ivr_theme"),
    ("ms_exchange_connector", "host_identity_provider_group", "identity_provider_group"),
    ("exchange_domain", "exchange_connector", "ms_exchange_connector"),
    ("mjx_integration", "graph_deployment", "mjx_graph_deployment"),
    ("mjx_integration", "exchange_deployment", "mjx_exchange_deployment"),
    ("mjx_integration", "google_deployment", "mjx_google_deployment"),
    ("mjx_exchange_autodiscover_url", "exchange_deployment", "mjx_exchange_deployment"),
    ("mjx_endpoint_group", "mjx_integration", "mjx_integration"),
    ("mjx_endpoint_group", "system_location", "system_location"),
    ("mjx_endpoint", "mjx_endpoint_group", "mjx_endpoint_group"),
    ("mjx_meeting_processing_rule", "mjx_integration", "mjx_integration"),
]


@pytest.mark.parametrize(
    ("resource", "field", "target"), REFERENCES, ids=[f"{r}.{f}" for r, f, _ in REFERENCES]
)
async def test_a_reference_to_nothing_is_refused(
    http: httpx.AsyncClient, resource: str, field: str, target: str
) -> None:
    body = await valid_body(http, resource)
    for wrong in (f"{API}/{target}/999/", f"{API}/conference/1/"):
        response = await http.post(f"{API}/{resource}/", json=body | {field: wrong})
        assert response.status_code == 400
        assert response.json() == {"error": f"Could not find the provided object via resource URI '{wrong}'."}
    assert (await http.get(f"{API}/{resource}/")).json()["meta"]["total_count"] == 0, "nothing half-made"


async def test_a_profile_reads_one_calendar_source(http: httpx.AsyncClient) -> None:
    graph = await post(http, "mjx_graph_deployment", {"name": "rm-graph"})
    google = await post(http, "mjx_google_deployment", {"name": "rm-google"})
    errors = await refused(
        http,
        "mjx_integration",
        {
            "name": "otj",
            "graph_deployment": graph["resource_uri"],
            "google_deployment": google["resource_uri"],
        },
    )
    assert set(errors) == {"graph_deployment", "google_deployment"}
    assert "Only one of" in errors["graph_deployment"][0]
    otj = await profile(http, graph_deployment=graph["resource_uri"])
    switched = await http.patch(otj["resource_uri"], json={"google_deployment": google["resource_uri"]})
    assert switched.status_code == 400
    moved = await http.patch(
        otj["resource_uri"], json={"graph_deployment": None, "google_deployment": google["resource_uri"]}
    )
    assert moved.status_code == 202
    assert (await http.get(graph["resource_uri"])).json()["mjx_integrations"] == []
    assert (await http.get(google["resource_uri"])).json()["mjx_integrations"] == [otj["resource_uri"]]


async def test_a_profile_shows_its_references_as_stubs_which_the_models_read_as_uris(
    http: httpx.AsyncClient,
) -> None:
    """pexip-api.md §1.7: a profile's deployment and endpoint groups, and a group's endpoints, come
    back as `{"resource_uri": ...}` stubs; the client's models read them as the URIs it writes."""
    graph = await post(http, "mjx_graph_deployment", {"name": "rm-graph"})
    otj = await profile(http, graph_deployment=graph["resource_uri"])
    rooms = await group(http, otj)
    shown = (await http.get(otj["resource_uri"])).json()
    assert shown["graph_deployment"] == {"resource_uri": graph["resource_uri"]}
    assert shown["endpoint_groups"] == [{"resource_uri": rooms["resource_uri"]}]
    read = MjxIntegration.model_validate(shown)
    assert (read.graph_deployment, read.endpoint_groups) == (graph["resource_uri"], [rooms["resource_uri"]])


async def test_derived_lists_are_read_only(http: httpx.AsyncClient) -> None:
    """`endpoint_groups`, `endpoints`, `mjx_integrations`, `domains` are written on the other side."""
    otj = await profile(http)
    rooms = await group(http, otj)
    graph = await post(http, "mjx_graph_deployment", {"name": "rm-graph"})
    ignored = await http.patch(graph["resource_uri"], json={"mjx_integrations": [otj["resource_uri"]]})
    assert ignored.status_code == 202
    assert (await http.get(graph["resource_uri"])).json()["mjx_integrations"] == []
    assert (await http.get(otj["resource_uri"])).json()["graph_deployment"] is None
    await http.patch(otj["resource_uri"], json={"endpoint_groups": []})
    assert (await http.get(otj["resource_uri"])).json()["endpoint_groups"] == [
        {"resource_uri": rooms["resource_uri"]}
    ]


# ---------------------------------------------------------------------- protected and cascading deletes


async def test_a_profile_in_use_cannot_be_deleted_until_its_groups_and_rules_are_gone(
    http: httpx.AsyncClient,
) -> None:
    otj = await profile(http)
    rooms = await group(http, otj)
    first = await rule(http, otj, "vdx-rm")
    response = await http.delete(otj["resource_uri"])
    assert response.status_code == 400
    message = response.json()["error"]
    assert message.startswith("Cannot delete this One-Touch Join Profile: it is referenced by")
    assert (await http.get(otj["resource_uri"])).status_code == 200
    assert (await http.delete(rooms["resource_uri"])).status_code == 204
    assert (await http.delete(otj["resource_uri"])).status_code == 400  # the rule still holds it
    assert (await http.delete(first["resource_uri"])).status_code == 204
    assert (await http.delete(otj["resource_uri"])).status_code == 204


@pytest.mark.parametrize("source", ["graph_deployment", "exchange_deployment", "google_deployment"])
async def test_a_deployment_in_use_by_a_profile_cannot_be_deleted(
    http: httpx.AsyncClient, source: str
) -> None:
    deployment = await post(http, f"mjx_{source}", {"name": f"rm-{source}"})
    otj = await profile(http, **{source: deployment["resource_uri"]})
    assert (await http.get(deployment["resource_uri"])).json()["mjx_integrations"] == [otj["resource_uri"]]
    response = await http.delete(deployment["resource_uri"])
    assert response.status_code == 400
    assert "referenced by One-Touch Join Profile" in response.json()["error"]
    await http.patch(otj["resource_uri"], json={source: None})
    assert (await http.delete(deployment["resource_uri"])).status_code == 204
    assert (await http.get(otj["resource_uri"])).status_code == 200


async def test_a_group_holding_endpoints_cannot_be_deleted(http: httpx.AsyncClient) -> None:
    otj = await profile(http)
    rooms = await group(http, otj)
    room = await post(http, "mjx_endpoint", endpoint_body("room-101", rooms["resource_uri"]))
    assert (await http.get(rooms["resource_uri"])).json()["endpoints"] == [
        {"resource_uri": room["resource_uri"]}
    ]
    response = await http.delete(rooms["resource_uri"])
    assert response.status_code == 400
    assert "referenced by One-Touch Join Endpoint" in response.json()["error"]
    moved = await http.patch(room["resource_uri"], json={"mjx_endpoint_group": None})
    assert moved.status_code == 202
    assert (await http.delete(rooms["resource_uri"])).status_code == 204
    assert (await http.get(room["resource_uri"])).json()["mjx_endpoint_group"] is None


async def test_parts_go_with_their_whole(http: httpx.AsyncClient) -> None:
    """Exchange domains go with their connector, autodiscover URLs with their Exchange deployment."""
    connector = await post(http, "ms_exchange_connector", {"name": "Aarhus Kommune"})
    domain = await post(
        http, "exchange_domain", {"domain": "aarhus.dk", "exchange_connector": connector["resource_uri"]}
    )
    ews = await post(http, "mjx_exchange_deployment", {"name": "rm-ews"})
    url = await post(
        http,
        "mjx_exchange_autodiscover_url",
        {"name": "rm", "url": "https://autodiscover.rm.dk/x", "exchange_deployment": ews["resource_uri"]},
    )
    assert [u["resource_uri"] for u in (await http.get(ews["resource_uri"])).json()["autodiscover_urls"]] == [
        url["resource_uri"]
    ]
    assert (await http.delete(connector["resource_uri"])).status_code == 204
    assert (await http.get(domain["resource_uri"])).status_code == 404
    assert (await http.delete(ews["resource_uri"])).status_code == 204
    assert (await http.get(url["resource_uri"])).status_code == 404


async def test_a_theme_or_group_used_by_a_scheduler_is_released_not_protected(
    http: httpx.AsyncClient,
) -> None:
    """As for a VMR: deleting the theme or ADFS group clears the scheduler's reference."""
    theme = (await http.get(f"{API}/ivr_theme/2/")).json()
    idp_group = await post(http, "identity_provider_group", {"name": "aarhus-hosts"})
    connector = await post(
        http,
        "ms_exchange_connector",
        {
            "name": "Aarhus Kommune",
            "ivr_theme": theme["resource_uri"],
            "host_identity_provider_group": idp_group["resource_uri"],
        },
    )
    assert connector["ivr_theme"] == theme["resource_uri"]
    assert (await http.delete(idp_group["resource_uri"])).status_code == 204
    assert (await http.get(connector["resource_uri"])).json()["host_identity_provider_group"] is None


async def test_a_saved_node_keeps_its_calendar_relations(
    http: httpx.AsyncClient, sim: Simulator, tmp_path: Path
) -> None:
    """A demo restarted from its state file still refuses to delete a profile in use."""
    otj = await profile(http, ep_password="canary-otj-ep")
    rooms = await group(http, otj)
    sim.save(str(tmp_path / "state.json"))
    sim.reset()
    assert (await http.get(otj["resource_uri"])).status_code == 404
    sim.load(str(tmp_path / "state.json"))
    assert (await http.get(otj["resource_uri"])).json()["endpoint_groups"] == [
        {"resource_uri": rooms["resource_uri"]}
    ]
    assert (await http.delete(otj["resource_uri"])).status_code == 400
    assert sim.engine.tables["mjx_integration"][otj["id"]]["ep_password"] == "canary-otj-ep"


# ---------------------------------------------------------------------- lookups the operator makes


async def test_filters_the_operator_looks_things_up_by(http: httpx.AsyncClient) -> None:
    rm = await profile(http, "otj-rm")
    rh = await profile(http, "otj-regionh")
    rm_rooms = await group(http, rm, "rm-rooms")
    rh_rooms = await group(http, rh, "rh-rooms")
    await post(http, "mjx_endpoint", endpoint_body("aarhus-101", rm_rooms["resource_uri"]))
    await post(
        http, "mjx_endpoint", endpoint_body("rh-201", rh_rooms["resource_uri"], api_address="10.1.2.3")
    )
    await rule(http, rm, "vdx-rm-1", 10)
    await rule(http, rm, "vdx-rm-2", 20)
    await rule(http, rh, "vdx-rh", 10)

    async def names(resource: str, **params: Any) -> list[str]:
        body = (await http.get(f"{API}/{resource}/", params=params | {"order_by": "name"})).json()
        return [o["name"] for o in body["objects"]]

    assert await names("mjx_integration", name="otj-rm") == ["otj-rm"]
    assert await names("mjx_meeting_processing_rule", mjx_integration=rm["resource_uri"]) == [
        "vdx-rm-1",
        "vdx-rm-2",
    ]
    assert await names("mjx_meeting_processing_rule", mjx_integration=rh["id"]) == ["vdx-rh"]
    assert await names("mjx_meeting_processing_rule", mjx_integration__name="otj-rm") == [
        "vdx-rm-1",
        "vdx-rm-2",
    ]
    assert await names("mjx_endpoint_group", mjx_integration=rh["resource_uri"]) == ["rh-rooms"]
    assert await names("mjx_endpoint", room_resource_email="aarhus-101@rm.dk") == ["aarhus-101"]
    assert await names("mjx_endpoint", room_resource_email__iexact="AARHUS-101@RM.DK") == ["aarhus-101"]
    assert await names("mjx_endpoint", api_address="10.1.2.3") == ["rh-201"]
    assert await names("mjx_endpoint", mjx_endpoint_group__mjx_integration=rm["resource_uri"]) == [
        "aarhus-101"
    ]
    assert await names("mjx_endpoint", api_address="nowhere") == []


async def test_status_collections_are_served_read_only(http: httpx.AsyncClient) -> None:
    for name in ("exchange_scheduler", "mjx_endpoint", "mjx_meeting"):
        listed = await http.get(f"/api/admin/status/v1/{name}/")
        assert listed.status_code == 200
        assert listed.json()["objects"] == []
        assert (await http.post(f"/api/admin/status/v1/{name}/", json={})).status_code == 405


# ---------------------------------------------------------------------- through the operator's client

CLIENT_CASES: list[tuple[Kind[Any], dict[str, Any], dict[str, Any]]] = [
    (
        MS_EXCHANGE_CONNECTOR,
        {
            "name": "Aarhus Kommune",
            "authentication_method": "APP_PERM",
            "oauth_client_id": "0f9d1c64-0000-4000-8000-00000000a001",
            "oauth_client_secret": "canary-client-secret",
            "scheduled_alias_prefix": "aar",
            "scheduled_alias_domain": "vdx.aarhus.dk",
            "addin_server_domain": "outlook.vdx.aarhus.dk",
            "addin_display_name": "VDX-møde (Aarhus Kommune)",
        },
        {"meeting_buffer_before": 15},
    ),
    (MJX_INTEGRATION, {"name": "otj-rm", "ep_password": "canary-ep"}, {"start_buffer": 10}),
    (
        MJX_GRAPH_DEPLOYMENT,
        {"name": "rm-graph", "client_id": "app-id", "client_secret": "canary-graph"},
        {"request_quota": 20_000},
    ),
    (
        MJX_EXCHANGE_DEPLOYMENT,
        {"name": "rm-ews", "service_account_username": "svc", "service_account_password": "canary-svc"},
        {"authentication_method": "NTLM"},
    ),
    (
        MJX_EXCHANGE_AUTODISCOVER_URL,
        {"name": "rm-autodiscover", "url": "https://autodiscover.rm.dk/autodiscover/autodiscover.svc"},
        {"description": "primary"},
    ),
    (MJX_GOOGLE_DEPLOYMENT, {"name": "rm-google", "private_key": "canary-key"}, {"use_user_consent": True}),
    (MJX_ENDPOINT_GROUP, {"name": "rm-rooms"}, {"disable_proxy": True}),
    (
        MJX_ENDPOINT,
        {
            "name": "aarhus-101",
            "endpoint_type": "POLY",
            "room_resource_email": "101@rm.dk",
            "api_address": "10.9.0.101",
            "poly_password": "canary-poly",
        },
        {"api_port": 8443, "use_https": "YES"},
    ),
]


@pytest.mark.parametrize(("kind", "data", "change"), CLIENT_CASES, ids=[c[0].name for c in CLIENT_CASES])
async def test_round_trip_through_the_client(
    client: PexipClient, kind: Kind[Any], data: dict[str, Any], change: dict[str, Any]
) -> None:
    created = await client.create(kind, data)
    dumped = created.model_dump()
    for key, value in data.items():
        if key in SECRET_FIELDS:
            assert key not in dumped
        else:
            assert getattr(created, key) == value
    updated = await client.update(kind, kind.object_id(created), change)
    for key, value in change.items():
        assert getattr(updated, key) == value
    assert await client.find(kind, name=data["name"]) == updated
    assert await client.delete(kind, kind.object_id(created))
    assert await client.find(kind, name=data["name"]) is None


async def test_client_links_a_profile_and_reports_a_refused_delete(client: PexipClient) -> None:
    connector = await client.create(MS_EXCHANGE_CONNECTOR, {"name": "Aarhus Kommune"})
    domain = await client.create(
        EXCHANGE_DOMAIN, {"domain": "aarhus.dk", "exchange_connector": connector.resource_uri}
    )
    assert (
        await client.find(EXCHANGE_DOMAIN, domain="aarhus.dk", exchange_connector=connector.resource_uri)
        == domain
    )
    assert [d.domain for d in (await client.get(MS_EXCHANGE_CONNECTOR, connector.id)).domains] == [
        "aarhus.dk"
    ]

    graph = await client.create(MJX_GRAPH_DEPLOYMENT, {"name": "rm-graph"})
    otj = await client.create(MJX_INTEGRATION, {"name": "otj-rm", "graph_deployment": graph.resource_uri})
    rooms = await client.create(MJX_ENDPOINT_GROUP, {"name": "rm-rooms", "mjx_integration": otj.resource_uri})
    room = await client.create(
        MJX_ENDPOINT,
        {"name": "aarhus-101", "endpoint_type": "CISCO", "mjx_endpoint_group": rooms.resource_uri},
    )
    first = await client.create(
        MJX_MEETING_PROCESSING_RULE,
        {
            "name": "vdx-rm",
            "priority": 1,
            "meeting_type": "pexipinfinity",
            "mjx_integration": otj.resource_uri,
        },
    )
    assert (await client.get(MJX_INTEGRATION, otj.id)).endpoint_groups == [rooms.resource_uri]
    assert (await client.get(MJX_GRAPH_DEPLOYMENT, graph.id)).mjx_integrations == [otj.resource_uri]
    assert (await client.get(MJX_ENDPOINT_GROUP, rooms.id)).endpoints == [room.resource_uri]
    rules = await client.list(MJX_MEETING_PROCESSING_RULE, filters={"mjx_integration": otj.resource_uri})
    assert [r.id for r in rules] == [first.id]
    with pytest.raises(ValidationError) as refusal:
        await client.delete(MJX_INTEGRATION, otj.id)
    assert "One-Touch Join Profile" in str(refusal.value)
    assert await client.get(MJX_INTEGRATION, otj.id) == await client.find(MJX_INTEGRATION, name="otj-rm")


CALENDAR_KINDS: list[Kind[Any]] = [
    MS_EXCHANGE_CONNECTOR,
    EXCHANGE_DOMAIN,
    MJX_INTEGRATION,
    MJX_GRAPH_DEPLOYMENT,
    MJX_EXCHANGE_DEPLOYMENT,
    MJX_EXCHANGE_AUTODISCOVER_URL,
    MJX_GOOGLE_DEPLOYMENT,
    MJX_ENDPOINT_GROUP,
    MJX_ENDPOINT,
    MJX_MEETING_PROCESSING_RULE,
]


@pytest.mark.parametrize("kind", CALENDAR_KINDS, ids=[k.name for k in CALENDAR_KINDS])
async def test_models_read_this_node_and_one_of_another_version(
    http: httpx.AsyncClient, kind: Kind[Any]
) -> None:
    """Every field a v41 node answers is read, and a v42 node's extra or a v40 node's missing
    (non-required) fields do not break the model."""
    full = await post(http, kind.name, await valid_body(http, kind.name))
    model = kind.model.model_validate(full)
    typed = set(kind.model.model_fields)
    assert typed <= set(full), f"{kind.label}: the model types fields a node does not answer"
    for name in typed:
        value = getattr(model, name)
        if value is None or isinstance(value, str | int | bool):
            assert value == full[name], f"{kind.label}.{name}: the model's default hid the node's value"
    required = {name for name, info in kind.model.model_fields.items() if info.is_required()}
    partial = {k: v for k, v in full.items() if k in required or k == "resource_uri"} | {"v42_only": 1}
    older = kind.model.model_validate(partial)
    assert older.model_extra == {"v42_only": 1}
    for name in required:
        assert getattr(older, name) == getattr(model, name)


async def test_the_client_reads_the_calendar_status_collections(client: PexipClient) -> None:
    for kind in (EXCHANGE_SCHEDULER_STATUS, MJX_ENDPOINT_STATUS, MJX_MEETING_STATUS):
        assert kind.path.startswith("/api/admin/status/v1/")
        assert await client.list(kind) == []

"""OutlookScheduling end to end: control plane + simulator + operator.

Create, update, Secret rotation (resent, the canaries never in status, events or logs), observe-only
drift, Orphan and Delete, adoption of a connector made by hand, and the refusals that name field and
fix with nothing made in Pexip.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest
from kubernetes import client

from tests.e2e.harness import Harness, condition, wait_for, wait_ready
from tests.e2e.test_branding import assets, branding_spec
from vdx.calendar.keys import new_key_pair
from vdx.pexip.resources import EXCHANGE_DOMAIN, IVR_THEME, MS_EXCHANGE_CONNECTOR
from vdx.testing.operator import OperatorThread

pytestmark = pytest.mark.kube
T = TypeVar("T")

DOMAIN = "vdx.outlook.dk"
CLIENT_SECRET = "canary-outlook-secret-5e1b"
ROTATED = "canary-outlook-rotated-9c2d"


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def connectors(h: Harness) -> list[Any]:
    async def listed() -> list[Any]:
        async with h.pexip() as pexip:
            return await pexip.list(MS_EXCHANGE_CONNECTOR)

    return run(listed())


def exchange_domains(h: Harness) -> list[Any]:
    async def listed() -> list[Any]:
        async with h.pexip() as pexip:
            return await pexip.list(EXCHANGE_DOMAIN)

    return run(listed())


def ivr_themes(h: Harness) -> list[Any]:
    async def listed() -> list[Any]:
        async with h.pexip() as pexip:
            return await pexip.list(IVR_THEME)

    return run(listed())


def stored(h: Harness, field: str) -> Any:
    """What the node holds in a write-only field (Pexip never returns it over the API)."""
    (row,) = h.sim.simulator.engine.tables["ms_exchange_connector"].values()
    return row.get(field)


def events_of(h: Harness, name: str) -> list[str]:
    core = client.CoreV1Api(h.api)
    return [
        f"{e.reason}: {e.message}"
        for e in core.list_namespaced_event(h.namespace).items
        if e.involved_object.name == name
    ]


def ready_reason(h: Harness, name: str) -> tuple[str, str]:
    cond = condition(h.get("outlookschedulings", name), "Ready") or {}
    return str(cond.get("reason")), str(cond.get("message"))


def tenant_with_certificate(h: Harness) -> None:
    h.platform_and_tenant([DOMAIN])
    h.tls_secret("tls-secret", [DOMAIN, f"join.{DOMAIN}"])
    h.create(
        "tlscertificates",
        "TlsCertificate",
        "cert",
        {"secretRef": {"name": "tls-secret"}, "dnsNames": [DOMAIN, f"join.{DOMAIN}"]},
    )
    h.secret("outlook-exchange", {"clientSecret": CLIENT_SECRET})
    h.secret("outlook-key-pair", new_key_pair())


def spec(**changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "exchange": {
            "type": "Microsoft365",
            "authentication": "AppPermissions",
            "entraTenantId": "8c2f6b1e-3d4a-4f5b-9c6d-7e8f9a0b1c2d",
            "applicationId": "5a7d3c9e-1b2f-4e6a-8d0c-2f4e6a8c0e1b",
            "serviceMailbox": "vdx-booking@outlook.dk",
            "credentialsSecretRef": {"name": "outlook-exchange"},
        },
        "keyPairSecretRef": {"name": "outlook-key-pair"},
        "aliases": {"prefix": "test", "domain": DOMAIN},
        "addIn": {"serverDomain": f"join.{DOMAIN}"},
        "exchangeDomains": ["outlook.dk"],
    }
    value.update(changes)
    return value


def test_outlook_scheduling_lifecycle(
    operator: OperatorThread, h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tenant_with_certificate(h)
    h.create("outlookschedulings", "OutlookScheduling", "booking", spec())
    obj = wait_ready(h, "outlookschedulings", "booking", timeout=60)
    (connector,) = connectors(h)
    assert connector.name == f"{h.namespace}/booking"
    assert connector.description.startswith(f"[vdx:OutlookScheduling/{h.namespace}/booking]")
    # Danish texts with the organisation's name (the Tenant's displayName), aliases in its domain.
    assert connector.addin_display_name == "Region Test videomøde"
    assert "Region Test" in connector.addin_pane_general_error_message
    assert connector.scheduled_alias_domain == DOMAIN
    assert connector.authentication_method == "APP_PERM"
    assert stored(h, "oauth_client_secret") == CLIENT_SECRET
    assert "BEGIN PRIVATE KEY" in stored(h, "private_key")
    (domain,) = exchange_domains(h)
    assert domain.domain == "outlook.dk"
    status = obj["status"]
    assert status["connector"] == connector.resource_uri
    assert status["uuid"] == connector.uuid
    assert status["outlookAdministrator"]["addInUrl"] == f"https://join.{DOMAIN}"
    assert "no resource for the add-in manifest" in status["outlookAdministrator"]["manifest"]
    assert {o["resource"] for o in status["pexipObjects"]} == {"ms_exchange_connector", "exchange_domain"}
    # The Event is posted after the status write that made it Ready: wait for it, do not peek.
    wait_for(
        lambda: any(e.startswith("CreatedExternalResource") for e in events_of(h, "booking")),
        10,
        "the CreatedExternalResource event",
    )

    # Update: the buffer and the texts follow the spec.
    h.patch(
        "outlookschedulings",
        "booking",
        {"spec": {"buffers": {"beforeMinutes": 10}, "addIn": {"texts": {"buttonLabel": "Book videomøde"}}}},
    )
    wait_ready(h, "outlookschedulings", "booking", timeout=30)
    (connector,) = connectors(h)
    assert connector.meeting_buffer_before == 10
    assert connector.addin_button_label == "Book videomøde"

    # Secret rotation: the new client secret is sent (Pexip never returns it, so it is resent).
    h.secret("outlook-exchange", {"clientSecret": ROTATED})
    wait_for(lambda: stored(h, "oauth_client_secret") == ROTATED, 30, "rotated secret resent")

    # Observe-only: drift made by hand is reported, never corrected.
    h.patch("outlookschedulings", "booking", {"spec": {"managementPolicy": "ObserveOnly"}})
    wait_ready(h, "outlookschedulings", "booking", timeout=30)

    async def drift() -> None:
        async with h.pexip() as pexip:
            await pexip.update(MS_EXCHANGE_CONNECTOR, connector.id, {"meeting_buffer_after": 120})

    run(drift())
    wait_for(lambda: ready_reason(h, "booking")[0] == "DriftObserved", 40, "drift observed")
    assert "meeting_buffer_after 120 -> 60" in ready_reason(h, "booking")[1]
    (connector,) = connectors(h)
    assert connector.meeting_buffer_after == 120

    # Back to Full, then Orphan: the connector stays in Pexip without the marker.
    h.patch(
        "outlookschedulings",
        "booking",
        {"spec": {"managementPolicy": "Full", "deletionPolicy": "Orphan"}},
    )
    wait_for(lambda: connectors(h)[0].meeting_buffer_after == 60, 30, "drift corrected")
    h.delete("outlookschedulings", "booking")
    wait_for(lambda: h.gone("outlookschedulings", "booking"), 30, "deleted")
    (connector,) = connectors(h)
    assert not connector.description.startswith("[vdx:")

    # Never in status, events or logs.
    assert operator.events_sent()  # they go out in the background
    texts = [caplog.text, *events_of(h, "booking"), repr(status)]
    blob = "\n".join(texts)
    for canary in (CLIENT_SECRET, ROTATED, "PRIVATE KEY"):
        assert canary not in blob


def test_a_branding_waits_for_the_outlook_scheduling_that_shows_its_theme(
    operator: OperatorThread, h: Harness
) -> None:
    tenant_with_certificate(h)
    assets(h, "#5B2C86")
    branding = {**branding_spec(), "webApp": {"domain": DOMAIN, "slug": "cvi"}}
    h.create("cvibrandings", "CviBranding", "cvi", branding)
    theme = wait_ready(h, "cvibrandings", "cvi", timeout=40)["status"]["ivrTheme"]
    h.create("outlookschedulings", "OutlookScheduling", "booking", spec(brandingRef={"name": "cvi"}))
    wait_ready(h, "outlookschedulings", "booking", timeout=60)
    assert connectors(h)[0].ivr_theme == theme

    h.delete("cvibrandings", "cvi")
    held = wait_for(
        lambda: (c := condition(h.get("cvibrandings", "cvi"), "Ready") or {}).get("reason") == "InUse" and c,
        30,
        "the CviBranding says who holds it",
    )
    assert "booking" in held["message"]
    assert "spec.brandingRef" in held["message"]
    wait_for(lambda: ready_reason(h, "booking")[0] == "DependencyDeleting", 10, "the scheduler shows it")
    # Meanwhile the theme stays in Pexip and on the connector.
    assert connectors(h)[0].ivr_theme == theme
    assert theme in {t.resource_uri for t in ivr_themes(h)}

    # The scheduler lets go: it takes no theme, and the branding's deletion completes.
    h.patch("outlookschedulings", "booking", {"spec": {"brandingRef": None}})
    wait_ready(h, "outlookschedulings", "booking", timeout=30)
    wait_for(lambda: h.gone("cvibrandings", "cvi"), 60, "the CviBranding is deleted")
    assert connectors(h)[0].ivr_theme is None
    assert theme not in {t.resource_uri for t in ivr_themes(h)}


def test_outlook_scheduling_refusals_adoption_and_delete(operator: OperatorThread, h: Harness) -> None:
    tenant_with_certificate(h)
    # An alias domain outside the tenant: refused, naming the field and the fix; nothing in Pexip.
    h.create(
        "outlookschedulings",
        "OutlookScheduling",
        "outside",
        spec(aliases={"prefix": "test", "domain": "vdx.other.dk"}),
    )
    wait_for(lambda: ready_reason(h, "outside")[0] == "AliasDomainOutsideTenant", 40, "alias domain refused")
    message = ready_reason(h, "outside")[1]
    assert "spec.aliases.domain vdx.other.dk is not one of Tenant" in message
    assert "use one of them" in message
    assert connectors(h) == []
    assert exchange_domains(h) == []
    h.delete("outlookschedulings", "outside")
    wait_for(lambda: h.gone("outlookschedulings", "outside"), 30, "refused one deleted")

    # A connector made by hand with the name: AlreadyExists until the adopt annotation names it.
    async def by_hand() -> str:
        async with h.pexip() as pexip:
            created = await pexip.create(
                MS_EXCHANGE_CONNECTOR, {"name": f"{h.namespace}/booking", "description": "made by hand"}
            )
            return created.resource_uri

    uri = run(by_hand())
    h.create("outlookschedulings", "OutlookScheduling", "booking", spec())
    wait_for(lambda: ready_reason(h, "booking")[0] == "AlreadyExists", 40, "foreign connector refused")
    assert "vdx.medcom.dk/adopt" in ready_reason(h, "booking")[1]
    h.custom.patch_namespaced_custom_object(
        "vdx.medcom.dk",
        "v1alpha1",
        h.namespace,
        "outlookschedulings",
        "booking",
        {"metadata": {"annotations": {"vdx.medcom.dk/adopt": uri}}},
    )
    wait_for(lambda: ready_reason(h, "booking")[0] == "Available", 40, "adopted")
    (connector,) = connectors(h)
    assert connector.resource_uri == uri
    assert connector.description.startswith(f"[vdx:OutlookScheduling/{h.namespace}/booking]")
    assert [d.domain for d in exchange_domains(h)] == ["outlook.dk"]

    # Delete (the default policy): the connector goes, and its exchange domains with it.
    h.delete("outlookschedulings", "booking")
    wait_for(lambda: h.gone("outlookschedulings", "booking"), 30, "deleted")
    assert connectors(h) == []
    assert exchange_domains(h) == []

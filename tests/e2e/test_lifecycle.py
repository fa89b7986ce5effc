"""Create, update and delete against the real control plane, the simulator and the operator."""

from __future__ import annotations

import asyncio

from tests.e2e.harness import Harness, condition, wait_for, wait_ready
from vdx.pexip.resources import SYSTEM_LOCATION, TLS_CERTIFICATE, TURN_SERVER
from vdx.testing.operator import OperatorThread

DOMAIN = "vdx.test.dk"


def run(coroutine):  # type: ignore[no-untyped-def]
    return asyncio.run(coroutine)


async def pexip_list(h: Harness, kind):  # type: ignore[no-untyped-def]
    async with h.pexip() as pexip:
        return await pexip.list(kind)


def full_tenant(h: Harness) -> None:
    h.platform_and_tenant([DOMAIN])
    h.secret("turn-secret", {"secret": "canary-turn-4d1e"})
    h.tls_secret("tls-secret", [DOMAIN, f"join.{DOMAIN}"])
    h.create(
        "turnservices",
        "TurnService",
        "turn",
        {"address": f"turn.{DOMAIN}", "secretRef": {"name": "turn-secret"}},
    )
    h.create(
        "tlscertificates",
        "TlsCertificate",
        "cert",
        {"secretRef": {"name": "tls-secret"}, "dnsNames": [DOMAIN, f"join.{DOMAIN}"]},
    )
    h.create(
        "domains",
        "Domain",
        "domain",
        {
            "fqdn": DOMAIN,
            "uses": ["WebApp", "SIP"],
            "tlsCertificateRef": {"name": "cert"},
            "turnServiceRef": {"name": "turn"},
            "systemLocation": "Default location",
        },
    )


def test_everything_becomes_ready_and_exists_in_pexip_once(operator: OperatorThread, h: Harness) -> None:
    full_tenant(h)
    platform = wait_ready(h, "pexipplatforms", h.platform, namespaced=False)
    assert platform["status"]["reachable"] is True
    assert platform["status"]["version"]
    wait_ready(h, "tenants", h.tenant, namespaced=False)
    turn = wait_ready(h, "turnservices", "turn")
    cert = wait_ready(h, "tlscertificates", "cert")
    domain = wait_ready(h, "domains", "domain")

    turns = [t for t in run(pexip_list(h, TURN_SERVER)) if t.name == f"{h.namespace}/turn"]
    assert len(turns) == 1
    assert turns[0].description.startswith(f"[vdx:TurnService/{h.namespace}/turn]")
    assert turn["status"]["pexipObjects"][0]["resourceUri"] == turns[0].resource_uri
    # The TurnService learns of its Domain when the Domain reconciles, just after it is Ready.
    wait_for(lambda: h.get("turnservices", "turn")["status"].get("domains") == ["domain"], 10, "turn domains")

    certs = [
        c
        for c in run(pexip_list(h, TLS_CERTIFICATE))
        if c.resource_uri in {o["resourceUri"] for o in cert["status"]["pexipObjects"]}
    ]
    assert len(certs) == 1
    assert cert["status"]["daysLeft"] >= 88
    assert condition(cert, "RenewalDue")["status"] == "False"  # type: ignore[index]

    (location,) = [loc for loc in run(pexip_list(h, SYSTEM_LOCATION)) if loc.name == "Default location"]
    assert turns[0].resource_uri in location.client_turn_servers
    assert domain["status"]["turnServer"] == turns[0].resource_uri
    assert domain["status"]["tenant"] == h.tenant


def test_spec_change_updates_pexip_and_status_generation(operator: OperatorThread, h: Harness) -> None:
    full_tenant(h)
    wait_ready(h, "turnservices", "turn")
    h.patch("turnservices", "turn", {"spec": {"port": 5349, "transport": "TLS"}})
    turn = wait_ready(h, "turnservices", "turn")
    assert turn["metadata"]["generation"] == 2
    (server,) = [t for t in run(pexip_list(h, TURN_SERVER)) if t.name == f"{h.namespace}/turn"]
    assert (server.port, server.transport_type) == (5349, "tls")


def test_delete_policy_removes_and_orphan_policy_keeps(operator: OperatorThread, h: Harness) -> None:
    full_tenant(h)
    wait_ready(h, "domains", "domain")
    h.patch("turnservices", "turn", {"spec": {"deletionPolicy": "Orphan"}})
    wait_ready(h, "turnservices", "turn")
    h.delete("domains", "domain")
    wait_for(lambda: h.gone("domains", "domain"), 20, "domain deleted")
    (location,) = [loc for loc in run(pexip_list(h, SYSTEM_LOCATION)) if loc.name == "Default location"]
    assert location.client_turn_servers == []  # Delete policy: binding removed
    h.delete("turnservices", "turn")
    wait_for(lambda: h.gone("turnservices", "turn"), 20, "turn deleted")
    (server,) = [t for t in run(pexip_list(h, TURN_SERVER)) if t.name == f"{h.namespace}/turn"]
    assert not server.description.startswith("[vdx:")  # Orphan: kept, marker dropped
    cert = h.get("tlscertificates", "cert")
    uri = cert["status"]["pexipObjects"][0]["resourceUri"]
    h.delete("tlscertificates", "cert")
    wait_for(lambda: h.gone("tlscertificates", "cert"), 20, "certificate deleted")
    assert uri not in {c.resource_uri for c in run(pexip_list(h, TLS_CERTIFICATE))}


def test_a_turn_service_in_use_waits_for_its_domains_and_they_show_it(
    operator: OperatorThread, h: Harness
) -> None:
    full_tenant(h)
    wait_ready(h, "domains", "domain")
    h.delete("turnservices", "turn")

    def holding() -> dict | None:  # type: ignore[type-arg]
        ready = condition(h.get("turnservices", "turn"), "Ready") or {}
        return ready if ready.get("reason") == "InUse" else None

    ready = wait_for(holding, 20, "the TurnService says who holds it")
    assert ready["status"] == "False"
    assert "domain" in ready["message"]
    assert "spec.turnServiceRef" in ready["message"]

    def domain_shows_it() -> dict | None:  # type: ignore[type-arg]
        found = condition(h.get("domains", "domain"), "Ready") or {}
        return found if found.get("reason") == "DependencyDeleting" else None

    shown = wait_for(domain_shows_it, 10, "the Domain goes not-Ready")
    assert shown["status"] == "False"
    assert "TurnService" in shown["message"]
    # Pexip keeps the TURN server while a Domain's clients are given it.
    assert [t for t in run(pexip_list(h, TURN_SERVER)) if t.name == f"{h.namespace}/turn"]

    # The Domain lets go: the deletion completes and the TURN server leaves Pexip.
    h.delete("domains", "domain")
    wait_for(lambda: h.gone("turnservices", "turn"), 60, "the TurnService is deleted")
    assert not [t for t in run(pexip_list(h, TURN_SERVER)) if t.name == f"{h.namespace}/turn"]


def test_the_tenant_rolls_up_its_resources(operator: OperatorThread, h: Harness) -> None:
    full_tenant(h)
    wait_ready(h, "domains", "domain")

    def rolled(status: str) -> dict | None:  # type: ignore[type-arg]
        found = condition(h.get("tenants", h.tenant, namespaced=False), "ResourcesReady") or {}
        return found if found.get("status") == status else None

    wait_for(lambda: rolled("True"), 20, "the roll-up says all Ready")
    tenant = h.get("tenants", h.tenant, namespaced=False)
    assert tenant["status"]["resourcesReady"] == "3/3"
    assert tenant["status"]["resources"]["Domain"] == {"ready": 1, "notReady": 0}

    # A Domain that names a certificate that does not exist: the Tenant says so, by name.
    h.patch("domains", "domain", {"spec": {"tlsCertificateRef": {"name": "missing"}}})
    shown = wait_for(lambda: rolled("False"), 20, "the roll-up names the Domain")
    assert "Domain domain (TlsCertificateNotFound)" in shown["message"]
    assert h.get("tenants", h.tenant, namespaced=False)["status"]["resourcesReady"] == "2/3"

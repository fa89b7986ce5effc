"""Create, update and delete against the real control plane, the simulator and the operator."""

from __future__ import annotations

import asyncio
from typing import Any

from kubernetes import client

from tests.e2e.harness import Harness, condition, wait_for, wait_ready
from vdx.pexip.resources import SYSTEM_LOCATION, TLS_CERTIFICATE, TURN_SERVER
from vdx.testing.operator import OperatorThread

DOMAIN = "vdx.test.dk"


def run(coroutine):  # type: ignore[no-untyped-def]
    return asyncio.run(coroutine)


async def pexip_list(h: Harness, kind):  # type: ignore[no-untyped-def]
    async with h.pexip() as pexip:
        return await pexip.list(kind)


def full_tenant(
    h: Harness, location: str = "Default location", domains: tuple[str, ...] = (DOMAIN,), **platform_spec: Any
) -> None:
    h.platform_and_tenant(list(domains), platform_spec)
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
            "systemLocation": location,
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


def test_a_domain_takes_its_old_turn_binding_off_unless_another_domain_shares_it(
    operator: OperatorThread, h: Harness
) -> None:
    def listing(name: str) -> list[str]:
        (found,) = [loc for loc in run(pexip_list(h, SYSTEM_LOCATION)) if loc.name == name]
        return list(found.client_turn_servers)

    join = f"join.{DOMAIN}"
    full_tenant(h, domains=(DOMAIN, join), systemLocations=[{"name": "Region Test"}])
    spec = h.get("domains", "domain")["spec"]
    h.create("domains", "Domain", "join", {**spec, "fqdn": join, "uses": ["WebApp"]})
    turn = wait_ready(h, "domains", "domain")["status"]["turnServer"]
    assert wait_ready(h, "domains", "join")["status"]["systemLocation"] == "Default location"
    assert listing("Default location") == [turn]

    # Two Domains share the TurnService in one location: one of them going leaves it bound.
    h.delete("domains", "join")
    wait_for(lambda: h.gone("domains", "join"), 20, "join deleted")
    assert listing("Default location") == [turn]

    # The location changes: the TURN server moves with it.
    h.patch("domains", "domain", {"spec": {"systemLocation": "Region Test"}})
    domain = wait_ready(h, "domains", "domain")
    assert domain["status"]["systemLocation"] == "Region Test"
    assert (listing("Default location"), listing("Region Test")) == ([], [turn])

    # Deleted, it takes the binding it recorded off.
    h.delete("domains", "domain")
    wait_for(lambda: h.gone("domains", "domain"), 20, "domain deleted")
    assert listing("Region Test") == []


def test_the_tenant_rolls_up_its_resources(operator: OperatorThread, h: Harness) -> None:
    full_tenant(h)
    wait_ready(h, "domains", "domain")

    def rolled(status: str) -> dict | None:  # type: ignore[type-arg]
        found = condition(h.get("tenants", h.tenant, namespaced=False), "ResourcesReady") or {}
        return found if found.get("status") == status else None

    def all_three() -> dict | None:  # type: ignore[type-arg]
        # The Tenant may have rolled up before its resources existed ("0/0", True): wait for 3/3.
        tenant = h.get("tenants", h.tenant, namespaced=False)
        counted = (tenant.get("status") or {}).get("resourcesReady")
        return tenant if rolled("True") and counted == "3/3" else None

    tenant = wait_for(all_three, 20, "the roll-up says all three Ready")
    assert tenant["status"]["resources"]["Domain"] == {"ready": 1, "notReady": 0}

    # A Domain that names a certificate that does not exist: the Tenant says so, by name.
    h.patch("domains", "domain", {"spec": {"tlsCertificateRef": {"name": "missing"}}})
    shown = wait_for(lambda: rolled("False"), 20, "the roll-up names the Domain")
    assert "Domain domain (TlsCertificateNotFound)" in shown["message"]
    assert h.get("tenants", h.tenant, namespaced=False)["status"]["resourcesReady"] == "2/3"


def test_the_platform_creates_its_declared_location_before_the_domain_binds_in_it(
    operator: OperatorThread, h: Harness
) -> None:
    # A node without the location: the platform creates it, the Domain waits for it and binds.
    assert "Region Test" not in {loc.name for loc in run(pexip_list(h, SYSTEM_LOCATION))}
    declared = [
        {"name": "Region Test", "mtu": 1400, "transcodingLocation": "Default location"},
        {"name": "Default location", "description": "adopted by the tree"},
    ]
    full_tenant(h, "Region Test", systemLocations=declared)
    domain = wait_ready(h, "domains", "domain")
    platform = wait_ready(h, "pexipplatforms", h.platform, namespaced=False)
    locations = {loc.name: loc for loc in run(pexip_list(h, SYSTEM_LOCATION))}
    created, adopted = locations["Region Test"], locations["Default location"]
    assert sum(1 for loc in run(pexip_list(h, SYSTEM_LOCATION)) if loc.name == "Region Test") == 1
    assert (created.mtu, created.transcoding_location) == (1400, adopted.resource_uri)
    assert created.client_turn_servers == [domain["status"]["turnServer"]]
    assert adopted.description == "adopted by the tree"
    assert {(o["name"], o["resourceUri"]) for o in platform["status"]["systemLocations"]} == {
        ("Region Test", created.resource_uri),
        ("Default location", adopted.resource_uri),
    }
    # The Domain waited quietly: no Warning while the location was being made.
    assert operator.events_sent()  # they go out in the background
    events = client.CoreV1Api(h.api).list_namespaced_event(h.namespace).items
    assert [(e.reason, e.message) for e in events if e.type == "Warning"] == []

    # Changed by hand in Pexip: the platform's resync puts it back, as drift.
    async def set_mtu() -> None:
        async with h.pexip() as pexip:
            await pexip.update(
                SYSTEM_LOCATION, created.resource_uri.rstrip("/").rsplit("/", 1)[-1], {"mtu": 1500}
            )

    run(set_mtu())
    wait_for(
        lambda: {loc.name: loc.mtu for loc in run(pexip_list(h, SYSTEM_LOCATION))}["Region Test"] == 1400,
        20,
        "drift corrected",
    )
    wait_for(
        lambda: any(
            e.reason == "DriftCorrected" and "system_location Region Test" in (e.message or "")
            for e in client.CoreV1Api(h.api).list_namespaced_event("default").items
        ),
        10,
        "DriftCorrected event",
    )

    # A field changed in the tree is written; one the tree does not set is left as it is.
    h.patch(
        "pexipplatforms",
        h.platform,
        {"spec": {"systemLocations": [{"name": "Region Test", "mtu": 1300}]}},
        namespaced=False,
    )
    wait_for(
        lambda: {loc.name: loc.mtu for loc in run(pexip_list(h, SYSTEM_LOCATION))}["Region Test"] == 1300,
        20,
        "mtu updated",
    )
    after = {loc.name: loc for loc in run(pexip_list(h, SYSTEM_LOCATION))}
    assert after["Region Test"].transcoding_location == adopted.resource_uri  # no longer set: kept
    assert after["Region Test"].client_turn_servers == created.client_turn_servers  # the Domain's
    assert after["Default location"].description == "adopted by the tree"  # left the list: kept

    # A reference to a location neither declared nor in Pexip: the platform says which and why.
    h.patch(
        "pexipplatforms",
        h.platform,
        {"spec": {"systemLocations": [{"name": "Region Test", "transcodingLocation": "Nowhere"}]}},
        namespaced=False,
    )

    def stalled() -> bool:
        found = condition(h.get("pexipplatforms", h.platform, namespaced=False), "Stalled")
        return found is not None and found["status"] == "True"

    wait_for(stalled, 20, "platform stalled")
    ready = condition(h.get("pexipplatforms", h.platform, namespaced=False), "Ready")
    assert ready is not None
    message = str(ready["message"])
    assert message.startswith("spec.systemLocations[0].transcodingLocation: ")
    assert "names system location 'Nowhere'" in message

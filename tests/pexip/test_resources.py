"""Every resource the operator manages round-trips through the client and its model."""

from __future__ import annotations

from typing import Any

import pytest

from vdx.pexip import (
    AUTOMATIC_PARTICIPANT,
    CA_CERTIFICATE,
    DEVICE,
    DNS_SERVER,
    END_USER,
    EVENT_SINK,
    IDENTITY_PROVIDER,
    IDENTITY_PROVIDER_ATTRIBUTE,
    IDENTITY_PROVIDER_GROUP,
    NTP_SERVER,
    REGISTRATION,
    STUN_SERVER,
    SYSLOG_SERVER,
    WORKER_VM,
    Kind,
    PexipClient,
)

from .support import make_cert

CASES: list[tuple[Kind[Any], dict[str, Any], dict[str, Any]]] = [
    (STUN_SERVER, {"name": "stun-rm", "address": "stun.vdx.rm.dk"}, {"port": 3479}),
    (
        DEVICE,
        {"alias": "room1@vdx.rm.dk", "username": "room1", "password": "dev-secret", "enable_sip": True},
        {"description": "Room 1"},
    ),
    (
        AUTOMATIC_PARTICIPANT,
        {"alias": "rtmp://rec.vdx.rm.dk/live/k", "protocol": "rtmp", "streaming": True, "role": "guest"},
        {"keep_conference_alive": "keep_conference_alive_never"},
    ),
    (IDENTITY_PROVIDER_ATTRIBUTE, {"name": "http://schemas.xmlsoap.org/claims/upn"}, {"description": "UPN"}),
    (
        IDENTITY_PROVIDER,
        {
            "name": "AD FS Region Midtjylland",
            "uuid": "5d6f7a58-1d3c-4c43-9d0c-6d1c2b8f0a11",
            "sso_url": "https://adfs.rm.dk/adfs/ls/",
            "idp_entity_id": "http://adfs.rm.dk/adfs/services/trust",
            "assertion_consumer_service_url": "https://meet.vdx.rm.dk/api/v1/samlconsumer/5d6f7a58-1d3c-4c43-9d0c-6d1c2b8f0a11",
            "service_private_key": "idp-private-key",
        },
        {"worker_fqdn_acs_urls": True},
    ),
    (IDENTITY_PROVIDER_GROUP, {"name": "rm-hosts"}, {"description": "Hosts of Region Midtjylland"}),
    (END_USER, {"primary_email_address": "anne@rm.dk", "first_name": "Anne"}, {"department": "IT"}),
    (DNS_SERVER, {"address": "10.0.0.53"}, {"description": "resolver"}),
    (NTP_SERVER, {"address": "ntp.rm.dk", "key": "ntp-key"}, {"description": "time"}),
    (SYSLOG_SERVER, {"address": "syslog.rm.dk", "port": 6514, "transport": "tls"}, {"audit_log": True}),
    (
        EVENT_SINK,
        {"name": "rm-sink", "url": "https://sink.rm.dk/events", "password": "sink-pw"},
        {"version": 1},
    ),
    (
        WORKER_VM,
        {
            "name": "vdx-edge-07",
            "hostname": "vdx-edge-07",
            "domain": "vdx.medcom.dk",
            "address": "10.20.1.17",
            "netmask": "255.255.255.0",
            "gateway": "10.20.1.1",
            "static_nat_address": "203.0.113.17",
            "node_type": "PROXYING",
            "system_location": "/api/admin/configuration/v1/system_location/1/",
            "password": "node-ssh-secret",
        },
        {"maintenance_mode": True, "maintenance_mode_reason": "moving host"},
    ),
]


@pytest.mark.parametrize(("kind", "data", "change"), CASES, ids=[c[0].name for c in CASES])
async def test_round_trip(
    client: PexipClient, kind: Kind[Any], data: dict[str, Any], change: dict[str, Any]
) -> None:
    created = await client.create(kind, data)
    for key, value in data.items():
        if key in ("password", "service_private_key", "key"):
            assert key not in created.model_dump()
        else:
            assert getattr(created, key) == value
    object_id = kind.object_id(created)
    updated = await client.update(kind, object_id, change)
    for key, value in change.items():
        assert getattr(updated, key) == value
    assert created.model_dump().keys() == updated.model_dump().keys()
    assert await client.find(kind, **{k: data[k] for k in kind.unique_key}) == updated
    assert await client.delete(kind, object_id)
    assert await client.find(kind, **{k: data[k] for k in kind.unique_key}) is None


async def test_ca_certificate_and_registration(client: PexipClient) -> None:
    pair = make_cert()
    ca = await client.create(
        CA_CERTIFICATE, {"certificate": pair.ca_certificate, "trusted_intermediate": False}
    )
    assert ca.subject_name == "VDX Test Root"
    assert ca.subject_hash == ca.issuer_hash
    registration = await client.update(REGISTRATION, 1, {"enable": True, "refresh_strategy": "maximum"})
    assert registration.refresh_strategy == "maximum"


async def test_idp_group_links_providers(client: PexipClient) -> None:
    attr = await client.create(IDENTITY_PROVIDER_ATTRIBUTE, {"name": "email"})
    idp = await client.create(
        IDENTITY_PROVIDER,
        {
            "name": "adfs",
            "assertion_consumer_service_url": "https://x/api/v1/samlconsumer/1",
            "attributes": [attr.resource_uri],
        },
    )
    assert [a.name for a in idp.attributes] == ["email"]
    group = await client.create(
        IDENTITY_PROVIDER_GROUP, {"name": "g", "identity_provider": [idp.resource_uri]}
    )
    assert group.identity_provider == [idp.resource_uri]
    await client.delete(IDENTITY_PROVIDER, idp.id)
    assert (await client.get(IDENTITY_PROVIDER_GROUP, group.id)).identity_provider == []

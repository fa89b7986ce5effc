"""Meeting rooms, devices, identity providers and recording, end to end.

Real kube-apiserver, the Pexip simulator over HTTP, and the operator; every assertion is on what the
simulator holds or what the resources report.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from kubernetes import client

from tests.e2e.harness import Harness, condition, wait_for, wait_ready
from tests.e2e.test_outlook import spec as outlook_spec
from vdx.pexip.models import Conference
from vdx.pexip.resources import (
    CONFERENCE,
    DEVICE,
    GLOBAL,
    IDENTITY_PROVIDER,
    IDENTITY_PROVIDER_ATTRIBUTE,
    IDENTITY_PROVIDER_GROUP,
    REGISTRATION,
)
from vdx.recording.urls import room_stream_name
from vdx.testing.operator import OperatorThread
from vdx.tls.issue import LocalCA

DOMAIN = "vdx.rooms.dk"
PIN_CANARY = "918273"
GUEST_PIN_CANARY = "564738"
PASSWORD_CANARY = "canary-device-pw-7f3a"
STREAM_KEY = "Canary0Stream0Key0A1B2C3D"


def run(coroutine):  # type: ignore[no-untyped-def]
    return asyncio.run(coroutine)


async def pexip_list(h: Harness, kind, **filters):  # type: ignore[no-untyped-def]
    async with h.pexip() as pexip:
        return await pexip.list(kind, filters=filters or None)


def conference_named(h: Harness, name: str) -> Conference | None:
    found = run(pexip_list(h, CONFERENCE, name=name))
    assert len(found) <= 1
    return found[0] if found else None


def stalled(h: Harness, plural: str, name: str, reason: str, timeout: float = 20) -> str:
    def check() -> str | None:
        cond = condition(h.get(plural, name), "Ready")
        return cond["message"] if cond and cond["status"] == "False" and cond["reason"] == reason else None

    return str(wait_for(check, timeout, f"{plural}/{name} {reason}"))


def room_spec(**extra: Any) -> dict[str, Any]:
    return {
        "displayName": "Region Test - Møderum 1",
        "aliases": [{"alias": f"room1@{DOMAIN}", "description": "Møderum 1"}],
        **extra,
    }


def events_of(h: Harness, name: str) -> list[str]:
    core = client.CoreV1Api(h.api)
    return [
        f"{e.reason}: {e.message}"
        for e in core.list_namespaced_event(h.namespace).items
        if e.involved_object.name == name
    ]


# ---------------------------------------------------------------------------------------------- rooms
def test_meeting_room_lifecycle(operator: OperatorThread, h: Harness) -> None:
    h.platform_and_tenant([DOMAIN], meetingRoomDefaults={"directMedia": "best_effort"})
    h.secret("room1-pins", {"hostPin": PIN_CANARY, "guestPin": GUEST_PIN_CANARY})
    h.create(
        "meetingrooms",
        "MeetingRoom",
        "room1",
        room_spec(pinSecretRef={"name": "room1-pins"}, allowGuests=True, hostLayout="one_main_seven_pips"),
    )
    room = wait_ready(h, "meetingrooms", "room1")
    conference = conference_named(h, "Region Test - Møderum 1")
    assert conference is not None
    assert conference.description.startswith(f"[vdx:MeetingRoom/{h.namespace}/room1]")
    assert [a.alias for a in conference.aliases] == [f"room1@{DOMAIN}"]
    assert conference.pin == PIN_CANARY
    assert conference.guest_pin == GUEST_PIN_CANARY
    assert conference.allow_guests is True
    assert conference.direct_media == "best_effort"  # the tenant's default
    assert conference.tag == h.tenant
    assert room["status"]["conference"] == conference.resource_uri
    assert room["status"]["directMedia"] == "best_effort"
    assert PIN_CANARY not in repr(room["status"])
    assert operator.events_sent()  # they go out in the background
    assert PIN_CANARY not in repr(events_of(h, "room1"))

    # Aliases added and removed, direct media overridden for this room only.
    h.patch(
        "meetingrooms",
        "room1",
        {
            "spec": {
                "aliases": [{"alias": f"moede1@{DOMAIN}"}, {"alias": f"room1@{DOMAIN}", "description": "x"}],
                "directMedia": "never",
            }
        },
    )
    wait_ready(h, "meetingrooms", "room1")
    conference = conference_named(h, "Region Test - Møderum 1")
    assert conference is not None
    assert sorted(a.alias for a in conference.aliases) == [f"moede1@{DOMAIN}", f"room1@{DOMAIN}"]
    assert conference.direct_media == "never"

    # A new PIN in the Secret reaches Pexip; the PIN never shows in events.
    h.secret("room1-pins", {"hostPin": "7654321", "guestPin": GUEST_PIN_CANARY})
    wait_for(
        lambda: (conference_named(h, "Region Test - Møderum 1") or conference).pin == "7654321", 20, "new PIN"
    )
    assert operator.events_sent()  # they go out in the background
    assert all("7654321" not in e and PIN_CANARY not in e for e in events_of(h, "room1"))

    h.delete("meetingrooms", "room1")
    wait_for(lambda: h.gone("meetingrooms", "room1"), 20, "room deleted")
    assert conference_named(h, "Region Test - Møderum 1") is None


def test_tenant_defaults_leave_managed_rooms_to_their_meeting_room(
    operator: OperatorThread, h: Harness
) -> None:
    h.platform_and_tenant([DOMAIN], meetingRoomDefaults={"directMedia": "best_effort"})
    h.create("meetingrooms", "MeetingRoom", "quiet", room_spec(directMedia="never"))
    wait_ready(h, "meetingrooms", "quiet")
    wait_ready(h, "tenants", h.tenant, namespaced=False)
    # Several resyncs later the room keeps its own setting: the Tenant does not fight the MeetingRoom.
    wait_for(
        lambda: h.get("tenants", h.tenant, namespaced=False)["status"].get("meetingRooms") == 1, 10, "count"
    )
    before = h.sim.simulator.accounting.count("PATCH")
    time.sleep(5)
    conference = conference_named(h, "Region Test - Møderum 1")
    assert conference is not None
    assert conference.direct_media == "never"
    assert h.sim.simulator.accounting.count("PATCH") == before
    # Read after the resyncs, not before them: a correction made meanwhile shows here.
    tenant = h.get("tenants", h.tenant, namespaced=False)
    assert tenant["status"]["meetingRoomsCorrected"] == 0


def test_room_refusals_name_the_field_and_the_fix(operator: OperatorThread, h: Harness) -> None:
    h.platform_and_tenant([DOMAIN], quotas={"maxMeetingRooms": 1})
    h.create("meetingrooms", "MeetingRoom", "first", room_spec())
    wait_ready(h, "meetingrooms", "first")
    h.create(
        "meetingrooms",
        "MeetingRoom",
        "second",
        {"displayName": "Second", "aliases": [{"alias": f"second@{DOMAIN}"}]},
    )
    message = stalled(h, "meetingrooms", "second", "QuotaExceeded")
    assert "spec.quotas.maxMeetingRooms" in message
    assert conference_named(h, "Second") is None

    h.create(
        "meetingrooms",
        "MeetingRoom",
        "outside",
        {"displayName": "Outside", "aliases": [{"alias": "room@vdx.other.dk"}]},
    )
    message = stalled(h, "meetingrooms", "outside", "AliasOutsideDomains")
    assert "room@vdx.other.dk" in message
    assert DOMAIN in message

    h.secret("bad-pins", {"hostPin": "12ab"})
    h.patch("tenants", h.tenant, {"spec": {"quotas": {"maxMeetingRooms": 10}}}, namespaced=False)
    h.create(
        "meetingrooms",
        "MeetingRoom",
        "badpin",
        {
            "displayName": "Bad PIN",
            "aliases": [{"alias": f"badpin@{DOMAIN}"}],
            "pinSecretRef": {"name": "bad-pins"},
        },
    )
    message = stalled(h, "meetingrooms", "badpin", "InvalidPin")
    assert "hostPin" in message
    assert "12ab" not in message
    # The second room is created once the quota allows it.
    wait_ready(h, "meetingrooms", "second")
    assert conference_named(h, "Second") is not None

    # An alias that another room holds is refused without touching either room.
    h.create(
        "meetingrooms",
        "MeetingRoom",
        "thief",
        {"displayName": "Thief", "aliases": [{"alias": f"room1@{DOMAIN}"}]},
    )
    message = stalled(h, "meetingrooms", "thief", "AliasTaken")
    assert f"MeetingRoom {h.namespace}/first" in message
    assert conference_named(h, "Thief") is None


# ---------------------------------------------------------------------------------------------- recording
def recorder_spec() -> dict[str, Any]:
    return {
        "url": "rtmp://rec.rooms.dk:1935",
        "streamKeySecretRef": {"name": "recorder-key", "key": "streamKey"},
        "consentNotice": "Mødet optages. Ved at deltage giver du samtykke; kontakt dpo@rooms.dk.",
        "retentionDays": 30,
        "dataController": {"name": "Region Test", "email": "dpo@rooms.dk"},
    }


def test_recording_is_refused_until_the_tenant_enables_it(operator: OperatorThread, h: Harness) -> None:
    h.platform_and_tenant([DOMAIN])
    h.secret("recorder-key", {"streamKey": STREAM_KEY})
    h.create("recorders", "Recorder", "rec", recorder_spec())
    h.create("meetingrooms", "MeetingRoom", "recorded", room_spec(recorderRef={"name": "rec"}))
    message = stalled(h, "meetingrooms", "recorded", "RecordingNotEnabled")
    assert "spec.recording.enabled" in message
    conference = wait_for(
        lambda: conference_named(h, "Region Test - Møderum 1"), 10, "room exists unrecorded"
    )
    assert conference.automatic_participants == []

    h.patch("tenants", h.tenant, {"spec": {"recording": {"enabled": True}}}, namespaced=False)
    room = wait_ready(h, "meetingrooms", "recorded")
    assert room["status"]["recording"] is True
    conference = conference_named(h, "Region Test - Møderum 1")
    assert conference is not None
    (participant,) = conference.automatic_participants
    assert participant.protocol == "rtmp"
    assert participant.streaming is True
    assert participant.keep_conference_alive == "keep_conference_alive_never"
    assert participant.remote_display_name  # visible in the meeting
    stream = room_stream_name(h.namespace, "recorded")
    assert participant.alias == f"rtmp://rec.rooms.dk:1935/vdx-{STREAM_KEY}/{stream}"
    assert STREAM_KEY not in repr(room["status"])
    assert operator.events_sent()  # they go out in the background
    assert STREAM_KEY not in repr(events_of(h, "recorded"))
    wait_for(lambda: h.get("recorders", "rec")["status"].get("rooms") == ["recorded"], 15, "recorder's rooms")

    # A new stream key in the Secret moves the recording participant to the new address.
    rotated = "Rotated0Stream0Key0Z9Y8X7"
    h.secret("recorder-key", {"streamKey": rotated})

    def rotated_alias() -> bool:
        conference = conference_named(h, "Region Test - Møderum 1")
        return conference is not None and any(rotated in p.alias for p in conference.automatic_participants)

    wait_for(rotated_alias, 20, "recording participant on the new stream key")
    conference = conference_named(h, "Region Test - Møderum 1")
    assert conference is not None
    assert len(conference.automatic_participants) == 1
    assert operator.events_sent()  # they go out in the background
    assert all(rotated not in e and STREAM_KEY not in e for e in events_of(h, "recorded"))

    # RTMP off on the platform: reported, and the operator does not switch it back on.
    async def rtmp_off() -> None:
        async with h.pexip() as pexip:
            await pexip.update(GLOBAL, 1, {"enable_rtmp": False})

    run(rtmp_off())
    h.patch("meetingrooms", "recorded", {"spec": {"description": "poke"}})
    message = stalled(h, "meetingrooms", "recorded", "RtmpDisabled")
    assert "global.enable_rtmp" in message
    conference = conference_named(h, "Region Test - Møderum 1")
    assert conference is not None
    assert conference.automatic_participants == []

    async def rtmp_state() -> bool:
        async with h.pexip() as pexip:
            return (await pexip.global_settings()).enable_rtmp

    assert run(rtmp_state()) is False

    # A Recorder in use waits for its rooms, then goes.
    h.delete("recorders", "rec")
    time.sleep(3)
    assert not h.gone("recorders", "rec")
    h.delete("meetingrooms", "recorded")
    wait_for(lambda: h.gone("recorders", "rec"), 20, "recorder deleted after its room")


# ---------------------------------------------------------------------------------------------- devices
def test_device_lifecycle_and_refusals(operator: OperatorThread, h: Harness) -> None:
    h.platform_and_tenant([DOMAIN])
    h.secret("stue1", {"username": "stue1", "password": PASSWORD_CANARY})
    h.create(
        "devices",
        "Device",
        "stue1",
        {
            "alias": f"stue1@{DOMAIN}",
            "displayName": "Borgerstue 1",
            "credentialsSecretRef": {"name": "stue1"},
            "protocols": ["SIP", "PexipApp"],
        },
    )
    device = wait_ready(h, "devices", "stue1")
    (pexip_device,) = run(pexip_list(h, DEVICE, alias=f"stue1@{DOMAIN}"))
    assert pexip_device.username == "stue1"
    assert pexip_device.enable_sip
    assert pexip_device.enable_infinity_connect_non_sso
    assert not pexip_device.enable_h323
    assert device["status"]["device"] == pexip_device.resource_uri
    assert PASSWORD_CANARY not in repr(device)
    assert operator.events_sent()  # they go out in the background
    assert PASSWORD_CANARY not in repr(events_of(h, "stue1"))

    # Registration switched off on the platform: still Ready (Pexip holds the device), and said.
    async def registration_off() -> None:
        async with h.pexip() as pexip:
            await pexip.update(REGISTRATION, 1, {"enable": False})

    run(registration_off())
    h.patch("devices", "stue1", {"spec": {"displayName": "Borgerstue 1 (poke)"}})

    def noted() -> bool:
        # The poke's own reconcile (generation 2): a resync may show the note before the poke's
        # PATCH is sent, and that PATCH would then pass for the password's below.
        device = h.get("devices", "stue1")
        message = (condition(device, "Ready") or {}).get("message", "")
        return device["status"].get("observedGeneration") == 2 and "registration.enable" in message

    wait_for(noted, 20, "registration note")

    h.secret("stue1", {"username": "stue1", "password": "canary-rotated-pw-22"})

    def password_resent() -> bool:
        # Pexip never returns a password: read what the node holds, not a count of PATCHes.
        rows = h.sim.simulator.engine.tables["device"].values()
        return [row.get("password") for row in rows] == ["canary-rotated-pw-22"]

    wait_for(password_resent, 20, "password resent")

    # A device made by another system holds an alias: refused, not taken over.
    async def foreign() -> None:
        async with h.pexip() as pexip:
            await pexip.create(DEVICE, {"alias": f"taken@{DOMAIN}", "description": "booking portal"})

    run(foreign())
    h.secret("taken", {"username": "u", "password": "p-secret-1"})
    h.create(
        "devices",
        "Device",
        "taken",
        {"alias": f"taken@{DOMAIN}", "displayName": "Taken", "credentialsSecretRef": {"name": "taken"}},
    )
    message = stalled(h, "devices", "taken", "AliasTaken")
    assert "vdx.medcom.dk/adopt" in message

    h.delete("devices", "stue1")
    wait_for(lambda: h.gone("devices", "stue1"), 20, "device deleted")
    assert run(pexip_list(h, DEVICE, alias=f"stue1@{DOMAIN}")) == []
    assert len(run(pexip_list(h, DEVICE, alias=f"taken@{DOMAIN}"))) == 1


# ---------------------------------------------------------------------------------------------- identity
def adfs_certificate(ca: LocalCA, days: int = 365, not_before: datetime | None = None) -> str:
    return ca.issue(["adfs.rooms.dk"], days=days, not_before=not_before).certificate_pem.decode()


def web_app_domain(h: Harness) -> None:
    h.secret("turn-secret", {"secret": "canary-turn-idp"})
    h.tls_secret("tls-secret", [DOMAIN])
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
        {"secretRef": {"name": "tls-secret"}, "dnsNames": [DOMAIN]},
    )
    h.create(
        "domains",
        "Domain",
        "domain",
        {
            "fqdn": DOMAIN,
            "uses": ["WebApp"],
            "tlsCertificateRef": {"name": "cert"},
            "turnServiceRef": {"name": "turn"},
        },
    )


def config_map(h: Harness, name: str, data: dict[str, str]) -> None:
    core = client.CoreV1Api(h.api)
    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, namespace=h.namespace), data=data)
    try:
        core.create_namespaced_config_map(h.namespace, body)
    except client.exceptions.ApiException as exc:
        if exc.status != 409:
            raise
        core.replace_namespaced_config_map(name, h.namespace, body)


def test_identity_provider_for_rooms_and_devices(operator: OperatorThread, h: Harness, ca: LocalCA) -> None:
    h.platform_and_tenant([DOMAIN])
    web_app_domain(h)
    config_map(h, "adfs", {"token-signing.pem": adfs_certificate(ca)})
    upn = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
    h.create(
        "identityproviders",
        "IdentityProvider",
        "adfs",
        {
            "displayName": f"Region Test ADFS {h.suffix}",
            "entityId": "http://adfs.rooms.dk/adfs/services/trust",
            "ssoUrl": "https://adfs.rooms.dk/adfs/ls/",
            "tokenSigningCertificate": {"configMapKeyRef": {"name": "adfs", "key": "token-signing.pem"}},
            "attributes": [{"name": upn}],
        },
    )
    idp = wait_ready(h, "identityproviders", "adfs", timeout=40)
    uuid = idp["status"]["uuid"]
    assert idp["status"]["assertionConsumerServiceUrls"] == [f"https://{DOMAIN}/api/v1/samlconsumer/{uuid}"]
    (pexip_idp,) = run(pexip_list(h, IDENTITY_PROVIDER, name=f"Region Test ADFS {h.suffix}"))
    assert pexip_idp.uuid == uuid
    assert pexip_idp.assertion_consumer_service_url == f"https://{DOMAIN}/api/v1/samlconsumer/{uuid}"
    assert [a.name for a in pexip_idp.attributes] == [upn]
    (group,) = run(pexip_list(h, IDENTITY_PROVIDER_GROUP, name=f"Region Test ADFS {h.suffix}"))
    assert group.identity_provider == [pexip_idp.resource_uri]
    assert idp["status"]["group"] == group.resource_uri

    h.create(
        "meetingrooms",
        "MeetingRoom",
        "signed",
        room_spec(authentication={"hostIdentityProviderRef": {"name": "adfs"}}),
    )
    h.secret("app1", {"username": "app1", "password": PASSWORD_CANARY})
    h.create(
        "devices",
        "Device",
        "app1",
        {
            "alias": f"app1@{DOMAIN}",
            "displayName": "App 1",
            "credentialsSecretRef": {"name": "app1"},
            "protocols": [],
            "sso": {"identityProviderRef": {"name": "adfs"}},
        },
    )
    wait_ready(h, "meetingrooms", "signed")
    wait_ready(h, "devices", "app1")
    conference = conference_named(h, "Region Test - Møderum 1")
    assert conference is not None
    assert conference.host_identity_provider_group == group.resource_uri
    (device,) = run(pexip_list(h, DEVICE, alias=f"app1@{DOMAIN}"))
    assert device.enable_standard_sso
    assert device.sso_identity_provider_group == group.resource_uri

    # An expired token-signing certificate is refused with what to do; Pexip keeps the old one.
    config_map(
        h,
        "adfs",
        {"token-signing.pem": adfs_certificate(ca, days=1, not_before=datetime.now(UTC) - timedelta(days=3))},
    )
    message = stalled(h, "identityproviders", "adfs", "InvalidCertificate")
    assert "expired" in message
    assert "token-signing" in message
    (still,) = run(pexip_list(h, IDENTITY_PROVIDER, name=f"Region Test ADFS {h.suffix}"))
    assert still.idp_public_key == pexip_idp.idp_public_key

    # An Outlook connector's hosts sign in with it too (not Ready here: it need not be, to hold it).
    booking = outlook_spec(identityProviderRef={"name": "adfs"})
    h.create("outlookschedulings", "OutlookScheduling", "booking", booking)

    # Deleting the provider waits for its users, then removes provider, group and its attributes.
    h.delete("identityproviders", "adfs")
    # Its users say so at once, naming the reference to remove, rather than wait for it to be Ready.
    message = stalled(h, "meetingrooms", "signed", "DependencyDeleting")
    assert "hostIdentityProviderRef" in message
    assert "sso.identityProviderRef" in stalled(h, "devices", "app1", "DependencyDeleting")
    assert not h.gone("identityproviders", "adfs")
    h.delete("meetingrooms", "signed")
    h.delete("devices", "app1")

    def held() -> str | None:
        message = (condition(h.get("identityproviders", "adfs"), "Ready") or {}).get("message") or ""
        return message if "OutlookScheduling booking" in message and "MeetingRoom" not in message else None

    assert "1 resources that sign in with it" in wait_for(held, 30, "the provider waits for the scheduler")
    assert not h.gone("identityproviders", "adfs")
    h.delete("outlookschedulings", "booking")
    wait_for(lambda: h.gone("identityproviders", "adfs"), 30, "identity provider deleted")
    assert run(pexip_list(h, IDENTITY_PROVIDER, name=f"Region Test ADFS {h.suffix}")) == []
    assert run(pexip_list(h, IDENTITY_PROVIDER_GROUP, name=f"Region Test ADFS {h.suffix}")) == []
    assert run(pexip_list(h, IDENTITY_PROVIDER_ATTRIBUTE, name=upn)) == []


# ---------------------------------------------------------------------------------------------- phone book
def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_operator_serves_the_phone_book_of_the_clusters_rooms_and_devices(
    kube_api_client: client.ApiClient, operator_namespace: str, h: Harness
) -> None:
    import httpx

    from tests.e2e.conftest import start_operator

    port = free_port()
    thread = start_operator(
        kube_api_client, identity="phonebook-operator", http_port=port, http_host="127.0.0.1"
    )
    try:
        h.platform_and_tenant([DOMAIN])
        h.create("meetingrooms", "MeetingRoom", "room1", room_spec())
        h.secret("stue1", {"username": "stue1", "password": PASSWORD_CANARY})
        h.create(
            "devices",
            "Device",
            "stue1",
            {
                "alias": f"stue1@{DOMAIN}",
                "displayName": "Borgerstue 1",
                "credentialsSecretRef": {"name": "stue1"},
            },
        )
        wait_ready(h, "meetingrooms", "room1")
        wait_ready(h, "devices", "stue1")

        def entries() -> list[dict[str, Any]] | None:
            response = httpx.get(f"http://127.0.0.1:{port}/phonebook.json", params={"tenant": h.tenant})
            if response.status_code != 200:
                return None
            found = response.json()["entries"]
            return found if len(found) == 2 else None

        found = wait_for(entries, 20, "phone book with the room and the device")
        assert {(e["alias"], e["kind"]) for e in found} == {
            (f"room1@{DOMAIN}", "Room"),
            (f"stue1@{DOMAIN}", "Device"),
        }
        xml = httpx.get(f"http://127.0.0.1:{port}/phonebook.xml", params={"tenant": h.tenant}).text
        assert f"sip:stue1@{DOMAIN}" in xml
        assert PASSWORD_CANARY not in xml
        assert (
            httpx.get(f"http://127.0.0.1:{port}/phonebook.json", params={"tenant": "nobody"}).status_code
            == 404
        )
    finally:
        h.cleanup()
        thread.stop()

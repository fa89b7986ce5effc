"""The pure planners of MeetingRoom, Device and IdentityProvider: what they write, and what they refuse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vdx.api.device import DeviceSpec
from vdx.api.identity import IdentityProvider as IdentityProviderResource
from vdx.api.identity import IdentityProviderSpec
from vdx.api.loader import load_text
from vdx.api.room import MeetingRoomSpec
from vdx.api.tenant import MeetingRoomDefaults, Tenant
from vdx.controller.observed import fold_update
from vdx.controller.ownership import Owner
from vdx.controller.planners.device import (
    DeviceCredentials,
    credentials_from_secret,
    desired_fields,
    plan_device,
)
from vdx.controller.planners.identity import (
    IdentityFacts,
    IdentityInputs,
    acs_urls,
    decide,
    desired_idp,
    idp_uuid,
    plan_attributes,
    plan_idp,
    prepare,
    signing_certificate,
)
from vdx.controller.planners.meeting_room import (
    Pins,
    Recording,
    RoomContext,
    desired_conference,
    find_room,
    pins_from_secret,
    plan_room,
)
from vdx.controller.planners.rooms import plan_room_defaults
from vdx.controller.reconcilers.quota import position
from vdx.pexip.models import Conference, Device, IdentityProvider, IdentityProviderAttribute
from vdx.pexip.resources import CONFERENCE
from vdx.tls.issue import LocalCA

OWNER = Owner("MeetingRoom", "vdx-rm", "akut")
CONF = "/api/admin/configuration/v1/conference/"


def room(**extra: Any) -> MeetingRoomSpec:
    return MeetingRoomSpec.model_validate(
        {"displayName": "Akut", "aliases": [{"alias": "akut@vdx.rm.dk"}], **extra}
    )


def ctx(**extra: Any) -> RoomContext:
    values: dict[str, Any] = {
        "owner": OWNER,
        "tenant": "rm",
        "defaults": MeetingRoomDefaults(),
        "pins": Pins("123456", "654321"),
        **extra,
    }
    return RoomContext(**values)


def conference(id_: int = 1, **fields: Any) -> Conference:
    want = desired_conference(room(), ctx())
    body: dict[str, Any] = {
        **{k: v for k, v in want.items()},
        "id": id_,
        "resource_uri": f"{CONF}{id_}/",
        "aliases": [
            {"id": 10, "alias": "akut@vdx.rm.dk", "conference": f"{CONF}{id_}/", "resource_uri": "/a/10/"}
        ],
        **fields,
    }
    return Conference.model_validate(body)


# ---------------------------------------------------------------------------------------------- PINs
@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({}, "no key hostPin"),
        ({"hostPin": "12ab"}, "hostPin must be 4 to 20 characters"),
        # Pexip holds 20 characters, the # included.
        ({"hostPin": "1" * 20 + "#"}, "hostPin must be 4 to 20 characters: digits, optionally ending in #"),
        ({"hostPin": "12345"}, "shorter than the platform's minimum PIN length (6)"),
        ({"hostPin": "123456", "guestPin": "123456#"}, "must differ"),
        ({"hostPin": "123456", "guestPin": "1"}, "guestPin must be 4 to 20 characters"),
    ],
)
def test_bad_pins_are_refused_without_showing_them(data: dict[str, str], fragment: str) -> None:
    result = pins_from_secret(room(pinSecretRef={"name": "pins"}), data, 6)
    assert isinstance(result, str)
    assert fragment in result
    assert all(value not in result for value in data.values())


def test_good_pins_pass() -> None:
    assert pins_from_secret(room(pinSecretRef={"name": "p"}), {"hostPin": "123456#"}, 6) == Pins(
        "123456#", ""
    )
    longest = {"hostPin": "1" * 19 + "#", "guestPin": "2" * 20}
    assert pins_from_secret(room(pinSecretRef={"name": "p"}), longest, 6) == Pins("1" * 19 + "#", "2" * 20)


# ---------------------------------------------------------------------------------------------- rooms
def test_direct_media_comes_from_the_tenant_unless_the_room_overrides_it() -> None:
    defaults = MeetingRoomDefaults(direct_media="always", direct_media_notification_seconds=7)
    assert desired_conference(room(), ctx(defaults=defaults))["direct_media"] == "always"
    assert desired_conference(room(), ctx(defaults=defaults))["direct_media_notification_duration"] == 7
    overridden = desired_conference(
        room(directMedia="never", directMediaNotificationSeconds=0), ctx(defaults=defaults)
    )
    assert overridden["direct_media"] == "never"
    assert overridden["direct_media_notification_duration"] == 0


def test_layouts_and_theme_are_managed_only_when_stated() -> None:
    plain = desired_conference(room(), ctx())
    assert "host_view" not in plain
    assert "guest_view" not in plain
    assert "ivr_theme" not in plain
    stated = desired_conference(room(hostLayout="four_mains_zero_pips"), ctx(theme_uri="/t/1/"))
    assert stated["host_view"] == "four_mains_zero_pips"
    assert stated["ivr_theme"] == "/t/1/"
    assert stated["tag"] == "rm"


def test_a_new_room_is_one_create_with_its_aliases_and_masked_pins() -> None:
    plan = plan_room(room(), ctx(), None)
    (change,) = plan.changes
    assert change.action == "create"
    assert change.fields["aliases"] == [{"alias": "akut@vdx.rm.dk", "description": ""}]
    assert change.fields["pin"] == "123456"
    assert {"pin", "guest_pin"} <= change.secret_fields
    assert "123456" not in change.describe()


def test_a_room_in_line_needs_nothing() -> None:
    plan = plan_room(room(), ctx(), conference())
    assert plan.changes == []
    assert plan.outcome.reason == "Available"


def test_aliases_are_added_and_removed_one_by_one() -> None:
    spec = room(aliases=[{"alias": "ny@vdx.rm.dk"}])
    plan = plan_room(spec, ctx(), conference())
    assert [(c.action, c.resource, c.label) for c in plan.changes] == [
        ("delete", "conference_alias", "akut@vdx.rm.dk"),
        ("create", "conference_alias", "ny@vdx.rm.dk"),
    ]
    assert plan.changes[1].fields["conference"] == f"{CONF}1/"


def test_a_changed_pin_is_an_update_that_never_shows_the_pin() -> None:
    plan = plan_room(room(), ctx(pins=Pins("999999", "654321")), conference())
    (change,) = plan.changes
    assert change.fields == {"pin": "999999"}
    assert "999999" not in change.describe()
    assert "123456" not in change.describe()


def test_a_changed_pin_settles_after_one_write() -> None:
    """Pexip returns PINs, so the operator's copy after the PATCH holds the new one (folded), and
    the next pass writes nothing: a PIN kept out of the fold was sent again on every pass."""
    before = conference()
    plan = plan_room(room(), ctx(pins=Pins("999999", "654321")), before)
    (change,) = plan.changes
    after = fold_update(CONFERENCE, before, change.fields, lambda uri: None)
    assert after is not None
    assert plan_room(room(), ctx(pins=Pins("999999", "654321")), after).changes == []


def test_recording_adds_a_streaming_participant_whose_address_is_secret() -> None:
    recording = Recording("rtmp://rec.rm.dk/vdx-KEYKEYKEYKEYKEYKEY/room", "Optagelse", "rec")
    plan = plan_room(room(), ctx(recording=recording), conference())
    (change,) = plan.changes
    assert (change.action, change.resource) == ("create", "automatic_participant")
    assert change.fields["protocol"] == "rtmp"
    assert change.fields["streaming"] is True
    assert change.fields["keep_conference_alive"] == "keep_conference_alive_never"
    assert change.fields["conference"] == [f"{CONF}1/"]
    assert "alias" in change.secret_fields
    assert "KEYKEY" not in change.describe()


def test_an_unwanted_recording_participant_of_ours_is_removed_and_others_left_alone() -> None:
    participants = [
        {"id": 5, "alias": "rtmp://x/y/z", "description": OWNER.describe("recording"), "protocol": "rtmp"},
        {"id": 6, "alias": "sip:someone@else", "description": "added by a person"},
    ]
    plan = plan_room(room(), ctx(), conference(automatic_participants=participants))
    (change,) = plan.changes
    assert change.action == "delete"
    assert change.uri == "/api/admin/configuration/v1/automatic_participant/5/"


def test_an_alias_held_by_another_conference_is_refused_and_named() -> None:
    other = Conference.model_validate(
        {
            "id": 2,
            "name": "Booked",
            "resource_uri": f"{CONF}2/",
            "description": "",
            "aliases": [{"id": 11, "alias": "AKUT@vdx.rm.dk", "resource_uri": "/a/11/"}],
        }
    )
    ours, refused, taken = find_room([other], OWNER, room())
    assert ours is None
    assert taken == "AKUT@vdx.rm.dk"
    assert refused is not None
    assert refused.reason == "AliasTaken"
    assert "conference Booked" in refused.message


def test_the_tenant_defaults_leave_rooms_of_a_meeting_room_alone() -> None:
    managed = conference(direct_media="never", description=OWNER.describe(None))
    foreign = conference(2, direct_media="never", description="booked elsewhere", resource_uri=f"{CONF}2/")
    plan = plan_room_defaults(MeetingRoomDefaults(), ["vdx.rm.dk"], [managed, foreign])
    assert plan.rooms == 2
    assert [c.uri for c in plan.changes] == [f"{CONF}2/"]
    # An ObserveOnly MeetingRoom that adopts a room writes no marker on it: the room is still its own.
    adopted = plan_room_defaults(
        MeetingRoomDefaults(), ["vdx.rm.dk"], [foreign], managed_elsewhere=frozenset({f"{CONF}2/"})
    )
    assert (adopted.rooms, adopted.in_line, adopted.changes) == (1, 1, [])


# ---------------------------------------------------------------------------------------------- devices
DEVICE_OWNER = Owner("Device", "vdx-aarhus", "stue1")


def device_spec(**extra: Any) -> DeviceSpec:
    return DeviceSpec.model_validate(
        {
            "alias": "stue1@vdx.aarhus.dk",
            "displayName": "Stue 1",
            "credentialsSecretRef": {"name": "s"},
            **extra,
        }
    )


def test_device_credentials_name_the_missing_keys_only() -> None:
    message = credentials_from_secret(device_spec(), {"username": "u"})
    assert isinstance(message, str)
    assert "password" in message
    assert message != "u"
    assert credentials_from_secret(device_spec(), {"username": "u", "password": "p"}) == DeviceCredentials(
        "u", "p"
    )


def test_device_password_is_resent_only_when_the_secret_changed() -> None:
    want = desired_fields(
        device_spec(protocols=["SIP", "PexipApp"]), DEVICE_OWNER, "aarhus", DeviceCredentials("u", "pw"), None
    )
    assert want["enable_sip"]
    assert want["enable_infinity_connect_non_sso"]
    assert not want["enable_h323"]
    existing = Device.model_validate({**want, "id": 3, "resource_uri": "/d/3/"})
    assert plan_device(want, "pw", DEVICE_OWNER, [existing], secret_changed=False).changes == []
    (change,) = plan_device(want, "pw2", DEVICE_OWNER, [existing], secret_changed=True).changes
    assert change.fields == {"password": "pw2"}
    assert "pw2" not in change.describe()


def test_a_device_alias_registered_by_someone_else_is_refused() -> None:
    want = desired_fields(device_spec(), DEVICE_OWNER, "aarhus", DeviceCredentials("u", "pw"), None)
    foreign = Device.model_validate({"id": 4, "alias": "STUE1@vdx.aarhus.dk", "resource_uri": "/d/4/"})
    plan = plan_device(want, "pw", DEVICE_OWNER, [foreign], secret_changed=True)
    assert plan.changes == []
    assert plan.outcome.reason == "AliasTaken"
    assert "vdx.medcom.dk/adopt: /d/4/" in plan.outcome.message


# ---------------------------------------------------------------------------------------------- identity
IDP_OWNER = Owner("IdentityProvider", "vdx-rm", "adfs")


def test_the_uuid_is_stable_and_differs_per_platform_and_name() -> None:
    first = idp_uuid("prod", "vdx-rm", "adfs")
    assert first == idp_uuid("prod", "vdx-rm", "adfs")
    assert len({first, idp_uuid("stage", "vdx-rm", "adfs"), idp_uuid("prod", "vdx-rm", "adfs2")}) == 3


def test_acs_urls_are_per_web_app_domain_up_to_ten() -> None:
    domains = [f"d{i}.rm.dk" for i in range(12)]
    urls = acs_urls(domains, "u-1")
    assert len(urls) == 10
    assert urls[0] == "https://d0.rm.dk/api/v1/samlconsumer/u-1"


def test_the_token_signing_certificate_is_checked() -> None:
    ca = LocalCA()
    good = ca.issue(["adfs.rm.dk"]).certificate_pem.decode()
    checked = signing_certificate(good, "spec.tokenSigningCertificate")
    assert not isinstance(checked, str)
    assert len(checked.fingerprint_sha256) == 64
    expired = ca.issue(["adfs.rm.dk"], days=1, not_before=datetime.now(UTC) - timedelta(days=5))
    message = signing_certificate(expired.certificate_pem.decode(), "spec.tokenSigningCertificate")
    assert isinstance(message, str)
    assert "expired" in message
    assert "no PEM certificate" in str(signing_certificate("hello", "x"))
    garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    assert "not a readable X.509" in str(signing_certificate(garbage, "x"))


def idp_spec(**extra: Any) -> IdentityProviderSpec:
    return IdentityProviderSpec.model_validate(
        {
            "displayName": "RM ADFS",
            "entityId": "http://adfs.rm.dk/adfs/services/trust",
            "ssoUrl": "https://adfs.rm.dk/adfs/ls/",
            "tokenSigningCertificate": {"configMapKeyRef": {"name": "c", "key": "k"}},
            **extra,
        }
    )


def test_attributes_are_reused_by_name_and_created_only_when_missing() -> None:
    spec = idp_spec(attributes=[{"name": "upn"}, {"name": "email"}])
    observed = [
        IdentityProviderAttribute(id=1, name="upn", resource_uri="/at/1/", description="someone else's")
    ]
    plan = plan_attributes(spec, IDP_OWNER, observed)
    assert plan.existing == {"upn": "/at/1/"}
    assert [c.label for c in plan.creates] == ["email"]
    assert plan.creates[0].fields["description"].startswith("[vdx:IdentityProvider/vdx-rm/adfs]")


def test_an_identity_provider_in_line_needs_nothing_whatever_the_order_and_line_breaks() -> None:
    certificate = signing_certificate(LocalCA().issue(["adfs.rm.dk"]).certificate_pem.decode(), "x")
    assert not isinstance(certificate, str)
    want = desired_idp(idp_spec(), IDP_OWNER, "u-1", ["vdx.rm.dk"], certificate, ["/at/2/", "/at/1/"])
    observed = IdentityProvider.model_validate(
        {
            **want,
            "id": 9,
            "resource_uri": "/idp/9/",
            "idp_public_key": str(want["idp_public_key"]).replace("\n", "\r\n"),
            "attributes": [
                {"id": 1, "name": "a", "resource_uri": "/at/1/"},
                {"id": 2, "name": "b", "resource_uri": "/at/2/"},
            ],
        }
    )
    assert plan_idp(want, IDP_OWNER, [observed]).changes == []
    moved = {**want, "sso_url": "https://adfs2.rm.dk/adfs/ls/"}
    (change,) = plan_idp(moved, IDP_OWNER, [observed]).changes
    assert change.fields == {"sso_url": "https://adfs2.rm.dk/adfs/ls/"}


ROLLOVER = """
apiVersion: vdx.medcom.dk/v1alpha1
kind: Tenant
metadata: {name: rm}
spec:
  organisationKind: Region
  displayName: Region Midtjylland
  namespace: vdx-rm
  platformRef: {name: prod}
  domains: [vdx.rm.dk]
---
apiVersion: vdx.medcom.dk/v1alpha1
kind: IdentityProvider
metadata: {name: adfs, namespace: vdx-rm}
spec:
  displayName: RM ADFS
  entityId: http://adfs.rm.dk/adfs/services/trust
  ssoUrl: https://adfs.rm.dk/adfs/ls/
  tokenSigningCertificate: {SOURCE: {name: adfs-cert, key: tls.crt}}
  webAppDomains: [vdx.rm.dk]
  managementPolicy: POLICY
"""


def _pem_lines(pem: str) -> list[str]:
    return [line for line in pem.splitlines() if line and not line.startswith("-----")]


@pytest.mark.parametrize("policy", ["Full", "ObserveOnly"])
@pytest.mark.parametrize("source", ["secretKeyRef", "configMapKeyRef"])
def test_a_rolled_over_certificate_from_a_secret_is_masked_where_the_change_is_shown(
    source: str, policy: str
) -> None:
    """ADFS rolls its token-signing certificate over: the update is described in an Event (and in
    the status under ObserveOnly). Neither certificate is shown there (one read from a Secret is no
    value to show, and a PEM is noise), but both are named by fingerprint."""
    tree = load_text(ROLLOVER.replace("SOURCE", source).replace("POLICY", policy))
    (idp,), (tenant,) = tree.of_kind(IdentityProviderResource), tree.of_kind(Tenant)
    ca = LocalCA()
    old, new = (ca.issue(["adfs.rm.dk"]).certificate_pem.decode() for _ in range(2))
    inputs = IdentityInputs(idp, tenant, new, True, [])
    facts = prepare(inputs)
    assert isinstance(facts, IdentityFacts)
    held = signing_certificate(old, "x")
    assert not isinstance(held, str)
    want = desired_idp(idp.spec, IDP_OWNER, idp_uuid("prod", "vdx-rm", "adfs"), facts.domains, held, [])
    observed = IdentityProvider.model_validate({**want, "id": 9, "resource_uri": "/idp/9/"})
    plan = decide(inputs, facts, "prod", [], [observed], []).plan
    if policy == "ObserveOnly":
        shown = plan.outcome.message
    else:
        (change,) = [c for c in plan.changes if c.resource == "identity_provider"]
        assert change.fields == {"idp_public_key": facts.certificate.pem}
        shown = change.describe()
    assert "idp_public_key" in shown
    assert [line for line in _pem_lines(old) + _pem_lines(new) if line in shown] == []
    # What changed stays readable: each certificate by its fingerprint (public), from a Secret or not.
    fresh = signing_certificate(new, "x")
    assert not isinstance(fresh, str)
    assert held.fingerprint_sha256[:16] in shown
    assert fresh.fingerprint_sha256[:16] in shown


# ---------------------------------------------------------------------------------------------- quota
def test_quota_position_is_by_age_then_name() -> None:
    def body(name: str, created: str) -> dict[str, Any]:
        return {"metadata": {"name": name, "creationTimestamp": created}}

    siblings = [body("b", "2026-01-02"), body("a", "2026-01-02"), body("c", "2026-01-01")]
    assert [position(s, siblings) for s in siblings] == [2, 1, 0]
    assert position(body("new", "2026-02-01"), siblings) == 3

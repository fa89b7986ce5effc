"""The pure planners: desired state + observed Pexip objects -> changes and an outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vdx.api.tenant import DirectMedia, MeetingRoomDefaults
from vdx.api.turn import CredentialType, TurnServiceSpec
from vdx.controller.conditions import Outcome, Phase, conditions_for
from vdx.controller.ownership import Owner, owner_of, without_marker
from vdx.controller.plan import MASK
from vdx.controller.planners.certificate import plan_certificate
from vdx.controller.planners.domain import plan_domain_binding, plan_domain_unbinding
from vdx.controller.planners.rooms import alias_domain, plan_room_defaults
from vdx.controller.planners.turn import TurnCredentials, credentials_from_secret, plan_turn_server
from vdx.pexip.models import Conference, ConferenceAlias, SystemLocation, TlsCertificate, TurnServer
from vdx.pexip.resources import _cached_leaf_pem

OWNER = Owner("TurnService", "vdx-rm", "vdx-rm-dk")
CANARY = "canary-turn-secret-7f3a"


def turn_spec(**overrides: object) -> TurnServiceSpec:
    data = {"address": "turn.vdx.rm.dk", "secretRef": {"name": "turn-vdx-rm-dk"}, **overrides}
    return TurnServiceSpec.model_validate(data)


def observed_turn(**overrides: object) -> TurnServer:
    data = {
        "id": 7,
        "resource_uri": "/api/admin/configuration/v1/turn_server/7/",
        "name": "vdx-rm/vdx-rm-dk",
        "description": OWNER.describe(None),
        "address": "turn.vdx.rm.dk",
        "port": 3478,
        "server_type": "coturn_shared",
        "transport_type": "udp",
        "username": "",
        **overrides,
    }
    return TurnServer.model_validate(data)


def test_ownership_marker_round_trip() -> None:
    text = OWNER.describe("TURN for vdx.rm.dk")
    assert owner_of(text) == OWNER
    assert without_marker(text) == "TURN for vdx.rm.dk"
    assert owner_of("made by the booking portal") is None
    assert len(Owner("TurnService", "ns", "n").describe("x" * 400)) == 250


def test_turn_create_masks_the_secret() -> None:
    plan = plan_turn_server(turn_spec(), OWNER, TurnCredentials(secret=CANARY), [], secret_changed=True)
    (change,) = plan.changes
    assert change.action == "create"
    assert change.fields["secret_key"] == CANARY
    assert change.fields["server_type"] == "coturn_shared"
    assert CANARY not in change.describe()
    assert plan.outcome.phase is Phase.PROGRESSING


def test_turn_in_line_makes_no_change() -> None:
    plan = plan_turn_server(
        turn_spec(), OWNER, TurnCredentials(secret=CANARY), [observed_turn()], secret_changed=False
    )
    assert plan.changes == []
    assert plan.outcome.phase is Phase.READY
    assert plan.owned == ["/api/admin/configuration/v1/turn_server/7/"]


def test_turn_drift_is_corrected_field_by_field() -> None:
    plan = plan_turn_server(
        turn_spec(port=5349, transport="TLS"),
        OWNER,
        TurnCredentials(secret=CANARY),
        [observed_turn()],
        secret_changed=False,
    )
    (change,) = plan.changes
    assert dict(change.fields) == {"port": 5349, "transport_type": "tls"}
    assert change.describe() == (
        "update turn_server vdx-rm/vdx-rm-dk: port 3478 -> 5349, transport_type 'udp' -> 'tls'"
    )


def test_turn_secret_change_resends_only_the_secret_masked() -> None:
    plan = plan_turn_server(
        turn_spec(), OWNER, TurnCredentials(secret=CANARY), [observed_turn()], secret_changed=True
    )
    (change,) = plan.changes
    assert dict(change.fields) == {"secret_key": CANARY}
    assert change.describe() == f"update turn_server vdx-rm/vdx-rm-dk: secret_key -> {MASK}"


def test_turn_with_our_name_but_not_ours_is_not_taken_over() -> None:
    stranger = observed_turn(description="made by hand")
    plan = plan_turn_server(
        turn_spec(), OWNER, TurnCredentials(secret=CANARY), [stranger], secret_changed=True
    )
    assert plan.changes == []
    assert plan.outcome.phase is Phase.STALLED
    assert plan.outcome.reason == "AlreadyExists"
    assert "vdx.medcom.dk/adopt" in plan.outcome.message
    adopted = plan_turn_server(
        turn_spec(),
        OWNER,
        TurnCredentials(secret=CANARY),
        [stranger],
        adopt=stranger.resource_uri,
        secret_changed=True,
    )
    assert adopted.changes[0].action == "update"
    assert adopted.changes[0].fields["description"] == OWNER.describe(None)


def test_turn_credentials_from_secret_name_missing_keys_not_values() -> None:
    spec = turn_spec()
    assert isinstance(credentials_from_secret(spec, {"secret": CANARY}), TurnCredentials)
    message = credentials_from_secret(spec, {"other": CANARY})
    assert isinstance(message, str)
    assert "`secret`" in message
    assert CANARY not in message
    userpass = turn_spec(credentialType=CredentialType.USERNAME_PASSWORD.value)
    assert "password" in str(credentials_from_secret(userpass, {"username": "u"}))


def conference(cid: int, aliases: list[str], direct_media: str = "never", seconds: int = 0) -> Conference:
    return Conference.model_validate(
        {
            "id": cid,
            "resource_uri": f"/api/admin/configuration/v1/conference/{cid}/",
            "name": f"room-{cid}",
            "aliases": [ConferenceAlias(id=cid * 10 + i, alias=a) for i, a in enumerate(aliases)],
            "direct_media": direct_media,
            "direct_media_notification_duration": seconds,
        }
    )


def test_alias_domain() -> None:
    assert alias_domain("meet.kbh@vdx.regionh.dk") == "vdx.regionh.dk"
    assert alias_domain("sip:Room@VDX.RM.DK;transport=tls") == "vdx.rm.dk"
    assert alias_domain("12345") is None


def test_room_defaults_touch_only_the_tenants_rooms() -> None:
    rooms = [
        conference(1, ["a@vdx.rm.dk"]),  # needs correcting
        conference(2, ["b@vdx.rm.dk"], "best_effort", 10),  # already in line
        conference(3, ["c@vdx.regionh.dk"]),  # another tenant's
        conference(4, ["12345", "d@sub.vdx.rm.dk"], "always", 10),  # subdomain counts
    ]
    defaults = MeetingRoomDefaults(direct_media=DirectMedia.BEST_EFFORT, direct_media_notification_seconds=10)
    plan = plan_room_defaults(defaults, ["vdx.rm.dk"], rooms)
    assert plan.rooms == 3
    assert plan.in_line == 1
    assert [c.label for c in plan.changes] == ["room-1", "room-4"]
    assert dict(plan.changes[0].fields) == {
        "direct_media": "best_effort",
        "direct_media_notification_duration": 10,
    }
    assert dict(plan.changes[1].fields) == {"direct_media": "best_effort"}


def location(turns: list[str]) -> SystemLocation:
    return SystemLocation.model_validate(
        {
            "id": 2,
            "resource_uri": "/api/admin/configuration/v1/system_location/2/",
            "name": "Region Midtjylland",
            "client_turn_servers": turns,
        }
    )


def test_domain_binding_adds_and_removes_only_its_own_turn() -> None:
    ours, theirs = "/api/admin/configuration/v1/turn_server/7/", "/api/admin/configuration/v1/turn_server/1/"
    plan = plan_domain_binding("Region Midtjylland", ours, [location([theirs])])
    assert dict(plan.changes[0].fields) == {"client_turn_servers": [theirs, ours]}
    assert plan_domain_binding("Region Midtjylland", ours, [location([theirs, ours])]).changes == []
    missing = plan_domain_binding("Nowhere", ours, [location([])])
    assert missing.outcome.reason == "SystemLocationNotFound"
    # The message lists the locations that exist and says what to do (onboarding Horsens Kommune).
    assert missing.outcome.message == (
        "Pexip has no system location named 'Nowhere'; the locations are 'Region Midtjylland'. Set "
        "spec.systemLocation to one of them, or declare the location in the PexipPlatform's "
        "spec.systemLocations (vdx apply and the operator create it), or leave spec.systemLocation out "
        "to create the TURN service without attaching it to a location"
    )
    typo = plan_domain_binding("region midtjylland", ours, [location([])]).outcome.message
    assert "(did you mean 'Region Midtjylland'? names are case-sensitive)" in typo
    assert (
        "Pexip has no system locations at all"
        in plan_domain_binding("Horsens Kommune", ours, []).outcome.message
    )
    (undo,) = plan_domain_unbinding("Region Midtjylland", ours, [location([theirs, ours])])
    assert dict(undo.fields) == {"client_turn_servers": [theirs]}


def cert_obj(cid: int, pem: str) -> TlsCertificate:
    return TlsCertificate.model_validate(
        {"id": cid, "resource_uri": f"/api/admin/configuration/v1/tls_certificate/{cid}/", "certificate": pem}
    )


PEM_A = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
PEM_B = "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n"


def test_certificate_rotation_is_make_before_break() -> None:
    old = cert_obj(5, PEM_A)
    upload = plan_certificate(PEM_B, "KEY", "tls-x", [old], recorded=[old.resource_uri])
    assert [c.action for c in upload.changes] == ["create"]
    assert upload.owned == [old.resource_uri]  # the old one stays until the new one exists
    assert MASK in str(upload.changes[0].shown("private_key", "KEY"))
    new = cert_obj(6, PEM_B)
    cleanup = plan_certificate(
        PEM_B, "KEY", "tls-x", [old, new], recorded=[old.resource_uri, new.resource_uri]
    )
    assert [(c.action, c.uri) for c in cleanup.changes] == [("delete", old.resource_uri)]
    done = plan_certificate(PEM_B, "KEY", "tls-x", [new], recorded=[new.resource_uri])
    assert done.changes == []
    assert done.outcome.phase is Phase.READY


def test_certificate_upload_pending_recovers_after_a_crash() -> None:
    uploaded = cert_obj(9, PEM_B)
    assert plan_certificate(PEM_B, "KEY", "tls-x", [uploaded]).changes[0].action == "create"
    recovered = plan_certificate(PEM_B, "KEY", "tls-x", [uploaded], upload_pending=True)
    assert recovered.changes == []
    assert recovered.owned == [uploaded.resource_uri]


def test_certificate_upload_pending_claims_its_own_upload_once_among_many() -> None:
    # Pexip may give the PEM back with other line endings and the chain after the leaf; only the
    # leaf counts. A certificate both recorded and matching is owned once, strangers never.
    others = [
        cert_obj(i, f"-----BEGIN CERTIFICATE-----\nC{i:03d}\n-----END CERTIFICATE-----\n")
        for i in range(1, 60)
    ]
    recorded = cert_obj(100, PEM_B)
    chain = "-----BEGIN CERTIFICATE-----\nCHAIN\n-----END CERTIFICATE-----\n"
    reformatted = cert_obj(
        101, "  -----BEGIN CERTIFICATE-----\r\n BBBB \r\n-----END CERTIFICATE-----\r\n" + chain
    )
    plan = plan_certificate(
        PEM_B,
        "KEY",
        "tls-x",
        [*others[:30], recorded, *others[30:], reformatted],
        recorded=[recorded.resource_uri],
        upload_pending=True,
    )
    assert plan.changes == []
    assert plan.owned == [recorded.resource_uri, reformatted.resource_uri]
    # Without the note, a stranger's identical certificate is not claimed, and the recorded one stays.
    unnoted = plan_certificate(
        PEM_B, "KEY", "tls-x", [*others, recorded, reformatted], recorded=[recorded.resource_uri]
    )
    assert unnoted.owned == [recorded.resource_uri]
    # A different leaf before an identical chain is another certificate.
    other_leaf = cert_obj(102, PEM_A + chain)
    assert (
        plan_certificate(PEM_B, "KEY", "tls-x", [other_leaf], upload_pending=True).changes[0].action
        == "create"
    )


def test_a_certificate_uploaded_with_its_key_in_the_text_is_replaced_by_a_clean_one() -> None:
    key = "-----BEGIN PRIVATE KEY-----\nKKKK\n-----END PRIVATE KEY-----\n"
    leaked = cert_obj(7, PEM_B + key)  # tls.crt as an earlier version uploaded it, key appended
    _cached_leaf_pem.cache_clear()
    upload = plan_certificate(PEM_B, "KEY", "tls-x", [leaked], recorded=[leaked.resource_uri])
    assert [c.action for c in upload.changes] == ["create"]
    assert "PRIVATE KEY" not in str(upload.changes[0].fields["certificate"])
    assert upload.owned == [leaked.resource_uri]  # kept until the clean one exists
    clean = cert_obj(8, PEM_B)
    cleanup = plan_certificate(
        PEM_B, "KEY", "tls-x", [leaked, clean], recorded=[leaked.resource_uri, clean.resource_uri]
    )
    assert [(c.action, c.uri) for c in cleanup.changes] == [("delete", leaked.resource_uri)]
    # After a crash mid-upload the note finds both: the clean one stays, the leaked one goes.
    pending = plan_certificate(
        PEM_B, "KEY", "tls-x", [leaked, clean], recorded=[leaked.resource_uri], upload_pending=True
    )
    assert [(c.action, c.uri) for c in pending.changes] == [("delete", leaked.resource_uri)]
    assert pending.owned == [clean.resource_uri]
    # The PEM cache kept the clean text only, never the one with the key in it.
    assert _cached_leaf_pem.cache_info().currsize == 1


def test_certificates_waiting_for_their_upload_parse_each_pem_once() -> None:
    # A national cold start: every certificate with a pending upload looks at every certificate on
    # the node. Each PEM is parsed once, not once per certificate looking.
    pems = [f"-----BEGIN CERTIFICATE-----\nD{i:03d}\n-----END CERTIFICATE-----\n" for i in range(80)]
    observed = [cert_obj(i, pem) for i, pem in enumerate(pems)]
    _cached_leaf_pem.cache_clear()
    for pem in pems:
        plan = plan_certificate(pem, "KEY", "tls-x", observed, upload_pending=True)
        assert len(plan.owned) == 1
    assert _cached_leaf_pem.cache_info().misses == len(pems)


def test_conditions_keep_transition_time_and_follow_kstatus() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    ready = conditions_for(Outcome(Phase.READY, "Available", "ok"), 3, None, now=t0)
    by_type = {c["type"]: c for c in ready}
    assert by_type["Ready"]["status"] == "True"
    assert by_type["Reconciling"]["status"] == "False"
    assert by_type["Stalled"]["status"] == "False"
    assert all(c["observedGeneration"] == 3 for c in ready)
    again = conditions_for(Outcome(Phase.READY, "Available", "ok"), 3, ready, now=t0 + timedelta(hours=1))
    assert again == ready  # nothing to write
    failed = conditions_for(
        Outcome(Phase.FAILED, "PexipUnavailable", "down"), 3, ready, now=t0 + timedelta(hours=2)
    )
    by_type = {c["type"]: c for c in failed}
    assert by_type["Synced"]["status"] == "False"
    assert by_type["Synced"]["reason"] == "PexipUnavailable"
    assert by_type["Reconciling"]["status"] == "True"
    assert by_type["Ready"]["lastTransitionTime"] == "2026-01-01T02:00:00Z"
    stalled = conditions_for(Outcome(Phase.STALLED, "DomainConflict", "x"), 4, failed)
    assert {c["type"]: c["status"] for c in stalled}["Stalled"] == "True"

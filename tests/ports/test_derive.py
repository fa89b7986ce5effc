"""Port rules derived from a known configuration, and the cross-checks between Git and the platform."""

from __future__ import annotations

from dataclasses import replace

from vdx.ports.collect import recorder_config
from vdx.ports.derive import (
    Derivation,
    DomainConfig,
    LiveConfig,
    LocationConfig,
    NodeAddress,
    RecorderConfig,
    TenantNetwork,
    TurnServerConfig,
    derive,
    table_fingerprint,
)
from vdx.ports.render import render

TURN_URI = "/api/admin/configuration/v1/turn_server/7/"
TENANT = TenantNetwork(
    "rm",
    "vdx-rm",
    (
        DomainConfig(
            "vdx.rm.dk", frozenset({"WebApp", "SIP", "Registration"}), "vdx-rm-dk", "Region Midtjylland"
        ),
        DomainConfig("sip.rm.dk", frozenset({"SIP"})),
    ),
    (TurnServerConfig("vdx-rm-dk", "turn.vdx.rm.dk", 3478, "udp"),),
)
LIVE = LiveConfig(
    media_ports=(41000, 42999),
    signalling_ports=(34000, 34999),
    enable_sip_udp=False,
    enable_h323=False,
    enable_turn_443=False,
    turn_servers=(TurnServerConfig("vdx-rm/vdx-rm-dk", "turn.vdx.rm.dk", 3478, "udp", TURN_URI),),
    locations=(LocationConfig("Region Midtjylland", (TURN_URI,)),),
)


def table(result: Derivation) -> set[tuple[str, str, str, str]]:
    return {(r.direction, r.protocol, r.ports, r.destination) for r in result.rules}


def test_rules_from_a_known_configuration() -> None:
    result = derive(TENANT, LIVE)
    nodes = "VDX conferencing nodes (vdx.rm.dk, sip.rm.dk)"
    assert table(result) == {
        ("outbound", "TCP", "443", "vdx.rm.dk"),
        ("outbound", "UDP", "41000-42999", nodes),
        ("outbound", "UDP", "3478", "turn.vdx.rm.dk"),
        ("outbound", "TCP", "5060, 5061", "vdx.rm.dk, sip.rm.dk"),
        ("inbound", "TCP", "5060, 5061", "rm: video endpoints"),
        ("inbound", "UDP", "the endpoints' own media ports", "rm: video endpoints"),
    }
    media = next(r for r in result.rules if r.ports == "41000-42999")
    assert media.source == "rm: browsers, VDX apps and video endpoints"
    inbound_sip = next(r for r in result.rules if r.direction == "inbound" and r.ports == "5060, 5061")
    assert "source ports 34000-34999" in inbound_sip.source
    assert all(r.why for r in result.rules)
    assert all(r.tenant == "rm" for r in result.rules)
    assert len(result.notes) == 1  # only the missing node addresses
    assert "worker_vm" in result.notes[0]


def test_h323_sip_udp_and_turn_443_add_their_rules() -> None:
    live = LiveConfig(
        **{**LIVE.__dict__, "enable_h323": True, "enable_sip_udp": True, "enable_turn_443": True}
    )
    rules = table(derive(TENANT, live))
    nodes = "VDX conferencing nodes (vdx.rm.dk, sip.rm.dk)"
    assert ("outbound", "TCP", "1720", nodes) in rules
    assert ("outbound", "UDP", "1719", nodes) in rules
    assert ("outbound", "TCP", "34000-34999", nodes) in rules
    assert ("inbound", "TCP", "1720", "rm: video endpoints") in rules
    assert ("outbound", "UDP", "5060", "vdx.rm.dk, sip.rm.dk") in rules
    assert ("outbound", "TCP", "443", "turn.vdx.rm.dk") in rules


def test_webrtc_and_sip_off_leave_only_what_is_used() -> None:
    live = LiveConfig(**{**LIVE.__dict__, "enable_webrtc": False, "enable_sip": False})
    rules = table(derive(TENANT, live))
    assert not any(r[2] in ("443", "5060, 5061") for r in rules)
    assert not any("41000" in r[2] for r in rules)  # no media without a protocol that carries it


def test_live_turn_values_win_and_differences_are_noted() -> None:
    live = LiveConfig(
        **{
            **LIVE.__dict__,
            "turn_servers": (TurnServerConfig("vdx-rm/vdx-rm-dk", "turn2.vdx.rm.dk", 443, "tls", TURN_URI),),
        }
    )
    result = derive(TENANT, live)
    assert ("outbound", "TCP (TLS)", "443", "turn2.vdx.rm.dk") in table(result)
    notes = "\n".join(result.notes)
    assert (
        "field spec.address: Git says turn.vdx.rm.dk, the platform's turn_server says turn2.vdx.rm.dk"
        in notes
    )
    assert "field spec.port: Git says 3478" in notes
    assert "field spec.transport: Git says udp" in notes


def test_turn_missing_on_platform_and_location_checks() -> None:
    live = LiveConfig(**{**LIVE.__dict__, "turn_servers": (), "locations": ()})
    result = derive(TENANT, live)
    assert ("outbound", "UDP", "3478", "turn.vdx.rm.dk") in table(result)  # from Git
    notes = "\n".join(result.notes)
    assert "no turn_server named 'vdx-rm/vdx-rm-dk' on the platform" in notes
    assert "system location 'Region Midtjylland' does not exist" in notes

    not_offered = LiveConfig(**{**LIVE.__dict__, "locations": (LocationConfig("Region Midtjylland"),)})
    assert "does not offer TURN server 'vdx-rm/vdx-rm-dk'" in "\n".join(derive(TENANT, not_offered).notes)


def test_node_addresses_when_the_api_offers_them() -> None:
    nodes = (
        NodeAddress("conf-rm-01", "198.51.100.10", "Region Midtjylland", "conf-rm-01.vdx.medcom.dk"),
        NodeAddress("conf-rh-01", "198.51.100.20", "Region Hovedstaden", "conf-rh-01.vdx.medcom.dk"),
    )
    result = derive(TENANT, LiveConfig(**{**LIVE.__dict__, "nodes": nodes}))
    media = next(r for r in result.rules if r.ports == "41000-42999")
    assert media.destination == "VDX edge nodes 198.51.100.10 (conf-rm-01.vdx.medcom.dk)"
    assert not any("worker_vm" in n for n in result.notes)
    assert [n.name for n in result.targets.edge_nodes] == ["conf-rm-01"]


EDGE = (
    NodeAddress("vdx-edge-02", "203.0.113.12", "VDX Internet Edge", "vdx-edge-02.vdx.medcom.dk"),
    NodeAddress("vdx-edge-01", "203.0.113.11", "VDX Internet Edge", "vdx-edge-01.vdx.medcom.dk"),
    NodeAddress(
        "vdx-edge-03",
        "203.0.113.13",
        "VDX Internet Edge",
        "vdx-edge-03.vdx.medcom.dk",
        maintenance_reason="Hypervisor firmware upgrade",
    ),
    NodeAddress(
        "vdx-conf-01", "10.20.2.21", "VDX Transcoding", "vdx-conf-01.vdx.medcom.dk", "CONFERENCING", False
    ),
)


def test_edge_nodes_named_internal_left_out_maintenance_noted() -> None:
    result = derive(TENANT, LiveConfig(**{**LIVE.__dict__, "nodes": EDGE, "enable_h323": True}))
    h323 = next(r for r in result.rules if r.ports == "1720" and r.direction == "outbound")
    assert h323.destination == (
        "VDX edge nodes 203.0.113.11 (vdx-edge-01.vdx.medcom.dk), 203.0.113.12 (vdx-edge-02.vdx.medcom.dk), "
        "203.0.113.13 (vdx-edge-03.vdx.medcom.dk)"
    )
    assert "10.20.2.21" not in "".join(r.destination + r.source for r in result.rules)
    notes = "\n".join(result.notes)
    assert "Internal conferencing nodes (vdx-conf-01) are left out" in notes
    assert "Edge node vdx-edge-03 (203.0.113.13) is in maintenance (Hypervisor firmware upgrade)" in notes


def test_recorder_rows_for_tenants_that_record() -> None:
    recorders = (
        RecorderConfig("optagelse", "optagelse.vdx.rm.dk", 1935, False),
        RecorderConfig("secure", "rec.rm.dk", 443, True),
    )
    records = TenantNetwork(**{**TENANT.__dict__, "records": True, "recorders": recorders})
    rows = [r for r in derive(records, LIVE).rules if "recorder" in r.destination]
    assert [(r.direction, r.protocol, r.ports, r.destination) for r in rows] == [
        ("inbound", "TCP", "1935", "rm: recorder optagelse.vdx.rm.dk"),
        ("inbound", "TCP (TLS)", "443", "rm: recorder rec.rm.dk"),
    ]
    assert "RTMPS" in rows[1].why
    assert rows[0].source.startswith("VDX conferencing nodes")

    off = TenantNetwork(**{**TENANT.__dict__, "records": False, "recorders": recorders})
    result = derive(off, LIVE)
    assert not any("recorder" in r.destination for r in result.rules)
    assert any("spec.recording.enabled is false" in n for n in result.notes)
    missing = TenantNetwork(**{**TENANT.__dict__, "records": True})
    assert any("declares no Recorder" in n for n in derive(missing, LIVE).notes)


def test_recorder_url_defaults() -> None:
    assert recorder_config("a", "rtmp://rec.rm.dk") == RecorderConfig("a", "rec.rm.dk", 1935, False)
    assert recorder_config("b", "rtmps://rec.rm.dk") == RecorderConfig("b", "rec.rm.dk", 443, True)
    assert recorder_config("c", "rtmp://rec.rm.dk:19350") == RecorderConfig("c", "rec.rm.dk", 19350, False)


def test_fingerprint_changes_with_the_openings_not_the_wording() -> None:
    base = derive(TENANT, LIVE)
    again = derive(TENANT, LIVE)
    again.rules.reverse()
    assert table_fingerprint(base) == table_fingerprint(again)
    assert table_fingerprint(base).startswith("sha256:")
    turn_443 = derive(TENANT, LiveConfig(**{**LIVE.__dict__, "enable_turn_443": True}))
    assert table_fingerprint(turn_443) != table_fingerprint(base)
    new_turn = TenantNetwork(
        **{
            **TENANT.__dict__,
            "turn_services": (*TENANT.turn_services, TurnServerConfig("extra", "turn2.rm.dk", 3478, "udp")),
        }
    )
    assert table_fingerprint(derive(new_turn, LIVE)) != table_fingerprint(base)
    reworded = derive(TENANT, LIVE)
    reworded.rules[0] = replace(reworded.rules[0], why="other words")
    reworded.notes.append("a note")
    assert table_fingerprint(reworded) == table_fingerprint(base)


def test_tenant_without_turn_service_is_noted() -> None:
    bare = TenantNetwork("plo", "vdx-plo", (DomainConfig("vdx.plo.dk", frozenset({"WebApp"})),))
    result = derive(bare, LIVE)
    assert any("declares no TurnService" in n for n in result.notes)
    assert not any(r.destination.startswith("turn") for r in result.rules)


def test_render_formats() -> None:
    results = [("rm", derive(TENANT, LIVE))]
    csv_text = render(results, "csv").splitlines()
    assert csv_text[0] == "tenant,direction,protocol,ports,source,destination,why,tenant_state"
    assert all(line.endswith(",state unknown (no cluster)") for line in csv_text[1:])
    assert len(csv_text) == 1 + len(results[0][1].rules)
    markdown = render(results, "markdown")
    assert "| Direction | Protocol | Ports | Source | Destination | Why |" in markdown
    assert "Notes:" in markdown
    text = render(results, "text")
    assert text.startswith(
        "Tenant rm: 6 openings\n   state  state unknown (no cluster)\n\noutbound  TCP 443\n"
        "    from  rm: browsers and VDX apps\n"
    )
    assert "note: " in text


def test_text_fits_the_terminal() -> None:
    live = LiveConfig(**{**LIVE.__dict__, "nodes": EDGE, "enable_h323": True})
    text = render([("rm", derive(TENANT, live))], "text", width=80)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "203.0.113.13" in text  # wrapped, not cut
    assert "      to  VDX edge nodes 203.0.113.11" in text

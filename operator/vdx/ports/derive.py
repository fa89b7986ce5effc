"""Derive the port table for one tenant from the live configuration; pure, so every rule is tested.

Direction is seen from the tenant's network: `outbound` is traffic its clients and endpoints start
towards VDX (what a stateful firewall must let out), `inbound` is traffic VDX starts towards the
tenant's endpoints (calls VDX places to them). Live Pexip values win over Git for TURN servers,
because the firewall must match what clients are actually told; differences become notes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

SIP_PORT = 5060
SIP_TLS_PORT = 5061
H323_Q931_PORT = 1720
H323_RAS_PORT = 1719
HTTPS_PORT = 443


@dataclass(frozen=True)
class TurnServerConfig:
    """A TURN server as Pexip knows it (`turn_server`) or as Git declares it (TurnService)."""

    name: str
    address: str
    port: int
    transport: str  # udp, tcp or tls
    uri: str = ""


@dataclass(frozen=True)
class LocationConfig:
    name: str
    client_turn_servers: tuple[str, ...] = ()  # turn_server URIs


@dataclass(frozen=True)
class NodeAddress:
    """A conferencing node as config `worker_vm` describes it.

    `address` is what clients outside reach: the static NAT address when the node has one, else
    its own. Proxying Edge Nodes (`node_type` PROXYING) face the internet; transcoding nodes
    without a static NAT address sit on the internal network and are no firewall destination.
    """

    name: str
    address: str
    location: str
    fqdn: str = ""
    node_type: str = "PROXYING"
    public: bool = True
    maintenance_reason: str | None = None  # None: in service


@dataclass(frozen=True)
class RecorderConfig:
    """A tenant's Recorder: the nodes stream RTMP (or RTMPS) to it, so it is an inbound opening."""

    name: str
    host: str
    port: int
    tls: bool


@dataclass(frozen=True)
class LiveConfig:
    media_ports: tuple[int, int] = (40000, 49999)
    signalling_ports: tuple[int, int] = (33000, 39999)
    enable_webrtc: bool = True
    enable_sip: bool = True
    enable_sip_udp: bool = False
    enable_h323: bool = True
    enable_turn_443: bool = False
    turn_servers: tuple[TurnServerConfig, ...] = ()
    locations: tuple[LocationConfig, ...] = ()
    # None: the API does not offer node addresses (e.g. no worker_vm resource); () : it offers none.
    nodes: tuple[NodeAddress, ...] | None = None


@dataclass(frozen=True)
class DomainConfig:
    fqdn: str
    uses: frozenset[str]  # WebApp, SIP, Registration
    turn_service: str | None = None  # TurnService name in the tenant's namespace
    system_location: str | None = None


@dataclass(frozen=True)
class TenantNetwork:
    """What Git says about one tenant: its domains and TURN services."""

    name: str
    namespace: str
    domains: tuple[DomainConfig, ...]
    turn_services: tuple[TurnServerConfig, ...] = ()  # name = TurnService name
    records: bool = False  # spec.recording.enabled
    recorders: tuple[RecorderConfig, ...] = ()


@dataclass(frozen=True)
class PortRule:
    tenant: str
    direction: str
    protocol: str
    ports: str
    source: str
    destination: str
    why: str


@dataclass(frozen=True)
class Targets:
    """What the table's rows point at, kept structured so `vdx ports -o probe` can say what a
    municipality's probe tests without parsing the human text of the rows."""

    web_domains: tuple[str, ...] = ()
    sip_domains: tuple[str, ...] = ()
    turn: tuple[TurnServerConfig, ...] = ()
    turn_443: bool = False
    edge_nodes: tuple[NodeAddress, ...] = ()
    h323: bool = False
    sip: bool = False
    media_ports: tuple[int, int] | None = None


@dataclass
class Derivation:
    rules: list[PortRule] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    targets: Targets = field(default_factory=Targets)


def port_range(bounds: tuple[int, int]) -> str:
    low, high = bounds
    return str(low) if low == high else f"{low}-{high}"


def pexip_turn_name(namespace: str, name: str) -> str:
    """The operator names a TurnService's turn_server `<namespace>/<name>` (docs/ARCHITECTURE.md)."""
    return f"{namespace}/{name}"


def _protocol(transport: str) -> str:
    return {"udp": "UDP", "tcp": "TCP", "tls": "TCP (TLS)"}.get(transport.lower(), transport.upper())


def _turn_servers(
    tenant: TenantNetwork, live: LiveConfig, out: Derivation
) -> list[tuple[str, TurnServerConfig]]:
    """The tenant's TURN servers as clients see them, cross-checked with Git; (TurnService name, server)."""
    by_name = {t.name: t for t in live.turn_servers}
    servers: list[tuple[str, TurnServerConfig]] = []
    if not tenant.turn_services:
        out.notes.append(
            f"Tenant {tenant.name} declares no TurnService: its WebRTC clients get no TURN relay of their "
            "own, "
            "so media must reach the conferencing nodes directly over UDP"
        )
    for declared in tenant.turn_services:
        pexip_name = pexip_turn_name(tenant.namespace, declared.name)
        actual = by_name.get(pexip_name)
        if actual is None:
            out.notes.append(
                f"TurnService {tenant.namespace}/{declared.name}: no turn_server named {pexip_name!r} on the "
                "platform yet (not reconciled?); its row uses the address, port and transport from Git"
            )
            servers.append((declared.name, declared))
            continue
        for label, want, have in (
            ("address", declared.address, actual.address),
            ("port", str(declared.port), str(actual.port)),
            ("transport", declared.transport.lower(), actual.transport.lower()),
        ):
            if want != have:
                out.notes.append(
                    f"TurnService {tenant.namespace}/{declared.name}, field spec.{label}: Git says {want}, "
                    f"the platform's turn_server says {have}; the table uses the platform's value "
                    "(what clients get) until the operator reconciles it"
                )
        servers.append((declared.name, actual))
    return servers


def _check_locations(
    tenant: TenantNetwork, live: LiveConfig, servers: dict[str, TurnServerConfig], out: Derivation
) -> None:
    locations = {loc.name: loc for loc in live.locations}
    for domain in tenant.domains:
        if domain.turn_service is None or domain.system_location is None:
            continue
        location = locations.get(domain.system_location)
        server = servers.get(domain.turn_service)
        if location is None:
            out.notes.append(
                f"Domain {domain.fqdn}: system location {domain.system_location!r} does not exist on the "
                "platform, so no client is offered its TURN service; create the location or fix the "
                "Domain's spec.systemLocation"
            )
        elif server is not None and server.uri and server.uri not in location.client_turn_servers:
            out.notes.append(
                f"Domain {domain.fqdn}: system location {domain.system_location!r} does not offer TURN "
                f"server {server.name!r} to clients yet (client_turn_servers); the operator adds it "
                "when the Domain is reconciled"
            )


def _describe(node: NodeAddress) -> str:
    return f"{node.address} ({node.fqdn})" if node.fqdn else node.address


def _nodes(tenant: TenantNetwork, live: LiveConfig, out: Derivation) -> tuple[str, tuple[NodeAddress, ...]]:
    """Where calls go: the edge nodes' public addresses when the API offers them, else the tenant's
    domain names; (destination text, the nodes named)."""
    names = ", ".join(d.fqdn for d in tenant.domains)
    fallback = f"VDX conferencing nodes ({names})"
    if live.nodes is None:
        out.notes.append(
            "Conferencing node addresses are not offered by this platform's Management API (no worker_vm "
            f"resource); destinations are the tenant's domains ({names}), whose DNS names resolve to the "
            "nodes; a firewall that needs IP addresses must resolve them, or get the node list from MedCom"
        )
        return fallback, ()
    public = [n for n in live.nodes if n.public]
    internal = sorted(n.name for n in live.nodes if not n.public)
    if internal:
        out.notes.append(
            f"Internal conferencing nodes ({', '.join(internal)}) are left out: they have no public "
            "address and only the edge nodes reach them"
        )
    wanted = {d.system_location for d in tenant.domains if d.system_location}
    mine = sorted([n for n in public if n.location in wanted] or public, key=lambda n: n.address)
    if not mine:
        out.notes.append(
            "The platform lists no conferencing nodes with a public address; destinations are the "
            "tenant's domains"
        )
        return fallback, ()
    for node in mine:
        if node.maintenance_reason is not None:
            out.notes.append(
                f"Edge node {node.name} ({node.address}) is in maintenance"
                + (f" ({node.maintenance_reason})" if node.maintenance_reason else "")
                + ": it takes no new conferences now but returns to service, so keep it open"
            )
    kind = "VDX edge nodes" if all(n.node_type == "PROXYING" for n in mine) else "VDX conferencing nodes"
    return f"{kind} " + ", ".join(_describe(n) for n in mine), tuple(mine)


def derive(tenant: TenantNetwork, live: LiveConfig) -> Derivation:
    out = Derivation()
    media = port_range(live.media_ports)
    signalling = port_range(live.signalling_ports)
    web = [d.fqdn for d in tenant.domains if "WebApp" in d.uses]
    sip = [d.fqdn for d in tenant.domains if d.uses & {"SIP", "Registration"}]
    registration = any("Registration" in d.uses for d in tenant.domains)
    clients = f"{tenant.name}: browsers and VDX apps"
    endpoints = f"{tenant.name}: video endpoints"
    nodes, edge_nodes = _nodes(tenant, live, out)

    def rule(direction: str, protocol: str, ports: str, source: str, destination: str, why: str) -> None:
        out.rules.append(PortRule(tenant.name, direction, protocol, ports, source, destination, why))

    if live.enable_webrtc and web:
        rule(
            "outbound",
            "TCP",
            str(HTTPS_PORT),
            clients,
            ", ".join(web),
            "web app and WebRTC signalling over HTTPS (Domain uses WebApp)",
        )
    carries_media = live.enable_sip or live.enable_h323
    media_source = {
        (True, True): f"{tenant.name}: browsers, VDX apps and video endpoints",
        (True, False): clients,
        (False, True): endpoints,
    }.get((live.enable_webrtc, carries_media))
    if media_source:
        rule(
            "outbound",
            "UDP",
            media,
            media_source,
            nodes,
            "call media (RTP/RTCP) to the nodes' media ports (global media_ports_start-media_ports_end)",
        )
    servers = _turn_servers(tenant, live, out)
    _check_locations(tenant, live, dict(servers), out)
    for service, server in servers:
        rule(
            "outbound",
            _protocol(server.transport),
            str(server.port),
            clients,
            server.address,
            f"TURN relay for WebRTC media and direct media when UDP to the nodes is blocked "
            f"(TurnService {service})",
        )
        if live.enable_turn_443:
            rule(
                "outbound",
                "TCP",
                str(HTTPS_PORT),
                clients,
                server.address,
                "TURN over TCP 443, the fallback when only HTTPS leaves the network (global enable_turn_443)",
            )
    if live.enable_sip and sip:
        why = "SIP calls to aliases in the tenant's domains" + (
            " and device registration" if registration else ""
        )
        rule(
            "outbound",
            "TCP",
            f"{SIP_PORT}, {SIP_TLS_PORT}",
            endpoints,
            ", ".join(sip),
            why + " (SIP, SIP over TLS)",
        )
        if live.enable_sip_udp:
            rule(
                "outbound",
                "UDP",
                str(SIP_PORT),
                endpoints,
                ", ".join(sip),
                why + " (SIP over UDP, global enable_sip_udp)",
            )
        rule(
            "inbound",
            "TCP",
            f"{SIP_PORT}, {SIP_TLS_PORT}",
            f"{nodes}, source ports {signalling}",
            endpoints,
            "SIP calls VDX places to the tenant's endpoints (dial-out, calls to registered devices); "
            "source ports from global signalling_ports_start-signalling_ports_end",
        )
    if live.enable_h323:
        rule("outbound", "TCP", str(H323_Q931_PORT), endpoints, nodes, "H.323 call signalling (Q.931)")
        rule("outbound", "UDP", str(H323_RAS_PORT), endpoints, nodes, "H.323 RAS (gatekeeper registration)")
        rule(
            "outbound",
            "TCP",
            signalling,
            endpoints,
            nodes,
            "H.245 call control to the nodes' signalling ports "
            "(global signalling_ports_start-signalling_ports_end)",
        )
        rule(
            "inbound",
            "TCP",
            str(H323_Q931_PORT),
            f"{nodes}, source ports {signalling}",
            endpoints,
            "H.323 calls VDX places to the tenant's endpoints (dial-out)",
        )
    if live.enable_sip or live.enable_h323:
        rule(
            "inbound",
            "UDP",
            "the endpoints' own media ports",
            f"{nodes}, source ports {media}",
            endpoints,
            "call media from the nodes to SIP/H.323 endpoints "
            "(the endpoint's media port range is set on the endpoint)",
        )
    _recording(tenant, nodes, out)
    if tenant.records and tenant.recorders and live.nodes and any(not n.public for n in live.nodes):
        out.notes.append(
            "The recorder rows name the edge nodes as source; the stream may instead come from an "
            "internal transcoding node through VDX's own NAT: if the recorder's firewall admits by "
            "source address, confirm the addresses with MedCom"
        )
    out.targets = Targets(
        web_domains=tuple(web) if live.enable_webrtc else (),
        sip_domains=tuple(sip) if live.enable_sip else (),
        turn=tuple(server for _, server in servers),
        turn_443=live.enable_turn_443,
        edge_nodes=edge_nodes,
        h323=live.enable_h323,
        sip=live.enable_sip and bool(sip),
        media_ports=live.media_ports if media_source else None,
    )
    return out


def _recording(tenant: TenantNetwork, nodes: str, out: Derivation) -> None:
    """The nodes push a recorded call's stream to the tenant's own Recorder over RTMP (TCP 1935 by
    default) or RTMPS (443): a connection VDX starts, so the tenant's firewall must let it in."""
    if not tenant.records:
        if tenant.recorders:
            out.notes.append(
                f"Tenant {tenant.name} has a Recorder but spec.recording.enabled is false: no RTMP "
                "opening is needed until recording is switched on"
            )
        return
    if not tenant.recorders:
        out.notes.append(
            f"Tenant {tenant.name} records (spec.recording.enabled) but declares no Recorder in "
            f"namespace {tenant.namespace}: no opening for recording is listed until one exists"
        )
        return
    for recorder in tenant.recorders:
        protocol = "RTMPS (RTMP over TLS)" if recorder.tls else "RTMP"
        out.rules.append(
            PortRule(
                tenant.name,
                "inbound",
                "TCP (TLS)" if recorder.tls else "TCP",
                str(recorder.port),
                nodes,
                f"{tenant.name}: recorder {recorder.host}",
                f"recording: the nodes stream recorded calls to the tenant's own recorder over {protocol} "
                f"(Recorder {recorder.name}, spec.url)",
            )
        )


def table_fingerprint(derivation: Derivation) -> str:
    """A short, stable digest of the openings (not their wording, not the notes).

    A probe report carries the fingerprint of the table it tested; when the table changes (a new
    TURN server, TURN on 443 switched on, a new edge node) the fingerprint changes and earlier
    reports are stale. The rows are sorted, so the order rules are derived in does not matter.
    """
    rows = sorted((r.direction, r.protocol, r.ports, r.source, r.destination) for r in derivation.rules)
    digest = hashlib.sha256(json.dumps(rows, separators=(",", ":")).encode()).hexdigest()
    return f"sha256:{digest[:16]}"

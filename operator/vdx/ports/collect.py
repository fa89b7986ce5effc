"""Read what `derive` needs: the platform's live configuration and the tenant's Domains and TurnServices.

Only reads. Conferencing node addresses come from configuration `worker_vm` (Proxying Edge Nodes
with their public static NAT address and FQDN; internal transcoding nodes are marked so the table
leaves them out); when a node offers no such resource the derivation says so and falls back to the
tenant's domain names.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from vdx.api.domain import Domain
from vdx.api.loader import Tree
from vdx.api.recorder import Recorder
from vdx.api.tenant import Tenant
from vdx.api.turn import TurnService
from vdx.pexip import SYSTEM_LOCATION, TURN_SERVER, NotFoundError, PexipClient
from vdx.ports.derive import (
    DomainConfig,
    LiveConfig,
    LocationConfig,
    NodeAddress,
    RecorderConfig,
    TenantNetwork,
    TurnServerConfig,
)

WORKER_VM_PATH = "/api/admin/configuration/v1/worker_vm/"


def tenant_network(tree: Tree, tenant: Tenant) -> TenantNetwork:
    namespace = tenant.spec.namespace
    domains = tuple(
        DomainConfig(
            fqdn=d.spec.fqdn,
            uses=frozenset(str(u) for u in d.spec.uses),
            turn_service=d.spec.turn_service_ref.name if d.spec.turn_service_ref else None,
            system_location=d.spec.system_location,
        )
        for d in sorted(tree.of_kind(Domain), key=lambda d: d.spec.fqdn)
        if d.namespace == namespace and d.spec.fqdn in tenant.spec.domains
    )
    turns = tuple(
        TurnServerConfig(t.name, t.spec.address, t.spec.port, str(t.spec.transport).lower())
        for t in sorted(tree.of_kind(TurnService), key=lambda t: t.name)
        if t.namespace == namespace
    )
    recorders = tuple(
        recorder_config(r.name, r.spec.url)
        for r in sorted(tree.of_kind(Recorder), key=lambda r: r.name)
        if r.namespace == namespace
    )
    return TenantNetwork(
        tenant.name, namespace, domains, turns, records=tenant.spec.recording.enabled, recorders=recorders
    )


def recorder_config(name: str, url: str) -> RecorderConfig:
    """rtmp://host[:port] (1935 by default) or rtmps://host[:port] (443 by default)."""
    parsed = urlsplit(url)
    tls = parsed.scheme.lower() == "rtmps"
    return RecorderConfig(name, parsed.hostname or url, parsed.port or (443 if tls else 1935), tls)


def _node(raw: dict[str, Any]) -> NodeAddress | None:
    nat = raw.get("static_nat_address")
    address = nat or raw.get("address")
    if not address:
        return None
    node_type = str(raw.get("node_type") or "CONFERENCING")
    hostname, domain = raw.get("hostname") or "", raw.get("domain") or ""
    return NodeAddress(
        name=str(raw.get("name", "")),
        address=str(address),
        location=str(raw.get("system_location") or ""),
        fqdn=f"{hostname}.{domain}" if hostname and domain else str(hostname),
        node_type=node_type,
        # Behind NAT, or an edge node (whose own address is then public): what outside clients reach.
        public=bool(nat) or node_type == "PROXYING",
        maintenance_reason=str(raw.get("maintenance_mode_reason") or "")
        if raw.get("maintenance_mode")
        else None,
    )


async def live_config(client: PexipClient) -> LiveConfig:
    settings = await client.global_settings()
    extra = settings.model_extra or {}
    turn_servers = tuple(
        TurnServerConfig(t.name, t.address, t.port or 3478, t.transport_type, t.resource_uri)
        for t in await client.list(TURN_SERVER)
    )
    locations = await client.list(SYSTEM_LOCATION)
    location_names = {loc.resource_uri: loc.name for loc in locations}
    nodes: tuple[NodeAddress, ...] | None
    try:
        raw_nodes = [n async for n in client.iter_raw(WORKER_VM_PATH, label="configuration/worker_vm")]
    except NotFoundError:
        nodes = None
    else:
        found = [_node(n) for n in raw_nodes]
        nodes = tuple(
            replace(n, location=location_names.get(n.location, n.location)) for n in found if n is not None
        )
    return LiveConfig(
        media_ports=(settings.media_ports_start, settings.media_ports_end),
        signalling_ports=(settings.signalling_ports_start, settings.signalling_ports_end),
        enable_webrtc=settings.enable_webrtc,
        enable_sip=settings.enable_sip,
        enable_sip_udp=bool(extra.get("enable_sip_udp", False)),
        enable_h323=settings.enable_h323,
        enable_turn_443=settings.enable_turn_443,
        turn_servers=turn_servers,
        locations=tuple(LocationConfig(loc.name, tuple(loc.client_turn_servers)) for loc in locations),
        nodes=nodes,
    )

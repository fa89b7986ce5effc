"""Read what `derive` needs: the platform's live configuration and the tenant's Domains and TurnServices.

Only reads. Conferencing node addresses come from configuration `worker_vm` when the node offers it
(the spec does not describe that resource and the simulator does not model it); when the resource
is missing the derivation says so and falls back to the tenant's domain names.
"""

from __future__ import annotations

from typing import Any

from vdx.api.domain import Domain
from vdx.api.loader import Tree
from vdx.api.tenant import Tenant
from vdx.api.turn import TurnService
from vdx.pexip import SYSTEM_LOCATION, TURN_SERVER, NotFoundError, PexipClient
from vdx.ports.derive import (
    DomainConfig,
    LiveConfig,
    LocationConfig,
    NodeAddress,
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
    return TenantNetwork(tenant.name, namespace, domains, turns)


def _node(raw: dict[str, Any]) -> NodeAddress | None:
    address = raw.get("static_nat_address") or raw.get("address")
    if not address:
        return None
    location = raw.get("system_location") or ""
    return NodeAddress(str(raw.get("name", "")), str(address), str(location))


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
            NodeAddress(n.name, n.address, location_names.get(n.location, n.location))
            for n in found
            if n is not None
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

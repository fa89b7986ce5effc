"""What a municipality's probe tests: a small JSON the platform publishes per tenant, planned from the
port table; pure, so every rule about what is checked (and what is required) is tested.

The file holds no secrets and no credentials: host names, addresses, ports and the table's
fingerprint only, so MedCom can send it by e-mail and the probe needs nothing else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vdx.ports.derive import H323_Q931_PORT, HTTPS_PORT, SIP_TLS_PORT, Derivation, port_range

SPEC_FORMAT: Literal["vdx-ports-probe/v1"] = "vdx-ports-probe/v1"

CheckKind = Literal["stun", "tls", "tcp", "udp-range"]
Transport = Literal["udp", "tcp", "tls"]


class ProbeCheck(BaseModel):
    """One opening to test from inside the tenant's network."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=200)
    kind: CheckKind
    host: str = Field(default="", max_length=253)  # what to connect to (name or address)
    port: int = Field(default=0, ge=0, le=65535)
    transport: Transport = "tcp"
    # For TLS: the name the certificate served must cover (the host itself, or an edge node's FQDN
    # when connecting to its address); sent as SNI.
    name: str = Field(default="", max_length=253)
    ports: str = Field(default="", max_length=40)  # udp-range only
    required: bool = True
    why: str = Field(default="", max_length=500)


class ProbeSpec(BaseModel):
    """The probe's input; `table_fingerprint` ties every report to the table it was made against."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["vdx-ports-probe/v1"] = SPEC_FORMAT
    tenant: str = Field(min_length=1, max_length=253)
    platform: str = Field(min_length=1, max_length=253)
    generated: datetime
    table_fingerprint: str = Field(min_length=8, max_length=80)
    checks: tuple[ProbeCheck, ...]


_TRANSPORTS: dict[str, Transport] = {"udp": "udp", "tcp": "tcp", "tls": "tls"}


class SpecError(ValueError):
    """The probe file cannot be used; the message names the file, the field and the fix."""


def plan(tenant: str, platform: str, derivation: Derivation, fingerprint: str, now: datetime) -> ProbeSpec:
    """The checks for one tenant, in a stable order: TURN, TLS, TCP signalling, the media range."""
    targets = derivation.targets
    checks: list[ProbeCheck] = []
    for server in targets.turn:
        transport = _TRANSPORTS.get(server.transport.lower(), "udp")
        checks.append(
            ProbeCheck(
                id=f"turn-{transport}:{server.address}:{server.port}",
                kind="stun",
                host=server.address,
                port=server.port,
                transport=transport,
                name=server.address if transport == "tls" else "",
                why=f"TURN server {server.name}: STUN binding request over {transport.upper()} "
                "(WebRTC media relay)",
            )
        )
        if targets.turn_443:
            checks.append(
                ProbeCheck(
                    id=f"turn-tcp:{server.address}:{HTTPS_PORT}",
                    kind="stun",
                    host=server.address,
                    port=HTTPS_PORT,
                    transport="tcp",
                    why=f"TURN server {server.name} on TCP 443 (TURN on 443 is on): the fallback when "
                    "only HTTPS leaves the network",
                )
            )
    for domain in targets.web_domains:
        checks.append(
            ProbeCheck(
                id=f"tls:{domain}:{HTTPS_PORT}",
                kind="tls",
                host=domain,
                port=HTTPS_PORT,
                name=domain,
                why="web app and WebRTC signalling over HTTPS; the certificate must cover the domain",
            )
        )
    for node in targets.edge_nodes:
        in_service = node.maintenance_reason is None
        checks.append(
            ProbeCheck(
                id=f"tls:{node.address}:{HTTPS_PORT}",
                kind="tls",
                host=node.address,
                port=HTTPS_PORT,
                name=node.fqdn,
                required=in_service,
                why=f"edge node {node.name} on HTTPS"
                + ("" if in_service else " (in maintenance: tested, not required)"),
            )
        )
    if targets.sip:
        for domain in targets.sip_domains:
            checks.append(
                ProbeCheck(
                    id=f"tcp:{domain}:{SIP_TLS_PORT}",
                    kind="tcp",
                    host=domain,
                    port=SIP_TLS_PORT,
                    why="SIP over TLS from the tenant's video endpoints",
                )
            )
    if targets.h323:
        h323_hosts = [(n.address, n.maintenance_reason is None) for n in targets.edge_nodes] or [
            (d, True) for d in (*targets.sip_domains, *targets.web_domains)[:1]
        ]
        for host, in_service in h323_hosts:
            checks.append(
                ProbeCheck(
                    id=f"tcp:{host}:{H323_Q931_PORT}",
                    kind="tcp",
                    host=host,
                    port=H323_Q931_PORT,
                    required=in_service,
                    why="H.323 call signalling (Q.931) from the tenant's video endpoints",
                )
            )
    if targets.media_ports is not None:
        checks.append(
            ProbeCheck(
                id="udp-media",
                kind="udp-range",
                ports=port_range(targets.media_ports),
                transport="udp",
                required=False,
                why="call media (RTP/RTCP) to the nodes; a UDP port answers only when a call is set "
                "up, so no probe can confirm it without a responder",
            )
        )
    return ProbeSpec(
        tenant=tenant, platform=platform, generated=now, table_fingerprint=fingerprint, checks=tuple(checks)
    )


def load_spec(text: str, source: str) -> ProbeSpec:
    """Parse a probe file; errors name the file and the field, and say where a good file comes from."""
    try:
        return ProbeSpec.model_validate_json(text)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(the file)"
        raise SpecError(
            f"{source}: field {where}: {first['msg']}; use the file made by "
            "`vdx ports -o probe --tenant T --platform P` (MedCom sends it) unchanged"
        ) from None

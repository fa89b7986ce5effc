"""What a fresh Management Node already holds (spec §5.13), and synthetic call history (§3.2).

History is generated from a seeded RNG so that statistics code can be tested against stable
numbers: the same seed and period always give the same conferences and participants.
"""

from __future__ import annotations

import io
import json
import random
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from vdx.pexip.simulator.certs import parse_certificate
from vdx.pexip.simulator.engine import Engine

DEFAULT_BRANDING_WEBAPP2 = "0f5b9a2e-0000-4000-8000-000000000002"
DEFAULT_BRANDING_WEBAPP3 = "0f5b9a2e-0000-4000-8000-000000000003"


@dataclass(frozen=True)
class Tenant:
    name: str
    domain: str
    tag: str


DEFAULT_TENANTS: tuple[Tenant, ...] = (
    Tenant("Region Hovedstaden", "vdx.regionh.dk", "regionh"),
    Tenant("Region Midtjylland", "vdx.rm.dk", "rm"),
    Tenant("Aarhus Kommune", "vdx.aarhus.dk", "aarhus"),
    Tenant("Region Syddanmark", "vdx.rsyd.dk", "rsyd"),
)


@dataclass(frozen=True)
class HistorySeed:
    """The period and shape of the synthetic call history."""

    start: date = date(2026, 10, 1)
    days: int = 14
    seed: int = 4
    tenants: tuple[Tenant, ...] = DEFAULT_TENANTS
    conferences_per_tenant_per_day: int = 6


@dataclass(frozen=True)
class Node:
    """One Conferencing Node (`worker_vm`) of a seeded platform."""

    name: str
    location: str
    node_type: Literal["CONFERENCING", "PROXYING"]
    address: str
    static_nat_address: str | None = None
    maintenance_reason: str = ""


@dataclass(frozen=True)
class Platform:
    """The nodes of a VDX platform: Proxying Edge Nodes facing the internet behind static NAT, and
    Transcoding Conferencing Nodes on the internal network that only the edge nodes reach."""

    domain: str
    edge_location: str
    transcoding_location: str
    nodes: tuple[Node, ...]


# Documentation address ranges (RFC 5737) stand in for the public static NAT addresses.
PLATFORMS: dict[str, Platform] = {
    "prod": Platform(
        "vdx.medcom.dk",
        "VDX Internet Edge",
        "VDX Transcoding",
        (
            Node("vdx-edge-01", "edge", "PROXYING", "10.20.1.11", "203.0.113.11"),
            Node("vdx-edge-02", "edge", "PROXYING", "10.20.1.12", "203.0.113.12"),
            Node(
                "vdx-edge-03",
                "edge",
                "PROXYING",
                "10.20.1.13",
                "203.0.113.13",
                maintenance_reason="Hypervisor firmware upgrade",
            ),
            Node("vdx-conf-01", "transcoding", "CONFERENCING", "10.20.2.21"),
            Node("vdx-conf-02", "transcoding", "CONFERENCING", "10.20.2.22"),
            Node("vdx-conf-03", "transcoding", "CONFERENCING", "10.20.2.23"),
        ),
    ),
    "stage": Platform(
        "stage.vdx.medcom.dk",
        "VDX Stage Internet Edge",
        "VDX Stage Transcoding",
        (
            Node("vdx-stage-edge-01", "edge", "PROXYING", "10.30.1.11", "198.51.100.11"),
            Node("vdx-stage-conf-01", "transcoding", "CONFERENCING", "10.30.2.21"),
            Node(
                "vdx-stage-conf-02",
                "transcoding",
                "CONFERENCING",
                "10.30.2.22",
                maintenance_reason="Kept in maintenance between stage test rounds",
            ),
        ),
    ),
}


@dataclass(frozen=True)
class SeedOptions:
    system_location: bool = True
    history: HistorySeed | None = field(default_factory=HistorySeed)
    management_cert_cn: str = "pexip-mgr.vdx.local"
    # Which platform's Conferencing Nodes (and their two system locations) the node has; None: none.
    nodes: Literal["prod", "stage"] | None = "prod"


def self_signed(common_name: str) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buf.getvalue()


def seed_fresh_node(engine: Engine, options: SeedOptions) -> None:
    now = engine.clock()
    with engine.lock:
        engine.insert("ivr_theme", {"name": "Base theme", "uuid": str(uuid.uuid4()), "last_updated": now}, 1)
        engine.insert(
            "ivr_theme", {"name": "Pexip theme (v2)", "uuid": str(uuid.uuid4()), "last_updated": now}, 2
        )
        for bid, kind in ((DEFAULT_BRANDING_WEBAPP2, "webapp2"), (DEFAULT_BRANDING_WEBAPP3, "webapp3")):
            engine.insert(
                "webapp_branding",
                {
                    "name": f"Pexip default ({kind})",
                    "webapp_type": kind,
                    "is_default": True,
                    "branding_file": "default.zip",
                    "last_updated": now,
                },
                bid,
            )
            engine.files[f"webapp_branding/{bid}"] = _zip(
                {f"{kind}/branding/manifest.json": json.dumps({"version": 0}).encode()}
            )
        for aid, slug, kind in (
            (1, "webapp", "webapp3"),
            (2, "webapp2", "webapp2"),
            (3, "webapp3", "webapp3"),
        ):
            engine.insert(
                "webapp_alias",
                {"slug": slug, "webapp_type": kind, "is_enabled": True, "is_default": aid == 3},
                aid,
            )
        engine.insert("global", {"default_webapp_alias": 3, "deployment_uuid": str(uuid.uuid4())}, 1)
        engine.insert("registration", {}, 1)
        cert_pem, key_pem = self_signed(options.management_cert_cn)
        row: dict[str, Any] = {"certificate": cert_pem, "private_key": key_pem, "nodes": []}
        row.update(parse_certificate(cert_pem, with_tls_fields=True).fields)
        engine.insert("tls_certificate", row, 1)
        engine.insert(
            "software_bundle_revision",
            {"bundle_type": "webapp3", "version": engine.options.version, "core": True},
            1,
        )
        if options.system_location:
            engine.insert("system_location", {"name": "Default location"}, 1)
        if options.nodes is not None:
            seed_nodes(engine, PLATFORMS[options.nodes])
        engine.insert(
            "status/management_vm",
            {
                "name": "pexip-mgr",
                "version": engine.options.version,
                "primary": True,
                "sync_status": "SYNCED",
                "upgrade_status": "NONE",
                "configuration_id": 1,
                "last_updated": now,
            },
            1,
        )
        engine.insert(
            "status/licensing",
            {
                "port_count": 0,
                "port_total": 500,
                "audio_count": 0,
                "audio_total": 100,
                "system_count": 0,
                "system_total": 200,
                "vmr_count": 0,
                "vmr_total": 10000,
            },
            1,
        )
        if options.history is not None:
            seed_history(engine, options.history)


def seed_nodes(engine: Engine, platform: Platform) -> None:
    """The platform's locations (the edge transcodes in the internal one) and its nodes."""
    transcoding = engine.insert(
        "system_location",
        {"name": platform.transcoding_location, "description": "Transcoding Conferencing Nodes (internal)"},
    )
    edge = engine.insert(
        "system_location",
        {
            "name": platform.edge_location,
            "description": "Proxying Edge Nodes (internet-facing, static NAT)",
            "transcoding_location": transcoding,
        },
    )
    for node in platform.nodes:
        third = node.address.rsplit(".", 1)[0]
        engine.insert(
            "worker_vm",
            {
                "name": node.name,
                "hostname": node.name,
                "domain": platform.domain,
                "address": node.address,
                "netmask": "255.255.255.0",
                "gateway": f"{third}.1",
                "static_nat_address": node.static_nat_address,
                "node_type": node.node_type,
                "transcoding": node.node_type == "CONFERENCING",
                "system_location": edge if node.location == "edge" else transcoding,
                "maintenance_mode": bool(node.maintenance_reason),
                "maintenance_mode_reason": node.maintenance_reason,
                "vm_cpu_count": 8 if node.node_type == "CONFERENCING" else 4,
                "vm_system_memory": 16384 if node.node_type == "CONFERENCING" else 4096,
            },
        )


_VENDORS = (
    ("WebRTC", "Chrome/131.0 Pexip Infinity Connect"),
    ("WebRTC", "Edge/131.0 Pexip Infinity Connect"),
    ("SIP", "Cisco/CE-11.14 Room Kit"),
    ("SIP", "Poly/RealPresence Group 500"),
    ("H323", "Cisco/TANDBERG Codec"),
    ("WebRTC", "Safari/18.1 Pexip Webapp3"),
)
_QUALITY = ("1_good", "1_good", "1_good", "2_ok", "2_ok", "3_bad", "0_unknown", "4_terrible")
_REASONS = ("Remote disconnect", "Call disconnected", "Conference terminated", "Timeout waiting for Host")
_FIRST = ("Anne", "Mads", "Sofie", "Jens", "Ida", "Lars", "Mette", "Peter", "Freja", "Henrik")
_LAST = ("Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Larsen", "Madsen", "Kristensen")


def _address(rng: random.Random) -> str:
    return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def seed_history(engine: Engine, cfg: HistorySeed) -> None:
    """Deterministic conferences and participants across the configured tenants and period."""
    rng = random.Random(cfg.seed)  # noqa: S311 - reproducible synthetic data

    def new_uuid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    for day in range(cfg.days):
        day_start = datetime.combine(cfg.start + timedelta(days=day), datetime.min.time())
        weekend = day_start.weekday() >= 5
        for tenant in cfg.tenants:
            count = (
                cfg.conferences_per_tenant_per_day
                if not weekend
                else max(1, cfg.conferences_per_tenant_per_day // 4)
            )
            for n in range(rng.randint(max(0, count - 2), count + 2)):
                room = f"{tenant.tag}-vmr-{rng.randint(1, 40):03d}"
                start = day_start + timedelta(
                    hours=rng.randint(7, 16),
                    minutes=rng.randint(0, 59),
                    seconds=rng.randint(0, 59),
                    microseconds=rng.randint(0, 999_999),
                )
                duration = rng.randint(120, 75 * 60)
                end = start + timedelta(seconds=duration)
                conf_id = new_uuid()
                n_parts = rng.choice((2, 2, 2, 3, 3, 4, 5))
                direct = n_parts == 2 and rng.random() < 0.7
                part_ids = []
                for p in range(n_parts):
                    pid = new_uuid()
                    part_ids.append(pid)
                    protocol, vendor = rng.choice(_VENDORS)
                    p_start = start + timedelta(seconds=rng.randint(0, 120) if p else 0)
                    p_end = end - timedelta(seconds=rng.randint(0, 60) if p else 0)
                    p_dur = max(1, int((p_end - p_start).total_seconds()))
                    name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
                    bandwidth = rng.choice((512, 768, 1024, 1536, 2048, 2560))
                    engine.insert(
                        "history/participant",
                        {
                            "conference": conf_id,
                            "conference_name": room,
                            "display_name": name,
                            "local_alias": f"{room}@{tenant.domain}",
                            "remote_alias": f"{name.split()[0].lower()}{n}{p}@{tenant.domain}",
                            "role": "chair" if p == 0 else rng.choice(("chair", "guest")),
                            "protocol": protocol,
                            "call_direction": "in",
                            "start_time": p_start,
                            "end_time": p_end,
                            "duration": p_dur,
                            "disconnect_reason": rng.choice(_REASONS),
                            "call_quality": rng.choice(_QUALITY),
                            "remote_address": _address(rng),
                            "remote_port": rng.randint(1024, 65535),
                            "vendor": vendor,
                            "encryption": "On",
                            "bandwidth": bandwidth,
                            "rx_bandwidth": bandwidth - rng.randint(0, 200),
                            "tx_bandwidth": bandwidth - rng.randint(0, 200),
                            "license_count": 0 if direct else 1,
                            "license_type": "port",
                            "media_node": f"conf-{tenant.tag}-01",
                            "signalling_node": f"conf-{tenant.tag}-01",
                            "proxy_node": "",
                            "system_location": f"{tenant.name}",
                            "service_type": "conference",
                            "service_tag": tenant.tag,
                            "has_media": True,
                            "is_streaming": False,
                            "is_direct": direct,
                            "is_idp_authenticated": p == 0 and rng.random() < 0.5,
                            "transcoding_enabled": not direct,
                            "call_uuid": new_uuid(),
                            "conversation_id": new_uuid(),
                            "media_streams": [
                                {
                                    "stream_type": kind,
                                    "start_time": p_start.isoformat(),
                                    "end_time": p_end.isoformat(),
                                    "rx_codec": codec,
                                    "tx_codec": codec,
                                    "rx_bitrate": rate,
                                    "tx_bitrate": rate,
                                    "rx_packet_loss": round(rng.random() * 0.5, 2),
                                    "tx_packet_loss": round(rng.random() * 0.5, 2),
                                }
                                for kind, codec, rate in (
                                    ("audio", "opus", 64),
                                    ("video", "VP8", bandwidth - 64),
                                )
                            ],
                        },
                        pid,
                    )
                engine.insert(
                    "history/conference",
                    {
                        "name": room,
                        "service_type": "conference",
                        "tag": tenant.tag,
                        "start_time": start,
                        "end_time": end,
                        "duration": duration,
                        "participant_count": n_parts,
                        "instant_message_count": rng.randint(0, 12),
                        "direct_media_available": direct,
                    },
                    conf_id,
                )

"""A national VDX tree, generated: MedCom, 5 regions, 98 municipalities, about 20 other organisations.

Sizes scale with one factor so a quick run (`--scale 0.1`) and the full platform use the same code.
Everything is deterministic from the seed, so two runs compare.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vdx.api.meta import GROUP_VERSION
from vdx.api.tenant import MeetingRoomDefaults

REGIONS = ("regionh", "regionsjaelland", "rsyd", "rm", "rn")
COLOURS = ("#00549F", "#006E3C", "#004B87", "#5B2C86", "#00828C", "#C8102E", "#003F7D", "#0B3C5D")
LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="336" height="160" viewBox="0 0 336 160">'
    '<rect width="336" height="160" rx="16" fill="{colour}"/></svg>'
)


@dataclass(frozen=True)
class Room:
    name: str
    alias: str
    direct_media: str


@dataclass
class Fleet:
    scale: float
    platform: str
    tenants: list[dict[str, Any]] = field(default_factory=list)
    namespaced: list[dict[str, Any]] = field(default_factory=list)
    config_maps: list[dict[str, Any]] = field(default_factory=list)
    # (namespace, Secret name, dns names) for TLS; (namespace, Secret name) for TURN.
    tls_secrets: list[tuple[str, str, list[str]]] = field(default_factory=list)
    turn_secrets: list[tuple[str, str]] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    rooms: list[Room] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    branded_domains: set[str] = field(default_factory=set)

    def count(self, kind: str) -> int:
        return sum(1 for doc in self.namespaced if doc["kind"] == kind)


def _scaled(n: int, scale: float) -> int:
    return max(1, math.ceil(n * scale))


def _organisations(scale: float, keep: int | None = None) -> list[tuple[str, str, str, int]]:
    """(name, display name, organisation kind, domains) for the whole platform, scaled (or the
    first `keep` of an even sample)."""
    orgs = [("medcom", "MedCom", "Other", 4)]
    orgs += [(r, f"Region {r}", "Region", 10) for r in REGIONS]
    orgs += [
        (f"kommune-{i:03d}", f"Kommune {i:03d}", "Municipality", 2 if i <= 78 else 1) for i in range(1, 99)
    ]
    orgs += [(f"org-{i:02d}", f"Organisation {i:02d}", "Other", 1) for i in range(1, 21)]
    if keep is None:
        if scale >= 1:
            return orgs
        keep = _scaled(len(orgs), scale)
    # Keep the mix: MedCom, at least one region, then an even sample of the rest.
    head, rest = orgs[:2], orgs[2:]
    step = max(1, len(rest) // max(1, keep - 2))
    return head + rest[::step][: max(0, keep - 2)]


def national_fleet(
    scale: float = 1.0,
    seed: int = 7,
    platform: str = "prod",
    *,
    organisations: int | None = None,
    rooms: int | None = None,
    devices: int | None = None,
    brandings: int | None = None,
) -> Fleet:
    """The platform at `scale`; the keyword counts, where given, replace the scaled ones."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not cryptography
    fleet = Fleet(scale=scale, platform=platform)
    orgs = _organisations(scale, organisations)
    branding_budget = _scaled(120, scale) if brandings is None else brandings
    for index, (name, display, kind, domain_count) in enumerate(orgs):
        namespace = f"vdx-{name}"
        domains = [f"vdx{n or ''}.{name}.dk" for n in range(domain_count)]
        fleet.domains += domains
        location = f"{display} location"
        fleet.locations.append(location)
        fleet.tenants.append(
            {
                "apiVersion": GROUP_VERSION,
                "kind": "Tenant",
                "metadata": {"name": name},
                "spec": {
                    "organisationKind": kind,
                    "displayName": display,
                    "namespace": namespace,
                    "platformRef": {"name": platform},
                    "domains": domains,
                    "quotas": {"maxDomains": 20},
                },
            }
        )
        for domain in domains:
            base = domain.replace(".", "-")
            fleet.tls_secrets.append((namespace, f"tls-{base}", [domain]))
            fleet.turn_secrets.append((namespace, f"turn-{base}"))
            fleet.namespaced += [
                _doc(
                    "TlsCertificate",
                    base,
                    namespace,
                    {"secretRef": {"name": f"tls-{base}"}, "dnsNames": [domain]},
                ),
                _doc(
                    "TurnService",
                    base,
                    namespace,
                    {"address": f"turn.{domain}", "secretRef": {"name": f"turn-{base}"}},
                ),
                _doc(
                    "Domain",
                    base,
                    namespace,
                    {
                        "fqdn": domain,
                        "uses": ["WebApp", "SIP"],
                        "tlsCertificateRef": {"name": base},
                        "turnServiceRef": {"name": base},
                        "systemLocation": location,
                    },
                ),
            ]
        if index < branding_budget:
            colour = COLOURS[index % len(COLOURS)]
            fleet.config_maps.append(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": "cvi-assets", "namespace": namespace},
                    "data": {"logo.svg": LOGO.format(colour=colour)},
                }
            )
            fleet.namespaced.append(
                _doc(
                    "CviBranding",
                    name,
                    namespace,
                    {
                        "brandName": display,
                        "colours": {"base": colour, "background": "#FFFFFF"},
                        "images": {"logo": {"configMapKeyRef": {"name": "cvi-assets", "key": "logo.svg"}}},
                        "texts": {
                            "da": {"appTitle": f"{display} videomøde"},
                            "en": {"appTitle": f"{display} video"},
                        },
                        "webApp": {"domain": domains[0], "slug": name},
                    },
                )
            )
            fleet.branded_domains.update(domains)
    for n in range(_scaled(25_000, scale) if rooms is None else rooms):
        domain = fleet.domains[rng.randrange(len(fleet.domains))]
        off = rng.random() < 0.2
        fleet.rooms.append(Room(f"room-{n:05d}", f"room.{n:05d}@{domain}", "never" if off else "best_effort"))
    fleet.devices = [
        f"device.{n:05d}@{fleet.domains[rng.randrange(len(fleet.domains))]}"
        for n in range(_scaled(10_000, scale) if devices is None else devices)
    ]
    return fleet


# A small platform, as the comparison with Terraform counts it: 50 tenants and about 500 Pexip
# objects (their TURN servers and certificates, brandings, rooms and other systems' devices).
SMALL_PLATFORM = {"organisations": 50, "rooms": 200, "devices": 50, "brandings": 10}
FLEETS = ("national", "small")


def bench_fleet(name: str, scale: float) -> Fleet:
    """`national` at `scale`, or the small platform (which ignores the scale)."""
    if name == "small":
        return national_fleet(
            1.0,
            organisations=SMALL_PLATFORM["organisations"],
            rooms=SMALL_PLATFORM["rooms"],
            devices=SMALL_PLATFORM["devices"],
            brandings=SMALL_PLATFORM["brandings"],
        )
    if name != "national":
        raise ValueError(f"unknown fleet {name!r}: choose one of {', '.join(FLEETS)}")
    return national_fleet(scale)


def pexip_objects(fleet: Fleet) -> int:
    """Objects the fleet puts in Pexip: per domain a TURN server and a certificate, per branding
    a webapp branding, alias and IVR theme, every room and every other system's device."""
    return 2 * len(fleet.domains) + 3 * fleet.count("CviBranding") + len(fleet.rooms) + len(fleet.devices)


def _doc(kind: str, name: str, namespace: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": GROUP_VERSION,
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


# The fleet's Tenants set no meetingRoomDefaults: every room should end with the model's default.
TENANT_DIRECT_MEDIA = MeetingRoomDefaults().direct_media.value


def minimum_cold_start_writes(fleet: Fleet) -> dict[str, int]:
    """The writes a cold start cannot avoid, by Pexip resource."""
    domains = len(fleet.domains)
    brandings = fleet.count("CviBranding")
    rooms = sum(
        1
        for r in fleet.rooms
        if r.direct_media != TENANT_DIRECT_MEDIA or _room_domain(r) in fleet.branded_domains
    )
    return {
        "turn_server": domains,
        "tls_certificate": domains,
        # One binding per domain: each Domain adds its own TURN server to its location.
        "system_location": domains,
        "webapp_branding": brandings,
        "webapp_alias": brandings,
        "ivr_theme": brandings,
        "conference": rooms,
    }


def rooms_out_of_line(fleet: Fleet, rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """The fleet's rooms that Pexip does not hold as their Tenant wants them (direct media at the
    default, the branding's IVR theme on the rooms of a branded tenant), from the node's own rows.

    The benchmark's convergence reads the Tenants' `meetingRoomsInLine`, which is the operator's
    own account; this is the node's.
    """
    by_name = {room.name: room for room in fleet.rooms}
    wrong = []
    for row in rows:
        room = by_name.get(str(row.get("name")))
        if room is None:
            continue
        branded = _room_domain(room) in fleet.branded_domains
        if row.get("direct_media") != TENANT_DIRECT_MEDIA or (row.get("ivr_theme") is not None) != branded:
            wrong.append(room.name)
    return sorted(wrong)


def _room_domain(room: Room) -> str:
    return room.alias.rsplit("@", 1)[1]

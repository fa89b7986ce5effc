"""PexipPlatform: one Pexip Infinity management node, such as `stage` or `prod`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from vdx.api import patterns
from vdx.api.base import Rule, VdxModel, described
from vdx.api.common import NamespacedSecretReference, ObjectName, ObjectStatus, PexipObjectRef
from vdx.api.resource import CrdInfo, PrinterColumn, Resource


class Environment(StrEnum):
    STAGE = "Stage"
    PRODUCTION = "Production"
    TEST = "Test"


class AuthMethod(StrEnum):
    BASIC = "Basic"
    OAUTH2_CLIENT_CREDENTIALS = "OAuth2ClientCredentials"


class PlatformCredentials(VdxModel):
    """How the operator authenticates to the management node."""

    method: AuthMethod = described(
        "Basic reads the keys `username` and `password` from the Secret; OAuth2ClientCredentials "
        "reads `clientId` and `privateKey` (PEM) and signs a JWT assertion.",
        default=AuthMethod.BASIC,
    )
    secret_ref: NamespacedSecretReference = described(
        "The Secret holding the credentials. Never put credentials in the PexipPlatform itself."
    )


class CaBundleReference(VdxModel):
    """A CA bundle that verifies the management node's TLS certificate."""

    kind: Literal["ConfigMap", "Secret"] = described(
        "Kind of the object holding the bundle.", default="ConfigMap"
    )
    namespace: str = described(
        "Namespace of the object.", min_length=1, max_length=63, pattern=patterns.DNS_LABEL.regex
    )
    name: ObjectName = described("Name of the object.")
    key: str = described(
        "Key holding the PEM bundle.",
        default="ca.crt",
        min_length=1,
        max_length=253,
        pattern=patterns.CONFIG_KEY.regex,
    )


class RateLimit(VdxModel):
    """The operator's share of the node's request budget, shared by everything it sends there.

    Pexip documents 1 000 requests per 60 s per management node and answers 429 beyond. The
    operator never sends more than `requestsPerWindow` in any `windowSeconds`, its burst included,
    so the default (900 per 60 s) leaves a tenth for the admin UI and other clients even in the
    operator's busiest minute.
    """

    requests_per_window: int = described(
        "Most requests in any window of windowSeconds, burst included (Pexip documents 1 000 per "
        "60 s per management node; the default leaves a tenth of that to other clients).",
        default=900,
        ge=2,
        le=1000000,
    )
    window_seconds: int = described(
        "Length of the node's budget window in seconds.", default=60, ge=1, le=3600
    )
    burst: int = described(
        "Requests that may go at once after a quiet period. Taken from the window's budget: the "
        "sustained rate is (requestsPerWindow - burst) / windowSeconds.",
        default=30,
        ge=1,
        le=100000,
    )
    adaptive: bool = described(
        "On a 429, wait as long as the node asks (Retry-After), halve the rate and raise it back by "
        "a tenth per window: for a node that enforces less than documented or is shared with "
        "other clients.",
        default=True,
    )


# A Pexip system location's name (unique there, case-sensitive; Pexip allows 250 characters).
LocationName = Annotated[str, Field(min_length=1, max_length=250)]


class SystemLocation(VdxModel):
    """A Pexip system location the platform's tree declares, so a fresh node can be built from Git.

    Matched by name (unique in Pexip): an existing location of that name is adopted, never created
    twice. Only the fields set here are managed; a field left out keeps whatever Pexip has. The
    client TURN servers are the Domains' (each adds its own), so they are not set here.
    """

    object_rules = (
        Rule(
            cel="!has(self.transcodingLocation) || self.transcodingLocation != self.name",
            message="transcodingLocation must name another location (Pexip refuses a location that "
            "transcodes in itself); leave it out to transcode locally",
            field_path=".transcodingLocation",
            check=lambda s: s.transcoding_location != s.name,
        ),
        Rule(
            cel="!has(self.overflowLocations) || !self.overflowLocations.exists(o, o == self.name)",
            message="overflowLocations must name other locations, not the location itself",
            field_path=".overflowLocations",
            check=lambda s: s.name not in (s.overflow_locations or []),
        ),
    )

    name: str = described(
        "Name of the location in Pexip (unique there, case-sensitive), as Domains and One-Touch Join "
        "endpoint groups name it in their spec.systemLocation.",
        min_length=1,
        max_length=250,
    )
    description: str | None = described(
        "Free text shown in Pexip's admin UI. Left out: not managed.", default=None, max_length=250
    )
    mtu: int | None = described(
        "Maximum transmission unit of the location's Conferencing Nodes (Pexip: 512-1500). Left out: "
        "not managed (Pexip's default is 1500).",
        default=None,
        ge=512,
        le=1500,
    )
    media_qos: int | None = described(
        "DSCP value of media packets (0-63). Left out: not managed.", default=None, ge=0, le=63
    )
    signalling_qos: int | None = described(
        "DSCP value of signalling packets (0-63). Left out: not managed.", default=None, ge=0, le=63
    )
    transcoding_location: str | None = described(
        "Name of the location whose Conferencing Nodes transcode for this one (a Proxying Edge "
        "location names its internal transcoding location). Declared here or already in Pexip. Left "
        "out: not managed.",
        default=None,
        min_length=1,
        max_length=250,
    )
    overflow_locations: list[LocationName] | None = described(
        "Names of the primary and secondary overflow locations (at most two, in that order). An "
        "empty list clears both. Left out: not managed.",
        default=None,
        max_length=2,
        json_schema_extra={"x-kubernetes-list-type": "atomic"},
    )


def _unique_location_names(s: PexipPlatformSpec) -> bool:
    return len({loc.name for loc in s.system_locations}) == len(s.system_locations)


class PexipPlatformSpec(VdxModel):
    object_rules = (
        Rule(
            cel="self.url.startsWith('https://') || "
            "self.url.matches('^http://(127[.][0-9]+[.][0-9]+[.][0-9]+|localhost|\\\\[::1\\\\])(:[0-9]+)?(/.*)?$')",
            message="url must use https:// (plain http:// is accepted only for a loopback address, "
            "such as the embedded Pexip simulator)",
            field_path=".url",
            check=lambda s: s.url.startswith("https://") or _is_loopback_http(s.url),
        ),
        Rule(
            cel="self.rateLimit.burst < self.rateLimit.requestsPerWindow",
            message="rateLimit.burst must be less than rateLimit.requestsPerWindow (the burst is "
            "part of the window's budget)",
            field_path=".rateLimit.burst",
            check=lambda s: s.rate_limit.burst < s.rate_limit.requests_per_window,
        ),
        Rule(
            cel="!has(self.systemLocations) || "
            "self.systemLocations.all(l, self.systemLocations.exists_one(m, m.name == l.name))",
            message="systemLocations names must be unique (a name is unique in Pexip)",
            field_path=".systemLocations",
            check=_unique_location_names,
        ),
    )

    url: str = described(
        "Base URL of the management node, such as https://pexip-mgmt.vdx.medcom.dk. The operator "
        "appends /api/admin/... itself.",
        min_length=8,
        max_length=2048,
        pattern=patterns.MANAGEMENT_URL.regex,
    )
    environment: Environment = described(
        "Which stage of promotion this platform is: changes reach Stage before Production."
    )
    credentials: PlatformCredentials = described("Credentials for the Management API.")
    ca_bundle_ref: CaBundleReference | None = described(
        "CA bundle that signs the node's certificate. TLS is always verified; without this the "
        "system trust store is used.",
        default=None,
    )
    max_concurrent_requests: int = described(
        "Requests in flight at once against this node (Pexip's own tooling uses 5).", default=5, ge=1, le=50
    )
    rate_limit: RateLimit = described(
        "The request budget the operator keeps to on this node.", default_factory=RateLimit
    )
    resync_interval_seconds: int = described(
        "How often every resource on this platform is compared with Pexip to detect drift "
        "(jittered by up to 10%).",
        default=600,
        ge=30,
        le=86400,
    )
    system_locations: list[SystemLocation] = described(
        "The system locations this platform's tree manages: each is created when the node has none "
        "of that name, adopted when it has, and kept to the fields set here. Locations not listed "
        "are left alone, and removing one from the list leaves it in Pexip (a location holds "
        "Conferencing Nodes, which the tree does not manage).",
        default_factory=list,
        max_length=200,
        json_schema_extra={"x-kubernetes-list-type": "atomic"},
    )


class PexipPlatformStatus(ObjectStatus):
    version: str | None = described(
        "Pexip Infinity version reported by the management node.", default=None, max_length=64
    )
    reachable: bool | None = described("Whether the last request to the node succeeded.", default=None)
    last_contact_time: datetime | None = described("When the node last answered.", default=None)
    system_locations: list[PexipObjectRef] = described(
        "The system locations of spec.systemLocations as Pexip holds them (name and URI).",
        default_factory=list,
        max_length=200,
        json_schema_extra={"x-kubernetes-list-type": "atomic"},
    )


class PexipPlatform(Resource):
    """A Pexip Infinity management node that tenants live on."""

    crd = CrdInfo(
        plural="pexipplatforms",
        scope="Cluster",
        short_names=("pexip", "pxp"),
        description="PexipPlatform is one Pexip Infinity deployment (its management node), such as "
        "stage or prod. Tenants name the platform they live on.",
        identity_columns=(
            PrinterColumn(
                name="Environment", json_path=".spec.environment", description="Stage, Production or Test."
            ),
            PrinterColumn(name="URL", json_path=".spec.url", description="Management node URL."),
            PrinterColumn(name="Version", json_path=".status.version", description="Pexip version."),
        ),
    )

    kind: Literal["PexipPlatform"] = described("PexipPlatform")
    spec: PexipPlatformSpec = described("Desired state.")
    status: PexipPlatformStatus | None = described("Observed state, written by the operator.", default=None)


def _is_loopback_http(url: str) -> bool:
    import re

    return (
        re.match(r"^http://(127\.[0-9]+\.[0-9]+\.[0-9]+|localhost|\[::1\])(:[0-9]+)?(/.*)?$", url) is not None
    )

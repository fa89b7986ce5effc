"""Domain: one FQDN a tenant owns, and what it is wired to in Pexip."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from vdx.api import patterns
from vdx.api.base import Rule, described, immutable
from vdx.api.common import (
    LocalObjectReference,
    OwnedObjectsStatus,
    OwningSpec,
)
from vdx.api.resource import CrdInfo, PrinterColumn, Resource


class DomainUse(StrEnum):
    WEB_APP = "WebApp"
    SIP = "SIP"
    REGISTRATION = "Registration"


NEEDS_TURN = (DomainUse.WEB_APP, DomainUse.REGISTRATION)


class DomainSpec(OwningSpec):
    object_rules = (
        Rule(
            cel="has(self.turnServiceRef) || !self.uses.exists(u, u == 'WebApp' || u == 'Registration')",
            message="a domain used for WebApp or Registration needs a TURN service (the VDX user group "
            "decided on one per domain): set turnServiceRef to a TurnService in this namespace",
            field_path=".turnServiceRef",
            check=lambda s: s.turn_service_ref is not None or not any(u in NEEDS_TURN for u in s.uses),
        ),
    )

    fqdn: str = described(
        "The domain, such as vdx.regionh.dk. It must be one of the owning Tenant's spec.domains.",
        min_length=4,
        max_length=253,
        pattern=patterns.FQDN.regex,
        json_schema_extra=immutable("fqdn", "create a new Domain for a new name and delete this one"),
    )
    uses: list[DomainUse] = described(
        "What the domain is used for: WebApp (browser joins on https://<fqdn>/<path>), SIP "
        "(SIP calls to aliases in the domain), Registration (devices register in the domain).",
        min_length=1,
        max_length=3,
        json_schema_extra={"x-kubernetes-list-type": "set"},
    )
    tls_certificate_ref: LocalObjectReference = described(
        "The TlsCertificate (in this namespace) that serves this domain."
    )
    turn_service_ref: LocalObjectReference | None = described(
        "The TurnService (in this namespace) that this domain's clients use for media relay.", default=None
    )
    system_location: str | None = described(
        "Name of the Pexip system location whose WebRTC clients get this domain's TURN service as a "
        "client TURN server. Left out: the TURN service is created but not attached to a location.",
        default=None,
        min_length=1,
        max_length=250,
    )


class DomainStatus(OwnedObjectsStatus):
    tenant: str | None = described("The Tenant that claims this domain.", default=None, max_length=253)
    tls_certificate: str | None = described(
        "Pexip resource URI of the certificate bound to this domain.", default=None, max_length=512
    )
    turn_server: str | None = described(
        "Pexip resource URI of the TURN server bound to this domain.", default=None, max_length=512
    )
    system_location: str | None = described(
        "The Pexip system location whose client TURN servers list turnServer because of this domain: "
        "the binding the operator takes off again when spec.systemLocation or spec.turnServiceRef "
        "changes, or the domain is deleted (unless another Domain of the namespace records it too).",
        default=None,
        max_length=250,
    )


class Domain(Resource):
    """A domain of a tenant."""

    crd = CrdInfo(
        plural="domains",
        scope="Namespaced",
        short_names=("vdom",),
        description="Domain is an FQDN a tenant owns, what it is used for (web app, SIP, registration) "
        "and the certificate and TURN service that serve it.",
        identity_columns=(
            PrinterColumn(name="FQDN", json_path=".spec.fqdn", description="The domain."),
            PrinterColumn(name="Tenant", json_path=".status.tenant", description="Owning tenant."),
        ),
    )

    kind: Literal["Domain"] = described("Domain")
    spec: DomainSpec = described("Desired state.")
    status: DomainStatus | None = described("Observed state, written by the operator.", default=None)

"""TlsCertificate: one certificate per tenant domain, from a cert-manager compatible Secret."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from vdx.api import patterns
from vdx.api.base import described
from vdx.api.common import (
    LocalObjectReference,
    OwnedObjectsStatus,
    OwningSpec,
)
from vdx.api.resource import CrdInfo, PrinterColumn, Resource

CertName = Annotated[str, Field(min_length=4, max_length=253, pattern=patterns.CERT_NAME.regex)]


class TlsCertificateSpec(OwningSpec):
    secret_ref: LocalObjectReference = described(
        "A kubernetes.io/tls Secret in this namespace (keys tls.crt and tls.key), as cert-manager "
        "writes it. When the Secret changes, the new certificate is put in place before the old one "
        "is removed."
    )
    dns_names: list[CertName] = described(
        "Names the certificate must cover. Every name must lie in the owning tenant's domains: the "
        "shared multi-tenant SAN certificate was retired on 29 March 2024.",
        min_length=1,
        max_length=100,
        json_schema_extra={"x-kubernetes-list-type": "set"},
    )
    renewal_warning_days: int = described(
        "Days before expiry at which the certificate counts as due for renewal (Warning events also "
        "fire at 30, 14 and 7 days).",
        default=30,
        ge=1,
        le=365,
    )


class TlsCertificateStatus(OwnedObjectsStatus):
    subject: str | None = described(
        "Subject of the certificate in the Secret.", default=None, max_length=1024
    )
    issuer: str | None = described("Issuer of the certificate.", default=None, max_length=1024)
    serial_number: str | None = described("Serial number, hexadecimal.", default=None, max_length=128)
    not_before: datetime | None = described("Start of validity.", default=None)
    not_after: datetime | None = described("End of validity.", default=None)
    days_left: int | None = described("Whole days until notAfter when last checked.", default=None)
    fingerprint_sha256: str | None = described(
        "SHA-256 fingerprint of the leaf certificate.", default=None, max_length=128
    )
    secret_resource_version: str | None = described(
        "resourceVersion of the Secret last uploaded to Pexip.", default=None, max_length=64
    )
    expiry_warning_stage: int | None = described(
        "The last expiry warning given: 30, 14 or 7 days before notAfter (each is given once).",
        default=None,
        ge=0,
        le=365,
    )


class TlsCertificate(Resource):
    """A TLS certificate for a tenant's domain."""

    crd = CrdInfo(
        plural="tlscertificates",
        scope="Namespaced",
        short_names=("vcert",),
        description="TlsCertificate uploads a tenant's certificate from a kubernetes.io/tls Secret to "
        "Pexip after checking it (key match, chain, expiry, names inside the tenant's domains).",
        identity_columns=(
            PrinterColumn(name="Secret", json_path=".spec.secretRef.name", description="TLS Secret."),
            PrinterColumn(name="Not-After", json_path=".status.notAfter", description="Expiry (UTC)."),
        ),
    )

    kind: Literal["TlsCertificate"] = described("TlsCertificate")
    spec: TlsCertificateSpec = described("Desired state.")
    status: TlsCertificateStatus | None = described("Observed state, written by the operator.", default=None)

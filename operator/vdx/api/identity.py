"""IdentityProvider: a tenant's SAML identity provider (ADFS), for host authentication and device SSO."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from vdx.api import patterns
from vdx.api.base import VdxModel, described
from vdx.api.common import FileSource, OwnedObjectsStatus, OwningSpec
from vdx.api.resource import CrdInfo, PrinterColumn, Resource
from vdx.api.tenant import Fqdn


class SignatureAlgorithm(StrEnum):
    RSA_SHA1 = "RsaSha1"
    RSA_SHA256 = "RsaSha256"
    RSA_SHA384 = "RsaSha384"
    RSA_SHA512 = "RsaSha512"


class DigestAlgorithm(StrEnum):
    SHA1 = "Sha1"
    SHA256 = "Sha256"
    SHA384 = "Sha384"
    SHA512 = "Sha512"


# Pexip (and ADFS) name the algorithms by their XML-DSig URIs.
SIGNATURE_URIS: dict[SignatureAlgorithm, str] = {
    SignatureAlgorithm.RSA_SHA1: "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    SignatureAlgorithm.RSA_SHA256: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    SignatureAlgorithm.RSA_SHA384: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    SignatureAlgorithm.RSA_SHA512: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
}
DIGEST_URIS: dict[DigestAlgorithm, str] = {
    DigestAlgorithm.SHA1: "http://www.w3.org/2000/09/xmldsig#sha1",
    DigestAlgorithm.SHA256: "http://www.w3.org/2001/04/xmlenc#sha256",
    DigestAlgorithm.SHA384: "http://www.w3.org/2001/04/xmldsig-more#sha384",
    DigestAlgorithm.SHA512: "http://www.w3.org/2001/04/xmlenc#sha512",
}
# Pexip holds ten assertion consumer service URLs per identity provider.
MAX_ACS_URLS = 10

AttributeName = Annotated[str, Field(min_length=1, max_length=250)]


class SamlAttribute(VdxModel):
    """A claim the identity provider sends that Pexip should know by name."""

    name: AttributeName = described(
        "The attribute (claim) name in the SAML response, such as "
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn."
    )
    description: str | None = described("What the attribute holds.", default=None, max_length=200)


class IdentityProviderSpec(OwningSpec):
    display_name: str = described(
        "Name participants see when they choose how to sign in, such as Region Hovedstaden (ADFS). "
        "Unique on the platform: it is the identity provider's name in Pexip.",
        min_length=1,
        max_length=250,
    )
    entity_id: str = described(
        "The identity provider's entity id; for ADFS http://<adfs host>/adfs/services/trust.",
        min_length=1,
        max_length=250,
    )
    sso_url: str = described(
        "Single sign-on URL; for ADFS https://<adfs host>/adfs/ls/.",
        max_length=255,
        pattern=patterns.HTTPS_URL.regex,
    )
    token_signing_certificate: FileSource = described(
        "The identity provider's token-signing certificate (PEM), from a ConfigMap or Secret key in "
        "this namespace. It is checked before it is sent: one parsable X.509 certificate, not expired."
    )
    signature_algorithm: SignatureAlgorithm = described(
        "Signature algorithm of the SAML messages (ADFS default: RsaSha256).",
        default=SignatureAlgorithm.RSA_SHA256,
    )
    digest_algorithm: DigestAlgorithm = described(
        "Digest algorithm of the SAML signatures (ADFS default: Sha256).", default=DigestAlgorithm.SHA256
    )
    display_name_attribute: str = described(
        "The attribute whose value becomes the participant's display name.",
        default="NameId",
        min_length=1,
        max_length=250,
    )
    registration_alias_attribute: str = described(
        "The attribute whose value is the alias a device registers with (device SSO).",
        default="NameId",
        min_length=1,
        max_length=250,
    )
    attributes: list[SamlAttribute] = described(
        "Further attributes the identity provider sends, made known to Pexip by name.",
        default_factory=list,
        max_length=20,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]},
    )
    web_app_domains: list[Fqdn] = described(
        "The tenant's web app domains that get an assertion consumer service URL "
        "(https://<domain>/api/v1/samlconsumer/<uuid>). Left out: every Domain of the tenant used for "
        "WebApp. At most ten (Pexip's limit).",
        default_factory=list,
        max_length=MAX_ACS_URLS,
        json_schema_extra={"x-kubernetes-list-type": "set"},
    )
    description: str | None = described(
        "Free text shown in Pexip's administrator interface.", default=None, max_length=200
    )


class IdentityProviderStatus(OwnedObjectsStatus):
    uuid: str | None = described(
        "The identity provider's UUID in Pexip; derived from the platform, namespace and name, so it "
        "is known before the object exists and survives re-creation.",
        default=None,
        max_length=36,
    )
    service_entity_id: str | None = described(
        "Pexip's entity id as a SAML service provider: the relying party identifier to configure in ADFS.",
        default=None,
        max_length=250,
    )
    assertion_consumer_service_urls: list[Annotated[str, Field(max_length=255)]] = described(
        "The endpoints to configure on the ADFS relying party trust.",
        default_factory=list,
        max_length=MAX_ACS_URLS,
        json_schema_extra={"x-kubernetes-list-type": "atomic"},
    )
    group: str | None = described(
        "Pexip resource URI of the identity provider group that rooms and devices reference.",
        default=None,
        max_length=512,
    )
    certificate_not_after: str | None = described(
        "Expiry of the token-signing certificate (RFC 3339).", default=None, max_length=64
    )
    certificate_fingerprint_sha256: str | None = described(
        "SHA-256 fingerprint of the token-signing certificate.", default=None, max_length=128
    )


class IdentityProvider(Resource):
    """A tenant's SAML identity provider."""

    crd = CrdInfo(
        plural="identityproviders",
        scope="Namespaced",
        short_names=("vidp",),
        description="IdentityProvider is a tenant's SAML identity provider (ADFS) in Pexip, with its "
        "group and attributes; meeting rooms use it for host authentication and devices for SSO.",
        identity_columns=(
            PrinterColumn(name="Display", json_path=".spec.displayName", description="Shown to users."),
            PrinterColumn(name="UUID", json_path=".status.uuid", description="UUID in Pexip.", priority=1),
        ),
    )

    kind: Literal["IdentityProvider"] = described("IdentityProvider")
    spec: IdentityProviderSpec = described("Desired state.")
    status: IdentityProviderStatus | None = described(
        "Observed state, written by the operator.", default=None
    )

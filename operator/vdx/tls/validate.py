"""Validate a kubernetes.io/tls Secret's certificate and key, without I/O.

Everything Pexip would refuse, or that would break calls after upload, is caught here first with a
message that says what to fix: a key that does not match, a chain in the wrong order, an expired
certificate, names the certificate does not cover, and names outside the owning tenant's domains.
That last check is how the retired multi-tenant SAN certificate stays retired.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from vdx.api.names import certificate_covers, within_domains

WARNING_DAYS = (30, 14, 7)


class CertificateProblem(Exception):
    """A certificate that must not be uploaded. The message never contains key material."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class CertificateFacts:
    subject: str
    issuer: str
    serial_number: str
    not_before: datetime
    not_after: datetime
    fingerprint_sha256: str
    dns_names: tuple[str, ...]
    certificate_pem: str  # the chain's certificates, leaf first, re-encoded as PEM (nothing else)
    server_auth: bool

    def days_left(self, now: datetime) -> int:
        return (self.not_after - now).days

    def warning_stage(self, now: datetime) -> int | None:
        """The smallest of 30/14/7 that the days left have reached, or None."""
        left = self.days_left(now)
        reached = [d for d in WARNING_DAYS if left <= d]
        return min(reached) if reached else None


def _name(name: x509.Name) -> str:
    return name.rfc4514_string()


def _common_name(name: x509.Name) -> str | None:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else None


def _key_matches(key: object, certificate: x509.Certificate) -> bool:
    public = certificate.public_key()
    if isinstance(key, rsa.RSAPrivateKey) and isinstance(public, rsa.RSAPublicKey):
        return key.public_key().public_numbers() == public.public_numbers()
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(public, ec.EllipticCurvePublicKey):
        return key.public_key().public_numbers() == public.public_numbers()
    if isinstance(key, ed25519.Ed25519PrivateKey) and isinstance(public, ed25519.Ed25519PublicKey):
        raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
        return key.public_key().public_bytes(*raw) == public.public_bytes(*raw)
    return False


def check_certificate(
    certificate_pem: bytes,
    key_pem: bytes,
    *,
    required_names: Iterable[str],
    tenant_domains: Iterable[str],
    tenant: str,
    now: datetime | None = None,
) -> CertificateFacts:
    """Facts about a valid certificate, or CertificateProblem naming the first thing wrong."""
    now = now or datetime.now(UTC)
    try:
        chain = x509.load_pem_x509_certificates(certificate_pem)
    except ValueError:
        raise CertificateProblem(
            "InvalidCertificate",
            "tls.crt is not a PEM certificate chain; put the certificate (leaf first, then "
            "intermediates) in PEM form in the Secret's tls.crt",
        ) from None
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise CertificateProblem(
            "InvalidPrivateKey",
            "tls.key is not an unencrypted PEM private key; put the key matching the certificate in "
            "the Secret's tls.key",
        ) from None
    leaf = chain[0]
    if not _key_matches(key, leaf):
        raise CertificateProblem(
            "KeyMismatch",
            "the private key in tls.key does not belong to the first certificate in tls.crt; put the "
            "matching key in the Secret, and the leaf certificate first",
        )
    for child, parent in itertools.pairwise(chain):
        if child.issuer != parent.subject:
            raise CertificateProblem(
                "ChainOrder",
                f"tls.crt is not in chain order: {_name(child.subject)} is not issued by the next "
                f"certificate ({_name(parent.subject)}); order it leaf first, then each issuer",
            )
    not_before = leaf.not_valid_before_utc
    not_after = leaf.not_valid_after_utc
    if now < not_before:
        raise CertificateProblem(
            "NotYetValid", f"the certificate is valid only from {not_before:%Y-%m-%d %H:%M} UTC"
        )
    if now >= not_after:
        raise CertificateProblem(
            "Expired",
            f"the certificate expired on {not_after:%Y-%m-%d}; renew it (cert-manager renews "
            "automatically when the Certificate is set up)",
        )
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns_names = tuple(san.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        dns_names = ()
    if not dns_names:
        cn = _common_name(leaf.subject)
        dns_names = (cn,) if cn else ()
    missing = [n for n in required_names if not any(certificate_covers(p, n) for p in dns_names)]
    if missing:
        raise CertificateProblem(
            "NamesNotCovered",
            f"the certificate does not cover {', '.join(missing)} "
            f"(it covers {', '.join(dns_names) or 'no names'}); "
            "issue a certificate for every name in spec.dnsNames",
        )
    domains = list(tenant_domains)
    foreign = [n for n in dns_names if not within_domains(n, domains)]
    if foreign:
        raise CertificateProblem(
            "ForeignNames",
            f"the certificate names {', '.join(foreign)}, outside tenant {tenant}'s domains "
            f"({', '.join(domains)}); since 29 March 2024 each certificate covers one tenant only "
            "(the shared SAN certificate is retired): issue one certificate per tenant domain",
        )
    try:
        eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        server_auth = ExtendedKeyUsageOID.SERVER_AUTH in eku
    except x509.ExtensionNotFound:
        server_auth = True
    return CertificateFacts(
        subject=_name(leaf.subject),
        issuer=_name(leaf.issuer),
        serial_number=format(leaf.serial_number, "x"),
        not_before=not_before,
        not_after=not_after,
        fingerprint_sha256=hashlib.sha256(leaf.public_bytes(serialization.Encoding.DER)).hexdigest(),
        dns_names=dns_names,
        # The certificates only, as PEM: what is uploaded as Pexip's `certificate` and compared with
        # what the node holds. A tls.crt may carry more (a private key after the chain, text before
        # a block); the loader skips that, and it must never travel, or be kept, as the certificate.
        certificate_pem="".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in chain),
        server_auth=server_auth,
    )

"""Server-side certificate parsing, as a Management Node does on upload (spec §2.9, §5.11).

Pure functions: PEM text in, the read-only fields out, or a field-error map. The operator compares
these derived fields (dates, names) with what it expects, so they must be computed from the real
certificate, never echoed from the request.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_SHORT = {
    NameOID.COUNTRY_NAME: "C",
    NameOID.STATE_OR_PROVINCE_NAME: "ST",
    NameOID.LOCALITY_NAME: "L",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.COMMON_NAME: "CN",
    NameOID.EMAIL_ADDRESS: "emailAddress",
    NameOID.SERIAL_NUMBER: "serialNumber",
}


class CertificateError(ValueError):
    """Carries field errors in the wrapped-field shape's inner map."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class ParsedCertificate:
    fields: dict[str, Any]
    certificate: x509.Certificate


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _der_len(len(body)) + body


def _oid_der(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray([parts[0] * 40 + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        out.extend(reversed(chunk))
    return _tlv(0x06, bytes(out))


def _canonical(value: str) -> str:
    return " ".join(value.strip().split()).lower()


def name_hash(name: x509.Name) -> str:
    """OpenSSL's `X509_NAME_hash` (what `openssl x509 -hash` prints).

    OpenSSL hashes a canonical encoding: every value as a lower-cased, whitespace-collapsed
    UTF8String, the RDN SETs concatenated without the outer SEQUENCE.
    """
    encoded = b""
    for rdn in name.rdns:
        atvs = b"".join(
            _tlv(
                0x30,
                _oid_der(a.oid.dotted_string) + _tlv(0x0C, _canonical(str(a.value)).encode("utf-8")),
            )
            for a in rdn
        )
        encoded += _tlv(0x31, atvs)
    digest = hashlib.sha1(encoded, usedforsecurity=False).digest()
    return f"{int.from_bytes(digest[:4], 'little'):08x}"


def _display_name(name: x509.Name) -> str:
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        attrs = name.get_attributes_for_oid(oid)
        if attrs:
            return str(attrs[0].value)
    return ""


def _raw_name(name: x509.Name) -> str:
    parts = []
    for rdn in name.rdns:
        for a in rdn:
            label = _SHORT.get(a.oid, a.oid.dotted_string)
            parts.append(f"{label}={a.value!s}")
    return ", ".join(parts)


def _hex_colon(data: bytes) -> str:
    return ":".join(f"{byte:02X}" for byte in data)


def _naive(value: Any) -> Any:
    return value.replace(tzinfo=None)


def _sans(cert: x509.Certificate) -> list[str]:
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    out = [f"DNS:{v}" for v in ext.get_values_for_type(x509.DNSName)]
    out += [f"IP Address:{v}" for v in ext.get_values_for_type(x509.IPAddress)]
    out += [f"email:{v}" for v in ext.get_values_for_type(x509.RFC822Name)]
    out += [f"URI:{v}" for v in ext.get_values_for_type(x509.UniformResourceIdentifier)]
    return out


def _key_ids(cert: x509.Certificate) -> tuple[str | None, str | None]:
    ski: str | None = None
    aki: str | None = None
    with contextlib.suppress(x509.ExtensionNotFound):
        ski = _hex_colon(cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest)
    try:
        ident = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
        aki = _hex_colon(ident) if ident else None
    except x509.ExtensionNotFound:
        pass
    return ski, aki


def _eku(cert: x509.Certificate) -> tuple[bool, bool]:
    try:
        usages = list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return False, False
    return ExtendedKeyUsageOID.CLIENT_AUTH in usages, ExtendedKeyUsageOID.SERVER_AUTH in usages


def _text_dump(cert: x509.Certificate, sans: list[str]) -> str:
    lines = [
        "Certificate:",
        "    Data:",
        f"        Version: {cert.version.value + 1} (0x{cert.version.value:x})",
        f"        Serial Number: {cert.serial_number} (0x{cert.serial_number:x})",
        f"        Signature Algorithm: {cert.signature_algorithm_oid._name}",
        f"        Issuer: {_raw_name(cert.issuer)}",
        "        Validity",
        f"            Not Before: {cert.not_valid_before_utc:%b %d %H:%M:%S %Y} GMT",
        f"            Not After : {cert.not_valid_after_utc:%b %d %H:%M:%S %Y} GMT",
        f"        Subject: {_raw_name(cert.subject)}",
    ]
    if sans:
        lines += ["        X509v3 Subject Alternative Name:", f"            {', '.join(sans)}"]
    return "\n".join(lines) + "\n"


def load_certificates(pem: str, field: str = "certificate") -> list[x509.Certificate]:
    try:
        certs = x509.load_pem_x509_certificates(pem.encode("utf-8"))
    except (ValueError, TypeError):
        raise CertificateError({field: ["Invalid certificate: could not parse PEM data."]}) from None
    if not certs:
        raise CertificateError({field: ["Invalid certificate: no certificate found."]})
    return certs


def parse_certificate(pem: str, *, with_tls_fields: bool) -> ParsedCertificate:
    """Derive the read-only fields from the first (leaf) certificate of `pem`."""
    cert = load_certificates(pem)[0]
    ski, aki = _key_ids(cert)
    fields: dict[str, Any] = {
        "start_date": _naive(cert.not_valid_before_utc),
        "end_date": _naive(cert.not_valid_after_utc),
        "subject_name": _display_name(cert.subject),
        "issuer_name": _display_name(cert.issuer),
        "raw_subject": _raw_name(cert.subject),
        "raw_issuer": _raw_name(cert.issuer),
        "subject_hash": name_hash(cert.subject),
        "issuer_hash": name_hash(cert.issuer),
        "serial_no": str(cert.serial_number),
        "key_id": ski,
        "issuer_key_id": aki,
    }
    sans = _sans(cert)
    fields["text"] = _text_dump(cert, sans)
    if with_tls_fields:
        client_auth, server_auth = _eku(cert)
        fields["subject_alt_names"] = ", ".join(sans)
        fields["client_auth_usage"] = client_auth
        fields["server_auth_usage"] = server_auth
    return ParsedCertificate(fields=fields, certificate=cert)


def check_private_key(cert: x509.Certificate, key_pem: str, passphrase: str) -> None:
    """Refuse a key that cannot be read or does not belong to `cert`; messages never quote the key."""
    try:
        key = serialization.load_pem_private_key(
            key_pem.encode("utf-8"), password=passphrase.encode("utf-8") if passphrase else None
        )
    except TypeError:
        raise CertificateError(
            {"private_key_passphrase": ["A passphrase is required to decrypt the private key."]}
        ) from None
    except ValueError:
        msg = "Invalid private key or incorrect passphrase."
        raise CertificateError({"private_key": [msg]}) from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise CertificateError({"private_key": ["Only RSA and ECDSA private keys are supported."]})
    pub = serialization.PublicFormat.SubjectPublicKeyInfo
    enc = serialization.Encoding.DER
    if key.public_key().public_bytes(enc, pub) != cert.public_key().public_bytes(enc, pub):
        raise CertificateError({"private_key": ["The private key does not match the certificate."]})

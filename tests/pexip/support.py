"""Test data builders for the Pexip tests: certificates, branding and theme packages."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

API = "/api/admin/configuration/v1"


@dataclass(frozen=True)
class CertPair:
    certificate: str
    private_key: str
    ca_certificate: str


def make_cert(
    cn: str = "vdx.rm.dk",
    sans: tuple[str, ...] = ("vdx.rm.dk", "meet.vdx.rm.dk"),
    *,
    days: int = 90,
    rsa_key: bool = False,
) -> CertPair:
    """A CA and a leaf certificate signed by it, with SKI/AKI and server+client EKU."""
    now = datetime.now(UTC).replace(microsecond=0)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "DK"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "VDX Test CA"),
            x509.NameAttribute(NameOID.COMMON_NAME, "VDX Test Root"),
        ]
    )
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1000)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = (
        rsa.generate_private_key(65537, 2048) if rsa_key else ec.generate_private_key(ec.SECP256R1())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "DK"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Region Midtjylland"),
                    x509.NameAttribute(NameOID.COMMON_NAME, cn),
                ]
            )
        )
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(123456789)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    return CertPair(leaf.public_bytes(pem).decode(), key_pem, ca.public_bytes(pem).decode())


def make_zip(files: dict[str, bytes]) -> bytes:
    """Same files, same bytes: a fixed timestamp, so two calls either side of a
    two-second tick (the zip format's clock) still compare equal."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def branding_zip(webapp_type: str = "webapp3", brand: str = "Region Midtjylland") -> bytes:
    manifest = {
        "version": 0,
        "meta": {"name": brand, "brandVersion": "1", "baseColor": "#00594f"},
        "brandName": brand,
        "images": {"logo": "./logo.png"},
    }
    return make_zip(
        {
            f"{webapp_type}/branding/manifest.json": json.dumps(manifest).encode(),
            f"{webapp_type}/branding/logo.png": b"\x89PNG fake",
        }
    )


def theme_zip() -> bytes:
    return make_zip({"themeconfig.json": b'{"theme_version": 2}', "background.jpg": b"\xff\xd8 fake"})

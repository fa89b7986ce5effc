"""Key pairs and credentials for the calendar kinds, as the secret store would make them.

Pexip holds the connector's private key write-only and shows its public key; the organisation's
secret store makes the pair (docs/calendar.md says how with openssl). The demo and the tests make
one here, in the Secret's shape (`privateKey`, `publicKey`, PEM).
"""

from __future__ import annotations

import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from vdx.api.onetouch import CalendarType


def new_key_pair() -> dict[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return {"privateKey": private, "publicKey": public}


def calendar_secret(calendar: CalendarType) -> dict[str, str]:
    """A One-Touch Join calendar credentials Secret of random values, in the shape its type reads."""
    if calendar is CalendarType.MICROSOFT_365:
        return {"clientSecret": secrets.token_urlsafe(30)}
    if calendar is CalendarType.EXCHANGE:
        return {"username": "vdx-otj", "password": secrets.token_urlsafe(18)}
    return {"privateKey": new_key_pair()["privateKey"]}

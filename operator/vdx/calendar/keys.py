"""A key pair for a Secure Scheduler for Exchange connector, as the secret store would make one.

Pexip holds the connector's private key write-only and shows its public key; the organisation's
secret store makes the pair (docs/calendar.md says how with openssl). The demo and the tests make
one here, in the Secret's shape (`privateKey`, `publicKey`, PEM).
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


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

"""Certificate checks that run before anything reaches Pexip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vdx.api.names import within_domains
from vdx.tls.issue import LocalCA
from vdx.tls.validate import CertificateProblem, check_certificate

DOMAINS = ["vdx.rm.dk"]


@pytest.fixture(scope="module")
def ca() -> LocalCA:
    return LocalCA()


def check(cert: bytes, key: bytes, names: list[str] | None = None, now: datetime | None = None):  # type: ignore[no-untyped-def]
    return check_certificate(
        cert,
        key,
        required_names=names or ["vdx.rm.dk"],
        tenant_domains=DOMAINS,
        tenant="rm",
        now=now,
    )


def test_valid_certificate_gives_its_facts(ca: LocalCA) -> None:
    issued = ca.issue(["vdx.rm.dk", "join.vdx.rm.dk"], days=90)
    facts = check(issued.certificate_pem, issued.key_pem, ["vdx.rm.dk", "join.vdx.rm.dk"])
    assert facts.dns_names == ("vdx.rm.dk", "join.vdx.rm.dk")
    assert 88 <= facts.days_left(datetime.now(UTC)) <= 90
    assert len(facts.fingerprint_sha256) == 64
    assert facts.server_auth


def test_only_the_certificates_of_tls_crt_are_uploaded(ca: LocalCA) -> None:
    # A tls.crt with the private key appended (or text before a block, as openssl's pkcs12 export
    # writes) loads as the chain alone: the key must never travel, or be kept, as the certificate.
    issued = ca.issue(["vdx.rm.dk"])
    clean = check(issued.certificate_pem, issued.key_pem).certificate_pem
    assert clean == issued.certificate_pem.decode()
    for crt in (
        issued.certificate_pem + issued.key_pem,
        issued.key_pem + issued.certificate_pem,
        b"Bag Attributes\n    friendlyName: vdx\n" + issued.certificate_pem,
    ):
        facts = check(crt, issued.key_pem)
        assert facts.certificate_pem == clean
        assert "PRIVATE KEY" not in facts.certificate_pem


def test_key_mismatch(ca: LocalCA) -> None:
    one, other = ca.issue(["vdx.rm.dk"]), ca.issue(["vdx.rm.dk"])
    with pytest.raises(CertificateProblem) as caught:
        check(one.certificate_pem, other.key_pem)
    assert caught.value.reason == "KeyMismatch"
    assert "BEGIN" not in str(caught.value)


def test_chain_out_of_order(ca: LocalCA) -> None:
    issued = ca.issue(["vdx.rm.dk"])
    end = b"-----END CERTIFICATE-----\n"
    leaf, root = (part + end for part in issued.certificate_pem.split(end)[0:2])
    swapped = root + leaf
    # The key belongs to the leaf, which is now second: the first check to fail is the key match.
    with pytest.raises(CertificateProblem) as caught:
        check(swapped, issued.key_pem)
    assert caught.value.reason == "KeyMismatch"
    other_ca = LocalCA("Another CA")
    with pytest.raises(CertificateProblem) as caught:
        check(leaf + other_ca.certificate_pem, issued.key_pem)
    assert caught.value.reason == "ChainOrder"


def test_expired_and_not_yet_valid(ca: LocalCA) -> None:
    old = ca.issue(["vdx.rm.dk"], days=10, not_before=datetime.now(UTC) - timedelta(days=30))
    with pytest.raises(CertificateProblem, match="expired on") as caught:
        check(old.certificate_pem, old.key_pem)
    assert caught.value.reason == "Expired"
    future = ca.issue(["vdx.rm.dk"], not_before=datetime.now(UTC) + timedelta(days=2))
    with pytest.raises(CertificateProblem) as caught:
        check(future.certificate_pem, future.key_pem)
    assert caught.value.reason == "NotYetValid"


def test_names_not_covered(ca: LocalCA) -> None:
    issued = ca.issue(["vdx.rm.dk"])
    with pytest.raises(CertificateProblem, match=r"does not cover join\.vdx\.rm\.dk") as caught:
        check(issued.certificate_pem, issued.key_pem, ["vdx.rm.dk", "join.vdx.rm.dk"])
    assert caught.value.reason == "NamesNotCovered"


def test_wildcard_covers_one_level_only(ca: LocalCA) -> None:
    issued = ca.issue(["*.vdx.rm.dk"])
    check(issued.certificate_pem, issued.key_pem, ["join.vdx.rm.dk"])
    with pytest.raises(CertificateProblem):
        check(issued.certificate_pem, issued.key_pem, ["a.b.vdx.rm.dk"])


def test_multi_tenant_san_certificate_is_refused(ca: LocalCA) -> None:
    shared = ca.issue(["vdx.rm.dk", "vdx.regionh.dk", "vdx.aarhus.dk"])
    with pytest.raises(CertificateProblem) as caught:
        check(shared.certificate_pem, shared.key_pem)
    assert caught.value.reason == "ForeignNames"
    assert "vdx.regionh.dk, vdx.aarhus.dk" in caught.value.message
    assert "29 March 2024" in caught.value.message


def test_garbage_input() -> None:
    with pytest.raises(CertificateProblem) as caught:
        check(b"not a cert", b"not a key")
    assert caught.value.reason == "InvalidCertificate"


def test_warning_stages(ca: LocalCA) -> None:
    issued = ca.issue(["vdx.rm.dk"], days=40)
    facts = check(issued.certificate_pem, issued.key_pem)
    now = datetime.now(UTC)
    assert facts.warning_stage(now) is None
    assert facts.warning_stage(now + timedelta(days=15)) == 30
    assert facts.warning_stage(now + timedelta(days=27)) == 14
    assert facts.warning_stage(now + timedelta(days=35)) == 7


def test_within_domains() -> None:
    assert within_domains("vdx.rm.dk", ["vdx.rm.dk"])
    assert within_domains("*.vdx.rm.dk", ["vdx.rm.dk"])
    assert within_domains("join.vdx.rm.dk", ["vdx.rm.dk"])
    assert not within_domains("evilvdx.rm.dk", ["vdx.rm.dk"])
    assert not within_domains("rm.dk", ["vdx.rm.dk"])

"""The operator refuses a Domain its wildcard certificate does not cover, in `vdx check`'s words.

`*.vdx.test.dk` covers `join.vdx.test.dk` only: neither the apex nor a name two labels down. Before
the rule had one home the operator made both Domains Ready, though no browser or SIP client
accepts the certificate for them (`tests/gitops/test_wildcard_coverage.py` holds `vdx check` and
`vdx plan` to the same words).
"""

from __future__ import annotations

from tests.e2e.harness import Harness, condition, wait_for, wait_ready
from vdx.api.names import certificate_not_covering
from vdx.testing.operator import OperatorThread

APEX = "vdx.test.dk"
DEEP = f"a.b.{APEX}"
ONE = f"join.{APEX}"


def _domain(h: Harness, name: str, fqdn: str) -> None:
    h.create(
        "domains",
        "Domain",
        name,
        {"fqdn": fqdn, "uses": ["SIP"], "tlsCertificateRef": {"name": "wildcard"}},
    )


def test_a_wildcard_certificate_leaves_the_apex_and_deeper_names_refused(
    operator: OperatorThread, h: Harness
) -> None:
    h.platform_and_tenant([APEX, DEEP, ONE])
    h.tls_secret("tls-wildcard", [f"*.{APEX}"])
    h.create(
        "tlscertificates",
        "TlsCertificate",
        "wildcard",
        {"secretRef": {"name": "tls-wildcard"}, "dnsNames": [f"*.{APEX}"]},
    )
    _domain(h, "apex", APEX)
    _domain(h, "deep", DEEP)
    _domain(h, "one", ONE)

    wait_ready(h, "tlscertificates", "wildcard")
    wait_ready(h, "domains", "one")
    for name, fqdn in (("apex", APEX), ("deep", DEEP)):
        problem = certificate_not_covering(f"TlsCertificate {h.namespace}/wildcard", [f"*.{APEX}"], fqdn)
        assert problem is not None

        def stalled(name: str = name) -> dict[str, object] | None:
            cond = condition(h.get("domains", name), "Stalled")
            return cond if cond and cond["status"] == "True" else None

        cond = wait_for(stalled, 30, f"Domain {name} stalled")
        assert cond["reason"] == "CertificateDoesNotCover"
        assert cond["message"] == "; ".join(problem)
        ready = condition(h.get("domains", name), "Ready")
        assert ready is not None
        assert ready["status"] == "False"

"""The certificate a Domain references covers the domain's name.

Decision: one certificate per tenant domain, uploaded to Pexip and bound to the domain. A Domain
pointing at a certificate that does not list its fqdn would be served with a name mismatch, which
browsers refuse; the mistake shows only when citizens cannot join, so it is caught here. A
wildcard covers exactly one label (*.vdx.rm.dk covers join.vdx.rm.dk, not vdx.rm.dk).
"""

from __future__ import annotations

from collections.abc import Iterator

from vdx.api.certificate import TlsCertificate
from vdx.api.domain import Domain
from vdx.api.names import certificate_not_covering
from vdx.policies.context import PolicyContext
from vdx.policies.findings import Finding, ResourceRef, Severity
from vdx.policies.rule import PolicyRule

ID = "certificate-covers-domain"


def check(ctx: PolicyContext) -> Iterator[Finding]:
    for loaded in ctx.of_kind(Domain):
        domain = loaded.resource
        assert isinstance(domain, Domain)
        ref = ResourceRef("TlsCertificate", domain.metadata.namespace, domain.spec.tls_certificate_ref.name)
        for target in ctx.by_ref.get(ref, [])[:1]:
            certificate = target.resource
            assert isinstance(certificate, TlsCertificate)
            problem = certificate_not_covering(
                f"TlsCertificate {ref.namespace}/{ref.name}", certificate.spec.dns_names, domain.spec.fqdn
            )
            if problem is None:
                continue
            message, fix = problem
            yield ctx.finding(
                Severity.ERROR, ID, loaded, "spec.tlsCertificateRef.name", message, fix, related=[ref]
            )


RULE = PolicyRule(
    ID,
    "A Domain's certificate covers its fqdn",
    "One certificate per tenant domain; a name mismatch would only show when people cannot join.",
    check,
)

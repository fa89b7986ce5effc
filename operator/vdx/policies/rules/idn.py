"""IDN homographs: no domain may display like another tenant's.

Decision: a punycode label (`xn--...`) is shown decoded by browsers, mail clients and Pexip's web
app; one that mixes scripts (a Cyrillic a among Latin letters) or is written entirely in
Latin-looking letters of another script reads exactly like another organisation's domain. Such
labels are refused (UTS #39 style); ordinary Danish IDNs (æ, ø, å are Latin) pass. The decision is
`vdx.policies.claims.homograph_problem`.
"""

from __future__ import annotations

from collections.abc import Iterator

from vdx.api.domain import Domain
from vdx.policies.claims import homograph_problem
from vdx.policies.context import PolicyContext, tenant_of
from vdx.policies.findings import Finding, Severity
from vdx.policies.rule import PolicyRule

ID = "idn-homograph"
FIX = "use the domain in plain Latin letters (æ, ø and å are fine), as the organisation registered it"


def check(ctx: PolicyContext) -> Iterator[Finding]:
    for loaded in ctx.tenants:
        tenant = tenant_of(loaded)
        for index, domain in enumerate(tenant.spec.domains):
            problem = homograph_problem(domain)
            if problem:
                yield ctx.finding(
                    Severity.ERROR, ID, loaded, f"spec.domains[{index}]", f"{domain}: {problem}", FIX
                )
        for index, delegation in enumerate(tenant.spec.delegated_domains):
            problem = homograph_problem(delegation.domain)
            if problem:
                yield ctx.finding(
                    Severity.ERROR,
                    ID,
                    loaded,
                    f"spec.delegatedDomains[{index}].domain",
                    f"{delegation.domain}: {problem}",
                    FIX,
                )
    for loaded in ctx.of_kind(Domain):
        resource = loaded.resource
        assert isinstance(resource, Domain)
        problem = homograph_problem(resource.spec.fqdn)
        if problem:
            yield ctx.finding(
                Severity.ERROR, ID, loaded, "spec.fqdn", f"{resource.spec.fqdn}: {problem}", FIX
            )


RULE = PolicyRule(
    ID,
    "No domain label mixes scripts or spoofs Latin letters (IDN homographs)",
    "A domain that displays like another tenant's would let one organisation pass as another.",
    check,
)

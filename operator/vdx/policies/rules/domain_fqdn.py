"""A Domain's fqdn is one of its tenant's claimed domains, and is declared by one Domain only.

Decision: the Tenant (owned by MedCom's platform engineers) is where domain ownership is decided;
a Domain resource (which the tenant may edit) only wires a claimed domain to a certificate and a
TURN service. Without this rule a tenant could start serving a domain nobody granted it. Two
Domain resources for one fqdn on a platform would fight over the same Pexip objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from vdx.api.domain import Domain
from vdx.api.loader import LoadedResource
from vdx.policies.context import PolicyContext, ref_of, tenant_of
from vdx.policies.findings import Finding, Severity
from vdx.policies.rule import PolicyRule

ID = "domain-in-tenant"


def check(ctx: PolicyContext) -> Iterator[Finding]:
    by_fqdn: dict[tuple[str, str], list[LoadedResource]] = defaultdict(list)
    for loaded in ctx.of_kind(Domain):
        domain = loaded.resource
        assert isinstance(domain, Domain)
        owner = ctx.tenant_for(loaded)
        if owner is None:
            continue
        tenant = tenant_of(owner)
        by_fqdn[(tenant.spec.platform_ref.name, domain.spec.fqdn)].append(loaded)
        if domain.spec.fqdn not in tenant.spec.domains:
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                "spec.fqdn",
                f"{domain.spec.fqdn} is not one of tenant {tenant.name}'s domains "
                f"({', '.join(tenant.spec.domains)})",
                f"use one of tenant {tenant.name}'s domains, or ask the platform engineers to add "
                f"{domain.spec.fqdn} to the Tenant's spec.domains",
            )
    for (platform, fqdn), domains in sorted(by_fqdn.items()):
        if len(domains) < 2:
            continue
        names = ", ".join(str(ref_of(d.resource)) for d in domains)
        for loaded in domains:
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                "spec.fqdn",
                f"{fqdn} is declared by {len(domains)} Domain resources on platform {platform} ({names})",
                "keep one Domain per fqdn and delete the others",
            )


RULE = PolicyRule(
    ID,
    "A Domain's fqdn is one of its tenant's domains",
    "Domain ownership is decided on the Tenant; a Domain resource only wires a claimed domain.",
    check,
    admission="ValidatingAdmissionPolicy vdx-domain-in-tenant (fqdn in the tenant's domains); webhook",
)

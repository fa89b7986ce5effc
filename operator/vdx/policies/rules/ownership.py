"""A domain is claimed by exactly one tenant per platform, and a subdomain of another tenant's
domain only when that tenant delegates it.

Decision: every organisation owns its own domains (its aliases, web app paths and certificate
names all hang off them), so two tenants claiming the same domain on one platform would let one
organisation publish under another's name and would make certificate ownership ambiguous. Stage
and production are separate platforms, so a stage tenant may claim its own (stage.) domains.
When two tenants claim one domain, the older claim keeps it and the fix points at the newcomer.
A domain under another tenant's domain belongs to that tenant unless it delegates it
(`spec.delegatedDomains`); the decision and the owner are `vdx.policies.claims`, which the
operator calls too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from vdx.api.loader import LoadedResource
from vdx.policies.claims import Claim, claims_of_tenant, encloser, newcomers
from vdx.policies.context import PolicyContext, tenant_of
from vdx.policies.findings import Finding, Severity
from vdx.policies.rule import PolicyRule

ID = "domain-owner"


def check(ctx: PolicyContext) -> Iterator[Finding]:
    claims: dict[tuple[str, str], list[tuple[LoadedResource, int]]] = defaultdict(list)
    for loaded in ctx.tenants:
        tenant = tenant_of(loaded)
        seen: set[str] = set()
        for index, domain in enumerate(tenant.spec.domains):
            if domain in seen:
                yield ctx.finding(
                    Severity.ERROR,
                    ID,
                    loaded,
                    f"spec.domains[{index}]",
                    f"domain {domain} is listed twice",
                    "remove the repeated entry",
                )
                continue
            seen.add(domain)
            claims[(tenant.spec.platform_ref.name, domain)].append((loaded, index))
    every = [claim for loaded in ctx.tenants for claim in _claims(loaded)]
    for (platform, domain), owners in sorted(claims.items()):
        names = sorted({loaded.resource.name for loaded, _ in owners})
        if len(names) < 2:
            continue  # one tenant declared twice is the duplicate-name rule's finding
        contested = [c for c in every if c.platform == platform and c.domain == domain.lower()]
        newer = newcomers(contested)
        oldest = min(contested, key=lambda c: c.age_key).tenant
        for loaded, index in owners:
            name = loaded.resource.name
            if newer and name not in newer:
                fix = (
                    f"nothing to change on {name}, which claimed {domain} first: remove it from "
                    f"{', '.join(sorted(newer))} (the newer claim)"
                )
            elif newer:
                fix = f"remove {domain} from Tenant {name}'s spec.domains: Tenant {oldest} claimed it first"
            else:
                fix = (
                    f"the tenant that claimed {domain} first keeps it: remove it from the newer claim "
                    "(the one this change adds), or from the tenant of an organisation that does not own it"
                )
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                f"spec.domains[{index}]",
                f"domain {domain} is claimed by {len(names)} tenants on platform {platform} "
                f"({', '.join(names)}); a domain belongs to exactly one tenant per platform",
                fix,
            )
    for loaded in ctx.tenants:
        tenant = tenant_of(loaded)
        for index, domain in enumerate(tenant.spec.domains):
            claim = next(c for c in _claims(loaded) if c.domain == domain.lower())
            parent = encloser(every, claim)
            if parent is None:
                continue
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                f"spec.domains[{index}]",
                f"domain {domain} lies under {parent.domain}, which tenant {parent.tenant} claims on "
                f"platform {parent.platform}; a domain under another tenant's domain belongs to that "
                "tenant unless it delegates it",
                f"remove {domain} from Tenant {tenant.name}'s spec.domains, or have Tenant {parent.tenant} "
                f"delegate it: spec.delegatedDomains: [{{domain: {domain}, tenant: {tenant.name}}}]",
            )


def _claims(loaded: LoadedResource) -> list[Claim]:
    tenant = tenant_of(loaded)
    extra = loaded.resource.metadata.model_extra or {}
    return claims_of_tenant(
        tenant.name,
        tenant.spec.platform_ref.name,
        tenant.spec.domains,
        str(extra.get("creationTimestamp") or ""),
        [(d.domain, d.tenant) for d in tenant.spec.delegated_domains],
    )


RULE = PolicyRule(
    ID,
    "A domain is claimed by exactly one tenant per platform; subdomains of another's only by delegation",
    "Each organisation owns its domains and what lies under them; a shared or nested claim would let one "
    "tenant publish under another's name.",
    check,
)

"""A domain is claimed by exactly one tenant per platform.

Decision: every organisation owns its own domains (its aliases, web app paths and certificate
names all hang off them), so two tenants claiming the same domain on one platform would let one
organisation publish under another's name and would make certificate ownership ambiguous. Stage
and production are separate platforms, so a stage tenant may claim its own (stage.) domains.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from vdx.api.loader import LoadedResource
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
    for (platform, domain), owners in sorted(claims.items()):
        names = sorted({loaded.resource.name for loaded, _ in owners})
        if len(names) < 2:
            continue  # one tenant declared twice is the duplicate-name rule's finding
        for loaded, index in owners:
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                f"spec.domains[{index}]",
                f"domain {domain} is claimed by {len(names)} tenants on platform {platform} "
                f"({', '.join(names)}); a domain belongs to exactly one tenant per platform",
                f"keep {domain} only on the tenant of the organisation that owns it and remove it from "
                "the others",
            )


RULE = PolicyRule(
    ID,
    "A domain is claimed by exactly one tenant per platform",
    "Each organisation owns its domains; a shared claim would let one tenant publish under another's name.",
    check,
)

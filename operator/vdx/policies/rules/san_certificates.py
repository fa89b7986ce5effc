"""SAN certificate retirement: every name on a certificate belongs to the certificate's own tenant.

Decision (VDX user group, effective 29 March 2024): the shared multi-name SAN certificate, which
every organisation had to approve on each change, is retired. Each tenant gets certificates for
its own domains only. A dnsName lies within a tenant when it is one of the tenant's domains or a
subdomain of one (a wildcard counts as a subdomain); when tenants on a platform claim nested
domains, the most specific claim owns the name. A certificate whose names reach into another
tenant's domains is refused, and one spanning several tenants says so, because that is exactly
the certificate that was retired.
"""

from __future__ import annotations

from collections.abc import Iterator

from vdx.api.certificate import TlsCertificate
from vdx.api.loader import LoadedResource
from vdx.policies.context import PolicyContext, in_domain, tenant_of
from vdx.policies.findings import Finding, Severity
from vdx.policies.rule import PolicyRule

ID = "san-retirement"
RETIRED = "the shared SAN certificate was retired by the VDX user group on 29 March 2024"


def owner_of(
    ctx: PolicyContext, name: str, platform: str, prefer: LoadedResource | None = None
) -> LoadedResource | None:
    """The tenant on `platform` whose most specific claimed domain contains `name`.

    When several tenants claim that same domain, `prefer` (the certificate's own tenant) wins if it
    is one of them: the contested claim is `domain-owner`'s finding, whose fix points at the
    newcomer; telling the other claimant to move its certificate would point at the wrong one.
    """
    best: tuple[int, LoadedResource] | None = None
    for loaded in ctx.tenants:
        tenant = tenant_of(loaded)
        if tenant.spec.platform_ref.name != platform:
            continue
        for domain in tenant.spec.domains:
            if not in_domain(name, domain):
                continue
            if best is None or len(domain) > best[0] or (len(domain) == best[0] and loaded is prefer):
                best = (len(domain), loaded)
    return best[1] if best else None


def check(ctx: PolicyContext) -> Iterator[Finding]:
    for loaded in ctx.of_kind(TlsCertificate):
        certificate = loaded.resource
        assert isinstance(certificate, TlsCertificate)
        own = ctx.tenant_for(loaded)
        if own is None:
            continue
        tenant = tenant_of(own)
        platform = tenant.spec.platform_ref.name
        owners: dict[int, LoadedResource | None] = {
            index: owner_of(ctx, name, platform, own) for index, name in enumerate(certificate.spec.dns_names)
        }
        tenants = sorted({o.resource.name for o in owners.values() if o is not None})
        spans = len(tenants) > 1
        for index, name in enumerate(certificate.spec.dns_names):
            owner = owners[index]
            field_path = f"spec.dnsNames[{index}]"
            if owner is None:
                yield ctx.finding(
                    Severity.ERROR,
                    ID,
                    loaded,
                    field_path,
                    f"{name} lies in none of the domains of tenant {tenant.name} "
                    f"({', '.join(tenant.spec.domains)}) nor of any other tenant on platform {platform}",
                    f"remove {name}, or ask the platform engineers to add its domain to tenant "
                    f"{tenant.name}'s spec.domains",
                )
            elif owner is not own:
                span = (
                    f"this certificate spans several tenants ({', '.join(tenants)}), and {RETIRED}"
                    if spans
                    else f"a certificate holds only its own tenant's names, because {RETIRED}"
                )
                other = tenant_of(owner)
                yield ctx.finding(
                    Severity.ERROR,
                    ID,
                    loaded,
                    field_path,
                    f"{name} belongs to tenant {other.name}, not to this certificate's tenant "
                    f"{tenant.name}: {span}",
                    f"issue one certificate per tenant: remove {name} here and put it on a "
                    f"TlsCertificate in namespace {other.spec.namespace}",
                )


RULE = PolicyRule(
    ID,
    "SAN certificate retirement: every certificate name lies in one tenant's domains",
    "The VDX user group retired the shared SAN certificate effective 29 March 2024.",
    check,
    admission="ValidatingAdmissionPolicy vdx-san-retirement (names in the tenant's domains); webhook",
)

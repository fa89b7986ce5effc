"""Meeting rooms, devices and identity providers stay inside their tenant and unique on the platform.

Decision: an alias is the address people dial, and Pexip keeps one per platform; a tenant may only
publish addresses in the domains MedCom granted it, or it could answer calls meant for another
organisation. Room and identity provider names are unique in Pexip too, so two tenants choosing
the same one would fight; catching it in review names both. An identity provider's web app
domains must be the tenant's own, or its sign-in endpoints would sit on another tenant's domain.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from vdx.api.device import Device
from vdx.api.identity import IdentityProvider
from vdx.api.loader import LoadedResource
from vdx.api.names import alias_domain, in_domains
from vdx.api.room import MeetingRoom
from vdx.policies.context import PolicyContext, ref_of, tenant_of
from vdx.policies.findings import Finding, Severity
from vdx.policies.rule import PolicyRule

ID = "services"


def _aliases(loaded: LoadedResource) -> list[tuple[str, str]]:
    """(field path, alias) of a room or device."""
    resource = loaded.resource
    if isinstance(resource, MeetingRoom):
        return [(f"spec.aliases[{i}].alias", a.alias) for i, a in enumerate(resource.spec.aliases)]
    if isinstance(resource, Device):
        return [("spec.alias", resource.spec.alias)]
    return []


def check(ctx: PolicyContext) -> Iterator[Finding]:
    holders: dict[tuple[str, str], list[tuple[LoadedResource, str]]] = defaultdict(list)
    names: dict[tuple[str, str, str], list[LoadedResource]] = defaultdict(list)
    for loaded in ctx.namespaced:
        resource = loaded.resource
        if not isinstance(resource, MeetingRoom | Device | IdentityProvider):
            continue
        owner = ctx.tenant_for(loaded)
        if owner is None:
            continue
        tenant = tenant_of(owner)
        platform = tenant.spec.platform_ref.name
        for path, alias in _aliases(loaded):
            holders[(platform, alias.lower())].append((loaded, path))
            if not in_domains(alias_domain(alias) or "", tenant.spec.domains):
                yield ctx.finding(
                    Severity.ERROR,
                    ID,
                    loaded,
                    path,
                    f"alias {alias} is outside tenant {tenant.name}'s domains "
                    f"({', '.join(tenant.spec.domains)})",
                    f"use an alias in one of tenant {tenant.name}'s domains",
                )
        if isinstance(resource, MeetingRoom):
            names[(platform, "MeetingRoom", resource.spec.display_name)].append(loaded)
        if isinstance(resource, IdentityProvider):
            names[(platform, "IdentityProvider", resource.spec.display_name)].append(loaded)
            for i, domain in enumerate(resource.spec.web_app_domains):
                if not in_domains(domain, tenant.spec.domains):
                    yield ctx.finding(
                        Severity.ERROR,
                        ID,
                        loaded,
                        f"spec.webAppDomains[{i}]",
                        f"{domain} is not one of tenant {tenant.name}'s domains",
                        "list only the tenant's own web app domains, or leave webAppDomains out",
                    )
    for (platform, alias), found in sorted(holders.items()):
        if len(found) < 2:
            continue
        who = ", ".join(sorted({str(ref_of(loaded.resource)) for loaded, _ in found}))
        for loaded, path in found:
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                path,
                f"alias {alias} is used {len(found)} times on platform {platform} ({who})",
                "aliases are unique on the platform: keep it on one room or device",
            )
    for (platform, kind, name), named in sorted(names.items()):
        if len(named) < 2:
            continue
        who = ", ".join(str(ref_of(loaded.resource)) for loaded in named)
        for loaded in named:
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                "spec.displayName",
                f"{kind} name {name!r} is used by {len(named)} resources on platform {platform} ({who})",
                "Pexip keeps one object per name: choose a name that says which organisation it is",
            )


RULE = PolicyRule(
    ID,
    "Room and device aliases inside the tenant's domains and unique; room and identity provider names unique",
    "An alias outside the tenant's domains could answer another organisation's calls.",
    check,
    admission="ValidatingAdmissionPolicies vdx-room-aliases and vdx-device-alias (aliases in the tenant's "
    "domains); webhook",
)

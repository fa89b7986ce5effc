"""Outlook booking (OutlookScheduling) stays inside its tenant and speaks Danish.

Decision: the scheduler generates VDX aliases and serves an add-in that staff open in Outlook, so
both belong to the tenant: the alias domain must be one of the tenant's domains (or a booked room
could answer calls meant for another organisation) and the add-in's server domain must be the
tenant's and covered by one of its certificates (Outlook loads the add-in over HTTPS). A tenant has
one scheduler. Templates are Jinja2 that Pexip renders for every booking: one that does not parse
would fail them all, so it is refused in review. Staff read the add-in in Danish: an override equal
to Pexip's English default is refused. The theme and ADFS it names must exist in the namespace.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from vdx.api.certificate import TlsCertificate
from vdx.api.loader import LoadedResource
from vdx.api.names import certificate_covers, in_domains
from vdx.api.outlook import OutlookScheduling
from vdx.calendar import texts
from vdx.policies.context import PolicyContext, tenant_of
from vdx.policies.findings import Finding, ResourceRef, Severity
from vdx.policies.rule import PolicyRule

ID = "outlook-scheduling"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def check(ctx: PolicyContext) -> Iterator[Finding]:
    per_namespace: dict[str, list[LoadedResource]] = defaultdict(list)
    for loaded in ctx.of_kind(OutlookScheduling):
        resource = loaded.resource
        assert isinstance(resource, OutlookScheduling)
        namespace = str(resource.namespace)
        per_namespace[namespace].append(loaded)
        yield from _texts(ctx, loaded, resource)
        yield from _references(ctx, loaded, resource, namespace)
        owner = ctx.tenant_for(loaded)
        if owner is not None:
            yield from _domains(ctx, loaded, resource, owner, namespace)
    for namespace, found in per_namespace.items():
        names = ", ".join(sorted(f.resource.name for f in found))
        for loaded in found[1:]:
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                "metadata.name",
                f"namespace {namespace} has {len(found)} OutlookSchedulings ({names}); a tenant has one "
                "scheduler",
                "keep one OutlookScheduling per tenant and merge the others into it",
            )


def _domains(
    ctx: PolicyContext,
    loaded: LoadedResource,
    resource: OutlookScheduling,
    owner: LoadedResource,
    namespace: str,
) -> Iterator[Finding]:
    tenant = tenant_of(owner)
    listed = ", ".join(tenant.spec.domains)
    spec = resource.spec
    if not in_domains(spec.aliases.domain, tenant.spec.domains):
        yield ctx.finding(
            Severity.ERROR,
            ID,
            loaded,
            "spec.aliases.domain",
            f"alias domain {spec.aliases.domain} is not one of tenant {tenant.name}'s domains ({listed})",
            f"use one of tenant {tenant.name}'s domains: booked rooms get VDX aliases of the tenant",
        )
    server = spec.add_in.server_domain
    if not in_domains(server, tenant.spec.domains):
        yield ctx.finding(
            Severity.ERROR,
            ID,
            loaded,
            "spec.addIn.serverDomain",
            f"add-in server domain {server} is not in tenant {tenant.name}'s domains ({listed})",
            f"serve the add-in from a name in one of tenant {tenant.name}'s domains",
        )
        return
    certificates = [
        c.resource
        for c in ctx.of_kind(TlsCertificate)
        if c.resource.metadata.namespace == namespace and isinstance(c.resource, TlsCertificate)
    ]
    if not any(certificate_covers(n, server) for c in certificates for n in c.spec.dns_names):
        yield ctx.finding(
            Severity.ERROR,
            ID,
            loaded,
            "spec.addIn.serverDomain",
            f"no TlsCertificate of namespace {namespace} covers add-in server domain {server}; Outlook "
            "loads the add-in over HTTPS",
            f"add {server} to a TlsCertificate's dnsNames, or serve the add-in from a name one covers",
        )


def _texts(ctx: PolicyContext, loaded: LoadedResource, resource: OutlookScheduling) -> Iterator[Finding]:
    spec = resource.spec
    for name, value in spec.add_in.texts.model_dump().items():
        if not value:
            continue
        path = f"spec.addIn.texts.{_camel(name)}"
        error = texts.syntax_error(value)
        if error:
            yield ctx.finding(
                Severity.ERROR, ID, loaded, path, f"is not valid Jinja2 ({error})", "fix the template"
            )
        elif value.strip() in texts.PEXIP_ENGLISH_DEFAULTS:
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                path,
                f"{value.strip()!r} is Pexip's English default; staff read the add-in in Danish",
                "write the text in Danish, or remove the override to get the Danish default",
            )
    for name, value in spec.templates.model_dump().items():
        error = texts.syntax_error(value) if value else None
        if error:
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                f"spec.templates.{_camel(name)}",
                f"is not valid Jinja2 ({error}); Pexip renders it for every booking",
                "fix the template, or remove it to get the Danish default",
            )


def _references(
    ctx: PolicyContext, loaded: LoadedResource, resource: OutlookScheduling, namespace: str
) -> Iterator[Finding]:
    refs = []
    if resource.spec.branding_ref is not None:
        refs.append(("spec.brandingRef.name", "CviBranding", resource.spec.branding_ref.name))
    if resource.spec.identity_provider_ref is not None:
        refs.append(
            ("spec.identityProviderRef.name", "IdentityProvider", resource.spec.identity_provider_ref.name)
        )
    for path, kind, name in refs:
        if not ctx.exists(ResourceRef(kind, namespace, name)):
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                path,
                f"names {kind} {namespace}/{name}, which is not in {ctx.where}",
                f"add {kind} {name} to namespace {namespace} or correct the name",
            )


RULE = PolicyRule(
    ID,
    "Outlook booking: aliases and add-in in the tenant's domains, valid templates, Danish texts",
    "Booked meeting rooms and the add-in belong to the tenant; staff read Danish; Pexip renders "
    "the templates for every booking.",
    check,
    admission="ValidatingAdmissionPolicy vdx-outlook-domains (alias and add-in domains); CRD (CEL): "
    "connection and meeting-room types; webhook for the rest",
)

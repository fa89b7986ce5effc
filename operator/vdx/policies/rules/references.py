"""References between vdx resources resolve: Domain -> TlsCertificate, Tenant -> PexipPlatform,
MeetingRoom and Device -> IdentityProvider.

Decision: the operator reconciles each object on its own, so a dangling reference would not fail
loudly; the Domain would sit unready in the cluster with no certificate bound in Pexip, or a
Tenant would never reach any platform. Catching it in the pull request is cheaper. References
are by name within the same namespace (cluster-scoped PexipPlatform by name alone), never across
tenants, so the resolved object is always the tenant's own. (Domain -> TurnService is the
`turn-service` rule.)
"""

from __future__ import annotations

from collections.abc import Iterator

from vdx.api.certificate import TlsCertificate
from vdx.api.device import Device
from vdx.api.domain import Domain
from vdx.api.loader import LoadedResource
from vdx.api.room import MeetingRoom
from vdx.policies.context import PolicyContext, tenant_of
from vdx.policies.findings import Finding, ResourceRef, Severity
from vdx.policies.rule import PolicyRule

ID = "reference"


def check(ctx: PolicyContext) -> Iterator[Finding]:
    for loaded in ctx.tenants:
        platform = tenant_of(loaded).spec.platform_ref.name
        if not ctx.exists(ResourceRef("PexipPlatform", None, platform)):
            platforms = ", ".join(sorted(ctx.platforms)) or "none"
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                "spec.platformRef.name",
                f"names PexipPlatform {platform}, which is not in {ctx.where}",
                f"use the name of an existing PexipPlatform (known: {platforms}) or add the PexipPlatform",
            )
    for loaded in ctx.of_kind(Domain):
        domain = loaded.resource
        assert isinstance(domain, Domain)
        namespace = domain.metadata.namespace
        name = domain.spec.tls_certificate_ref.name
        if not ctx.exists(ResourceRef("TlsCertificate", namespace, name)):
            certificates = ctx.of_kind(TlsCertificate)
            names = sorted(c.resource.name for c in certificates if c.resource.namespace == namespace)
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                "spec.tlsCertificateRef.name",
                f"names TlsCertificate {namespace}/{name}, which is not in {ctx.where}",
                f"add TlsCertificate {name} to namespace {namespace} or correct the name"
                + (f" (known there: {', '.join(names)})" if names else ""),
            )

    for loaded in [*ctx.of_kind(MeetingRoom), *ctx.of_kind(Device)]:
        yield from _identity_refs(ctx, loaded)


def _identity_refs(ctx: PolicyContext, loaded: LoadedResource) -> Iterator[Finding]:
    resource = loaded.resource
    refs: list[tuple[str, str]] = []
    if isinstance(resource, MeetingRoom):
        auth = resource.spec.authentication
        if auth.host_identity_provider_ref is not None:
            refs.append(
                ("spec.authentication.hostIdentityProviderRef.name", auth.host_identity_provider_ref.name)
            )
        if auth.guest_identity_provider_ref is not None:
            refs.append(
                ("spec.authentication.guestIdentityProviderRef.name", auth.guest_identity_provider_ref.name)
            )
    if isinstance(resource, Device) and resource.spec.sso is not None:
        refs.append(("spec.sso.identityProviderRef.name", resource.spec.sso.identity_provider_ref.name))
    namespace = resource.metadata.namespace
    for path, name in refs:
        if not ctx.exists(ResourceRef("IdentityProvider", namespace, name)):
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                path,
                f"names IdentityProvider {namespace}/{name}, which is not in {ctx.where}",
                f"add IdentityProvider {name} to namespace {namespace} or correct the name",
            )


RULE = PolicyRule(
    ID,
    "References resolve (Domain -> TlsCertificate, Tenant -> PexipPlatform, "
    "rooms and devices -> IdentityProvider)",
    "A dangling reference leaves an object unready in the cluster instead of failing the review.",
    check,
)

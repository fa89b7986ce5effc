"""A branded web app is published under its tenant's own domain, at a slug unique on the platform.

Decision (VDX user group: CVI per tenant, so that a meeting is recognisably e.g. a Region
Midtjylland meeting): the branding is bound to the tenant's web app path https://<domain>/<slug>.
The domain must be one the tenant claims (or one organisation could dress up as another), there
must be a Domain resource that publishes it for WebApp (or nothing serves the path: no
certificate, no TURN), and the slug must be unique across the platform because Pexip's
webapp_alias slugs share one namespace per deployment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from vdx.api.branding import CviBranding
from vdx.api.domain import Domain, DomainUse
from vdx.api.loader import LoadedResource
from vdx.policies.context import PolicyContext, ref_of, tenant_of
from vdx.policies.findings import Finding, Severity
from vdx.policies.rule import PolicyRule

ID = "branding-web-app"


def check(ctx: PolicyContext) -> Iterator[Finding]:
    slugs: dict[tuple[str, str], list[LoadedResource]] = defaultdict(list)
    for loaded in ctx.of_kind(CviBranding):
        branding = loaded.resource
        assert isinstance(branding, CviBranding)
        owner = ctx.tenant_for(loaded)
        if owner is None:
            continue
        tenant = tenant_of(owner)
        web_app = branding.spec.web_app
        slugs[(tenant.spec.platform_ref.name, web_app.slug)].append(loaded)
        if web_app.domain not in tenant.spec.domains:
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                "spec.webApp.domain",
                f"{web_app.domain} is not one of tenant {tenant.name}'s domains "
                f"({', '.join(tenant.spec.domains)}), so https://{web_app.domain}/{web_app.slug} "
                "would publish this brand outside the tenant",
                f"use one of tenant {tenant.name}'s domains",
            )
            continue
        publishers = [
            d
            for d in ctx.resources_in(branding.metadata.namespace or "")
            if isinstance(d.resource, Domain)
            and d.resource.spec.fqdn == web_app.domain
            and DomainUse.WEB_APP in d.resource.spec.uses
        ]
        if not publishers:
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                "spec.webApp.domain",
                f"no Domain in namespace {branding.metadata.namespace} publishes {web_app.domain} for "
                "WebApp, so nothing (no certificate, no TURN service) serves the branded web app",
                f"add a Domain with fqdn {web_app.domain} and uses [WebApp] to the namespace, or add "
                "WebApp to the uses of the existing one",
            )
    for (platform, slug), owners in sorted(slugs.items()):
        if len(owners) < 2:
            continue
        names = ", ".join(str(ref_of(o.resource)) for o in owners)
        for loaded in owners:
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                "spec.webApp.slug",
                f"web app slug {slug!r} is used by {len(owners)} brandings on platform {platform} "
                f"({names}); slugs are unique per platform",
                "choose a slug of the tenant's own, such as its organisation's short name",
            )


RULE = PolicyRule(
    ID,
    "Branding web app domain lies in the tenant's domains; slugs are unique per platform",
    "CVI per tenant: a brand is published only under the tenant's own domain and path.",
    check,
    admission="ValidatingAdmissionPolicy vdx-branding-domain (domain in the tenant's domains); webhook",
)

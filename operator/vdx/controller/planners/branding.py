"""CviBranding -> the names and fields of its Pexip objects, shared by the operator and `vdx plan`.

A webapp_branding's zip cannot change once uploaded, so each content gets its own package, found
again by the content hash in its description; the web app path (webapp_alias) is repointed to it;
the IVR theme, which has no description for a marker, is the operator's by its reserved `vdx:` name.
Keeping these here, free of I/O, is what lets the offline plan decide exactly as the operator does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vdx.api.branding import CviBranding
from vdx.api.names import ADOPT_ANNOTATION
from vdx.api.tenant import Tenant
from vdx.controller.conditions import Phase
from vdx.controller.ownership import Owner, owner_of
from vdx.controller.planners.common import Plan, refuse
from vdx.pexip.models import WebappAlias, WebappBranding


def branding_name(owner: Owner, content_hash: str) -> str:
    """Unique per content, readable in Pexip's admin UI; Pexip allows 100 characters."""
    return f"{owner.namespace}/{owner.name}"[:86] + f" {content_hash[:12]}"


def theme_name(owner: Owner) -> str:
    """Names starting with `vdx:` are the operator's: ivr_theme has no field for a marker."""
    return f"vdx:{owner.namespace}/{owner.name}"[:250]


def package_fields(owner: Owner, content_hash: str) -> dict[str, Any]:
    """The fields of a new webapp_branding upload (the zip goes alongside as `branding_file`)."""
    return {
        "name": branding_name(owner, content_hash),
        "description": owner.describe(f"sha256:{content_hash}"),
        "webapp_type": "webapp3",
    }


def owned_packages(
    brandings: Iterable[WebappBranding], owner: Owner, content_hash: str
) -> tuple[list[WebappBranding], WebappBranding | None]:
    """The packages carrying this resource's marker, and among them the one for this content."""
    ours = [b for b in brandings if owner_of(b.description) == owner]
    current = next((b for b in ours if content_hash in b.description), None)
    return ours, current


def alias_fields(owner: Owner, branding: CviBranding, branding_uri: str | None) -> dict[str, Any]:
    """What the web app path must hold: enabled, webapp3, marked as ours, on the current package."""
    return {
        "slug": branding.spec.web_app.slug,
        "description": owner.describe(f"web app path of {branding.spec.brand_name}"),
        "webapp_type": "webapp3",
        "is_enabled": True,
        "branding": branding_uri,
    }


def domain_refusal(branding: CviBranding, tenant: Tenant) -> Plan | None:
    """A web app address must lie in the tenant's own domains (the path is served from there)."""
    domain = branding.spec.web_app.domain
    if domain in tenant.spec.domains:
        return None
    return refuse(
        Phase.STALLED,
        "DomainNotClaimed",
        "spec.webApp.domain",
        f"spec.webApp.domain {domain} is not among Tenant {tenant.name}'s domains; use one of "
        f"{', '.join(tenant.spec.domains)}",
    )


def path_refusal(alias: WebappAlias | None, owner: Owner, adopt: str | None) -> Plan | None:
    """A web app path that exists in Pexip and is not this resource's is never taken over silently."""
    if alias is None or owner_of(alias.description) == owner or alias.resource_uri == adopt:
        return None
    return refuse(
        Phase.STALLED,
        "AlreadyExists",
        "spec.webApp.slug",
        f"the web app path /{alias.slug} exists in Pexip ({alias.resource_uri}) and is not managed by "
        "this resource; choose another spec.webApp.slug or adopt it with "
        f"{ADOPT_ANNOTATION}: {alias.resource_uri}",
    )

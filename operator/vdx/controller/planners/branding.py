"""CviBranding -> the names and fields of its Pexip objects, shared by the operator and `vdx plan`.

A webapp_branding's zip cannot change once uploaded, so each content gets its own package, found
again by the content hash in its description; the web app path (webapp_alias) is repointed to it;
the IVR theme, which has no description for a marker, is the operator's by its reserved `vdx:` name.
Keeping these here, free of I/O, is what lets the offline plan decide exactly as the operator does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from vdx.api.branding import CviBranding
from vdx.api.common import ManagementPolicy
from vdx.api.names import ADOPT_ANNOTATION
from vdx.api.tenant import Tenant
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.ownership import Owner, owner_of
from vdx.controller.plan import Change, field_differences, observed_values, pending
from vdx.controller.planners.common import SET_BY_OPERATOR, Plan, observe_only_outcome, refuse
from vdx.controller.reasons import Reason
from vdx.pexip.models import IvrTheme, WebappAlias, WebappBranding

PACKAGE, ALIAS, THEME = "webapp_branding", "webapp_alias", "ivr_theme"


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
        Reason.DOMAIN_NOT_CLAIMED,
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
        Reason.ALREADY_EXISTS,
        "spec.webApp.slug",
        f"the web app path /{alias.slug} exists in Pexip ({alias.resource_uri}) and is not managed by "
        "this resource; choose another spec.webApp.slug or adopt it with "
        f"{ADOPT_ANNOTATION}: {alias.resource_uri}",
    )


@dataclass(frozen=True)
class BrandingInputs:
    branding: CviBranding
    owner: Owner
    tenant: Tenant
    content_hash: str  # of the rendered packages
    has_theme: bool  # the rendering includes an IVR theme
    # The theme in Pexip holds older content: online, status.contentHash differs; offline, Pexip
    # has no package for this content yet (it says the same).
    content_changed: bool
    adopt: str | None = None


@dataclass
class BrandingDecision:
    plan: Plan
    # Index of a change in plan.changes -> the package it uploads (the bytes ride beside it).
    files: dict[int, Literal["webapp", "theme"]] = field(default_factory=dict)
    # Index of a create -> the placeholder that stands for its URI in later changes.
    provides: dict[int, str] = field(default_factory=dict)
    # Indexes of ivr_theme deletes: the tenant's rooms let go of the theme first (Pexip refuses to
    # delete a theme in use), as when the CviBranding itself is deleted.
    releases: set[int] = field(default_factory=set)


def _theme(inputs: BrandingInputs, theme: IvrTheme | None, decision: BrandingDecision) -> None:
    """Create the IVR theme, replace its package when the content changed, or delete it when
    `spec.ivrTheme.enabled` is false.

    A theme turned off goes as it goes when the CviBranding is deleted with deletionPolicy Delete:
    off the tenant's rooms (`releases`), then deleted; otherwise the rooms, MeetingRooms and the
    Outlook connector would keep showing splash screens the spec turned off. It goes under Orphan
    too: deletionPolicy says what happens to the Pexip objects when the resource is deleted, while
    turning the theme off is an edit of what the resource wants, like a new slug, whose old path
    this plan deletes whatever the policy. A theme kept would also still be this resource's by its
    reserved `vdx:` name, a marker Orphan cannot remove. ObserveOnly writes nothing: the delete is
    reported as drift, as every other change is.
    """
    owner, changes = inputs.owner, decision.plan.changes
    if inputs.has_theme and theme is None:
        decision.files[len(changes)] = "theme"
        decision.provides[len(changes)] = pending(THEME, theme_name(owner))
        changes.append(Change("create", THEME, theme_name(owner), fields={"name": theme_name(owner)}))
    elif inputs.has_theme and theme is not None and inputs.content_changed:
        decision.files[len(changes)] = "theme"
        fields = {"name": theme.name}
        changes.append(
            Change("update", THEME, theme.name, uri=theme.resource_uri, fields=fields, before=fields)
        )
    elif not inputs.has_theme and theme is not None:
        decision.releases.add(len(changes))
        changes.append(Change("delete", THEME, theme.name, uri=theme.resource_uri))


def theme_for_users(body: Mapping[str, Any]) -> str | None:
    """The IVR theme a CviBranding (its watched body) gives the tenant's rooms, its MeetingRooms and
    an OutlookScheduling: `status.ivrTheme`, but none while `spec.ivrTheme` is off or the branding
    is being deleted. The status names the theme until the branding's reconcile, or its finalizer,
    has taken it off the rooms and deleted it; a user that took it meanwhile would put back what
    that removes. `vdx plan` agrees: a branding without a rendered theme, or no longer in the tree,
    gives its tenant none (`phases.branding.theme_uri`)."""
    if not _wants_theme(body):
        return None
    theme = (body.get("status") or {}).get("ivrTheme")
    return str(theme) if theme else None


def tenant_theme_of(brandings: Iterable[Mapping[str, Any]]) -> tuple[str | None, bool]:
    """(IVR theme of the first CviBranding by name that gives one, whether a theme is on its way).

    A theme on its way (a branding that wants one and is neither Ready nor Stalled) makes the
    Tenant and the MeetingRooms hold their room writes for a moment, so each room is written once
    with both direct media and theme instead of twice. A Stalled branding holds nothing up, nor
    does one turned off or being deleted: its finalizer may wait a long time for its users.
    """
    ordered = sorted(brandings, key=lambda b: str((b.get("metadata") or {}).get("name")))
    uri = next((theme for b in ordered if (theme := theme_for_users(b))), None)
    return uri, any(_wants_theme(b) and not _settled(b) for b in ordered)


def _wants_theme(body: Mapping[str, Any]) -> bool:
    enabled = ((body.get("spec") or {}).get("ivrTheme") or {}).get("enabled", True)
    return bool(enabled) and not (body.get("metadata") or {}).get("deletionTimestamp")


def _settled(body: Mapping[str, Any]) -> bool:
    """Ready or Stalled: either the theme is in place or a person must act first."""
    conditions = (body.get("status") or {}).get("conditions") or []
    return any(c.get("type") in ("Ready", "Stalled") and c.get("status") == "True" for c in conditions)


def decide(
    inputs: BrandingInputs,
    packages: Iterable[WebappBranding],
    aliases: Iterable[WebappAlias],
    themes: Iterable[IvrTheme],
) -> BrandingDecision:
    """Upload the package for this content, point the web app path at it, replace (or, turned off,
    delete) the IVR theme, then remove paths and packages this resource no longer uses: Pexip is
    never without a branded path, and the order is the same for the operator and `vdx plan`."""
    branding, owner = inputs.branding, inputs.owner
    refused = domain_refusal(branding, inputs.tenant)
    if refused is not None:
        return BrandingDecision(refused)
    aliases = list(aliases)
    web = branding.spec.web_app
    alias = next((a for a in aliases if a.slug == web.slug), None)
    refused = path_refusal(alias, owner, inputs.adopt)
    if refused is not None:
        return BrandingDecision(refused)
    ours, current = owned_packages(packages, owner, inputs.content_hash)
    theme = next((t for t in themes if t.name == theme_name(owner)), None)
    decision = BrandingDecision(Plan())
    changes = decision.plan.changes
    package_uri = current.resource_uri if current is not None else None
    if current is None:
        name = branding_name(owner, inputs.content_hash)
        package_uri = pending(PACKAGE, name)
        decision.files[len(changes)], decision.provides[len(changes)] = "webapp", package_uri
        changes.append(Change("create", PACKAGE, name, fields=package_fields(owner, inputs.content_hash)))
    want = alias_fields(owner, branding, package_uri)
    if alias is None:
        changes.append(Change("create", ALIAS, f"/{web.slug}", fields=want))
    elif diff := field_differences(want, alias):
        before = observed_values(diff, alias)
        if isinstance(before.get("branding"), WebappBranding):
            before["branding"] = before["branding"].resource_uri
        changes.append(
            Change("update", ALIAS, f"/{web.slug}", uri=alias.resource_uri, fields=diff, before=before)
        )
    _theme(inputs, theme, decision)
    # Only with the path on the new package: other paths and old packages of this resource go.
    for other in aliases:
        if owner_of(other.description) == owner and other.slug != web.slug:
            changes.append(Change("delete", ALIAS, f"/{other.slug}", uri=other.resource_uri))
    for old in ours:
        if current is None or old.uuid != current.uuid:
            changes.append(Change("delete", PACKAGE, old.name, uri=old.resource_uri))
    if branding.spec.management_policy is ManagementPolicy.OBSERVE_ONLY:
        outcome = observe_only_outcome(changes)
        return BrandingDecision(Plan(outcome=outcome, blocked=outcome.phase is Phase.STALLED))
    where = f"https://{web.domain}/{web.slug}"
    outcome = Outcome(
        Phase.READY, Reason.AVAILABLE, f"{branding.spec.brand_name} at {where} ({inputs.content_hash[:12]})"
    )
    decision.plan.outcome = outcome
    return decision


# Where each field of the branding's objects comes from (`Registration.spec_fields`). The package's
# content (colours, images, texts) travels as the uploaded file, not in fields Pexip can refuse.
SPEC_FIELDS = {
    PACKAGE: {
        "name": "metadata.name (with the namespace and the content's hash)",
        "description": SET_BY_OPERATOR,
        "webapp_type": SET_BY_OPERATOR,
    },
    ALIAS: {
        "slug": "spec.webApp.slug",
        "description": "spec.brandName",
        "webapp_type": SET_BY_OPERATOR,
        "is_enabled": SET_BY_OPERATOR,
        "branding": SET_BY_OPERATOR,
    },
    THEME: {"name": "metadata.name (with the namespace)"},
    "conference": {"ivr_theme": "spec.ivrTheme"},
}

"""CviBranding offline: render, upload, repoint the web app path, replace (or delete) the theme, clean up."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from vdx.api.branding import CviBranding
from vdx.api.names import alias_domain, in_domains
from vdx.api.tenant import Tenant
from vdx.branding import BrandingError, RenderedBranding, load_assets, render_branding
from vdx.controller.ownership import Owner
from vdx.controller.plan import Change
from vdx.controller.planners.branding import (
    BrandingInputs,
    decide,
    domain_refusal,
    owned_packages,
    theme_name,
)
from vdx.controller.planners.common import held_pins
from vdx.controller.reasons import Reason
from vdx.gitops.offline import OfflinePlanner, Step, adopt_of, label_of
from vdx.gitops.phases import conferences
from vdx.pexip import models
from vdx.pexip.resources import CONFERENCE, IVR_THEME, WEBAPP_ALIAS, WEBAPP_BRANDING


def _themes(planner: OfflinePlanner) -> dict[str, list[tuple[str, str]]]:
    """Namespace -> (CviBranding name, theme URI or placeholder) of the tenant's themes."""
    return planner.state("CviBranding:themes", dict)


def theme_uri(planner: OfflinePlanner, namespace: str) -> str | None:
    """The theme the tenant's rooms take (the first branding's, by name), as the operator picks it."""
    themes = sorted(_themes(planner).get(namespace, []))
    return themes[0][1] if themes else None


def theme_uri_of(planner: OfflinePlanner, namespace: str, name: str) -> str | None:
    """The theme one CviBranding's plan leaves (its URI, or the placeholder its create provides)."""
    return dict(_themes(planner).get(namespace, [])).get(name)


def _turned_off(planner: OfflinePlanner) -> list[tuple[Tenant, str, Change]]:
    """(tenant, source, delete) of the themes their CviBranding's plan deletes (`spec.ivrTheme`
    turned off), for `removed` to take off the rooms and delete."""
    return planner.state("CviBranding:turned-off", list)


def plan(planner: OfflinePlanner) -> None:
    others = [doc for doc, _ in planner.tree.others] + list(planner.desired.secret_objects)
    for branding in planner.in_scope(CviBranding):
        _branding(planner, branding, others)


def _branding(planner: OfflinePlanner, branding: CviBranding, objects: list[dict[str, Any]]) -> None:
    namespace, source = str(branding.namespace), label_of(branding)
    tenant = planner.by_namespace[namespace]
    owner = Owner("CviBranding", namespace, branding.name)
    themes = _themes(planner).setdefault(namespace, [])
    refused = domain_refusal(branding, tenant)
    if refused is not None:  # before rendering: the path would be served from another's domain
        planner.blocked(refused, source)
        return
    try:
        rendered = _render(branding, objects)
    except BrandingError as error:
        for problem in error.problems[:5]:
            planner.problem(source, "spec", str(problem))
        return
    packages = planner.observed.of(WEBAPP_BRANDING)
    ivr_themes = planner.observed.of(IVR_THEME)
    _, current = owned_packages(packages, owner, rendered.content_hash)
    inputs = BrandingInputs(
        branding,
        owner,
        tenant,
        rendered.content_hash,
        has_theme=rendered.ivr_theme is not None,
        content_changed=current is None,
        adopt=adopt_of(branding),
    )
    decision = decide(inputs, packages, planner.observed.of(WEBAPP_ALIAS), ivr_themes)
    theme = next((t for t in ivr_themes if t.name == theme_name(owner)), None)
    if planner.blocked(decision.plan, source):
        # Observe only: the rooms keep taking the theme Pexip has.
        observing = decision.plan.outcome.reason == Reason.DRIFT_OBSERVED
        if observing and theme is not None and rendered.ivr_theme is not None:
            themes.append((branding.name, theme.resource_uri))
        return
    uri = theme.resource_uri if theme is not None else None
    for index, change in enumerate(decision.plan.changes):
        if index in decision.releases:
            # Planned with the themes of brandings that left the tree, after every kind's plan: a
            # room that a step gives another theme (the tenant's next branding) is not cleared first.
            _turned_off(planner).append((tenant, source, change))
            continue
        file: tuple[str, bytes] | None = None
        shown: dict[str, str] = {}
        upload = decision.files.get(index)
        if upload == "webapp":
            file = ("branding.zip", rendered.webapp.zip_bytes)
            shown = {"branding_file": f"(webapp3 package, {len(file[1])} bytes)"}
        elif upload == "theme" and rendered.ivr_theme is not None:
            file = ("theme.zip", rendered.ivr_theme.zip_bytes)
            shown = {"package": f"(IVR theme package, {len(file[1])} bytes)"}
        provides = decision.provides.get(index)
        if change.resource == "ivr_theme" and provides is not None:
            uri = provides
        planner.add(Step(tenant.name, source, change, file=file, provides=provides, shown=shown))
    if uri is not None and rendered.ivr_theme is not None:
        themes.append((branding.name, uri))


def removed(planner: OfflinePlanner) -> None:
    """The path, the packages and the theme of a CviBranding the tree no longer has, and the theme
    of one that turns it off; a theme comes off the tenant's rooms first (Pexip refuses to delete a
    theme in use), as the operator does."""
    planner.delete_left_behind(
        "CviBranding", "webapp_alias", planner.observed.of(WEBAPP_ALIAS), lambda a: f"/{a.slug}"
    )
    planner.delete_left_behind(
        "CviBranding", "webapp_branding", planner.observed.of(WEBAPP_BRANDING), lambda p: str(p.name)
    )
    for theme in planner.observed.of(IVR_THEME):
        owner = planner.removed(_theme_owner(theme.name), "CviBranding")
        if owner is None:
            continue
        claimant = planner.by_namespace[str(owner.namespace)]
        _, source = planner.removal_source(owner)
        delete = Change("delete", "ivr_theme", theme.name, uri=theme.resource_uri)
        _release_and_delete(planner, claimant, source, delete)
    for tenant, source, delete in _turned_off(planner):
        _release_and_delete(planner, tenant, source, delete)


def _release_and_delete(planner: OfflinePlanner, tenant: Tenant, source: str, delete: Change) -> None:
    """The theme `delete` deletes off the tenant's rooms (but those a step of this plan gives a
    theme or deletes), then the delete."""
    rooms = conferences.of(planner)
    for room in planner.observed.of(CONFERENCE):
        if (
            room.ivr_theme is not None
            and room.ivr_theme.resource_uri == delete.uri
            and room.resource_uri not in rooms.with_theme
            and room.resource_uri not in rooms.deleted
            and _in_tenant(room, tenant)
        ):
            planner.add(
                Step(
                    tenant.name,
                    source,
                    Change(
                        "update",
                        "conference",
                        room.name,
                        uri=room.resource_uri,
                        fields={"ivr_theme": None},
                        before={"ivr_theme": delete.uri},
                        held_secrets=held_pins(room),
                    ),
                )
            )
    planner.add(Step(tenant.name, source, delete))


# Renderings by content, as the operator keeps them between reconciles: rendering is deterministic and
# is most of a plan's time, so a process that plans repeatedly (tests, a long-lived tool) renders once.
_RENDERS: dict[str, RenderedBranding] = {}
_RENDERS_KEPT = 64


def _render(branding: CviBranding, objects: list[dict[str, Any]]) -> RenderedBranding:
    namespace = branding.namespace
    inputs = [o for o in objects if (o.get("metadata") or {}).get("namespace") == namespace]
    key = hashlib.sha256(
        json.dumps(
            [branding.spec.model_dump(mode="json"), namespace, inputs], sort_keys=True, default=str
        ).encode()
    ).hexdigest()
    cached = _RENDERS.get(key)
    if cached is None:
        cached = render_branding(branding, load_assets(branding, objects))
        if len(_RENDERS) >= _RENDERS_KEPT:
            _RENDERS.pop(next(iter(_RENDERS)))
        _RENDERS[key] = cached
    return cached


def _theme_owner(name: str) -> Owner | None:
    """The CviBranding a `vdx:<namespace>/<name>` theme belongs to (see planners.branding.theme_name)."""
    if not name.startswith("vdx:") or "/" not in name:
        return None
    namespace, _, resource = name[4:].partition("/")
    return Owner("CviBranding", namespace, resource)


def _in_tenant(room: models.Conference, tenant: Tenant) -> bool:
    domains = {d for d in (alias_domain(a.alias) for a in room.aliases) if d}
    return any(in_domains(d, tenant.spec.domains) for d in domains)

"""CviBranding: render the packages, upload them, point the web app path at them, clean up after.

A webapp_branding's zip cannot change once uploaded, so a new look is a new upload: the path is
repointed to it, and only then is the old package deleted; there is never a moment without
branding. The IVR theme is updated in place (its package may be replaced) and the Tenant makes it
the theme of the tenant's meeting rooms; turned off (`spec.ivrTheme.enabled: false`), it is taken
off those rooms and deleted, as when the branding is deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from vdx.api.branding import CviBranding
from vdx.api.common import DeletionPolicy, ManagementPolicy
from vdx.api.names import alias_domain, in_domains
from vdx.api.tenant import Tenant
from vdx.branding import BrandingError
from vdx.branding.bundle import RenderedBranding
from vdx.branding.wire import MalformedMessage, RenderFailed
from vdx.controller import render_process
from vdx.controller.conditions import Phase
from vdx.controller.ownership import owner_of, without_marker
from vdx.controller.plan import Change, resolve
from vdx.controller.planners import branding as planner
from vdx.controller.planners.branding import (
    BrandingInputs,
    decide,
    domain_refusal,
    owned_packages,
    tenant_theme_of,
    theme_name,
)
from vdx.controller.reasons import Reason
from vdx.controller.reconcilers import lookups
from vdx.controller.reconcilers.base import (
    Event,
    Reconciled,
    Stop,
    apply_change,
    change_event,
    create_object,
    listed_users,
    owner_of_body,
    parse,
    update_object,
    wait_for_users,
)
from vdx.controller.registration import Registration
from vdx.controller.render_process import RenderProcessFailed
from vdx.controller.renders import RenderCache, RenderDigest
from vdx.pexip.models import IvrTheme, WebappAlias, WebappBranding
from vdx.pexip.resources import CONFERENCE, IVR_THEME, WEBAPP_ALIAS, WEBAPP_BRANDING, Kind

if TYPE_CHECKING:
    from vdx.controller.context import Context
    from vdx.controller.platforms import PlatformRuntime


async def _assets(rt: Context, branding: CviBranding, body: dict[str, Any]) -> list[dict[str, Any]]:
    namespace = str(branding.namespace)
    refs = [branding.spec.images.logo, branding.spec.images.jumbotron]
    if branding.spec.images.background is not None:
        refs.append(branding.spec.images.background.source)
    objects: dict[tuple[str, str], dict[str, Any]] = {}
    for ref in refs:
        if ref is None:
            continue
        selector = ref.config_map_key_ref or ref.secret_key_ref
        kind = "ConfigMap" if ref.config_map_key_ref else "Secret"
        assert selector is not None
        rt.watch_object(kind, namespace, selector.name, body)
        if (kind, selector.name) not in objects:
            found = await rt.kube.raw(kind, namespace, selector.name)
            if found is not None:
                objects[(kind, selector.name)] = found
    return list(objects.values())


def _fingerprint(branding: CviBranding, objects: list[dict[str, Any]]) -> str:
    """Everything a rendering depends on: the spec and the versions of the image objects."""
    return repr(
        (
            branding.spec.model_dump(mode="json"),
            sorted(str(o["metadata"].get("resourceVersion")) for o in objects),
        )
    )


async def _render(
    rt: Context, branding: CviBranding, objects: list[dict[str, Any]]
) -> RenderedBranding | RenderDigest:
    """The rendering's digest while the spec and the images are unchanged, else a new rendering.

    Rendering rasterises images for a few hundred milliseconds, so it runs in a child process
    (`vdx.controller.render_process`) and the event loop keeps serving every other resource
    meanwhile. Only the digest is kept for long (see `vdx.controller.renders`); `_packages`
    renders again when bytes must be uploaded.
    """
    key = (str(branding.namespace), branding.name)
    fingerprint = _fingerprint(branding, objects)
    return (
        renders(rt).rendering(key, fingerprint)
        or renders(rt).digest(key, fingerprint)
        or (await _render_now(rt, branding, objects, fingerprint))
    )


async def _packages(
    rt: Context,
    branding: CviBranding,
    objects: list[dict[str, Any]],
    rendered: RenderedBranding | RenderDigest,
) -> RenderedBranding:
    """The packages' bytes, for an upload: from the recent renderings, or rendered again."""
    if isinstance(rendered, RenderedBranding):
        return rendered
    key = (str(branding.namespace), branding.name)
    fingerprint = _fingerprint(branding, objects)
    return renders(rt).rendering(key, fingerprint) or await _render_now(rt, branding, objects, fingerprint)


async def _render_now(
    rt: Context, branding: CviBranding, objects: list[dict[str, Any]], fingerprint: str
) -> RenderedBranding:
    try:
        async with renders(rt).slots:
            rendered = await render_process.render(branding, objects)
    except BrandingError as error:
        problems = "; ".join(str(p) for p in error.problems[:5])
        raise Stop(Phase.STALLED, Reason.BRANDING_INVALID, problems) from None
    except (RenderFailed, RenderProcessFailed, MalformedMessage) as error:
        raise Stop(
            Phase.FAILED, Reason.RENDER_FAILED, f"rendering failed, retried with backoff: {error}"
        ) from None
    renders(rt).put((str(branding.namespace), branding.name), fingerprint, rendered)
    return rendered


async def reconcile(rt: Context, body: dict[str, Any]) -> Reconciled:
    branding = parse(CviBranding, body)
    namespace = str(branding.namespace)
    owner = owner_of_body(body)
    tenant = await lookups.tenant_of_namespace(rt, namespace)
    refused = domain_refusal(branding, tenant)
    if refused is not None:
        return Reconciled(refused.outcome)
    platform = lookups.connected_platform(rt, tenant)
    objects = await _assets(rt, branding, body)
    rendered = await _render(rt, branding, objects)
    status = dict(body.get("status") or {})
    events: list[Event] = []
    drift = lookups.was_in_line(body)
    inputs = BrandingInputs(
        branding,
        owner,
        tenant,
        rendered.content_hash,
        has_theme=branding.spec.ivr_theme.enabled,
        content_changed=status.get("contentHash") != rendered.content_hash,
        adopt=lookups.adopt_uri(body),
    )
    decision = decide(
        inputs,
        await platform.cache.objects(WEBAPP_BRANDING),
        await platform.cache.objects(WEBAPP_ALIAS),
        await platform.cache.objects(IVR_THEME),
    )
    plan = decision.plan
    if plan.blocked:
        # Drift under ObserveOnly keeps the status it had (but a theme turned off); a refusal writes none.
        observing = plan.outcome.reason == Reason.DRIFT_OBSERVED
        readers: tuple[str, ...] = ()
        if observing and not inputs.has_theme:
            readers = readers_to_wake(status, None, applied=False)
            status["ivrTheme"] = None
        return Reconciled(
            plan.outcome, status=status if observing else {}, platform=platform.name, wake=readers
        )
    known: dict[str, str] = {}
    made: dict[str, Any] = {}  # resource -> the object as Pexip now holds it
    for index, original in enumerate(plan.changes):
        change = replace(original, fields=resolve(dict(original.fields), known))
        upload = decision.files.get(index)
        if upload is not None:
            full = await _packages(rt, branding, objects, rendered)
            file = (
                ("branding.zip", full.webapp.zip_bytes)
                if upload == "webapp"
                else ("theme.zip", full.ivr_theme.zip_bytes if full.ivr_theme else b"")
            )
            kind: Kind[Any] = WEBAPP_BRANDING if upload == "webapp" else IVR_THEME
            if change.action == "create":
                obj = await create_object(platform, kind, change.fields, file=file)
            else:
                assert change.uri is not None
                obj = await update_object(platform, kind, change.uri, change.fields, file=file)
            platform.count_write(change)
        else:
            if index in decision.releases and change.uri is not None:
                await release_theme(rt, tenant, change.uri)
            obj = await apply_change(platform, change)
        if index in decision.provides and obj is not None:
            known[decision.provides[index]] = obj.resource_uri
        if obj is not None and change.action != "delete":
            made[change.resource] = obj
        events.append(change_event(change, platform.name, drift=drift and change.action == "update"))
    _, current = owned_packages(await platform.cache.objects(WEBAPP_BRANDING), owner, rendered.content_hash)
    web = branding.spec.web_app
    alias = made.get(WEBAPP_ALIAS.name) or next(
        (a for a in await platform.cache.objects(WEBAPP_ALIAS) if a.slug == web.slug), None
    )
    theme = await _reported_theme(platform, inputs, made)
    assert current is not None
    assert alias is not None
    changed = status.get("contentHash") != rendered.content_hash
    theme_uri = theme.resource_uri if theme is not None else None
    applied = changed or not status.get("appliedTime")
    readers = readers_to_wake(status, theme_uri, applied=applied)
    status.update(
        {
            "contentHash": rendered.content_hash,
            "webAppUrl": f"https://{web.domain}/{web.slug}",
            "webappBrandingUuid": current.uuid,
            "ivrTheme": theme_uri,
            "pexipObjects": [
                {"resource": WEBAPP_BRANDING.name, "resourceUri": current.resource_uri, "name": current.name},
                {"resource": WEBAPP_ALIAS.name, "resourceUri": alias.resource_uri, "name": alias.slug},
                *(
                    [{"resource": IVR_THEME.name, "resourceUri": theme.resource_uri, "name": theme.name}]
                    if theme is not None
                    else []
                ),
            ],
        }
    )
    if applied:
        status["appliedTime"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for warning in rendered.warnings[:3]:
        if changed:
            events.append(Event("Warning", Reason.BRANDING_WARNING, str(warning)[:1000]))
    return Reconciled(plan.outcome, status=status, events=events, platform=platform.name, wake=readers)


# The kinds that write a branding's IVR theme onto rooms, from its `status.ivrTheme`.
THEME_READERS = ("Tenant", "MeetingRoom", "OutlookScheduling")


def readers_to_wake(
    status_before: Mapping[str, Any], theme_uri: str | None, *, applied: bool
) -> tuple[str, ...]:
    """Whom the branding's new status concerns at once, rather than at their next resync: every
    reader of the theme when it changes (on, off, replaced), the Tenant when a package was applied."""
    if status_before.get("ivrTheme") != theme_uri:
        return THEME_READERS
    return ("Tenant",) if applied else ()


async def _reported_theme(
    platform: PlatformRuntime, inputs: BrandingInputs, made: dict[str, Any]
) -> IvrTheme | None:
    """The theme `status.ivrTheme` names: none while the spec turns it off (under ObserveOnly too,
    where it stays in Pexip): the Tenant, MeetingRooms and OutlookScheduling read the status, and a
    theme turned off must not reach them."""
    if not inputs.has_theme:
        return None
    made_theme: IvrTheme | None = made.get(IVR_THEME.name)
    themes: list[IvrTheme] = await platform.cache.objects(IVR_THEME)
    return made_theme or next((t for t in themes if t.name == theme_name(inputs.owner)), None)


async def finalize(rt: Context, body: dict[str, Any]) -> None:
    """Wait for the OutlookSchedulings that use it, then honour deletionPolicy: Delete removes the
    path, the packages and the theme (taken off the tenant's rooms first); Orphan drops the markers."""
    branding = parse(CviBranding, body)
    await _wait_for_users(rt, body, branding)
    if branding.spec.management_policy is ManagementPolicy.OBSERVE_ONLY:
        return
    tenant = await rt.tenant_for_namespace(str(branding.namespace))
    if tenant is None:
        return
    platform = lookups.connected_platform(rt, tenant)
    owner = owner_of_body(body)
    aliases: list[WebappAlias] = await platform.cache.objects(WEBAPP_ALIAS)
    brandings: list[WebappBranding] = await platform.cache.objects(WEBAPP_BRANDING)
    alias = next((a for a in aliases if owner_of(a.description) == owner), None)
    ours = [b for b in brandings if owner_of(b.description) == owner]
    if branding.spec.deletion_policy is DeletionPolicy.ORPHAN:
        for obj, resource in ((alias, WEBAPP_ALIAS.name), *((b, WEBAPP_BRANDING.name) for b in ours)):
            if obj is not None:
                fields = {"description": without_marker(obj.description)}
                await apply_change(
                    platform,
                    Change("update", resource, str(obj.resource_uri), uri=obj.resource_uri, fields=fields),
                )
        return
    if alias is not None:
        await apply_change(platform, Change("delete", WEBAPP_ALIAS.name, alias.slug, uri=alias.resource_uri))
    for old in ours:
        await apply_change(platform, Change("delete", WEBAPP_BRANDING.name, old.name, uri=old.resource_uri))
    themes: list[IvrTheme] = await platform.cache.objects(IVR_THEME)
    theme = next((t for t in themes if t.name == theme_name(owner)), None)
    if theme is not None:
        await release_theme(rt, tenant, theme.resource_uri)
        await apply_change(platform, Change("delete", IVR_THEME.name, theme.name, uri=theme.resource_uri))


def outlook_users(schedulings: Iterable[Mapping[str, Any]], branding: str) -> list[str]:
    """The OutlookSchedulings (as listed) whose `spec.brandingRef` names `branding`, sorted; those
    being deleted let go of it by themselves and are not waited for (a namespace deleted as a whole
    would otherwise wait on itself)."""
    return sorted(
        str(o["metadata"]["name"])
        for o in schedulings
        if ((o.get("spec") or {}).get("brandingRef") or {}).get("name") == branding
        and not o["metadata"].get("deletionTimestamp")
    )


async def _wait_for_users(rt: Context, body: dict[str, Any], branding: CviBranding) -> None:
    """Stop (the deletion is retried) while an OutlookScheduling names this branding, and make those
    show it at once (`DependencyDeleting`, from `outlook._branding`).

    The same way a TurnService waits for its Domains (and an IdentityProvider, a Recorder for theirs):
    the user names the dependency, so the dependency's finalizer waits until no user does. Deleting
    at once would take the theme off the connector behind its back (Pexip clears the connector's
    `ivr_theme`) while it stayed Ready until a resync found its reference dangling. Waiting whatever
    the policies: under Orphan or ObserveOnly the reference would dangle just the same. Not for a
    branding deleted before the finalizer was on it: it is gone, and nothing could end the wait.
    """
    users = outlook_users(await listed_users(rt, body, "outlookschedulings"), branding.name)
    wait_for_users(
        rt,
        body,
        [("OutlookScheduling", name) for name in users],
        f"waiting for {len(users)} OutlookScheduling(s) that use it to stop: {', '.join(users[:5])}; "
        "remove their spec.brandingRef or delete them",
    )


def renders(rt: Context) -> RenderCache:
    """Branding renderings, reused while their inputs are unchanged (digests always, bytes bounded)."""
    return rt.kind_state("CviBranding.renders", RenderCache)


async def tenant_theme(rt: Context, namespace: str) -> tuple[str | None, bool]:
    """(IVR theme of the tenant's CviBrandings, whether one is still on its way): `tenant_theme_of`
    over the namespace's brandings as watched."""
    return tenant_theme_of(body for key, body in rt.known.of_kind("CviBranding") if key[1] == namespace)


async def release_theme(rt: Context, tenant: Tenant, theme_uri: str) -> None:
    """Take a theme about to be deleted off the tenant's rooms (Pexip refuses to delete it in use)."""
    from vdx.controller.plan import Change
    from vdx.controller.planners.common import held_pins
    from vdx.controller.reconcilers.base import apply_change
    from vdx.pexip.resources import CONFERENCE

    platform = rt.platforms.get(tenant.spec.platform_ref.name)
    if platform is None:
        return
    for room in await platform.cache.objects(CONFERENCE):
        domains = {d for d in (alias_domain(a.alias) for a in room.aliases) if d}
        if (
            room.ivr_theme is not None
            and room.ivr_theme.resource_uri == theme_uri
            and any(in_domains(d, tenant.spec.domains) for d in domains)
        ):
            change = Change(
                "update",
                CONFERENCE.name,
                room.name,
                uri=room.resource_uri,
                fields={"ivr_theme": None},
                held_secrets=held_pins(room),
            )
            await apply_change(platform, change)


REGISTRATION = Registration(
    CviBranding,
    reconcile,
    finalize,
    depends_on=("Tenant", "Domain"),
    writes=(WEBAPP_BRANDING, WEBAPP_ALIAS, IVR_THEME, CONFERENCE),
    reads_objects=("Secret", "ConfigMap"),
    # The Tenant holds its room writes while its theme is on the way (`tenant_theme`): it starts
    # them as soon as the branding is Ready, not at its next recheck.
    wakes_when_ready=("OutlookScheduling", "Tenant"),
    forget=lambda rt, key: renders(rt).forget((key[1] or "", key[2])),
    offline="vdx.gitops.phases.branding",
    spec_fields=planner.SPEC_FIELDS,
)

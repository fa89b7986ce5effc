"""Promotion: what runs on a Production platform has first existed on a Stage platform.

Decision (VDX user group: test in a stage environment first, then production): the same Git tree
holds both platforms, and a resource of a tenant on a Production platform may only exist if its
counterpart exists on a Stage platform in the same tree. The counterpart of a production object
is found through its tenant's organisation label (`vdx.medcom.dk/organisation`, the same on the
stage and the prod tenant): the same kind, in the namespace of a stage tenant of the same
organisation, named the same or with the `stage-` prefix that stage objects carry by convention
(prod `vdx-rm-dk`, stage `stage-vdx-rm-dk`; the tenants themselves are `rm` and `stage-rm`).

Onboarding: most organisations were on production before stage existed, so an organisation that
has no tenant on any Stage platform yet is allowed with a warning (it is not promoted, so there is
nothing to compare). Once an organisation has a stage tenant, every one of its production
resources needs a stage counterpart. A tree with no Stage platform at all (checking the prod
folder alone) is not judged by this rule.

Escape hatch: the annotation `vdx.medcom.dk/skip-promotion-check: "<reason>"` on the production
resource (or on its Tenant, for all of the tenant's resources) skips the check and is reported as
a warning, so the exception stays visible in every review. The reason is required: an empty one
is an error (also at admission, by a ValidatingAdmissionPolicy).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from vdx.api.loader import LoadedResource
from vdx.api.platform import Environment
from vdx.policies.context import PolicyContext, tenant_of
from vdx.policies.findings import Finding, ResourceRef, Severity
from vdx.policies.rule import PolicyRule

ID = "promotion"
ORGANISATION_LABEL = "vdx.medcom.dk/organisation"
SKIP_ANNOTATION = "vdx.medcom.dk/skip-promotion-check"
SKIP_FIELD = f"metadata.annotations.{SKIP_ANNOTATION}"
STAGE_PREFIX = "stage-"


def skip_reason(loaded: LoadedResource) -> str | None:
    """The escape-hatch reason on a resource ('' when the annotation is set but empty)."""
    value = loaded.resource.metadata.annotations.get(SKIP_ANNOTATION)
    return None if value is None else value.strip()


def check(ctx: PolicyContext) -> Iterator[Finding]:
    for loaded in ctx.tree.resources:
        if skip_reason(loaded) == "":
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                SKIP_FIELD,
                f"the escape hatch {SKIP_ANNOTATION} is set without a reason",
                f'write why the promotion check is skipped: {SKIP_ANNOTATION}: "<reason>", or remove it',
            )
    if Environment.STAGE not in {p.spec.environment for p in ctx.platforms.values()}:
        return
    stage_by_org: dict[str, list[LoadedResource]] = defaultdict(list)
    for loaded in ctx.tenants:
        tenant = tenant_of(loaded)
        org = tenant.metadata.labels.get(ORGANISATION_LABEL)
        if org and ctx.environment_of(tenant) is Environment.STAGE:
            stage_by_org[org].append(loaded)
    for loaded in ctx.tenants:
        tenant = tenant_of(loaded)
        if ctx.environment_of(tenant) is not Environment.PRODUCTION:
            continue
        yield from _check_tenant(ctx, loaded, stage_by_org)


def _check_tenant(
    ctx: PolicyContext, loaded: LoadedResource, stage_by_org: dict[str, list[LoadedResource]]
) -> Iterator[Finding]:
    tenant = tenant_of(loaded)
    tenant_reason = skip_reason(loaded)
    if tenant_reason:
        yield ctx.finding(
            Severity.WARNING,
            ID,
            loaded,
            SKIP_FIELD,
            f"promotion check skipped for tenant {tenant.name} and all its resources: {tenant_reason}",
            f"remove the {SKIP_ANNOTATION} annotation once the tenant is promoted from stage",
        )
        return
    org = tenant.metadata.labels.get(ORGANISATION_LABEL)
    if not org:
        yield ctx.finding(
            Severity.ERROR,
            ID,
            loaded,
            "metadata.labels",
            f"tenant {tenant.name} on a Production platform has no {ORGANISATION_LABEL} label, so its "
            "stage counterpart cannot be found",
            f"add the label {ORGANISATION_LABEL}: <organisation> (the same value as on its stage tenant)",
        )
        return
    stage_tenants = stage_by_org.get(org)
    if not stage_tenants and org in ctx.unloaded_organisations:
        return  # its stage tenant is in the tree but did not load: that error is the first cause
    if not stage_tenants:
        yield ctx.finding(
            Severity.WARNING,
            ID,
            loaded,
            f"metadata.labels.{ORGANISATION_LABEL}",
            f"organisation {org} has no tenant on a Stage platform, so nothing of it is promoted from "
            "stage; allowed while the organisation is onboarded to stage",
            f"add a stage tenant {STAGE_PREFIX}{org} with label {ORGANISATION_LABEL}: {org} and promote "
            "changes from there",
        )
        return
    stage_namespaces = sorted(tenant_of(t).spec.namespace for t in stage_tenants)
    for resource in ctx.resources_in(tenant.spec.namespace):
        kind = type(resource.resource).__name__
        name = resource.resource.name
        candidates = [
            ResourceRef(kind, namespace, candidate)
            for namespace in stage_namespaces
            for candidate in (name, STAGE_PREFIX + name)
        ]
        if any(ctx.exists(candidate) for candidate in candidates):
            continue
        reason = skip_reason(resource)
        if reason:
            yield ctx.finding(
                Severity.WARNING,
                ID,
                resource,
                SKIP_FIELD,
                f"promotion check skipped: {reason}",
                f"add {kind} {STAGE_PREFIX}{name} on stage and remove the {SKIP_ANNOTATION} annotation",
            )
            continue
        if reason == "":
            continue  # already an error above
        yield ctx.finding(
            Severity.ERROR,
            ID,
            resource,
            "metadata.name",
            f"{kind} {name} has no counterpart on stage: organisation {org} is on stage "
            f"(namespace {', '.join(stage_namespaces)}) but has no {kind} named {name} or "
            f"{STAGE_PREFIX}{name} there; production changes are promoted from stage",
            f"add {kind} {STAGE_PREFIX}{name} to namespace {stage_namespaces[0]} first, or set the "
            f'annotation {SKIP_ANNOTATION}: "<reason>" on this resource',
        )


RULE = PolicyRule(
    ID,
    "Production resources have a counterpart on stage (with an escape hatch)",
    "The VDX user group asked that changes are tested on stage before production.",
    check,
    admission="ValidatingAdmissionPolicy vdx-promotion-skip-reason (reason required); webhook",
)

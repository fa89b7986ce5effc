"""OneTouchJoin: the tenant's One-Touch Join profile with its calendar, endpoints and rules."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from vdx.api.common import DeletionPolicy, ManagementPolicy
from vdx.api.onetouch import OneTouchJoin
from vdx.controller.conditions import Phase
from vdx.controller.ownership import owner_of, without_marker
from vdx.controller.plan import Change, resolve
from vdx.controller.planners import onetouch as planner
from vdx.controller.planners import onetouch_sent as sent
from vdx.controller.planners.common import SecretInput
from vdx.controller.planners.onetouch import (
    ENDPOINT,
    INTEGRATION,
    SECRET_FIELDS,
    OtjInputs,
    OtjObserved,
    decide,
)
from vdx.controller.reasons import Reason
from vdx.controller.reconcilers import lookups
from vdx.controller.reconcilers.base import (
    Event,
    Reconciled,
    Stop,
    apply_change,
    change_event,
    owner_of_body,
    parse,
)
from vdx.controller.registration import Registration
from vdx.controller.status import status_of
from vdx.pexip.resources import (
    MJX_ENDPOINT,
    MJX_ENDPOINT_GROUP,
    MJX_EXCHANGE_AUTODISCOVER_URL,
    MJX_EXCHANGE_DEPLOYMENT,
    MJX_GOOGLE_DEPLOYMENT,
    MJX_GRAPH_DEPLOYMENT,
    MJX_INTEGRATION,
    MJX_MEETING_PROCESSING_RULE,
    SYSTEM_LOCATION,
    Kind,
)

if TYPE_CHECKING:
    from vdx.controller.context import Context
    from vdx.controller.platforms import PlatformRuntime

DEPLOYMENTS: tuple[Kind[Any], ...] = (MJX_GRAPH_DEPLOYMENT, MJX_EXCHANGE_DEPLOYMENT, MJX_GOOGLE_DEPLOYMENT)
# Released in this order: what refers to the profile first, the calendar source last.
RELEASE_ORDER: tuple[Kind[Any], ...] = (
    MJX_ENDPOINT,
    MJX_MEETING_PROCESSING_RULE,
    MJX_ENDPOINT_GROUP,
    MJX_INTEGRATION,
    *DEPLOYMENTS,
)
OWNED: tuple[Kind[Any], ...] = (
    *DEPLOYMENTS,
    MJX_INTEGRATION,
    MJX_ENDPOINT_GROUP,
    MJX_ENDPOINT,
    MJX_MEETING_PROCESSING_RULE,
)


async def observed_of(platform: PlatformRuntime, declared: frozenset[str] = frozenset()) -> OtjObserved:
    return OtjObserved(
        deployments={kind.name: tuple(await platform.cache.objects(kind)) for kind in DEPLOYMENTS},
        autodiscover_urls=tuple(await platform.cache.objects(MJX_EXCHANGE_AUTODISCOVER_URL)),
        integrations=tuple(await platform.cache.objects(MJX_INTEGRATION)),
        groups=tuple(await platform.cache.objects(MJX_ENDPOINT_GROUP)),
        endpoints=tuple(await platform.cache.objects(MJX_ENDPOINT)),
        rules=tuple(await platform.cache.objects(MJX_MEETING_PROCESSING_RULE)),
        system_locations=tuple(await platform.cache.objects(SYSTEM_LOCATION)),
        declared_locations=declared,
    )


async def reconcile(rt: Context, body: dict[str, Any]) -> Reconciled:
    otj = parse(OneTouchJoin, body)
    spec, namespace = otj.spec, str(otj.namespace)
    owner = owner_of_body(body)
    tenant = await lookups.tenant_of_namespace(rt, namespace)
    platform = lookups.connected_platform(rt, tenant)
    calendar_ref = spec.calendar.credentials_secret_ref.name
    versions: dict[str, str] = {}  # resourceVersion by Secret name
    calendar, versions[calendar_ref] = await lookups.secret(
        rt, body, namespace, calendar_ref, "calendar credentials"
    )
    # Each Secret is read once, the calendar's too: read twice, a rotation between the two reads
    # would record the newer resourceVersion for the data read before it, and the object that got
    # the older data would not be sent the newer.
    endpoint_secrets: dict[str, SecretInput] = {calendar_ref: calendar}
    for group in spec.endpoint_groups:
        for endpoint in group.endpoints:
            ref = endpoint.credentials_secret_ref
            if ref is not None and ref.name not in endpoint_secrets:
                endpoint_secrets[ref.name], versions[ref.name] = await lookups.secret(
                    rt, body, namespace, ref.name, f"API credentials of endpoint {endpoint.name}"
                )
    # Pexip never returns the secrets: each object (the calendar source, an endpoint) gets its own
    # again when what they come from changed since they were sent (its Secret, that Secret's
    # resourceVersion, its type); the others do not (`planners.onetouch_sent`).
    sources = sent.sources(otj, versions)
    resend = sent.to_resend(status_of(body).get("secretResourceVersions"), otj, versions)
    recorded = lookups.recorded_uris(body, INTEGRATION)
    drift = not lookups.spec_changed(body)
    events: list[Event] = []
    for _ in range(3):
        inputs = OtjInputs(
            otj,
            owner,
            tenant,
            calendar,
            endpoint_secrets,
            tuple(recorded),
            lookups.adopt_uri(body),
            resend,
        )
        decision = decide(inputs, await observed_of(platform, lookups.declared_locations(rt, platform.name)))
        plan = decision.plan
        if plan.blocked or not plan.changes:
            break
        known: dict[str, str] = {}
        for index, original in enumerate(plan.changes):
            change = replace(original, fields=resolve(dict(original.fields), known))
            obj = await apply_change(platform, change)
            if index in decision.provides:
                known[decision.provides[index]] = obj.resource_uri
            if change.resource == INTEGRATION and change.action == "create":
                recorded = [obj.resource_uri]
            # A rename to the operator's new name for an endpoint is not Pexip's drift.
            own = SECRET_FIELDS | ({"name"} if index in decision.renames else set())
            is_drift = drift and change.action == "update" and not set(change.fields) <= own
            events.append(change_event(change, platform.name, is_drift))
            if is_drift:
                rt.metrics.drift_corrections.labels("OneTouchJoin", platform.name, change.resource).inc()
        resend = frozenset()  # every change applied: each object was sent what it needed
    else:
        raise Stop(Phase.PROGRESSING, Reason.CONVERGING, "changes applied; confirming on the next pass")
    if plan.blocked and not plan.owned:
        return Reconciled(plan.outcome, events=events, platform=platform.name)
    owned = set(plan.owned)
    objects = [
        {"resource": kind.name, "resourceUri": obj.resource_uri, "name": obj.name}
        for kind in (
            *DEPLOYMENTS,
            MJX_INTEGRATION,
            MJX_ENDPOINT_GROUP,
            MJX_ENDPOINT,
            MJX_MEETING_PROCESSING_RULE,
        )
        for obj in await platform.cache.objects(kind)
        if obj.resource_uri in owned
    ][:64]
    status = {
        "pexipObjects": objects,
        "profile": next((o["resourceUri"] for o in objects if o["resource"] == INTEGRATION), None),
        "endpoints": sum(1 for o in objects if o["resource"] == ENDPOINT),
        # An object whose secrets were not sent (nothing written: ObserveOnly, a refusal) stays out
        # of the record, so they are sent once the OneTouchJoin may write.
        "secretResourceVersions": sent.record(sources, pending=resend),
    }
    return Reconciled(plan.outcome, status=status, events=events, platform=platform.name)


async def finalize(rt: Context, body: dict[str, Any]) -> None:
    """Delete: endpoints, rules, groups, the profile, then the calendar source (Pexip refuses to
    delete a profile still used). Orphan: markers removed, everything left in Pexip."""
    otj = parse(OneTouchJoin, body)
    spec, namespace = otj.spec, str(otj.namespace)
    if spec.management_policy is ManagementPolicy.OBSERVE_ONLY:
        return
    tenant = await rt.tenant_for_namespace(namespace)
    if tenant is None:
        return
    platform = lookups.connected_platform(rt, tenant)
    owner = owner_of_body(body)
    adopted = {*lookups.recorded_uris(body, INTEGRATION), *filter(None, [lookups.adopt_uri(body)])}
    deleting = spec.deletion_policy is DeletionPolicy.DELETE
    done: list[str] = []
    for kind in RELEASE_ORDER:
        for obj in await platform.cache.objects(kind):
            if owner_of(getattr(obj, "description", None)) != owner and obj.resource_uri not in adopted:
                continue
            if deleting:
                change = Change("delete", kind.name, obj.name, uri=obj.resource_uri)
            else:
                change = Change(
                    "update",
                    kind.name,
                    obj.name,
                    uri=obj.resource_uri,
                    fields={"description": without_marker(obj.description)},
                )
            await apply_change(platform, change)
            done.append(change.describe())
    if deleting:  # Pexip removes autodiscover URLs with their deployment
        remaining = {d.resource_uri for d in await platform.cache.objects(MJX_EXCHANGE_DEPLOYMENT)}
        for url in await platform.cache.objects(MJX_EXCHANGE_AUTODISCOVER_URL):
            if url.exchange_deployment and url.exchange_deployment not in remaining:
                platform.cache.remove(MJX_EXCHANGE_AUTODISCOVER_URL, url.resource_uri)
    if done:
        await rt.kube.event(
            body,
            type_="Normal",
            reason="Finalized",
            message=f"{len(done)} One-Touch Join objects released ({spec.deletion_policy.value}): "
            + "; ".join(done[:5]),
        )


REGISTRATION = Registration(
    OneTouchJoin,
    reconcile,
    finalize,
    depends_on=("Tenant",),
    writes=(
        *DEPLOYMENTS,
        MJX_EXCHANGE_AUTODISCOVER_URL,
        MJX_INTEGRATION,
        MJX_ENDPOINT_GROUP,
        MJX_ENDPOINT,
        MJX_MEETING_PROCESSING_RULE,
    ),
    reads=(SYSTEM_LOCATION,),
    reads_objects=("Secret",),
    offline="vdx.gitops.phases.onetouch",
    plan_reads=("Domain",),
    spec_fields=planner.SPEC_FIELDS,
)

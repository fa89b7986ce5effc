"""OutlookScheduling: the tenant's Secure Scheduler for Exchange (booking from Outlook)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from vdx.api.common import DeletionPolicy, ManagementPolicy
from vdx.api.outlook import OutlookScheduling
from vdx.controller.conditions import Phase
from vdx.controller.ownership import without_marker
from vdx.controller.plan import Change, resolve
from vdx.controller.planners import outlook as planner
from vdx.controller.planners.branding import theme_for_users
from vdx.controller.planners.common import Dependency, DependencyState, find_owned
from vdx.controller.planners.outlook import (
    SECRET_FIELDS,
    OutlookInputs,
    OutlookObserved,
    administrator_status,
    connector_name,
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
from vdx.pexip.resources import EXCHANGE_DOMAIN, MS_EXCHANGE_CONNECTOR

if TYPE_CHECKING:
    from vdx.controller.context import Context


async def _certificates(rt: Context, namespace: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The namespace's TlsCertificates and their names, for the add-in's server domain."""
    return tuple(
        (str(c["metadata"]["name"]), tuple(str(n) for n in (c.get("spec") or {}).get("dnsNames") or []))
        for c in await rt.kube.list_namespaced("tlscertificates", namespace)
        if not c["metadata"].get("deletionTimestamp")
    )


async def _branding(rt: Context, namespace: str, name: str) -> Dependency:
    """The CviBranding whose IVR theme booked rooms show; its `uri` is the theme's (none while its
    spec turns the theme off: `theme_for_users`).

    One being deleted is DELETING (Stalled, `DependencyDeleting`), as a Domain sees its TurnService:
    the branding's finalizer waits until this resource stops naming it and wakes it to say so,
    and the connector keeps its theme meanwhile.
    """
    body = await lookups.namespaced_resource(rt, "CviBranding", namespace, name)
    if body is None:
        return Dependency("CviBranding", namespace, name, DependencyState.MISSING)
    if (body.get("metadata") or {}).get("deletionTimestamp"):
        return Dependency("CviBranding", namespace, name, DependencyState.DELETING)
    if not lookups.is_ready(body):
        return Dependency("CviBranding", namespace, name, DependencyState.WAITING)
    return Dependency("CviBranding", namespace, name, DependencyState.READY, theme_for_users(body))


async def _observed(rt: Context, platform: Any) -> OutlookObserved:
    return OutlookObserved(
        tuple(await platform.cache.objects(MS_EXCHANGE_CONNECTOR)),
        tuple(await platform.cache.objects(EXCHANGE_DOMAIN)),
    )


async def reconcile(rt: Context, body: dict[str, Any]) -> Reconciled:
    scheduling = parse(OutlookScheduling, body)
    spec, namespace = scheduling.spec, str(scheduling.namespace)
    owner = owner_of_body(body)
    tenant = await lookups.tenant_of_namespace(rt, namespace)
    platform = lookups.connected_platform(rt, tenant)
    credentials, credentials_version = await lookups.secret(
        rt, body, namespace, spec.exchange.credentials_secret_ref.name, "Exchange credentials"
    )
    key_pair, key_pair_version = await lookups.secret(
        rt, body, namespace, spec.key_pair_secret_ref.name, "the connector's key pair"
    )
    # Pexip never returns the secrets: they are resent whenever either Secret changed, or the
    # connection now sends them into other fields (an OAuth client secret, or a password).
    exchange = spec.exchange
    sent_as = f"{exchange.type.value}/{exchange.authentication.value}"
    version = f"{credentials_version}/{key_pair_version}/{sent_as}"
    sent_version = status_of(body).get("secretResourceVersions")
    secret_changed = sent_version != version
    branding = identity = None
    if spec.branding_ref is not None:
        branding = await _branding(rt, namespace, spec.branding_ref.name)
    if spec.identity_provider_ref is not None:
        identity = await lookups.identity_provider(rt, namespace, spec.identity_provider_ref.name)
    recorded = lookups.recorded_uris(body, MS_EXCHANGE_CONNECTOR.name)
    certificates = await _certificates(rt, namespace)
    drift = not lookups.spec_changed(body)
    events: list[Event] = []
    for _ in range(3):
        inputs = OutlookInputs(
            scheduling,
            owner,
            tenant,
            credentials,
            key_pair,
            certificates,
            branding,
            identity,
            tuple(recorded),
            lookups.adopt_uri(body),
            secret_changed,
        )
        decision = decide(inputs, await _observed(rt, platform))
        plan = decision.plan
        if plan.blocked or not plan.changes:
            break
        known: dict[str, str] = {}
        for index, original in enumerate(plan.changes):
            change = replace(original, fields=resolve(dict(original.fields), known))
            obj = await apply_change(platform, change)
            if change.resource == MS_EXCHANGE_CONNECTOR.name and change.action == "create":
                # Pexip sets the uuid the status reports: read the new connector back once.
                obj = await platform.client.get(MS_EXCHANGE_CONNECTOR, obj.id)
                platform.cache.put(MS_EXCHANGE_CONNECTOR, obj)
                recorded = [obj.resource_uri]
            if index in decision.provides:
                known[decision.provides[index]] = obj.resource_uri
            is_drift = drift and change.action == "update" and not set(change.fields) <= SECRET_FIELDS
            events.append(change_event(change, platform.name, is_drift))
            if is_drift:
                rt.metrics.drift_corrections.labels("OutlookScheduling", platform.name, change.resource).inc()
        secret_changed = False
    else:
        raise Stop(Phase.PROGRESSING, Reason.CONVERGING, "changes applied; confirming on the next pass")
    if plan.blocked and not plan.owned:
        return Reconciled(plan.outcome, events=events, platform=platform.name)
    connectors = {c.resource_uri: c for c in await platform.cache.objects(MS_EXCHANGE_CONNECTOR)}
    domains = {d.resource_uri: d for d in await platform.cache.objects(EXCHANGE_DOMAIN)}
    objects = [
        {"resource": MS_EXCHANGE_CONNECTOR.name, "resourceUri": uri, "name": connectors[uri].name}
        for uri in plan.owned
        if uri in connectors
    ] + [
        {"resource": EXCHANGE_DOMAIN.name, "resourceUri": uri, "name": domains[uri].domain}
        for uri in plan.owned
        if uri in domains
    ]
    connector = next((o["resourceUri"] for o in objects if o["resource"] == MS_EXCHANGE_CONNECTOR.name), None)
    status = {
        "pexipObjects": objects,
        "connector": connector,
        "uuid": (connectors[connector].uuid or None) if connector else None,
        "secretResourceVersions": sent_version if secret_changed else version,
        "outlookAdministrator": administrator_status(spec, tenant),
    }
    return Reconciled(plan.outcome, status=status, events=events, platform=platform.name)


async def finalize(rt: Context, body: dict[str, Any]) -> None:
    """Delete: the connector (Pexip removes its exchange domains with it). Orphan: the marker only."""
    scheduling = parse(OutlookScheduling, body)
    spec, namespace = scheduling.spec, str(scheduling.namespace)
    if spec.management_policy is ManagementPolicy.OBSERVE_ONLY:
        return
    tenant = await rt.tenant_for_namespace(namespace)
    if tenant is None:
        return
    platform = lookups.connected_platform(rt, tenant)
    owner = owner_of_body(body)
    recorded = lookups.recorded_uris(body, MS_EXCHANGE_CONNECTOR.name)
    adopt = lookups.adopt_uri(body)
    found = find_owned(
        await platform.cache.objects(MS_EXCHANGE_CONNECTOR), owner, recorded=recorded, adopt=adopt
    )
    if found.obj is None:
        # A create whose answer was lost is in Pexip until the next resync shows it: look it up.
        candidate = await platform.client.find(
            MS_EXCHANGE_CONNECTOR, name=connector_name(namespace, scheduling.name)
        )
        if candidate is not None:
            platform.cache.put(MS_EXCHANGE_CONNECTOR, candidate)
            found = find_owned([candidate], owner, recorded=recorded, adopt=adopt)
    connector = found.obj
    if connector is None:
        return
    if spec.deletion_policy is DeletionPolicy.DELETE:
        change = Change("delete", MS_EXCHANGE_CONNECTOR.name, connector.name, uri=connector.resource_uri)
    else:
        change = Change(
            "update",
            MS_EXCHANGE_CONNECTOR.name,
            connector.name,
            uri=connector.resource_uri,
            fields={"description": without_marker(connector.description)},
        )
    await apply_change(platform, change)
    if change.action == "delete":
        for domain in await platform.cache.objects(EXCHANGE_DOMAIN):
            if domain.exchange_connector == connector.resource_uri:
                platform.cache.remove(EXCHANGE_DOMAIN, domain.resource_uri)
    await rt.kube.event(
        body,
        type_="Normal",
        reason="Finalized",
        message=f"{change.describe()} ({spec.deletion_policy.value})",
    )


REGISTRATION = Registration(
    OutlookScheduling,
    reconcile,
    finalize,
    depends_on=("Tenant", "TlsCertificate", "CviBranding", "IdentityProvider"),
    writes=(MS_EXCHANGE_CONNECTOR, EXCHANGE_DOMAIN),
    reads_objects=("Secret",),
    offline="vdx.gitops.phases.outlook",
    plan_reads=("CviBranding", "IdentityProvider"),
    spec_fields=planner.SPEC_FIELDS,
)

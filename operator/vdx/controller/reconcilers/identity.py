"""IdentityProvider: the SAML identity provider, its group, and the attributes it names."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from vdx.api.common import DeletionPolicy, ManagementPolicy
from vdx.api.identity import IdentityProvider
from vdx.controller.ownership import owner_of, without_marker
from vdx.controller.plan import Change, resolve
from vdx.controller.planners import identity as planner
from vdx.controller.planners.common import Plan, find_owned
from vdx.controller.planners.identity import (
    IdentityInputs,
    acs_urls,
    decide,
    idp_uuid,
    prepare,
    service_entity_id,
)
from vdx.controller.reconcilers import lookups
from vdx.controller.reconcilers.base import (
    Event,
    Reconciled,
    apply_change,
    change_event,
    listed_users,
    owner_of_body,
    parse,
    wait_for_users,
)
from vdx.controller.registration import Registration
from vdx.pexip.resources import IDENTITY_PROVIDER, IDENTITY_PROVIDER_ATTRIBUTE, IDENTITY_PROVIDER_GROUP

if TYPE_CHECKING:
    from vdx.controller.context import Context

# The kinds that name an IdentityProvider: its group is in their Pexip objects, so it is not
# deleted from under them (an Outlook connector's host_identity_provider_group too).
USERS = (("meetingrooms", "MeetingRoom"), ("devices", "Device"), ("outlookschedulings", "OutlookScheduling"))


async def _web_app_domains(rt: Context, namespace: str) -> list[str]:
    """The namespace's Domains used for WebApp (for an IdentityProvider that names none itself)."""
    return [
        str(d["spec"]["fqdn"])
        for d in await rt.kube.list_namespaced("domains", namespace)
        if "WebApp" in ((d.get("spec") or {}).get("uses") or [])
        and not d["metadata"].get("deletionTimestamp")
    ]


async def reconcile(rt: Context, body: dict[str, Any]) -> Reconciled:
    idp = parse(IdentityProvider, body)
    namespace = str(idp.namespace)
    tenant = await lookups.tenant_of_namespace(rt, namespace)
    platform = lookups.connected_platform(rt, tenant)
    read = await lookups.file_text(
        rt, body, namespace, idp.spec.token_signing_certificate, "token-signing certificate"
    )
    inputs = IdentityInputs(
        idp,
        tenant,
        read if isinstance(read, Plan) else read[0],
        certificate_known=True,
        web_app_domains=[] if idp.spec.web_app_domains else await _web_app_domains(rt, namespace),
    )
    facts = prepare(inputs)
    if isinstance(facts, Plan):
        return Reconciled(facts.outcome, platform=platform.name)
    certificate, domains = facts.certificate, facts.domains
    idp_id = idp_uuid(platform.name, namespace, idp.name)
    drift = lookups.was_in_line(body)
    events: list[Event] = []
    decision = decide(
        inputs,
        facts,
        platform.name,
        await platform.cache.objects(IDENTITY_PROVIDER_ATTRIBUTE),
        await platform.cache.objects(IDENTITY_PROVIDER),
        await platform.cache.objects(IDENTITY_PROVIDER_GROUP),
        recorded=lookups.recorded_uris(body, IDENTITY_PROVIDER.name),
        recorded_groups=lookups.recorded_uris(body, IDENTITY_PROVIDER_GROUP.name),
        adopt=lookups.adopt_uri(body),
    )
    if decision.plan.blocked:
        return Reconciled(decision.plan.outcome, platform=platform.name)
    known: dict[str, str] = {}
    for index, original in enumerate(decision.plan.changes):
        change = replace(original, fields=resolve(dict(original.fields), known))
        obj = await apply_change(platform, change)
        if index in decision.provides:
            known[decision.provides[index]] = obj.resource_uri
        is_drift = drift and change.action == "update"
        events.append(change_event(change, platform.name, is_drift))
        if is_drift and change.resource == IDENTITY_PROVIDER.name:
            rt.metrics.drift_corrections.labels(
                "IdentityProvider", platform.name, IDENTITY_PROVIDER.name
            ).inc()
    idp_uri = resolve(decision.idp_uri, known)
    group_uri = resolve(decision.group_uri, known)
    urls = acs_urls(domains, idp_id)
    status = {
        "pexipObjects": [
            {"resource": IDENTITY_PROVIDER.name, "resourceUri": idp_uri, "name": idp.spec.display_name},
            *(
                [
                    {
                        "resource": IDENTITY_PROVIDER_GROUP.name,
                        "resourceUri": group_uri,
                        "name": idp.spec.display_name,
                    }
                ]
                if group_uri
                else []
            ),
        ],
        "uuid": idp_id,
        "serviceEntityId": service_entity_id(domains),
        "assertionConsumerServiceUrls": urls,
        "group": group_uri,
        "certificateNotAfter": certificate.not_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "certificateFingerprintSha256": certificate.fingerprint_sha256,
    }
    outcome = decision.plan.outcome
    rt.wake_users(namespace)
    return Reconciled(outcome, status=status, events=events, platform=platform.name)


async def finalize(rt: Context, body: dict[str, Any]) -> None:
    """Wait for the rooms, devices and Outlook connectors that sign in with it, then remove group,
    provider, attributes."""
    idp = parse(IdentityProvider, body)
    namespace = str(idp.namespace)
    holding = sorted(
        [
            (user_kind, str(o["metadata"]["name"]))
            for plural, user_kind in USERS
            for o in await listed_users(rt, body, plural)
            if idp.name in _referenced_idps(o)
        ]
    )
    wait_for_users(
        rt,
        body,
        holding,
        f"waiting for {len(holding)} resources that sign in with it to stop: "
        + ", ".join(f"{kind} {name}" for kind, name in holding[:5]),
    )
    if idp.spec.management_policy is ManagementPolicy.OBSERVE_ONLY:
        return
    tenant = await rt.tenant_for_namespace(namespace)
    if tenant is None:
        return
    platform = lookups.connected_platform(rt, tenant)
    owner = owner_of_body(body)
    deleting = idp.spec.deletion_policy is DeletionPolicy.DELETE
    done: list[str] = []
    for kind in (IDENTITY_PROVIDER_GROUP, IDENTITY_PROVIDER):
        found = find_owned(
            await platform.cache.objects(kind), owner, recorded=lookups.recorded_uris(body, kind.name)
        )
        if found.obj is None:
            continue
        if deleting:
            change = Change("delete", kind.name, found.obj.name, uri=found.obj.resource_uri)
        else:
            change = Change(
                "update",
                kind.name,
                found.obj.name,
                uri=found.obj.resource_uri,
                fields={"description": without_marker(found.obj.description)},
            )
        await apply_change(platform, change)
        done.append(change.describe())
    if deleting:
        still_used = {
            a.resource_uri for p in await platform.cache.objects(IDENTITY_PROVIDER) for a in p.attributes
        }
        for attribute in await platform.cache.objects(IDENTITY_PROVIDER_ATTRIBUTE):
            if owner_of(attribute.description) == owner and attribute.resource_uri not in still_used:
                change = Change(
                    "delete", IDENTITY_PROVIDER_ATTRIBUTE.name, attribute.name, uri=attribute.resource_uri
                )
                await apply_change(platform, change)
                done.append(change.describe())
    if done:
        await rt.kube.event(
            body,
            type_="Normal",
            reason="Finalized",
            message="; ".join(done) + f" ({idp.spec.deletion_policy.value})",
        )


def _referenced_idps(body: dict[str, Any]) -> set[str]:
    spec = body.get("spec") or {}
    names = set()
    auth = spec.get("authentication") or {}
    for key in ("hostIdentityProviderRef", "guestIdentityProviderRef"):
        if (auth.get(key) or {}).get("name"):
            names.add(str(auth[key]["name"]))
    for holder in (spec.get("sso") or {}, spec):  # a Device's sso, an OutlookScheduling's spec
        if (holder.get("identityProviderRef") or {}).get("name"):
            names.add(str(holder["identityProviderRef"]["name"]))
    return names


REGISTRATION = Registration(
    IdentityProvider,
    reconcile,
    finalize,
    depends_on=("Tenant", "Domain"),
    writes=(IDENTITY_PROVIDER_ATTRIBUTE, IDENTITY_PROVIDER, IDENTITY_PROVIDER_GROUP),
    reads_objects=("Secret", "ConfigMap"),
    wakes_when_ready=("OutlookScheduling",),
    offline="vdx.gitops.phases.identity",
    spec_fields=planner.SPEC_FIELDS,
)

"""OneTouchJoin offline: the tenant's OTJ profile with its calendar source, endpoint groups, endpoints
and rules, after the domains' bindings (the system locations as the plan leaves them)."""

from __future__ import annotations

from typing import Any

from vdx.api.onetouch import OneTouchJoin
from vdx.controller.ownership import Owner
from vdx.controller.planners.common import SecretInput
from vdx.controller.planners.onetouch import (
    DEPLOYMENT_FIELD,
    ENDPOINT,
    GROUP,
    INTEGRATION,
    RULE,
    OtjInputs,
    OtjObserved,
    decide,
    endpoint_name,
)
from vdx.controller.planners.onetouch_sent import keys_of
from vdx.gitops.offline import OfflinePlanner, Step, adopt_of, from_secret, label_of, unresolved
from vdx.gitops.phases import domain, platform
from vdx.pexip.resources import (
    MJX_ENDPOINT,
    MJX_ENDPOINT_GROUP,
    MJX_EXCHANGE_AUTODISCOVER_URL,
    MJX_INTEGRATION,
    MJX_MEETING_PROCESSING_RULE,
)


def _deployments(planner: OfflinePlanner) -> dict[str, list[Any]]:
    return {name: planner.observed.lists.get(name, []) for name in DEPLOYMENT_FIELD}


def plan(planner: OfflinePlanner) -> None:
    for otj in planner.in_scope(OneTouchJoin):
        _one_touch_join(planner, otj)


def _one_touch_join(planner: OfflinePlanner, otj: OneTouchJoin) -> None:
    namespace, source = str(otj.namespace), label_of(otj)
    owner = Owner("OneTouchJoin", namespace, otj.name)
    tenant = planner.by_namespace[namespace]
    spec = otj.spec
    calendar = (namespace, spec.calendar.credentials_secret_ref.name)
    calendar_values = planner.desired.secrets.get(calendar)
    endpoint_secrets: dict[str, SecretInput] = {}
    endpoint_secret_of: dict[str, str] = {}  # endpoint's name in Pexip -> its Secret
    secret_of: dict[str, tuple[str, str]] = dict.fromkeys(
        ("client_secret", "service_account_username", "service_account_password", "private_key"), calendar
    )
    given = calendar_values is not None
    for group in spec.endpoint_groups:
        for endpoint in group.endpoints:
            if endpoint.credentials_secret_ref is not None:
                key = (namespace, endpoint.credentials_secret_ref.name)
                values = planner.desired.secrets.get(key)
                given = given and values is not None
                endpoint_secrets[key[1]] = values if values is not None else from_secret(*key)
                endpoint_secret_of[endpoint_name(owner, endpoint.name)] = key[1]
    inputs = OtjInputs(
        otj,
        owner,
        tenant,
        calendar_values if calendar_values is not None else from_secret(*calendar),
        endpoint_secrets,
        adopt=adopt_of(otj),
        # Pexip never returns the secrets: resent only when asked (to every object), as for TURN
        # secrets; there is no record here of what was sent, as the operator keeps in status.
        resend=keys_of(otj) if planner.desired.resend_secrets and given else frozenset(),
    )
    observed = OtjObserved(
        deployments={k: tuple(v) for k, v in _deployments(planner).items()},
        autodiscover_urls=tuple(planner.observed.of(MJX_EXCHANGE_AUTODISCOVER_URL)),
        integrations=tuple(planner.observed.of(MJX_INTEGRATION)),
        groups=tuple(planner.observed.of(MJX_ENDPOINT_GROUP)),
        endpoints=tuple(planner.observed.of(MJX_ENDPOINT)),
        rules=tuple(planner.observed.of(MJX_MEETING_PROCESSING_RULE)),
        system_locations=tuple(domain.locations(planner)),
        declared_locations=platform.declared(planner),
    )
    decision = decide(inputs, observed)
    if planner.blocked(decision.plan, source):
        return
    for index, original in enumerate(decision.plan.changes):
        change = planner.known_only(original)
        if change is None:
            continue
        endpoint_secret = endpoint_secret_of.get(change.label)
        if endpoint_secret is not None and unresolved(change.fields.values()):
            planner.need_secret(namespace, endpoint_secret, source)
        planner.need_for_pending(change, secret_of, source)
        planner.add(Step(tenant.name, source, change, provides=decision.provides.get(index)))


def removed(planner: OfflinePlanner) -> None:
    """What refers to the profile first, the calendar source last."""
    ordered: list[tuple[str, list[Any]]] = [
        (ENDPOINT, planner.observed.of(MJX_ENDPOINT)),
        (RULE, planner.observed.of(MJX_MEETING_PROCESSING_RULE)),
        (GROUP, planner.observed.of(MJX_ENDPOINT_GROUP)),
        (INTEGRATION, planner.observed.of(MJX_INTEGRATION)),
        *_deployments(planner).items(),
    ]
    for resource, objects in ordered:
        planner.delete_left_behind("OneTouchJoin", resource, objects, lambda o: str(o.name))

"""OneTouchJoin -> its calendar deployment, the `mjx_integration` (OTJ profile), endpoint groups,
endpoints and meeting processing rules, as one ordered plan.

Every decision of the kind is here, for the operator and `vdx plan` alike: the refusals (a rule's
domain outside the tenant, a regular expression or transform that does not compile, incomplete
Secrets, a system location Pexip lacks, an app registration another tenant's deployment uses, a room
mailbox or endpoint address another tenant's endpoint holds, a stranger's object with our name),
the fields, which secrets are sent (on create, and to the objects `inputs.resend` names: Pexip never
returns them; `onetouch_sent` says which), creates in dependency order with placeholders for URIs
not yet made, an endpoint made under its former name renamed in place, then the deletes of what the
spec no longer has, and observe-only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vdx.api.common import ManagementPolicy
from vdx.api.names import in_domains
from vdx.api.onetouch import (
    PEXIP_ENDPOINT_TYPE,
    CalendarType,
    Endpoint,
    EndpointType,
    MeetingType,
    OneTouchJoin,
    ProcessingRule,
)
from vdx.api.tenant import Tenant
from vdx.calendar import texts
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.ownership import Owner, owner_of
from vdx.controller.plan import Change, create_with_secrets, pending, update_with_secrets
from vdx.controller.planners.common import (
    SET_BY_OPERATOR,
    Plan,
    SecretInput,
    find_owned,
    foreign_outcome,
    refuse,
    same_names,
    settle,
)
from vdx.controller.planners.locations import waiting_for_location
from vdx.controller.planners.onetouch_sent import CALENDAR, endpoint_key
from vdx.controller.reasons import Reason

INTEGRATION = "mjx_integration"
GROUP = "mjx_endpoint_group"
ENDPOINT = "mjx_endpoint"
RULE = "mjx_meeting_processing_rule"
AUTODISCOVER = "mjx_exchange_autodiscover_url"
DEPLOYMENT: dict[CalendarType, str] = {
    CalendarType.MICROSOFT_365: "mjx_graph_deployment",
    CalendarType.EXCHANGE: "mjx_exchange_deployment",
    CalendarType.GOOGLE_WORKSPACE: "mjx_google_deployment",
}
# The integration's field naming each deployment type.
DEPLOYMENT_FIELD = {
    "mjx_graph_deployment": "graph_deployment",
    "mjx_exchange_deployment": "exchange_deployment",
    "mjx_google_deployment": "google_deployment",
}
SECRET_FIELDS = frozenset(
    {"client_secret", "service_account_password", "private_key", "api_password", "poly_password"}
)
MICROSOFT_LOGIN = "https://login.microsoftonline.com"
# An endpoint's name in Pexip: the calendar appendix says 100 characters, pexip-api.md 250; the
# stricter holds (the simulator enforces it).
ENDPOINT_NAME_LIMIT = 100
DEFAULT_PRIORITY = 100
MAX_PRIORITY = 200  # Pexip's highest rule priority


@dataclass(frozen=True)
class OtjInputs:
    otj: OneTouchJoin
    owner: Owner
    tenant: Tenant
    calendar_secret: SecretInput
    # Endpoint credentials by Secret name (offline, a placeholder where --secrets lacked one).
    endpoint_secrets: Mapping[str, SecretInput] = field(default_factory=dict)
    recorded: tuple[str, ...] = ()  # the integration's URI, as status recorded it
    adopt: str | None = None  # an integration to take over
    # The objects whose secrets are sent again, by `onetouch_sent` key (the calendar source, an
    # endpoint): the operator's record says whose source changed; `vdx apply --resend-secrets` all.
    resend: frozenset[str] = frozenset()


@dataclass(frozen=True)
class OtjObserved:
    deployments: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)  # by resource type
    autodiscover_urls: tuple[Any, ...] = ()
    integrations: tuple[Any, ...] = ()
    groups: tuple[Any, ...] = ()
    endpoints: tuple[Any, ...] = ()
    rules: tuple[Any, ...] = ()
    system_locations: tuple[Any, ...] = ()
    # The locations the tenant's PexipPlatform declares: one not in Pexip yet is a wait for it.
    declared_locations: frozenset[str] = frozenset()


@dataclass
class OtjDecision:
    plan: Plan
    provides: dict[int, str] = field(default_factory=dict)
    integration: str | None = None
    endpoints: int = 0
    # Indexes in plan.changes of the updates that rename an endpoint made under its former name: the
    # operator's own naming moved, so the rename is no drift of Pexip's.
    renames: set[int] = field(default_factory=set)


def names(owner: Owner) -> dict[str, str]:
    base = f"{owner.namespace}/{owner.name}"
    return {"profile": base, "deployment": base}


def endpoint_name(owner: Owner, endpoint: str) -> str:
    """`<namespace>/<otj>/<endpoint>`, as groups and rules are named: endpoint names are unique in
    a OneTouchJoin only, so two of one namespace may both have an `mr-1`.

    Pexip holds 100 characters: a longer name keeps its start and ends in a digest of the whole
    (a space cannot occur in the names it is made of), so cutting it cannot make two names one."""
    full = f"{owner.namespace}/{owner.name}/{endpoint}"
    if len(full) <= ENDPOINT_NAME_LIMIT:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:12]
    return f"{full[: ENDPOINT_NAME_LIMIT - len(digest) - 1]} {digest}"


def former_endpoint_name(owner: Owner, endpoint: str) -> str:
    """The name endpoints were given before the OneTouchJoin's name was part of it: one found under
    it with this OneTouchJoin's marker is renamed in place, keeping what Pexip holds for it."""
    return f"{owner.namespace}/{endpoint}"[:ENDPOINT_NAME_LIMIT]


def default_rules(tenant: Tenant) -> list[ProcessingRule]:
    """One pexipinfinity rule per tenant domain: a VDX alias of the tenant becomes a Join button.

    From priority 100 on, or lower when the domains would not fit below Pexip's 200 (a tenant may
    have 200 domains), so each rule keeps a priority of its own."""
    start = min(DEFAULT_PRIORITY, MAX_PRIORITY + 1 - len(tenant.spec.domains))
    return [
        ProcessingRule(
            name=f"vdx-{index + 1}",
            priority=start + index,
            meeting_type=MeetingType.PEXIP_INFINITY,
            domain=domain,
        )
        for index, domain in enumerate(tenant.spec.domains)
    ]


def _uri(value: Any) -> str:
    return str(getattr(value, "resource_uri", value) or "")


def _credentials(data: Mapping[str, str], keys: tuple[str, ...], secret: str, what: str) -> str | None:
    missing = [k for k in keys if not data.get(k)]
    if missing:
        return f"Secret {secret} lacks {' and '.join(missing)}; add {what} under them"
    return None


def _rule_refusal(otj: OneTouchJoin, tenant: Tenant) -> Plan | None:
    for index, rule in enumerate(otj.spec.rules):
        path = f"spec.rules[{index}]"
        if rule.domain is not None and not in_domains(rule.domain, tenant.spec.domains):
            return refuse(
                Phase.STALLED,
                Reason.RULE_DOMAIN_OUTSIDE_TENANT,
                f"{path}.domain",
                f"{path}.domain {rule.domain} is not in Tenant {tenant.name}'s domains "
                f"({', '.join(tenant.spec.domains)}); a rule turns the tenant's own VDX aliases into Join "
                "buttons: use one of them",
            )
        if rule.match_string:
            try:
                re.compile(rule.match_string)
            except re.error as exc:
                return refuse(
                    Phase.STALLED,
                    Reason.REGEX_INVALID,
                    f"{path}.matchString",
                    f"{path}.matchString is not a valid regular expression ({exc}); fix it",
                )
        if rule.transform_rule and (error := texts.syntax_error(rule.transform_rule)):
            return refuse(
                Phase.STALLED,
                Reason.TEMPLATE_INVALID,
                f"{path}.transformRule",
                f"{path}.transformRule is not valid Jinja2 ({error}); fix the template",
            )
    return None


@dataclass
class _Builder:
    """Accumulates one ordered plan: creates and updates, then deletes."""

    inputs: OtjInputs
    observed: OtjObserved
    decision: OtjDecision = field(default_factory=lambda: OtjDecision(Plan()))
    deletes: list[Change] = field(default_factory=list)
    unknown: frozenset[str] = frozenset()

    def ensure(
        self,
        resource: str,
        name: str,
        want: dict[str, Any],
        secrets: Mapping[str, str],
        candidates: tuple[Any, ...],
        *,
        recorded: tuple[str, ...] = (),
        adopt: str | None = None,
        formerly: str | None = None,
        named_by: str | None = None,
        resend: bool = False,
    ) -> str | Plan:
        """Our object of `name`: created (its placeholder returned), corrected, or refused as foreign.

        `formerly` is a name the operator gave the object before: ours under it (by marker) is
        renamed rather than replaced, unless another object already has the new name. `named_by` says
        what to rename (the spec field the name comes from) when another object has the name: the
        adopt annotation takes over the profile only, so it is no fix for these. `resend`: the object's
        secrets are sent again though nothing else differs (what they come from changed)."""
        owner = self.inputs.owner
        known = {*recorded, *((adopt,) if adopt else ())}
        named = [c for c in candidates if c.name == name or c.resource_uri in known]
        found = find_owned(named, owner, recorded=recorded, adopt=adopt, name=name)
        plan = self.decision.plan
        renamed = False
        if found.obj is None and found.foreign is None and formerly is not None:
            earlier = [c for c in candidates if c.name == formerly and c.resource_uri not in plan.owned]
            found = find_owned(earlier, owner)
            renamed = found.obj is not None
        if found.obj is None:
            if found.foreign is not None:
                if named_by is not None:
                    return Plan(outcome=_held(resource, name, found.foreign, named_by))
                return Plan(outcome=foreign_outcome(resource, name, found.foreign.resource_uri))
            placeholder = pending(resource, name)
            self.decision.provides[len(plan.changes)] = placeholder
            plan.changes.append(create_with_secrets(resource, name, want, secrets))
            return placeholder
        current = found.obj
        plan.owned.append(current.resource_uri)
        if renamed and self.inputs.otj.spec.management_policy is ManagementPolicy.OBSERVE_ONLY:
            # Not drift: the operator's naming moved. Renamed once the policy lets it write.
            want = {k: v for k, v in want.items() if k != "name"}
        update = update_with_secrets(
            resource,
            name,
            current,
            want,
            secrets,
            secret_changed=resend or _sent_elsewhere(current, want),
            unknown=self.unknown,
        )
        if update is not None:
            if renamed:
                self.decision.renames.add(len(plan.changes))
            plan.changes.append(update)
        return str(current.resource_uri)

    def stale(self, resource: str, objects: tuple[Any, ...], wanted: set[str], label: str = "name") -> None:
        """Delete what carries our marker but the spec no longer has (one renamed in place is kept)."""
        owned = set(self.decision.plan.owned)
        for obj in objects:
            if (
                owner_of(getattr(obj, "description", None)) == self.inputs.owner
                and obj.name not in wanted
                and obj.resource_uri not in owned
            ):
                self.deletes.append(
                    Change("delete", resource, str(getattr(obj, label)), uri=obj.resource_uri)
                )


def _held(resource: str, name: str, holder: Any, named_by: str) -> Outcome:
    """Another object has the name: another resource's (its marker says whose), or a stranger's."""
    owner = owner_of(getattr(holder, "description", None))
    where = f"a {resource} named {name} already exists in Pexip ({holder.resource_uri})"
    if owner is not None:
        message = (
            f"{where} and belongs to {owner}; Pexip names are unique: rename {named_by} here or in {owner}"
        )
    else:
        message = (
            f"{where}, made by another system (no vdx marker); the adopt annotation takes over only "
            f"the profile: rename {named_by}, or rename or delete that {resource} in Pexip"
        )
    return Outcome(Phase.STALLED, Reason.ALREADY_EXISTS, message)


def _sent_elsewhere(current: Any, want: Mapping[str, Any]) -> bool:
    """An endpoint whose type changes takes its password in another field (a Poly endpoint's
    poly_password, a Cisco one's api_password): Pexip holds none there yet, so it is sent."""
    return "endpoint_type" in want and getattr(current, "endpoint_type", None) != want["endpoint_type"]


def _endpoint_fields(
    endpoint: Endpoint, owner: Owner, group: str, credentials: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    poly = endpoint.type is EndpointType.POLY
    want: dict[str, Any] = {
        "name": endpoint_name(owner, endpoint.name),
        "description": owner.describe(endpoint.description),
        "endpoint_type": PEXIP_ENDPOINT_TYPE[endpoint.type],
        "room_resource_email": endpoint.room_mailbox,
        "mjx_endpoint_group": group,
        "api_address": endpoint.address,
        "api_port": endpoint.port,
        "api_username": None if poly else credentials.get("username"),
        "poly_username": credentials.get("username") if poly else None,
        "webex_device_id": endpoint.webex_device_id,
    }
    secrets = {}
    if "password" in credentials:
        secrets["poly_password" if poly else "api_password"] = credentials["password"]
    return want, secrets


def _deployment_fields(
    otj: OneTouchJoin, owner: Owner, credentials: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    calendar = otj.spec.calendar
    name = names(owner)["deployment"]
    description = owner.describe(f"One-Touch Join calendar of {otj.name}")
    if calendar.type is CalendarType.MICROSOFT_365:
        return (
            {
                "name": name,
                "description": description,
                "client_id": calendar.application_id,
                "oauth_token_url": f"{MICROSOFT_LOGIN}/{calendar.entra_tenant_id}/oauth2/v2.0/token",
            },
            {"client_secret": credentials["clientSecret"]},
        )
    if calendar.type is CalendarType.EXCHANGE:
        return (
            {
                "name": name,
                "description": description,
                "service_account_username": credentials.get("username", ""),
                "ews_url": calendar.ews_url or "",
            },
            {"service_account_password": credentials["password"]},
        )
    return (
        {
            "name": name,
            "description": description,
            "client_email": calendar.service_account_email,
            "client_id": calendar.client_id,
        },
        {"private_key": credentials["privateKey"]},
    )


CALENDAR_KEYS = {
    CalendarType.MICROSOFT_365: (("clientSecret",), "the app registration's client secret"),
    CalendarType.EXCHANGE: (("username", "password"), "the Exchange service account"),
    CalendarType.GOOGLE_WORKSPACE: (("privateKey",), "the service account's private key"),
}


def _endpoints(otj: OneTouchJoin) -> list[tuple[str, Endpoint]]:
    """(field path, endpoint) of every endpoint of the spec."""
    return [
        (f"spec.endpointGroups[{g}].endpoints[{e}]", endpoint)
        for g, group in enumerate(otj.spec.endpoint_groups)
        for e, endpoint in enumerate(group.endpoints)
    ]


def _taken(inputs: OtjInputs, observed: OtjObserved) -> Plan | None:
    """A room mailbox or endpoint address another owner's endpoint holds."""
    owner = inputs.owner
    for path, endpoint in _endpoints(inputs.otj):
        for other in observed.endpoints:
            holder = owner_of(getattr(other, "description", None))
            if holder is not None and holder.kind == owner.kind and holder.namespace == owner.namespace:
                continue  # the tenant's own (this profile or, moving, another of its namespace)
            who = (
                f"OneTouchJoin {holder.namespace}/{holder.name}"
                if holder
                else "an endpoint made by another system"
            )
            same_address = (
                endpoint.address is not None
                and str(other.api_address or "").lower() == endpoint.address.lower()
            )
            if same_address:
                return refuse(
                    Phase.STALLED,
                    Reason.ENDPOINT_ADDRESS_TAKEN,
                    f"{path}.address",
                    f"{path}.address {endpoint.address} is already an endpoint of {who} "
                    f"({other.resource_uri}); an endpoint belongs to one tenant: correct the address, or "
                    "remove it there first",
                )
            if str(other.room_resource_email or "").lower() == endpoint.room_mailbox.lower():
                return refuse(
                    Phase.STALLED,
                    Reason.ROOM_MAILBOX_TAKEN,
                    f"{path}.roomMailbox",
                    f"{path}.roomMailbox {endpoint.room_mailbox} is already the mailbox of an endpoint of "
                    f"{who} ({other.resource_uri}); a room belongs to one tenant: correct the mailbox, or "
                    "remove it there first",
                )
    return None


def _shared_registration(inputs: OtjInputs, observed: OtjObserved) -> Plan | None:
    calendar = inputs.otj.spec.calendar
    if calendar.type is not CalendarType.MICROSOFT_365:
        return None
    for other in observed.deployments.get(DEPLOYMENT[CalendarType.MICROSOFT_365], ()):
        if owner_of(getattr(other, "description", None)) == inputs.owner:
            continue
        if str(getattr(other, "client_id", "")).lower() == str(calendar.application_id).lower():
            holder = owner_of(getattr(other, "description", None))
            who = f"OneTouchJoin {holder.namespace}/{holder.name}" if holder else "another system"
            return refuse(
                Phase.STALLED,
                Reason.GRAPH_DEPLOYMENT_SHARED,
                "spec.calendar.applicationId",
                f"app registration {calendar.application_id} is already used by the Microsoft 365 deployment "
                f"{other.name} of {who} ({other.resource_uri}); a Graph deployment is not shared between "
                "tenants: register the organisation's own app in Entra ID and use its id",
            )
    return None


def decide(inputs: OtjInputs, observed: OtjObserved) -> OtjDecision:
    """Every decision of a OneTouchJoin, in the order a person should hear of them."""
    otj, tenant, owner = inputs.otj, inputs.tenant, inputs.owner
    spec = otj.spec
    refused = _rule_refusal(otj, tenant)
    if refused is not None:
        return OtjDecision(refused)
    keys, what = CALENDAR_KEYS[spec.calendar.type]
    secret_name = spec.calendar.credentials_secret_ref.name
    unknown: set[str] = set()
    if isinstance(inputs.calendar_secret, str):
        calendar_values: Mapping[str, str] = dict.fromkeys(keys, inputs.calendar_secret)
        unknown.add("service_account_username")
    else:
        calendar_values = inputs.calendar_secret
        message = _credentials(calendar_values, keys, secret_name, what)
        if message:
            return OtjDecision(
                refuse(Phase.STALLED, Reason.SECRET_INCOMPLETE, "spec.calendar.credentialsSecretRef", message)
            )
    seen: dict[str, str] = {}
    for path, endpoint in _endpoints(otj):
        if endpoint.name in seen:
            return OtjDecision(
                refuse(
                    Phase.STALLED,
                    Reason.ENDPOINT_NAME_TWICE,
                    f"{path}.name",
                    f"{path}.name {endpoint.name} is also {seen[endpoint.name]}.name; endpoint names are "
                    "unique in a OneTouchJoin: rename one",
                )
            )
        seen[endpoint.name] = path
    endpoint_values: dict[str, Mapping[str, str]] = {}
    for path, endpoint in _endpoints(otj):
        ref = endpoint.credentials_secret_ref
        if ref is None:
            endpoint_values[endpoint.name] = {}
            continue
        data = inputs.endpoint_secrets.get(ref.name, {})
        if isinstance(data, str):
            endpoint_values[endpoint.name] = {"username": data, "password": data}
            unknown.update({"api_username", "poly_username"})
            continue
        message = _credentials(data, ("username", "password"), ref.name, "the endpoint's API credentials")
        if message:
            return OtjDecision(
                refuse(Phase.STALLED, Reason.SECRET_INCOMPLETE, f"{path}.credentialsSecretRef", message)
            )
        endpoint_values[endpoint.name] = data
    locations = {loc.name: loc.resource_uri for loc in observed.system_locations}
    for index, group in enumerate(spec.endpoint_groups):
        if group.system_location not in locations and group.system_location in observed.declared_locations:
            return OtjDecision(
                waiting_for_location(
                    inputs.tenant.spec.platform_ref.name,
                    group.system_location,
                    f"spec.endpointGroups[{index}].systemLocation",
                )
            )
        if group.system_location not in locations:
            return OtjDecision(
                refuse(
                    Phase.STALLED,
                    Reason.SYSTEM_LOCATION_NOT_FOUND,
                    f"spec.endpointGroups[{index}].systemLocation",
                    f"spec.endpointGroups[{index}].systemLocation {group.system_location!r} is not a system "
                    f"location in Pexip (it has: {', '.join(sorted(locations)) or 'none'}); name one of "
                    "them, or declare it in the PexipPlatform's spec.systemLocations",
                )
            )
    for check in (_shared_registration, _taken):
        found = check(inputs, observed)
        if found is not None:
            return OtjDecision(found)
    build = _Builder(inputs, observed, unknown=frozenset(unknown))
    decision = build.decision
    plan = decision.plan
    # The calendar source.
    deployment_type = DEPLOYMENT[spec.calendar.type]
    want, secrets = _deployment_fields(otj, owner, calendar_values)
    deployment = build.ensure(
        deployment_type,
        str(want["name"]),
        want,
        secrets,
        tuple(observed.deployments.get(deployment_type, ())),
        resend=CALENDAR in inputs.resend,
    )
    if isinstance(deployment, Plan):
        return _finish(OtjDecision(deployment), otj, deployment_type)
    if spec.calendar.type is CalendarType.EXCHANGE:
        have = {
            str(u.url): u for u in observed.autodiscover_urls if _uri(u.exchange_deployment) == deployment
        }
        for url in spec.calendar.autodiscover_urls:
            if url in have:
                plan.owned.append(have[url].resource_uri)
                continue
            plan.changes.append(
                Change(
                    "create",
                    AUTODISCOVER,
                    url,
                    fields={
                        "name": f"{deployment_type} {names(owner)['deployment']} {url}"[:250],
                        "url": url,
                        "exchange_deployment": deployment,
                    },
                )
            )
        for url, obj in sorted(have.items()):
            if url not in spec.calendar.autodiscover_urls:
                build.deletes.append(Change("delete", AUTODISCOVER, url, uri=obj.resource_uri))
    # The profile (API credentials are per endpoint here, none on the profile).
    profile_want: dict[str, Any] = {
        "name": names(owner)["profile"],
        "description": owner.describe(spec.description or f"One-Touch Join for {tenant.spec.display_name}"),
        "display_upcoming_meetings": spec.upcoming_days,
        "start_buffer": spec.start_buffer_minutes,
        "end_buffer": spec.end_buffer_minutes,
        **{f: (deployment if t == deployment_type else None) for t, f in DEPLOYMENT_FIELD.items()},
    }
    profile = build.ensure(
        INTEGRATION,
        str(profile_want["name"]),
        profile_want,
        {},
        observed.integrations,
        recorded=inputs.recorded,
        adopt=inputs.adopt,
    )
    if isinstance(profile, Plan):
        return _finish(OtjDecision(profile), otj, INTEGRATION)
    decision.integration = profile
    # Endpoint groups, then their endpoints.
    wanted_groups, wanted_endpoints = set(), set()
    for index, group in enumerate(spec.endpoint_groups):
        group_name = f"{owner.namespace}/{owner.name}/{group.name}"
        wanted_groups.add(group_name)
        group_want = {
            "name": group_name,
            "description": owner.describe(f"endpoint group {group.name}"),
            "mjx_integration": profile,
            "system_location": locations[group.system_location],
        }
        group_path = f"spec.endpointGroups[{index}].name"
        group_uri = build.ensure(GROUP, group_name, group_want, {}, observed.groups, named_by=group_path)
        if isinstance(group_uri, Plan):
            return _finish(OtjDecision(group_uri), otj, GROUP, group_path)
        for position, endpoint in enumerate(group.endpoints):
            path = f"spec.endpointGroups[{index}].endpoints[{position}]"
            endpoint_want, endpoint_secrets = _endpoint_fields(
                endpoint, owner, group_uri, endpoint_values[endpoint.name]
            )
            wanted_endpoints.add(str(endpoint_want["name"]))
            endpoint_uri = build.ensure(
                ENDPOINT,
                str(endpoint_want["name"]),
                endpoint_want,
                endpoint_secrets,
                observed.endpoints,
                formerly=former_endpoint_name(owner, endpoint.name),
                named_by=f"{path}.name",
                resend=endpoint_key(endpoint.name) in inputs.resend,
            )
            if isinstance(endpoint_uri, Plan):
                return _finish(OtjDecision(endpoint_uri), otj, ENDPOINT, f"{path}.name")
    # Meeting processing rules.
    rules = spec.rules or default_rules(tenant)
    wanted_rules = set()
    for index, rule in enumerate(rules):
        rule_name = f"{owner.namespace}/{owner.name}/{rule.name}"
        wanted_rules.add(rule_name)
        rule_want = {
            "name": rule_name,
            "description": owner.describe(f"rule {rule.name}"),
            "priority": rule.priority,
            "enabled": rule.enabled,
            "meeting_type": rule.meeting_type.value,
            "mjx_integration": profile,
            "domain": rule.domain or "",
            "match_string": rule.match_string or "",
            "replace_string": rule.replace_string or "",
            "transform_rule": rule.transform_rule or "",
        }
        # The default rules are named by the operator, not by a spec field.
        named_by = f"spec.rules[{index}].name" if spec.rules else "the rule (give spec.rules of other names)"
        rule_uri = build.ensure(RULE, rule_name, rule_want, {}, observed.rules, named_by=named_by)
        if isinstance(rule_uri, Plan):
            return _finish(OtjDecision(rule_uri), otj, RULE, f"spec.rules[{index}].name")
    # What the spec no longer has: endpoints before their groups; rules; an old calendar source last.
    build.stale(ENDPOINT, observed.endpoints, wanted_endpoints)
    build.stale(GROUP, observed.groups, wanted_groups)
    build.stale(RULE, observed.rules, wanted_rules)
    for other_type in DEPLOYMENT_FIELD:
        if other_type != deployment_type:
            build.stale(other_type, tuple(observed.deployments.get(other_type, ())), set())
    plan.changes.extend(build.deletes)
    decision.endpoints = len(wanted_endpoints)
    if plan.changes:
        verb = Reason.CREATING if any(c.action == "create" for c in plan.changes) else Reason.UPDATING
        plan.outcome = Outcome(
            Phase.PROGRESSING, verb, f"{verb.lower()} One-Touch Join profile {profile_want['name']}"
        )
    else:
        plan.outcome = Outcome(
            Phase.READY,
            Reason.AVAILABLE,
            f"One-Touch Join profile {profile} is in line: {decision.endpoints} endpoints, "
            f"{len(rules)} rules",
        )
    return _finish(decision, otj, INTEGRATION)


def _finish(
    decision: OtjDecision, otj: OneTouchJoin, resource: str, field_path: str = "metadata.name"
) -> OtjDecision:
    observing = otj.spec.management_policy is ManagementPolicy.OBSERVE_ONLY
    decision.plan = settle(decision.plan, observing, resource, field_path)
    if decision.plan.blocked or observing:
        decision.provides = {}
    return decision


# Where each field of the One-Touch Join objects comes from (`Registration.spec_fields`).
_CALENDAR_KEYS = "spec.calendar.credentialsSecretRef's Secret"
_ENDPOINT_KEYS = "spec.endpointGroups[].endpoints[].credentialsSecretRef's Secret"
_DEPLOYMENT = {
    "name": "metadata.name (with the namespace)",
    "description": SET_BY_OPERATOR,
}
SPEC_FIELDS = {
    "mjx_graph_deployment": {
        **_DEPLOYMENT,
        "client_id": "spec.calendar.applicationId",
        "oauth_token_url": "spec.calendar.entraTenantId",
        "client_secret": f"the key clientSecret of {_CALENDAR_KEYS}",
    },
    "mjx_exchange_deployment": {
        **_DEPLOYMENT,
        "service_account_username": f"the key username of {_CALENDAR_KEYS}",
        "service_account_password": f"the key password of {_CALENDAR_KEYS}",
        "ews_url": "spec.calendar.ewsUrl",
    },
    "mjx_google_deployment": {
        **_DEPLOYMENT,
        "client_email": "spec.calendar.serviceAccountEmail",
        "client_id": "spec.calendar.clientId",
        "private_key": f"the key privateKey of {_CALENDAR_KEYS}",
    },
    AUTODISCOVER: {
        "name": "spec.calendar.autodiscoverUrls",
        "url": "spec.calendar.autodiscoverUrls",
        "exchange_deployment": SET_BY_OPERATOR,
    },
    INTEGRATION: {
        **_DEPLOYMENT,
        "description": "spec.description",
        "display_upcoming_meetings": "spec.upcomingDays",
        "start_buffer": "spec.startBufferMinutes",
        "end_buffer": "spec.endBufferMinutes",
        **{field: "spec.calendar.type" for field in DEPLOYMENT_FIELD.values()},
    },
    GROUP: {
        "name": "spec.endpointGroups[].name",
        "description": "spec.endpointGroups[].name",
        "mjx_integration": SET_BY_OPERATOR,
        "system_location": "spec.endpointGroups[].systemLocation",
    },
    ENDPOINT: {
        **same_names("spec.endpointGroups[].endpoints[]", "description", "webex_device_id"),
        "name": "spec.endpointGroups[].endpoints[].name",
        "endpoint_type": "spec.endpointGroups[].endpoints[].type",
        "room_resource_email": "spec.endpointGroups[].endpoints[].roomMailbox",
        "mjx_endpoint_group": "spec.endpointGroups[].name",
        "api_address": "spec.endpointGroups[].endpoints[].address",
        "api_port": "spec.endpointGroups[].endpoints[].port",
        "api_username": f"the key username of {_ENDPOINT_KEYS}",
        "poly_username": f"the key username of {_ENDPOINT_KEYS}",
        "api_password": f"the key password of {_ENDPOINT_KEYS}",
        "poly_password": f"the key password of {_ENDPOINT_KEYS}",
    },
    RULE: {
        **same_names("spec.rules[]", "priority", "enabled", "domain", "match_string", "replace_string"),
        "transform_rule": "spec.rules[].transformRule",
        "description": "spec.rules[].name",
        "name": "spec.rules[].name",
        "meeting_type": "spec.rules[].meetingType",
        "mjx_integration": SET_BY_OPERATOR,
    },
}

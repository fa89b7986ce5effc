"""OutlookScheduling -> one `ms_exchange_connector` and its `exchange_domain`s.

Every decision of the kind is here, for the operator and `vdx plan` alike: the refusals (an alias
or add-in domain outside the tenant, an add-in domain no certificate covers, a template that does
not parse, an incomplete Secret or a key pair that does not match, a missing theme or ADFS), the
connector's fields (Danish texts with the organisation's name), which secrets are sent (on create,
and whenever a Secret's resourceVersion changed: Pexip never returns them), the exchange domains,
and observe-only. A create the domains refer to carries a placeholder for its URI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

from vdx.api.common import ManagementPolicy
from vdx.api.names import certificate_not_covering, in_domains
from vdx.api.outlook import (
    PEXIP_AUTHENTICATION,
    TEMPLATE_FIELDS,
    ExchangeType,
    OutlookScheduling,
    OutlookSchedulingSpec,
    SignIn,
)
from vdx.api.tenant import Tenant
from vdx.calendar import texts
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.ownership import Owner, owner_of
from vdx.controller.plan import Change, create_with_secrets, pending, update_with_secrets
from vdx.controller.planners.common import (
    SET_BY_OPERATOR,
    Dependency,
    Plan,
    SecretInput,
    dependency_refusal,
    find_owned,
    foreign_outcome,
    refuse,
    same_names,
    settle,
)
from vdx.controller.reasons import Reason

CONNECTOR = "ms_exchange_connector"
EXCHANGE_DOMAIN = "exchange_domain"
MICROSOFT_LOGIN = "https://login.microsoftonline.com"
MANIFEST_NOTE = (
    "Pexip's Management API has no resource for the add-in manifest: download it from the Pexip "
    "administrator interface (the Secure Scheduler for Exchange integration, add-in manifest) and "
    "deploy it in the Microsoft 365 admin center (Integrated apps); see docs/calendar.md"
)


def connector_name(namespace: str, name: str) -> str:
    return f"{namespace}/{name}"


@dataclass(frozen=True)
class KeyPair:
    private_key: str
    public_key: str


def key_pair_from_secret(secret_name: str, data: Mapping[str, str]) -> KeyPair | str:
    """The connector's key pair, or what is wrong with it (never the key itself)."""
    missing = [k for k in ("privateKey", "publicKey") if not data.get(k)]
    if missing:
        return (
            f"Secret {secret_name} lacks {' and '.join(missing)}; add the connector's key pair (PEM) "
            "under them"
        )
    try:
        private: PrivateKeyTypes = serialization.load_pem_private_key(data["privateKey"].encode(), None)
    except (ValueError, TypeError):
        return (
            f"Secret {secret_name}: privateKey is not an unencrypted PEM private key; store the key "
            "without a passphrase"
        )
    try:
        public: PublicKeyTypes = serialization.load_pem_public_key(data["publicKey"].encode())
    except ValueError:
        return f"Secret {secret_name}: publicKey is not a PEM public key"
    der = serialization.PublicFormat.SubjectPublicKeyInfo
    if private.public_key().public_bytes(serialization.Encoding.DER, der) != public.public_bytes(
        serialization.Encoding.DER, der
    ):
        return f"Secret {secret_name}: publicKey does not belong to privateKey; store the matching pair"
    if len(data["privateKey"]) > 12288 or len(data["publicKey"]) > 12288:
        return f"Secret {secret_name}: the keys may be at most 12288 characters (Pexip's limit)"
    return KeyPair(data["privateKey"], data["publicKey"])


def credentials_from_secret(spec: OutlookSchedulingSpec, data: Mapping[str, str]) -> dict[str, str] | str:
    """The Exchange credentials by Pexip field (secret and not), or what is missing."""
    name = spec.exchange.credentials_secret_ref.name
    if spec.exchange.type is ExchangeType.MICROSOFT_365:
        if not data.get("clientSecret"):
            return (
                f"Secret {name} lacks clientSecret; add the Entra app registration's client secret under it"
            )
        return {"oauth_client_secret": data["clientSecret"]}
    missing = [k for k in ("username", "password") if not data.get(k)]
    if missing:
        return f"Secret {name} lacks {' and '.join(missing)}; add the Exchange service account under them"
    if len(data["username"]) > 100 or len(data["password"]) > 100:
        return f"Secret {name}: username and password may be at most 100 characters"
    return {"username": data["username"], "password": data["password"]}


SECRET_FIELDS = frozenset({"password", "oauth_client_secret", "private_key"})
# Read from the key pair's Secret but returned by Pexip: compared, and masked wherever shown.
FROM_SECRET = frozenset({"public_key"})


def template_refusal(spec: OutlookSchedulingSpec) -> Plan | None:
    """A text or template that does not parse as Jinja2 (Pexip would fail every booking)."""
    for name, value in spec.add_in.texts.model_dump().items():
        error = texts.syntax_error(value) if value else None
        if error:
            return refuse(
                Phase.STALLED,
                Reason.TEMPLATE_INVALID,
                f"spec.addIn.texts.{_camel(name)}",
                f"spec.addIn.texts.{_camel(name)} is not valid Jinja2 ({error}); fix the template",
            )
    for name, value in spec.templates.model_dump().items():
        error = texts.syntax_error(value) if value else None
        if error:
            return refuse(
                Phase.STALLED,
                Reason.TEMPLATE_INVALID,
                f"spec.templates.{_camel(name)}",
                f"spec.templates.{_camel(name)} is not valid Jinja2 ({error}); fix the template",
            )
    return None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def desired_fields(
    spec: OutlookSchedulingSpec,
    owner: Owner,
    tenant: Tenant,
    credentials: Mapping[str, str],
    public_key: str,
    theme: str | None,
    group: str | None,
) -> dict[str, Any]:
    exchange = spec.exchange
    cloud = exchange.type is ExchangeType.MICROSOFT_365
    oauth = f"{MICROSOFT_LOGIN}/{exchange.entra_tenant_id}/oauth2/v2.0" if cloud else ""
    kerberos = exchange.kerberos
    organisation = tenant.spec.display_name
    want: dict[str, Any] = {
        "name": connector_name(str(owner.namespace), owner.name),
        "description": owner.describe(spec.description or f"Outlook booking for {organisation}"),
        "room_mailbox_email_address": exchange.service_mailbox,
        "room_mailbox_name": f"{organisation} VDX-booking"[:250],
        "authentication_method": PEXIP_AUTHENTICATION[exchange.authentication],
        "url": exchange.ews_url or "",
        "username": credentials.get("username", ""),
        "oauth_client_id": exchange.application_id if cloud else None,
        "oauth_auth_endpoint": f"{oauth}/authorize" if cloud else "",
        "oauth_token_endpoint": f"{oauth}/token" if cloud else "",
        "kerberos_realm": kerberos.realm if kerberos else "",
        "kerberos_kdc": kerberos.kdc if kerberos else "",
        "kerberos_exchange_spn": kerberos.exchange_spn if kerberos else "",
        "kerberos_enable_tls": kerberos.enable_tls if kerberos else True,
        "auth_provider": "AZURE" if spec.add_in.sign_in is SignIn.ENTRA_ID else "ADFS",
        "scheduled_alias_prefix": spec.aliases.prefix,
        "scheduled_alias_domain": spec.aliases.domain,
        "scheduled_alias_suffix_length": spec.aliases.suffix_length,
        "meeting_buffer_before": spec.buffers.before_minutes,
        "meeting_buffer_after": spec.buffers.after_minutes,
        "enable_dynamic_vmrs": spec.meeting_rooms.single_use,
        "enable_personal_vmrs": spec.meeting_rooms.personal,
        "addin_server_domain": spec.add_in.server_domain,
        "addin_application_id": spec.add_in.application_id,
        "host_identity_provider_group": group,
        "ivr_theme": theme,
        "public_key": public_key,
    }
    want.update(texts.addin_texts(organisation, spec.add_in.texts.pexip_overrides()))
    want.update(texts.templates(organisation, spec.templates.pexip_overrides()))
    return want


def _uri(value: Any) -> str:
    """A related resource as a URI, whether Pexip sent the URI or embedded the object."""
    return str(getattr(value, "resource_uri", value) or "")


@dataclass(frozen=True)
class OutlookInputs:
    scheduling: OutlookScheduling
    owner: Owner
    tenant: Tenant
    credentials: SecretInput
    key_pair: SecretInput
    # The namespace's TlsCertificates: (name, spec.dnsNames), for the add-in's domain.
    certificates: tuple[tuple[str, tuple[str, ...]], ...]
    branding: Dependency | None = None  # uri = its IVR theme
    identity: Dependency | None = None  # uri = its identity_provider_group
    recorded: tuple[str, ...] = ()
    adopt: str | None = None
    # A Secret changed since its values were last sent: resend them.
    secret_changed: bool = False


@dataclass(frozen=True)
class OutlookObserved:
    connectors: tuple[Any, ...] = ()
    exchange_domains: tuple[Any, ...] = ()


@dataclass
class OutlookDecision:
    plan: Plan
    connector: str | None = None  # its URI, or the placeholder its create provides
    provides: dict[int, str] = field(default_factory=dict)
    uuid: str | None = None


def _refusals(inputs: OutlookInputs) -> Plan | None:
    spec, tenant = inputs.scheduling.spec, inputs.tenant
    domains = tenant.spec.domains
    listed = ", ".join(domains)
    if not in_domains(spec.aliases.domain, domains):
        return refuse(
            Phase.STALLED,
            Reason.ALIAS_DOMAIN_OUTSIDE_TENANT,
            "spec.aliases.domain",
            f"spec.aliases.domain {spec.aliases.domain} is not one of Tenant {tenant.name}'s domains "
            f"({listed}); booked meeting rooms get VDX aliases of the tenant: use one of them",
        )
    server = spec.add_in.server_domain
    if not in_domains(server, domains):
        return refuse(
            Phase.STALLED,
            Reason.ADD_IN_DOMAIN_OUTSIDE_TENANT,
            "spec.addIn.serverDomain",
            f"spec.addIn.serverDomain {server} is not in Tenant {tenant.name}'s domains ({listed}); "
            "serve the add-in from a name in one of them",
        )
    if not any(not certificate_not_covering("", names, server) for _, names in inputs.certificates):
        shown = "; ".join(f"{n}: {', '.join(names)}" for n, names in inputs.certificates) or "none"
        return refuse(
            Phase.STALLED,
            Reason.ADD_IN_DOMAIN_NOT_COVERED,
            "spec.addIn.serverDomain",
            f"no TlsCertificate of namespace {inputs.scheduling.namespace} covers spec.addIn.serverDomain "
            f"{server} (their dnsNames: {shown}); Outlook loads the add-in over HTTPS: add {server} to a "
            "certificate's dnsNames, or serve the add-in from a name one covers",
        )
    return template_refusal(spec)


def decide(inputs: OutlookInputs, observed: OutlookObserved) -> OutlookDecision:
    """Every decision of an OutlookScheduling, in the order a person should hear of them."""
    resource, spec = inputs.scheduling, inputs.scheduling.spec
    refused = _refusals(inputs)
    if refused is not None:
        return OutlookDecision(refused)
    credentials: Mapping[str, str]
    on_premises = spec.exchange.type is ExchangeType.ON_PREMISES
    if isinstance(inputs.credentials, str):
        # Offline without the Secret: its placeholder stands for every value in it.
        credentials = {"username": inputs.credentials} if on_premises else {}
        secret_keys = ("password",) if on_premises else ("oauth_client_secret",)
        secrets = dict.fromkeys(secret_keys, inputs.credentials)
    else:
        found = credentials_from_secret(spec, inputs.credentials)
        if isinstance(found, str):
            return OutlookDecision(
                refuse(Phase.STALLED, Reason.SECRET_INCOMPLETE, "spec.exchange.credentialsSecretRef", found)
            )
        credentials = found
        secrets = {k: v for k, v in found.items() if k in SECRET_FIELDS}
    if isinstance(inputs.key_pair, str):
        pair = KeyPair(inputs.key_pair, inputs.key_pair)
    else:
        checked = key_pair_from_secret(spec.key_pair_secret_ref.name, inputs.key_pair)
        if isinstance(checked, str):
            return OutlookDecision(
                refuse(Phase.STALLED, Reason.KEY_PAIR_INVALID, "spec.keyPairSecretRef", checked)
            )
        pair = checked
    secrets["private_key"] = pair.private_key
    user = f"OutlookScheduling {resource.name}"
    theme = group = None
    if inputs.branding is not None:
        waiting = dependency_refusal(inputs.branding, "spec.brandingRef", user=user)
        if waiting is not None:
            return OutlookDecision(waiting)
        theme = inputs.branding.uri
    if inputs.identity is not None:
        waiting = dependency_refusal(inputs.identity, "spec.identityProviderRef", user=user)
        if waiting is not None:
            return OutlookDecision(waiting)
        group = inputs.identity.uri
    want = desired_fields(spec, inputs.owner, inputs.tenant, credentials, pair.public_key, theme, group)
    # Offline without a Secret, the fields read from it cannot be compared with Pexip's.
    unknown = set()
    if isinstance(inputs.credentials, str):
        unknown.add("username")
    if isinstance(inputs.key_pair, str):
        unknown.add("public_key")
    decision = _connector(inputs, want, secrets, unknown, observed)
    observing = spec.management_policy is ManagementPolicy.OBSERVE_ONLY
    if decision.plan.blocked or decision.plan.outcome.phase is Phase.STALLED:
        decision.plan = settle(decision.plan, observing, CONNECTOR, "metadata.name")
        return decision
    assert decision.connector is not None
    _domains(decision, spec, observed)
    if decision.plan.changes:
        verb = Reason.CREATING if decision.plan.changes[0].action == "create" else Reason.UPDATING
        decision.plan.outcome = Outcome(Phase.PROGRESSING, verb, f"{verb.lower()} {CONNECTOR} {want['name']}")
    decision.plan = settle(decision.plan, observing, CONNECTOR, "metadata.name")
    if decision.plan.blocked or observing:
        decision.provides = {}
    return decision


def _connector(
    inputs: OutlookInputs,
    want: dict[str, Any],
    secrets: dict[str, str],
    unknown: set[str],
    observed: OutlookObserved,
) -> OutlookDecision:
    name = str(want["name"])
    owner = inputs.owner
    found = find_owned(observed.connectors, owner, recorded=inputs.recorded, adopt=inputs.adopt, name=name)
    if found.obj is None:
        if found.foreign is not None:
            return OutlookDecision(Plan(outcome=foreign_outcome(CONNECTOR, name, found.foreign.resource_uri)))
        other = next(
            (
                c
                for c in observed.connectors
                if (o := owner_of(getattr(c, "description", None))) is not None
                and o.kind == owner.kind
                and o.namespace == owner.namespace
            ),
            None,
        )
        if other is not None:
            return OutlookDecision(
                refuse(
                    Phase.STALLED,
                    Reason.ANOTHER_SCHEDULER_OF_TENANT,
                    "metadata.name",
                    f"namespace {owner.namespace} already has Outlook booking ({other.name}, "
                    f"{other.resource_uri}); a tenant has one scheduler: change that OutlookScheduling "
                    "instead, or delete it first",
                )
            )
        change = create_with_secrets(CONNECTOR, name, want, secrets, masked=FROM_SECRET)
        placeholder = pending(CONNECTOR, name)
        plan = Plan([change], Outcome(Phase.PROGRESSING, Reason.CREATING, f"creating {CONNECTOR} {name}"))
        return OutlookDecision(plan, connector=placeholder, provides={0: placeholder})
    current = found.obj
    plan = Plan(owned=[current.resource_uri])
    update = update_with_secrets(
        CONNECTOR,
        name,
        current,
        want,
        secrets,
        secret_changed=inputs.secret_changed,
        unknown=unknown,
        masked=FROM_SECRET,
    )
    if update is not None:
        plan.changes.append(update)
    plan.outcome = Outcome(Phase.READY, Reason.AVAILABLE, f"{CONNECTOR} {current.resource_uri} is in line")
    uuid = getattr(current, "uuid", None)
    return OutlookDecision(plan, connector=current.resource_uri, uuid=str(uuid) if uuid else None)


def _domains(decision: OutlookDecision, spec: OutlookSchedulingSpec, observed: OutlookObserved) -> None:
    """Create the exchange domains the spec lists, delete the connector's others."""
    connector = decision.connector
    assert connector is not None
    have = {
        str(d.domain).lower(): d for d in observed.exchange_domains if _uri(d.exchange_connector) == connector
    }
    wanted = [d.lower() for d in spec.exchange_domains]
    for domain in wanted:
        if domain not in have:
            decision.plan.changes.append(
                Change(
                    "create",
                    EXCHANGE_DOMAIN,
                    domain,
                    fields={"domain": domain, "exchange_connector": connector},
                )
            )
    for domain, obj in sorted(have.items()):
        if domain not in wanted:
            decision.plan.changes.append(Change("delete", EXCHANGE_DOMAIN, domain, uri=obj.resource_uri))
        else:
            decision.plan.owned.append(obj.resource_uri)


def administrator_status(spec: OutlookSchedulingSpec, tenant: Tenant) -> dict[str, str]:
    """What an Outlook administrator needs, as the CRD's status shows it."""
    shown = texts.addin_texts(tenant.spec.display_name, spec.add_in.texts.pexip_overrides())
    return {
        "addInUrl": f"https://{spec.add_in.server_domain}",
        "displayName": shown["addin_display_name"],
        "manifest": MANIFEST_NOTE,
    }


# Where each field of the connector and its exchange domains comes from (`Registration.spec_fields`).
_KEY_PAIR = "spec.keyPairSecretRef's Secret"
_CREDENTIALS = "spec.exchange.credentialsSecretRef's Secret"
_OAUTH = "spec.exchange.entraTenantId"
_ALIAS_FIELDS = (("prefix", "prefix"), ("domain", "domain"), ("suffix_length", "suffixLength"))
SPEC_FIELDS = {
    CONNECTOR: {
        **same_names("spec", "description"),
        **{f"scheduled_alias_{f}": f"spec.aliases.{c}" for f, c in _ALIAS_FIELDS},
        **{pexip: f"spec.templates.{name}" for name, pexip in TEMPLATE_FIELDS.items()},
        **{pexip: f"spec.addIn.texts.{pexip.removeprefix('addin_')}" for pexip in texts.ADDIN_TEXTS},
        "name": "metadata.name (with the namespace)",
        "room_mailbox_email_address": "spec.exchange.serviceMailbox",
        "room_mailbox_name": "the Tenant's spec.displayName",
        "authentication_method": "spec.exchange.authentication",
        "url": "spec.exchange.ewsUrl",
        "username": f"the key username of {_CREDENTIALS}",
        "password": f"the key password of {_CREDENTIALS}",
        "oauth_client_secret": f"the key clientSecret of {_CREDENTIALS}",
        "oauth_client_id": "spec.exchange.applicationId",
        "oauth_auth_endpoint": _OAUTH,
        "oauth_token_endpoint": _OAUTH,
        "kerberos_realm": "spec.exchange.kerberos.realm",
        "kerberos_kdc": "spec.exchange.kerberos.kdc",
        "kerberos_exchange_spn": "spec.exchange.kerberos.exchangeSpn",
        "kerberos_enable_tls": "spec.exchange.kerberos.enableTls",
        "auth_provider": "spec.addIn.signIn",
        "meeting_buffer_before": "spec.buffers.beforeMinutes",
        "meeting_buffer_after": "spec.buffers.afterMinutes",
        "enable_dynamic_vmrs": "spec.meetingRooms.singleUse",
        "enable_personal_vmrs": "spec.meetingRooms.personal",
        "addin_server_domain": "spec.addIn.serverDomain",
        "addin_application_id": "spec.addIn.applicationId",
        "host_identity_provider_group": "spec.identityProviderRef",
        "ivr_theme": "spec.brandingRef",
        "public_key": f"the key publicKey of {_KEY_PAIR}",
        "private_key": f"the key privateKey of {_KEY_PAIR}",
    },
    EXCHANGE_DOMAIN: {"domain": "spec.exchangeDomains", "exchange_connector": SET_BY_OPERATOR},
}

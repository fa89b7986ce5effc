"""IdentityProvider -> `identity_provider`, its `identity_provider_group`, and shared attributes.

Pexip's assertion consumer service URLs embed the identity provider's UUID, and ADFS administrators
need those URLs to set up the relying party trust, often before anything is applied. So the UUID
is derived from the platform, namespace and name: known from Git alone, stable across re-creation.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from vdx.api.common import ManagementPolicy
from vdx.api.identity import DIGEST_URIS, MAX_ACS_URLS, SIGNATURE_URIS, IdentityProviderSpec
from vdx.api.identity import IdentityProvider as IdentityProviderResource
from vdx.api.names import in_domains
from vdx.api.tenant import Tenant
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.ownership import Owner
from vdx.controller.plan import Change, field_differences, observed_values, pending
from vdx.controller.planners.common import (
    SET_BY_OPERATOR,
    Plan,
    find_owned,
    foreign_outcome,
    refuse,
    same_names,
    settle,
)
from vdx.controller.reasons import Reason
from vdx.pexip.models import IdentityProvider, IdentityProviderAttribute, IdentityProviderGroup

IDP = "identity_provider"
GROUP = "identity_provider_group"
ATTRIBUTE = "identity_provider_attribute"
# Fixed namespace for the derived UUIDs: changing it would change every ACS URL.
UUID_NAMESPACE = uuid.UUID("5b1d7c1e-0f4a-4a55-9a86-6d2f0e6c1a77")


def idp_uuid(platform: str, namespace: str, name: str) -> str:
    return str(uuid.uuid5(UUID_NAMESPACE, f"{platform}/{namespace}/{name}"))


def acs_urls(domains: Sequence[str], idp_id: str) -> list[str]:
    """One assertion consumer service URL per web app domain, as Pexip's web app expects them."""
    return [f"https://{domain}/api/v1/samlconsumer/{idp_id}" for domain in domains[:MAX_ACS_URLS]]


def service_entity_id(domains: Sequence[str]) -> str:
    return f"https://{domains[0]}" if domains else ""


@dataclass(frozen=True)
class SigningCertificate:
    pem: str
    not_after: datetime
    fingerprint_sha256: str


def signing_certificate(text: str, source: str, now: datetime | None = None) -> SigningCertificate | str:
    """The token-signing certificate, or a message saying what is wrong with it (and what to do)."""
    blocks = [b for b in text.split("-----END CERTIFICATE-----") if "-----BEGIN CERTIFICATE-----" in b]
    if not blocks:
        return (
            f"{source} holds no PEM certificate; export ADFS's token-signing certificate as Base-64 "
            "encoded X.509 (.CER) and put it there"
        )
    # The first block is the token-signing certificate itself; a chain after it is ignored.
    pem = blocks[0][blocks[0].index("-----BEGIN CERTIFICATE-----") :] + "-----END CERTIFICATE-----\n"
    try:
        certificate = x509.load_pem_x509_certificate(pem.encode("ascii", errors="replace"))
    except ValueError:
        return f"{source} is not a readable X.509 certificate; export it again as Base-64 encoded X.509"
    not_after = certificate.not_valid_after_utc
    if not_after <= (now or datetime.now(UTC)):
        return (
            f"the token-signing certificate in {source} expired on {not_after:%Y-%m-%d}; put ADFS's "
            "current token-signing certificate there"
        )
    fingerprint = hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()
    return SigningCertificate(pem.strip() + "\n", not_after, fingerprint)


def certificate_summary(pem: str) -> str:
    """A token-signing certificate by expiry and fingerprint: a PEM in a plan or an Event is noise,
    and one read from a Secret is not shown at all; its identity is public and says what changed."""
    if not pem:
        return "(no certificate)"
    certificate = signing_certificate(pem, "Pexip", now=datetime.min.replace(tzinfo=UTC))
    if isinstance(certificate, SigningCertificate):
        return identity_of(certificate)
    return "(unreadable certificate)"


def identity_of(certificate: SigningCertificate, what: str = "certificate") -> str:
    """`(certificate valid until 2027-01-31, SHA-256 0123456789abcdef)`."""
    valid = f"valid until {certificate.not_after:%Y-%m-%d}"
    return f"({what} {valid}, SHA-256 {certificate.fingerprint_sha256[:16]})"


def desired_idp(
    spec: IdentityProviderSpec,
    owner: Owner,
    idp_id: str,
    domains: Sequence[str],
    certificate: SigningCertificate,
    attribute_uris: Iterable[str],
) -> dict[str, object]:
    urls = acs_urls(domains, idp_id)
    fields: dict[str, object] = {
        "name": spec.display_name,
        "description": owner.describe(spec.description),
        "idp_type": "saml",
        "uuid": idp_id,
        "sso_url": spec.sso_url,
        "idp_entity_id": spec.entity_id,
        "idp_public_key": certificate.pem,
        "service_entity_id": service_entity_id(domains),
        "signature_algorithm": SIGNATURE_URIS[spec.signature_algorithm],
        "digest_algorithm": DIGEST_URIS[spec.digest_algorithm],
        "display_name_attribute_name": spec.display_name_attribute,
        "registration_alias_attribute_name": spec.registration_alias_attribute,
        "assertion_consumer_service_url": urls[0] if urls else "",
        "attributes": sorted(attribute_uris),
    }
    for n in range(2, MAX_ACS_URLS + 1):
        fields[f"assertion_consumer_service_url{n}"] = urls[n - 1] if len(urls) >= n else ""
    return fields


def _differences(want: dict[str, object], current: IdentityProvider) -> dict[str, object]:
    """Field differences, with the attribute list compared as a set of URIs and PEMs by content."""
    diff = field_differences(
        {k: v for k, v in want.items() if k not in ("attributes", "idp_public_key")}, current
    )
    have_attributes = sorted(a.resource_uri for a in current.attributes)
    if have_attributes != want["attributes"]:
        diff["attributes"] = want["attributes"]
    if "".join(str(current.idp_public_key).split()) != "".join(str(want["idp_public_key"]).split()):
        diff["idp_public_key"] = want["idp_public_key"]
    return diff


@dataclass
class AttributePlan:
    """Attribute URIs that exist already, and the attributes to create first."""

    existing: dict[str, str]
    creates: list[Change]


def plan_attributes(
    spec: IdentityProviderSpec, owner: Owner, observed: Iterable[IdentityProviderAttribute]
) -> AttributePlan:
    """Attributes are shared by name across identity providers: reuse, create only what is missing.

    Pexip keeps one attribute per name, and two tenants' ADFS often send the same claim URIs, so an
    attribute is never owned exclusively; the creator's marker only says who made it.
    """
    by_name = {a.name: a.resource_uri for a in observed}
    existing: dict[str, str] = {}
    creates: list[Change] = []
    for attribute in spec.attributes:
        if attribute.name in by_name:
            existing[attribute.name] = by_name[attribute.name]
        else:
            creates.append(
                Change(
                    "create",
                    ATTRIBUTE,
                    attribute.name,
                    fields={"name": attribute.name, "description": owner.describe(attribute.description)},
                )
            )
    return AttributePlan(existing, creates)


def secret_sourced(spec: IdentityProviderSpec) -> frozenset[str]:
    """The fields whose values come from a Secret: public as a certificate is, a value of a Secret
    is still never shown (the rule has no exceptions to argue about), so they are masked."""
    return frozenset({"idp_public_key"}) if spec.token_signing_certificate.secret_key_ref else frozenset()


def plan_idp(
    want: dict[str, object],
    owner: Owner,
    observed: Iterable[IdentityProvider],
    *,
    recorded: Iterable[str] = (),
    adopt: str | None = None,
    masked: frozenset[str] = frozenset(),
) -> Plan:
    """The provider's create or update; `masked` (`secret_sourced`) are compared as any field, but
    shown masked wherever the change is (an Event, the status under ObserveOnly, `vdx plan`)."""
    found = find_owned(observed, owner, recorded=recorded, adopt=adopt, name=str(want["name"]))
    if found.obj is None:
        if found.foreign is not None:
            return Plan(outcome=foreign_outcome(IDP, str(want["name"]), found.foreign.resource_uri))
        return Plan(
            [Change("create", IDP, str(want["name"]), fields=want, secret_fields=masked & set(want))],
            Outcome(Phase.PROGRESSING, Reason.CREATING, f"creating {IDP} {want['name']}"),
        )
    current = found.obj
    diff = _differences(want, current)
    plan = Plan(owned=[current.resource_uri])
    if diff:
        before = observed_values({k: v for k, v in diff.items() if k != "attributes"}, current)
        plan.changes.append(
            Change(
                "update",
                IDP,
                str(want["name"]),
                uri=current.resource_uri,
                fields=diff,
                secret_fields=masked & set(diff),
                before=before,
                summaries=_certificate_rollover(diff, current),
            )
        )
        plan.outcome = Outcome(Phase.PROGRESSING, Reason.UPDATING, f"updating {IDP} {want['name']}")
    return plan


def _certificate_rollover(diff: Mapping[str, Any], current: IdentityProvider) -> dict[str, str]:
    if "idp_public_key" not in diff:
        return {}
    old, new = (
        certificate_summary(current.idp_public_key or ""),
        certificate_summary(str(diff["idp_public_key"])),
    )
    return {"idp_public_key": f"{old} -> {new}"}


def plan_group(
    name: str,
    owner: Owner,
    idp_uri: str,
    observed: Iterable[IdentityProviderGroup],
    *,
    recorded: Iterable[str] = (),
) -> Plan:
    """One group per identity provider: what rooms and devices point at."""
    want: dict[str, object] = {
        "name": name,
        "description": owner.describe(None),
        "identity_provider": [idp_uri],
    }
    found = find_owned(observed, owner, recorded=recorded, name=name)
    if found.obj is None:
        if found.foreign is not None:
            return Plan(outcome=foreign_outcome(GROUP, name, found.foreign.resource_uri))
        return Plan(
            [Change("create", GROUP, name, fields=want)],
            Outcome(Phase.PROGRESSING, Reason.CREATING, f"creating {GROUP} {name}"),
        )
    current = found.obj
    diff = field_differences(want, current)
    plan = Plan(owned=[current.resource_uri])
    if diff:
        plan.changes.append(
            Change(
                "update",
                GROUP,
                name,
                uri=current.resource_uri,
                fields=diff,
                before=observed_values(diff, current),
            )
        )
        plan.outcome = Outcome(Phase.PROGRESSING, Reason.UPDATING, f"updating {GROUP} {name}")
    return plan


@dataclass(frozen=True)
class IdentityInputs:
    idp: IdentityProviderResource
    tenant: Tenant
    # The token-signing certificate's text as read from its ConfigMap or Secret; a refusal when it
    # could not be read; or (offline, its Secret not given) the placeholder that stands for it.
    certificate: str | Plan
    certificate_known: bool
    # The namespace's Domains used for WebApp, for an IdentityProvider that names none itself.
    web_app_domains: Sequence[str]
    now: datetime | None = None


@dataclass(frozen=True)
class IdentityFacts:
    """What an IdentityProvider's Pexip objects are made from, once nothing refuses it."""

    certificate: SigningCertificate
    domains: list[str]


CERTIFICATE_FIELD = "spec.tokenSigningCertificate"


def prepare(inputs: IdentityInputs) -> IdentityFacts | Plan:
    """The refusals of an IdentityProvider, in order; else its certificate and web app domains."""
    if isinstance(inputs.certificate, Plan):
        return replace(inputs.certificate, field_path=CERTIFICATE_FIELD)
    if inputs.certificate_known:
        certificate = signing_certificate(inputs.certificate, CERTIFICATE_FIELD, now=inputs.now)
        if isinstance(certificate, str):
            ref = inputs.idp.spec.token_signing_certificate
            selector = ref.config_map_key_ref or ref.secret_key_ref
            kind = "ConfigMap" if ref.config_map_key_ref else "Secret"
            where = f"{kind} {inputs.idp.namespace}/{selector.name}" if selector else ""
            return refuse(
                Phase.STALLED, Reason.INVALID_CERTIFICATE, f"{CERTIFICATE_FIELD} ({where})", certificate
            )
    else:
        certificate = SigningCertificate(inputs.certificate, datetime.max, "")
    spec, namespace, tenant_domains = inputs.idp.spec, str(inputs.idp.namespace), inputs.tenant.spec.domains
    if spec.web_app_domains:
        outside = [d for d in spec.web_app_domains if not in_domains(d, tenant_domains)]
        if outside:
            return refuse(
                Phase.STALLED,
                Reason.DOMAIN_NOT_OWNED,
                "spec.webAppDomains",
                f"spec.webAppDomains names {', '.join(outside)}, outside the tenant's domains "
                f"({', '.join(tenant_domains)}); use the tenant's own web app domains",
            )
        return IdentityFacts(certificate, list(spec.web_app_domains))
    found = sorted(inputs.web_app_domains)
    if not found:
        return refuse(
            Phase.STALLED,
            Reason.NO_WEB_APP_DOMAIN,
            "spec.webAppDomains",
            f"namespace {namespace} has no Domain used for WebApp, so Pexip has no address to receive "
            "sign-ins on; add one, or list the domains in spec.webAppDomains",
        )
    return IdentityFacts(certificate, found[:MAX_ACS_URLS])


@dataclass
class IdentityDecision:
    plan: Plan
    # Index of a create in plan.changes -> the placeholder for its URI in the changes after it.
    provides: dict[int, str] = field(default_factory=dict)
    idp_uri: str | None = None  # a URI, or a placeholder until the create returns
    group_uri: str | None = None
    attribute_uris: dict[str, str] = field(default_factory=dict)  # by name; URIs or placeholders


def decide(
    inputs: IdentityInputs,
    facts: IdentityFacts,
    platform: str,
    attributes: Iterable[IdentityProviderAttribute],
    providers: Iterable[IdentityProvider],
    groups: Iterable[IdentityProviderGroup],
    *,
    recorded: Iterable[str] = (),
    recorded_groups: Iterable[str] = (),
    adopt: str | None = None,
    planned_attributes: Mapping[str, str] | None = None,
) -> IdentityDecision:
    """The attributes it names (shared by name), the provider, then its group: one ordered plan.

    `planned_attributes`: attributes another provider of the same plan creates first (offline; the
    operator finds those in its cache).
    """
    idp = inputs.idp
    namespace = str(idp.namespace)
    owner = Owner("IdentityProvider", namespace, idp.name)
    observing = idp.spec.management_policy is ManagementPolicy.OBSERVE_ONLY
    decision = IdentityDecision(Plan())
    changes = decision.plan.changes
    wanted = plan_attributes(idp.spec, owner, attributes)
    decision.attribute_uris = dict(wanted.existing)
    for change in wanted.creates:
        earlier = (planned_attributes or {}).get(change.label)
        if earlier is not None:
            decision.attribute_uris[change.label] = earlier
            continue
        placeholder = pending(ATTRIBUTE, change.label)
        decision.attribute_uris[change.label] = placeholder
        decision.provides[len(changes)] = placeholder
        changes.append(change)
    if changes and observing:
        missing = ", ".join(c.label for c in changes)
        message = f"managementPolicy is ObserveOnly and Pexip lacks the attributes {missing}"
        return IdentityDecision(refuse(Phase.STALLED, Reason.DRIFT_OBSERVED, "spec.attributes", message))
    idp_id = idp_uuid(platform, namespace, idp.name)
    want = desired_idp(
        idp.spec, owner, idp_id, facts.domains, facts.certificate, decision.attribute_uris.values()
    )
    provider = plan_idp(
        want, owner, providers, recorded=recorded, adopt=adopt, masked=secret_sourced(idp.spec)
    )
    provider = settle(provider, observing, IDP, "spec.displayName")
    if provider.blocked:
        return IdentityDecision(provider)
    decision.idp_uri = _take(decision, provider, IDP)
    assert decision.idp_uri is not None
    group = plan_group(idp.spec.display_name, owner, decision.idp_uri, groups, recorded=recorded_groups)
    group = settle(group, observing, GROUP, "spec.displayName")
    if group.blocked:
        return IdentityDecision(group)
    decision.group_uri = _take(decision, group, GROUP)
    urls = len(acs_urls(facts.domains, idp_id))
    if observing:
        decision.plan.outcome = group.outcome if group.outcome.phase is not Phase.READY else provider.outcome
    elif changes:
        decision.plan.outcome = Outcome(
            Phase.READY, Reason.AVAILABLE, f"identity provider applied; {urls} ACS URLs"
        )
    else:
        decision.plan.outcome = Outcome(
            Phase.READY, Reason.AVAILABLE, f"identity provider in line; {urls} ACS URLs"
        )
    return decision


def _take(decision: IdentityDecision, plan: Plan, resource: str) -> str | None:
    """Append `plan`'s changes; the object's URI, or the placeholder its create provides."""
    uri = plan.owned[0] if plan.owned else None
    for change in plan.changes:
        if change.action == "create":
            uri = decision.provides[len(decision.plan.changes)] = pending(resource, change.label)
        decision.plan.changes.append(change)
    return uri


# Where each field of the identity provider's objects comes from (`Registration.spec_fields`).
_SERVICE_URLS = "spec.webAppDomains (the service's URLs)"
SPEC_FIELDS = {
    "identity_provider": {
        **same_names("spec", "description", "sso_url", "signature_algorithm", "digest_algorithm"),
        "attributes": "spec.attributes",
        "name": "spec.displayName",
        "idp_type": SET_BY_OPERATOR,
        "uuid": SET_BY_OPERATOR,
        "idp_entity_id": "spec.entityId",
        "idp_public_key": "spec.tokenSigningCertificate",
        "service_entity_id": _SERVICE_URLS,
        "display_name_attribute_name": "spec.displayNameAttribute",
        "registration_alias_attribute_name": "spec.registrationAliasAttribute",
        "assertion_consumer_service_url": _SERVICE_URLS,
        **{f"assertion_consumer_service_url{n}": _SERVICE_URLS for n in range(2, 11)},
    },
    "identity_provider_attribute": same_names("spec.attributes[]", "name", "description"),
    "identity_provider_group": dict.fromkeys(("name", "description", "identity_provider"), SET_BY_OPERATOR),
}

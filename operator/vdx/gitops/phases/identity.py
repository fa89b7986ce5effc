"""IdentityProvider offline: attributes, then the provider, then its group, as the operator writes them."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field, replace
from typing import Any

from vdx.api.domain import Domain, DomainUse
from vdx.api.identity import IdentityProvider
from vdx.controller.ownership import Owner, owner_of
from vdx.controller.plan import Change, is_pending
from vdx.controller.planners import identity as identity_planner
from vdx.controller.planners.common import (
    Dependency,
    DependencyState,
    Plan,
    key_missing_refusal,
    object_missing_refusal,
)
from vdx.gitops.offline import OfflinePlanner, Step, Unknown, adopt_of, from_secret, label_of
from vdx.pexip import models
from vdx.pexip.resources import IDENTITY_PROVIDER, IDENTITY_PROVIDER_ATTRIBUTE, IDENTITY_PROVIDER_GROUP


@dataclass
class _Planned:
    # IdentityProvider (namespace, name) -> its group's URI or placeholder; None when it has none.
    groups: dict[tuple[str, str], str | None] = field(default_factory=dict)
    # Attributes this plan creates (name -> placeholder), shared by name as Pexip shares them.
    attributes: dict[str, str] = field(default_factory=dict)
    # Attribute URIs (or placeholders) the tree's identity providers keep using.
    wanted_attributes: set[str] = field(default_factory=set)


def _planned(planner: OfflinePlanner) -> _Planned:
    return planner.state("IdentityProvider", _Planned)


def sign_in_with(planner: OfflinePlanner, namespace: str, name: str) -> Dependency:
    """An IdentityProvider as the plan leaves it: missing from the tree, refused (it has its own
    problem, so its users wait), or ready with its group's URI or placeholder."""
    groups = _planned(planner).groups
    key = (namespace, name)
    if key not in groups:
        return Dependency("IdentityProvider", namespace, name, DependencyState.MISSING)
    group = groups[key]
    if group is None:
        return Dependency("IdentityProvider", namespace, name, DependencyState.WAITING)
    return Dependency("IdentityProvider", namespace, name, DependencyState.READY, group)


def plan(planner: OfflinePlanner) -> None:
    for idp in planner.in_scope(IdentityProvider):
        _identity_provider(planner, idp)


def _signing_certificate_text(planner: OfflinePlanner, idp: IdentityProvider) -> tuple[str | Plan, bool]:
    """(the certificate's text, a refusal, or a placeholder; whether the text is known)."""
    namespace = str(idp.namespace)
    ref = idp.spec.token_signing_certificate
    purpose = "token-signing certificate"
    if ref.config_map_key_ref is not None:
        selector = ref.config_map_key_ref
        doc = planner.config_map(namespace, selector.name)
        if doc is None:
            return object_missing_refusal("ConfigMap", namespace, selector.name, purpose), True
        data, binary = doc.get("data") or {}, doc.get("binaryData") or {}
        if selector.key in data:
            return str(data[selector.key]), True
        if selector.key in binary:
            return base64.b64decode(str(binary[selector.key])).decode("utf-8", errors="replace"), True
        return key_missing_refusal("ConfigMap", namespace, selector.name, selector.key, purpose), True
    assert ref.secret_key_ref is not None
    selector_s = ref.secret_key_ref
    values = planner.desired.secrets.get((namespace, selector_s.name))
    if values is None:
        return from_secret(namespace, selector_s.name), False
    if selector_s.key not in values:
        return key_missing_refusal("Secret", namespace, selector_s.name, selector_s.key, purpose), True
    return values[selector_s.key], True


def _identity_provider(planner: OfflinePlanner, idp: IdentityProvider) -> None:
    namespace, source = str(idp.namespace), label_of(idp)
    tenant = planner.by_namespace[namespace]
    planned = _planned(planner)
    planned.groups[(namespace, idp.name)] = None
    text, known = _signing_certificate_text(planner, idp)
    web_app_domains = sorted(
        d.spec.fqdn
        for d in planner.tree.of_kind(Domain)
        if d.namespace == namespace and DomainUse.WEB_APP in d.spec.uses
    )
    inputs = identity_planner.IdentityInputs(
        idp, tenant, text, known, web_app_domains, now=planner.desired.now
    )
    facts = identity_planner.prepare(inputs)
    if isinstance(facts, Plan):
        planner.blocked(facts, source)
        return
    certificate = facts.certificate
    decision = identity_planner.decide(
        inputs,
        facts,
        planner.desired.platform,
        planner.observed.of(IDENTITY_PROVIDER_ATTRIBUTE),
        planner.observed.of(IDENTITY_PROVIDER),
        planner.observed.of(IDENTITY_PROVIDER_GROUP),
        adopt=adopt_of(idp),
        planned_attributes=planned.attributes,
    )
    if planner.blocked(decision.plan, source):
        return
    planned.wanted_attributes.update(decision.attribute_uris.values())
    shown: dict[str, str] = {}
    if not is_pending(certificate.pem):
        shown["idp_public_key"] = identity_planner.identity_of(certificate, "token-signing certificate")
    secret_of: dict[str, tuple[str, str]] = {}
    if ref := idp.spec.token_signing_certificate.secret_key_ref:
        secret_of["idp_public_key"] = (namespace, ref.name)
    idp_uri = decision.idp_uri
    if idp_uri is not None and not is_pending(idp_uri) and is_pending(certificate.pem) and secret_of:
        planner.out.unknowns.append(
            Unknown(
                tenant.name,
                source,
                identity_planner.IDP,
                idp.spec.display_name,
                f"token-signing certificate from Secret {namespace}/{secret_of['idp_public_key'][1]}: "
                "not compared without --secrets",
            )
        )
    for index, original in enumerate(decision.plan.changes):
        kept = planner.known_only(original)
        if kept is None:
            continue
        if "idp_public_key" in kept.before:
            kept = replace(kept, before={**kept.before, "idp_public_key": _certificate_summary(kept.before)})
        provides = decision.provides.get(index)
        if kept.resource == identity_planner.ATTRIBUTE and provides is not None:
            planned.attributes[kept.label] = provides
        planner.need_for_pending(kept, secret_of, source)
        step_shown = shown if kept.resource == identity_planner.IDP else {}
        planner.add(Step(tenant.name, source, kept, provides=provides, shown=step_shown))
    planned.groups[(namespace, idp.name)] = decision.group_uri


def removed(planner: OfflinePlanner) -> None:
    """The group before its provider; attributes last, and only those no remaining provider uses
    (rooms and devices that signed in with it were removed before, by their own kinds)."""
    deleted: set[str] = set()
    gone: list[tuple[Owner, models.IdentityProviderGroup | models.IdentityProvider, str]] = [
        (owner, obj, resource)
        for objects, resource in (
            (planner.observed.of(IDENTITY_PROVIDER_GROUP), identity_planner.GROUP),
            (planner.observed.of(IDENTITY_PROVIDER), identity_planner.IDP),
        )
        for obj in objects
        if (owner := planner.removed(owner_of(obj.description), "IdentityProvider")) is not None
    ]
    for owner, obj, resource in gone:
        deleted.add(obj.resource_uri)
        tenant, source = planner.removal_source(owner)
        planner.add(Step(tenant, source, Change("delete", resource, obj.name, uri=obj.resource_uri)))
    still_used = set(_planned(planner).wanted_attributes) | {
        a.resource_uri
        for p in planner.observed.of(IDENTITY_PROVIDER)
        if p.resource_uri not in deleted
        for a in p.attributes
    }
    for attribute in planner.observed.of(IDENTITY_PROVIDER_ATTRIBUTE):
        owner = planner.removed(owner_of(attribute.description), "IdentityProvider")
        if owner is not None and attribute.resource_uri not in still_used:
            tenant, source = planner.removal_source(owner)
            planner.add(
                Step(
                    tenant,
                    source,
                    Change("delete", identity_planner.ATTRIBUTE, attribute.name, uri=attribute.resource_uri),
                )
            )


def _certificate_summary(before: dict[str, Any] | Any) -> str:
    """The certificate Pexip holds, by fingerprint (`planners.identity.certificate_summary`)."""
    return identity_planner.certificate_summary(str(before.get("idp_public_key") or ""))

"""A GitOps tree and what one Pexip platform holds -> the ordered writes that would make them agree.

Pure: no HTTP, no files. Every decision is the operator's own planner (`vdx.controller.planners`);
this module only supplies what a cluster would have supplied. Offline there is no status, so the
URIs a resource recorded are unknown and ownership is decided as the operator decides it without
them: the marker in a description, the reserved `vdx:` theme name, and for a tls_certificate an
identical certificate. Objects that a later write needs before they exist (a new TURN server that a
system location must list, a new package a web app path must point at) appear as placeholders that
`vdx.gitops.execute` replaces with the real URIs as it creates them, just as Terraform's "known
after apply" values work.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from vdx.api.branding import CviBranding
from vdx.api.certificate import TlsCertificate
from vdx.api.common import ManagementPolicy
from vdx.api.device import Device
from vdx.api.domain import Domain, DomainUse
from vdx.api.identity import IdentityProvider
from vdx.api.loader import Tree
from vdx.api.names import ADOPT_ANNOTATION, alias_domain, in_domains
from vdx.api.onetouch import OneTouchJoin
from vdx.api.outlook import OutlookScheduling
from vdx.api.recorder import Recorder
from vdx.api.resource import Resource
from vdx.api.room import MeetingRoom
from vdx.api.tenant import Tenant
from vdx.api.turn import TurnService
from vdx.branding import BrandingError, RenderedBranding, load_assets, render_branding
from vdx.controller.ownership import Owner, owner_of
from vdx.controller.plan import PENDING_PREFIX as PENDING_PREFIX
from vdx.controller.plan import Change
from vdx.controller.plan import is_pending as is_pending
from vdx.controller.plan import pending as pending
from vdx.controller.plan import resolve as resolve
from vdx.controller.planners import identity as identity_planner
from vdx.controller.planners.branding import (
    BrandingInputs,
    domain_refusal,
    owned_packages,
    theme_name,
)
from vdx.controller.planners.branding import decide as decide_branding
from vdx.controller.planners.certificate import CertificateInputs
from vdx.controller.planners.certificate import check as check_certificate_input
from vdx.controller.planners.certificate import decide as decide_certificate
from vdx.controller.planners.common import (
    Dependency,
    DependencyState,
    Plan,
    SecretInput,
    find_owned,
    key_missing_refusal,
    object_missing_refusal,
    observe_only_outcome,
)
from vdx.controller.planners.device import RESOURCE as DEVICE
from vdx.controller.planners.device import DeviceInputs
from vdx.controller.planners.device import decide as decide_device
from vdx.controller.planners.domain import DomainInputs, plan_domain_unbinding
from vdx.controller.planners.domain import decide as decide_domain
from vdx.controller.planners.meeting_room import (
    CONFERENCE,
    PARTICIPANT,
    PIN_FIELDS,
    RoomInputs,
    find_room,
    participant_uri,
    plan_room,
)
from vdx.controller.planners.meeting_room import decide as decide_room
from vdx.controller.planners.onetouch import DEPLOYMENT_FIELD as OTJ_DEPLOYMENTS
from vdx.controller.planners.onetouch import ENDPOINT as OTJ_ENDPOINT
from vdx.controller.planners.onetouch import GROUP as OTJ_GROUP
from vdx.controller.planners.onetouch import INTEGRATION as OTJ_PROFILE
from vdx.controller.planners.onetouch import RULE as OTJ_RULE
from vdx.controller.planners.onetouch import OtjInputs, OtjObserved
from vdx.controller.planners.onetouch import decide as decide_onetouch
from vdx.controller.planners.outlook import CONNECTOR as EXCHANGE_CONNECTOR
from vdx.controller.planners.outlook import OutlookInputs, OutlookObserved
from vdx.controller.planners.outlook import decide as decide_outlook
from vdx.controller.planners.recording import RecordingInputs, decide_recorder
from vdx.controller.planners.rooms import TenantInputs, decide_tenant
from vdx.controller.planners.turn import TurnInputs
from vdx.controller.planners.turn import decide as decide_turn
from vdx.pexip import models


def from_secret(namespace: str, name: str) -> str:
    """The placeholder for a write-only value whose Secret was not given with --secrets."""
    return f"{PENDING_PREFIX}, from Secret {namespace}/{name})"


@dataclass(frozen=True)
class Step:
    """One write, with what people need to read it and what apply needs to send it."""

    tenant: str
    source: str  # the tree's resource that wants it: `TurnService vdx-rm/vdx-rm-dk`
    change: Change
    file: tuple[str, bytes] | None = None  # a package upload (webapp_branding, ivr_theme)
    provides: str | None = None  # the placeholder this create's URI fills in
    shown: Mapping[str, str] = field(default_factory=dict)  # field -> text shown instead of the value
    secret_sources: Mapping[str, str] = field(default_factory=dict)  # secret field -> `Secret ns/name`


@dataclass(frozen=True)
class Unknown:
    """An object that cannot be compared offline: its content lives in a Secret that was not given."""

    tenant: str
    source: str
    resource: str
    label: str
    text: str


@dataclass(frozen=True)
class Problem:
    """Something that stops the plan for one resource; the message says what to change."""

    source: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}, field {self.field}" if self.field else self.source
        return f"{where}: {self.message}"


@dataclass
class PlatformPlan:
    platform: str
    tenants: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    unknowns: list[Unknown] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # What is not written, and why: observe-only drift, objects outside the tree's tenants.
    notes: list[str] = field(default_factory=list)
    # `Secret ns/name` -> the resources that need it to be applied.
    missing_secrets: dict[str, list[str]] = field(default_factory=dict)
    # Pexip URI (or placeholder) -> the object's name, so references read as names.
    names: dict[str, str] = field(default_factory=dict)

    def count(self, action: str) -> int:
        return sum(1 for step in self.steps if step.change.action == action)

    @property
    def has_changes(self) -> bool:
        return bool(self.steps or self.unknowns)

    def tenant_steps(self, tenant: str) -> list[Step]:
        return [s for s in self.steps if s.tenant == tenant]


@dataclass
class Observed:
    """What the platform holds, as the operator's cache would: one list per Pexip type it writes, and
    the global settings it reads (minimum PIN length, RTMP switched on)."""

    turn_servers: list[models.TurnServer] = field(default_factory=list)
    tls_certificates: list[models.TlsCertificate] = field(default_factory=list)
    system_locations: list[models.SystemLocation] = field(default_factory=list)
    conferences: list[models.Conference] = field(default_factory=list)
    webapp_brandings: list[models.WebappBranding] = field(default_factory=list)
    webapp_aliases: list[models.WebappAlias] = field(default_factory=list)
    ivr_themes: list[models.IvrTheme] = field(default_factory=list)
    devices: list[models.Device] = field(default_factory=list)
    identity_providers: list[models.IdentityProvider] = field(default_factory=list)
    identity_provider_groups: list[models.IdentityProviderGroup] = field(default_factory=list)
    identity_provider_attributes: list[models.IdentityProviderAttribute] = field(default_factory=list)
    exchange_connectors: list[models.MsExchangeConnector] = field(default_factory=list)
    exchange_domains: list[models.ExchangeDomain] = field(default_factory=list)
    # One-Touch Join: deployments by type, autodiscover URLs, profiles, groups, endpoints, rules.
    mjx_deployments: dict[str, list[Any]] = field(default_factory=dict)
    mjx_autodiscover_urls: list[models.MjxExchangeAutodiscoverUrl] = field(default_factory=list)
    mjx_integrations: list[models.MjxIntegration] = field(default_factory=list)
    mjx_endpoint_groups: list[models.MjxEndpointGroup] = field(default_factory=list)
    mjx_endpoints: list[models.MjxEndpoint] = field(default_factory=list)
    mjx_rules: list[models.MjxMeetingProcessingRule] = field(default_factory=list)
    # Read, never written: the minimum PIN length and whether RTMP (recording) is switched on.
    global_settings: models.GlobalSettings | None = None
    version: str = ""


@dataclass(frozen=True)
class Desired:
    """The tree, the platform to plan for, and the Secrets given with --secrets (decoded)."""

    tree: Tree
    platform: str
    secrets: Mapping[tuple[str, str], Mapping[str, str]] = field(default_factory=dict)
    # The same Secrets as manifests, for branding images kept in Secrets.
    secret_objects: list[dict[str, Any]] = field(default_factory=list)
    now: datetime | None = None
    # Pexip never returns TURN secrets; resend them (from --secrets) even when nothing else differs.
    resend_secrets: bool = False


def label_of(resource: Resource) -> str:
    return f"{type(resource).__name__} {resource.namespace}/{resource.name}"


def _adopt(resource: Resource) -> str | None:
    return resource.metadata.annotations.get(ADOPT_ANNOTATION) or None


class _Planner:
    def __init__(self, desired: Desired, observed: Observed) -> None:
        self.desired = desired
        self.observed = observed
        self.tree = desired.tree
        self.tenants = sorted(
            (t for t in self.tree.of_kind(Tenant) if t.spec.platform_ref.name == desired.platform),
            key=lambda t: t.name,
        )
        self.by_namespace: dict[str, Tenant] = {t.spec.namespace: t for t in self.tenants}
        self.out = PlatformPlan(desired.platform, tenants=[t.name for t in self.tenants])
        # System locations as they will be after the writes planned so far (Pexip replaces lists whole).
        self.locations: list[models.SystemLocation] = list(observed.system_locations)
        self.turn_uris: dict[tuple[str, str], str | None] = {}
        self.theme_uris: dict[str, list[tuple[str, str]]] = defaultdict(list)  # namespace -> (name, uri)
        self.rooms_with_theme: set[str] = set()
        # IdentityProvider (namespace, name) -> its group's URI or placeholder; None when it has none.
        self.idp_groups: dict[tuple[str, str], str | None] = {}
        # Attributes this plan creates (name -> placeholder), shared by name as Pexip shares them.
        self.planned_attributes: dict[str, str] = {}
        # Attribute URIs (or placeholders) the tree's identity providers keep using.
        self.wanted_attributes: set[str] = set()
        # Conferences the tree's MeetingRooms manage: the Tenant's defaults leave them to their room.
        self.managed_conferences: set[str] = set()
        # Lower-cased alias -> the resource of this plan that creates it (aliases are platform-unique).
        self.planned_aliases: dict[str, str] = {}
        self.deleted_conferences: set[str] = set()
        named_lists: tuple[Sequence[Any], ...] = (
            observed.turn_servers,
            observed.webapp_brandings,
            observed.ivr_themes,
            observed.conferences,
            observed.identity_providers,
            observed.identity_provider_groups,
            observed.identity_provider_attributes,
            observed.exchange_connectors,
            observed.mjx_integrations,
            observed.mjx_endpoint_groups,
            *observed.mjx_deployments.values(),
        )
        for named in named_lists:
            for obj in named:
                self.out.names[obj.resource_uri] = obj.name

    # ------------------------------------------------------------------ helpers
    def in_scope(self, kind: type[Resource]) -> list[Any]:
        found = [r for r in self.tree.of_kind(kind) if r.namespace in self.by_namespace]
        return sorted(found, key=lambda r: (str(r.namespace), r.name))

    def tenant_of(self, resource: Resource) -> str:
        return self.by_namespace[str(resource.namespace)].name

    def add(self, step: Step) -> None:
        self.out.steps.append(step)
        if step.provides is not None:
            self.out.names[step.provides] = step.change.label

    def problem(self, source: str, field_path: str, message: str) -> None:
        self.out.problems.append(Problem(source, field_path, message))

    def need_secret(self, namespace: str, name: str, source: str) -> None:
        users = self.out.missing_secrets.setdefault(f"Secret {namespace}/{name}", [])
        if source not in users:
            users.append(source)

    def blocked(self, plan: Plan, source: str) -> bool:
        """True (and reported) when the kind's decision writes nothing: a refusal or a wait is a
        problem on the field it names; drift under ObserveOnly is a note."""
        if not plan.blocked:
            return False
        if plan.outcome.reason == "DriftObserved":
            self.out.notes.append(f"{source}: {plan.outcome.message}")
        else:
            self.problem(source, plan.field_path, plan.outcome.message)
        return True

    def turn_services(self) -> None:
        for turn in self.in_scope(TurnService):
            namespace, source = str(turn.namespace), label_of(turn)
            secret_name = turn.spec.secret_ref.name
            data = self.desired.secrets.get((namespace, secret_name))
            inputs = TurnInputs(
                turn,
                Owner("TurnService", namespace, turn.name),
                data if data is not None else from_secret(namespace, secret_name),
                adopt=_adopt(turn),
                secret_changed=self.desired.resend_secrets and data is not None,
            )
            plan = decide_turn(inputs, self.observed.turn_servers)
            self.turn_uris[(namespace, turn.name)] = plan.owned[0] if plan.owned else None
            if self.blocked(plan, source):
                continue
            secret_of = dict.fromkeys(("username", "secret_key", "password"), (namespace, secret_name))
            for original in plan.changes:
                change = self._known_only(original)
                if change is None:
                    continue
                provides = None
                if change.action == "create":
                    provides = pending("turn_server", change.label)
                    self.turn_uris[(namespace, turn.name)] = provides
                self._need_for_pending(change, secret_of, source)
                self.add(
                    Step(
                        self.tenant_of(turn),
                        source,
                        change,
                        provides=provides,
                        secret_sources=dict.fromkeys(
                            ("secret_key", "password"), f"Secret {namespace}/{secret_name}"
                        ),
                    )
                )

    def certificates(self) -> None:
        for cert in self.in_scope(TlsCertificate):
            namespace, source = str(cert.namespace), label_of(cert)
            tenant = self.by_namespace[namespace]
            secret_name = cert.spec.secret_ref.name
            label = f"{namespace}/{secret_name}"
            data = self.desired.secrets.get((namespace, secret_name))
            if data is None:
                self.out.unknowns.append(
                    Unknown(
                        tenant.name,
                        source,
                        "tls_certificate",
                        label,
                        f"certificate from Secret {label}: known after apply",
                    )
                )
                self.need_secret(namespace, secret_name, source)
                continue
            # No status offline: an identical certificate in Pexip is taken to be this one.
            inputs = CertificateInputs(
                cert, tenant, data, now=self.desired.now, adopt=_adopt(cert), upload_pending=True
            )
            facts = check_certificate_input(inputs)
            if isinstance(facts, Plan):
                self.blocked(facts, source)
                continue
            plan = decide_certificate(inputs, facts, self.observed.tls_certificates)
            if self.blocked(plan, source):
                continue
            for change in plan.changes:
                self.add(
                    Step(
                        tenant.name,
                        source,
                        change,
                        shown={
                            "certificate": f"(chain from Secret {label}: {facts.subject}, valid until "
                            f"{facts.not_after:%Y-%m-%d}, SHA-256 {facts.fingerprint_sha256[:16]})"
                        },
                        secret_sources={"private_key": f"Secret {label}"},
                    )
                )

    def domains(self) -> None:
        turns = {(str(t.namespace), t.name) for t in self.in_scope(TurnService)}
        certs = {(str(c.namespace), c.name): c for c in self.in_scope(TlsCertificate)}
        for domain in self.in_scope(Domain):
            namespace, source = str(domain.namespace), label_of(domain)
            tenant = self.by_namespace[namespace]
            cert_name = domain.spec.tls_certificate_ref.name
            cert = certs.get((namespace, cert_name))
            turn = None
            if domain.spec.turn_service_ref is not None:
                key = (namespace, domain.spec.turn_service_ref.name)
                turn = Dependency(
                    "TurnService",
                    namespace,
                    key[1],
                    DependencyState.READY if key in turns else DependencyState.MISSING,
                    self.turn_uris.get(key),
                )
            inputs = DomainInputs(
                domain=domain,
                tenant=tenant,
                first_claim=None,
                certificate=Dependency(
                    "TlsCertificate",
                    namespace,
                    cert_name,
                    DependencyState.READY if cert is not None else DependencyState.MISSING,
                ),
                certificate_names=cert.spec.dns_names if cert is not None else [],
                turn=turn,
            )
            plan = decide_domain(inputs, self.locations)
            if self.blocked(plan, source):
                continue
            for change in plan.changes:
                self.add(Step(tenant.name, source, change))
                self._location_now(change)

    def _location_now(self, change: Change) -> None:
        """Later bindings to the same location build on this one's list, as the operator's cache does."""
        self.locations = [
            loc.model_copy(update={"client_turn_servers": list(change.fields["client_turn_servers"])})
            if loc.resource_uri == change.uri
            else loc
            for loc in self.locations
        ]

    def brandings(self) -> None:
        others = [doc for doc, _ in self.tree.others] + list(self.desired.secret_objects)
        for branding in self.in_scope(CviBranding):
            self._branding(branding, others)

    def _branding(self, branding: CviBranding, objects: list[dict[str, Any]]) -> None:
        namespace, source = str(branding.namespace), label_of(branding)
        tenant = self.by_namespace[namespace]
        owner = Owner("CviBranding", namespace, branding.name)
        refused = domain_refusal(branding, tenant)
        if refused is not None:  # before rendering: the path would be served from another's domain
            self.blocked(refused, source)
            return
        try:
            rendered = _render(branding, objects)
        except BrandingError as error:
            for problem in error.problems[:5]:
                self.problem(source, "spec", str(problem))
            return
        _, current = owned_packages(self.observed.webapp_brandings, owner, rendered.content_hash)
        inputs = BrandingInputs(
            branding,
            owner,
            tenant,
            rendered.content_hash,
            has_theme=rendered.ivr_theme is not None,
            content_changed=current is None,
            adopt=_adopt(branding),
        )
        decision = decide_branding(
            inputs, self.observed.webapp_brandings, self.observed.webapp_aliases, self.observed.ivr_themes
        )
        theme = next((t for t in self.observed.ivr_themes if t.name == theme_name(owner)), None)
        if self.blocked(decision.plan, source):
            # Observe only: the rooms keep taking the theme Pexip has.
            observing = decision.plan.outcome.reason == "DriftObserved"
            if observing and theme is not None and rendered.ivr_theme is not None:
                self.theme_uris[namespace].append((branding.name, theme.resource_uri))
            return
        theme_uri = theme.resource_uri if theme is not None else None
        for index, change in enumerate(decision.plan.changes):
            file: tuple[str, bytes] | None = None
            shown: dict[str, str] = {}
            upload = decision.files.get(index)
            if upload == "webapp":
                file = ("branding.zip", rendered.webapp.zip_bytes)
                shown = {"branding_file": f"(webapp3 package, {len(file[1])} bytes)"}
            elif upload == "theme" and rendered.ivr_theme is not None:
                file = ("theme.zip", rendered.ivr_theme.zip_bytes)
                shown = {"package": f"(IVR theme package, {len(file[1])} bytes)"}
            provides = decision.provides.get(index)
            if change.resource == "ivr_theme" and provides is not None:
                theme_uri = provides
            self.add(Step(tenant.name, source, change, file=file, provides=provides, shown=shown))
        if theme_uri is not None and rendered.ivr_theme is not None:
            self.theme_uris[namespace].append((branding.name, theme_uri))

    def tenants_rooms(self) -> None:
        for tenant in self.tenants:
            themes = sorted(self.theme_uris.get(tenant.spec.namespace, []))
            theme_uri = themes[0][1] if themes else None
            # Rooms a MeetingRoom of the tree manages take the defaults from their own plan.
            conferences = [
                c for c in self.observed.conferences if c.resource_uri not in self.managed_conferences
            ]
            # Offline there are no creation times: `vdx check` refuses a domain claimed twice.
            decided, _rooms = decide_tenant(TenantInputs(tenant, {}, theme_uri), conferences)
            source = f"Tenant {tenant.name}"
            if self.blocked(decided, source):
                continue
            for change in decided.changes:
                if "ivr_theme" in change.fields and change.uri:
                    self.rooms_with_theme.add(change.uri)
                before = dict(change.before)
                if isinstance(before.get("ivr_theme"), models.IvrTheme):
                    before["ivr_theme"] = before["ivr_theme"].resource_uri
                self.add(
                    Step(
                        tenant.name,
                        source,
                        Change(
                            change.action,
                            change.resource,
                            change.label,
                            uri=change.uri,
                            fields=change.fields,
                            before=before,
                        ),
                    )
                )

    # ------------------------------------------------------------------ services (issue 9)
    def _known_only(self, change: Change) -> Change | None:
        """An update without the values only a missing Secret knows (compared by nothing offline)."""
        if change.action != "update":
            return change
        kept = {k: v for k, v in change.fields.items() if not is_pending(v)}
        if not kept:
            return None
        return Change(
            change.action,
            change.resource,
            change.label,
            uri=change.uri,
            fields=kept,
            secret_fields=change.secret_fields & set(kept),
            before={k: v for k, v in change.before.items() if k in kept},
        )

    def _need_for_pending(
        self, change: Change, secret_of: Mapping[str, tuple[str, str]], source: str
    ) -> None:
        """Name the Secret behind every placeholder value `change` would send."""
        for name, value in change.fields.items():
            if is_pending(value) and name in secret_of:
                self.need_secret(*secret_of[name], source)

    def _config_map(self, namespace: str, name: str) -> dict[str, Any] | None:
        for doc, _source in self.tree.others:
            meta = doc.get("metadata") or {}
            if (
                doc.get("kind") == "ConfigMap"
                and meta.get("name") == name
                and meta.get("namespace") == namespace
            ):
                return doc
        return None

    def _signing_certificate_text(self, idp: IdentityProvider) -> tuple[str | Plan, bool]:
        """(the certificate's text, a refusal, or a placeholder; whether the text is known)."""
        namespace = str(idp.namespace)
        ref = idp.spec.token_signing_certificate
        purpose = "token-signing certificate"
        if ref.config_map_key_ref is not None:
            selector = ref.config_map_key_ref
            doc = self._config_map(namespace, selector.name)
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
        values = self.desired.secrets.get((namespace, selector_s.name))
        if values is None:
            return from_secret(namespace, selector_s.name), False
        if selector_s.key not in values:
            return key_missing_refusal("Secret", namespace, selector_s.name, selector_s.key, purpose), True
        return values[selector_s.key], True

    def identity_providers(self) -> None:
        for idp in self.in_scope(IdentityProvider):
            self._identity_provider(idp)

    def _identity_provider(self, idp: IdentityProvider) -> None:
        """Attributes first, then the provider, then its group, as the operator writes them."""
        namespace, source = str(idp.namespace), label_of(idp)
        tenant = self.by_namespace[namespace]
        self.idp_groups[(namespace, idp.name)] = None
        text, known = self._signing_certificate_text(idp)
        web_app_domains = sorted(
            d.spec.fqdn
            for d in self.tree.of_kind(Domain)
            if d.namespace == namespace and DomainUse.WEB_APP in d.spec.uses
        )
        facts = identity_planner.prepare(
            identity_planner.IdentityInputs(idp, tenant, text, known, web_app_domains, now=self.desired.now)
        )
        if isinstance(facts, Plan):
            self.blocked(facts, source)
            return
        certificate = facts.certificate
        decision = identity_planner.decide(
            identity_planner.IdentityInputs(idp, tenant, text, known, web_app_domains, now=self.desired.now),
            facts,
            self.desired.platform,
            self.observed.identity_provider_attributes,
            self.observed.identity_providers,
            self.observed.identity_provider_groups,
            adopt=_adopt(idp),
            planned_attributes=self.planned_attributes,
        )
        if self.blocked(decision.plan, source):
            return
        self.wanted_attributes.update(decision.attribute_uris.values())
        shown: dict[str, str] = {}
        if not is_pending(certificate.pem):
            shown["idp_public_key"] = (
                f"(token-signing certificate, valid until {certificate.not_after:%Y-%m-%d}, "
                f"SHA-256 {certificate.fingerprint_sha256[:16]})"
            )
        secret_of: dict[str, tuple[str, str]] = {}
        if ref := idp.spec.token_signing_certificate.secret_key_ref:
            secret_of["idp_public_key"] = (namespace, ref.name)
        idp_uri = decision.idp_uri
        if idp_uri is not None and not is_pending(idp_uri) and is_pending(certificate.pem) and secret_of:
            self.out.unknowns.append(
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
            kept = self._known_only(original)
            if kept is None:
                continue
            if "idp_public_key" in kept.before:
                kept = replace(
                    kept, before={**kept.before, "idp_public_key": _certificate_summary(kept.before)}
                )
            provides = decision.provides.get(index)
            if kept.resource == identity_planner.ATTRIBUTE and provides is not None:
                self.planned_attributes[kept.label] = provides
            self._need_for_pending(kept, secret_of, source)
            step_shown = shown if kept.resource == identity_planner.IDP else {}
            self.add(Step(tenant.name, source, kept, provides=provides, shown=step_shown))
        self.idp_groups[(namespace, idp.name)] = decision.group_uri

    def _sign_in_with(self, namespace: str, name: str) -> Dependency:
        """An IdentityProvider as the plan leaves it: missing from the tree, refused (it has its own
        problem, so its users wait), or ready with its group's URI or placeholder."""
        key = (namespace, name)
        if key not in self.idp_groups:
            return Dependency("IdentityProvider", namespace, name, DependencyState.MISSING)
        group = self.idp_groups[key]
        if group is None:
            return Dependency("IdentityProvider", namespace, name, DependencyState.WAITING)
        return Dependency("IdentityProvider", namespace, name, DependencyState.READY, group)

    def _over_quota(
        self,
        resources: Sequence[MeetingRoom | Device],
        exists: Mapping[tuple[str, str], bool],
        limit_of: Callable[[Tenant], int],
    ) -> set[tuple[str, str]]:
        """Resources a quota keeps out of Pexip, as the operator counts them: oldest keep their place.

        A tree has no creation times; those already in Pexip count as the oldest, then by name.
        """
        over: set[tuple[str, str]] = set()
        by_namespace: dict[str, list[MeetingRoom | Device]] = defaultdict(list)
        for resource in resources:
            by_namespace[str(resource.namespace)].append(resource)
        for namespace, members in by_namespace.items():
            limit = limit_of(self.by_namespace[namespace])
            ordered = sorted(members, key=lambda r: (not exists[(namespace, r.name)], r.name))
            for position, resource in enumerate(ordered):
                if position >= limit and not exists[(namespace, resource.name)]:
                    over.add((namespace, resource.name))
        return over

    def recorders(self) -> None:
        """A Recorder writes nothing to Pexip; its stream key is checked when its Secret is given."""
        for recorder in self.in_scope(Recorder):
            selector = recorder.spec.stream_key_secret_ref
            values = self.desired.secrets.get((str(recorder.namespace), selector.name))
            if values is None:
                continue
            tenant = self.by_namespace[str(recorder.namespace)]
            self.blocked(decide_recorder(recorder, tenant, values, []), label_of(recorder))

    def _recording_inputs(self, room: MeetingRoom, tenant: Tenant) -> RecordingInputs | None:
        ref = room.spec.recorder_ref
        if ref is None:
            return None
        namespace = str(room.namespace)
        recorder = next(
            (r for r in self.tree.of_kind(Recorder) if r.namespace == namespace and r.name == ref.name), None
        )
        stream_key: Mapping[str, str] | str | None = None
        if recorder is not None:
            name = recorder.spec.stream_key_secret_ref.name
            values = self.desired.secrets.get((namespace, name))
            stream_key = values if values is not None else from_secret(namespace, name)
        settings = self.observed.global_settings
        rtmp = settings.enable_rtmp if settings is not None else None
        return RecordingInputs(tenant, recorder, stream_key, rtmp, self.desired.platform)

    def meeting_rooms(self) -> None:
        rooms: list[MeetingRoom] = self.in_scope(MeetingRoom)
        exists: dict[tuple[str, str], bool] = {}
        for room in rooms:
            owner = Owner("MeetingRoom", str(room.namespace), room.name)
            current, _refused, _taken = find_room(
                self.observed.conferences, owner, room.spec, adopt=_adopt(room)
            )
            exists[(str(room.namespace), room.name)] = current is not None
            if current is not None:
                self.managed_conferences.add(current.resource_uri)
        over = self._over_quota(rooms, exists, lambda t: t.spec.quotas.max_meeting_rooms)
        for room in rooms:
            self._meeting_room(room, over_quota=(str(room.namespace), room.name) in over)

    def _meeting_room(self, room: MeetingRoom, *, over_quota: bool) -> None:
        """The room's own decision; offline, a create is followed by a plan against what it makes."""
        namespace, source = str(room.namespace), label_of(room)
        tenant = self.by_namespace[namespace]
        spec = room.spec
        secret_of: dict[str, tuple[str, str]] = {}
        secret_sources: dict[str, str] = {}
        pins: Mapping[str, str] | str | None = None
        if spec.pin_secret_ref is not None:
            pin_secret = (namespace, spec.pin_secret_ref.name)
            secret_of.update(dict.fromkeys(PIN_FIELDS, pin_secret))
            secret_sources.update(dict.fromkeys(PIN_FIELDS, f"Secret {namespace}/{pin_secret[1]}"))
            values = self.desired.secrets.get(pin_secret)
            pins = values if values is not None else from_secret(*pin_secret)
        auth = spec.authentication
        host = guest = None
        if auth.host_identity_provider_ref is not None:
            host = self._sign_in_with(namespace, auth.host_identity_provider_ref.name)
        if auth.guest_identity_provider_ref is not None:
            guest = self._sign_in_with(namespace, auth.guest_identity_provider_ref.name)
        themes = sorted(self.theme_uris.get(namespace, []))
        settings = self.observed.global_settings
        recording_inputs = self._recording_inputs(room, tenant)
        if recording_inputs is not None and recording_inputs.recorder is not None:
            name = recording_inputs.recorder.spec.stream_key_secret_ref.name
            secret_of["alias"] = (namespace, name)
            secret_sources["alias"] = f"Secret {namespace}/{name}"
        inputs = RoomInputs(
            room=room,
            owner=Owner("MeetingRoom", namespace, room.name),
            tenant=tenant,
            over_quota=over_quota,
            pins=pins,
            min_pin_length=settings.min_pin_length if settings else 4,
            host=host,
            guest=guest,
            theme_uri=themes[0][1] if themes else None,
            recording=recording_inputs,
            adopt=_adopt(room),
        )
        decision = decide_room(inputs, self.observed.conferences)
        plan = decision.plan
        if decision.recording_refusal is not None:
            # A refused opt-in is an error in the pull request; the room is still planned, unrecorded.
            self.problem(source, "spec.recorderRef", decision.recording_refusal.message)
        if plan.blocked and plan.outcome.reason != "DriftObserved":
            self.blocked(plan, source)
            return
        for alias in spec.aliases:
            holder = self.planned_aliases.get(alias.alias.lower())
            if holder is not None:
                self.problem(
                    source,
                    "spec.aliases",
                    f"alias {alias.alias} already belongs to {holder} (created earlier in this plan); "
                    "aliases are unique on the platform: choose another one",
                )
                return
        current = decision.conference
        if spec.management_policy is ManagementPolicy.OBSERVE_ONLY:
            known = [c for c in (self._known_only(c) for c in decision.observed_changes) if c is not None]
            if known:
                self.out.notes.append(f"{source}: {observe_only_outcome(known).message}")
            return
        changes = list(plan.changes)
        conference_uri = current.resource_uri if current is not None else None
        if current is None and changes and decision.ctx is not None:
            # The operator creates the conference, reads it back and plans the rest (the recording
            # participant) against it; the second pass here plans against what the create makes.
            conference_uri = pending(CONFERENCE, spec.display_name)
            made = _as_created(changes[0].fields, conference_uri, decision.ctx.theme_uri)
            changes += plan_room(spec, decision.ctx, made).changes
        for alias in spec.aliases:
            self.planned_aliases.setdefault(alias.alias.lower(), f"MeetingRoom {namespace}/{room.name}")
        if isinstance(pins, str) and current is not None:
            self.out.unknowns.append(
                Unknown(
                    tenant.name,
                    source,
                    CONFERENCE,
                    spec.display_name,
                    f"pin and guest_pin from Secret {namespace}/{secret_of['pin'][1]}: "
                    "not compared without --secrets",
                )
            )
        for original in changes:
            change = self._known_only(original)
            if change is None:
                continue
            if change.resource == CONFERENCE and isinstance(change.before.get("ivr_theme"), models.IvrTheme):
                change = replace(
                    change, before={**change.before, "ivr_theme": change.before["ivr_theme"].resource_uri}
                )
            if change.resource == CONFERENCE and "ivr_theme" in change.fields and change.uri:
                self.rooms_with_theme.add(change.uri)
            provides = None
            if change.action == "create" and change.resource == CONFERENCE:
                provides = conference_uri
            self._need_for_pending(change, secret_of, source)
            self.add(
                Step(
                    tenant.name,
                    source,
                    change,
                    provides=provides,
                    secret_sources={k: v for k, v in secret_sources.items() if k in change.secret_fields},
                )
            )

    def devices(self) -> None:
        devices: list[Device] = self.in_scope(Device)
        exists: dict[tuple[str, str], bool] = {}
        for device in devices:
            owner = Owner("Device", str(device.namespace), device.name)
            found = find_owned(self.observed.devices, owner, adopt=_adopt(device))
            exists[(str(device.namespace), device.name)] = found.obj is not None
        over = self._over_quota(devices, exists, lambda t: t.spec.quotas.max_devices)
        planned: dict[str, str] = {}
        for device in devices:
            self._device(device, over_quota=(str(device.namespace), device.name) in over, planned=planned)

    def _device(self, device: Device, *, over_quota: bool, planned: dict[str, str]) -> None:
        namespace, source = str(device.namespace), label_of(device)
        tenant = self.by_namespace[namespace]
        spec = device.spec
        secret = (namespace, spec.credentials_secret_ref.name)
        values = self.desired.secrets.get(secret)
        sso = None
        if spec.sso is not None:
            sso = self._sign_in_with(namespace, spec.sso.identity_provider_ref.name)
        inputs = DeviceInputs(
            device,
            Owner("Device", namespace, device.name),
            tenant,
            over_quota,
            values if values is not None else from_secret(*secret),
            sso,
            adopt=_adopt(device),
            # Pexip never returns passwords: resent only when asked, as for TURN secrets.
            secret_changed=self.desired.resend_secrets and values is not None,
        )
        plan = decide_device(inputs, self.observed.devices)
        # Two Devices of this plan with one alias: Pexip would refuse the second create.
        if plan.outcome.reason not in _REFUSED_BEFORE_THE_DEVICE:
            holder = planned.get(spec.alias.lower())
            if holder is not None:
                self.problem(
                    source,
                    "spec.alias",
                    f"alias {spec.alias} is already registered by {holder} (created earlier in this plan); "
                    "choose another alias",
                )
                return
            planned[spec.alias.lower()] = f"Device {namespace}/{device.name}"
        if self.blocked(plan, source):
            return
        secret_of = {"username": secret, "password": secret}
        for original in plan.changes:
            change = self._known_only(original)
            if change is None:
                continue
            self._need_for_pending(change, secret_of, source)
            self.add(
                Step(
                    tenant.name,
                    source,
                    change,
                    secret_sources={"password": f"Secret {namespace}/{secret[1]}"},
                )
            )

    def outlook_schedulings(self) -> None:
        """Each tenant's Secure Scheduler for Exchange, after the brandings and identity providers
        whose theme and group it references (a placeholder when this plan creates them)."""
        for scheduling in self.in_scope(OutlookScheduling):
            self._outlook(scheduling)

    def _outlook(self, scheduling: OutlookScheduling) -> None:
        namespace, source = str(scheduling.namespace), label_of(scheduling)
        tenant = self.by_namespace[namespace]
        spec = scheduling.spec
        credentials = (namespace, spec.exchange.credentials_secret_ref.name)
        key_pair = (namespace, spec.key_pair_secret_ref.name)
        credentials_values = self.desired.secrets.get(credentials)
        key_pair_values = self.desired.secrets.get(key_pair)
        certificates = tuple(
            (c.name, tuple(c.spec.dns_names))
            for c in self.in_scope(TlsCertificate)
            if str(c.namespace) == namespace
        )
        branding = None
        if spec.branding_ref is not None:
            name = spec.branding_ref.name
            themes = dict(self.theme_uris.get(namespace, []))
            in_tree = any(b.name == name for b in self.in_scope(CviBranding) if str(b.namespace) == namespace)
            branding = Dependency(
                "CviBranding",
                namespace,
                name,
                DependencyState.READY if in_tree else DependencyState.MISSING,
                themes.get(name),
            )
        identity = None
        if spec.identity_provider_ref is not None:
            identity = self._sign_in_with(namespace, spec.identity_provider_ref.name)
        inputs = OutlookInputs(
            scheduling,
            Owner("OutlookScheduling", namespace, scheduling.name),
            tenant,
            credentials_values if credentials_values is not None else from_secret(*credentials),
            key_pair_values if key_pair_values is not None else from_secret(*key_pair),
            certificates,
            branding,
            identity,
            adopt=_adopt(scheduling),
            # Pexip never returns the secrets: resent only when asked, as for TURN secrets.
            secret_changed=self.desired.resend_secrets
            and credentials_values is not None
            and key_pair_values is not None,
        )
        observed = OutlookObserved(
            tuple(self.observed.exchange_connectors), tuple(self.observed.exchange_domains)
        )
        decision = decide_outlook(inputs, observed)
        if self.blocked(decision.plan, source):
            return
        secret_of = {
            "username": credentials,
            "password": credentials,
            "oauth_client_secret": credentials,
            "private_key": key_pair,
            "public_key": key_pair,
        }
        sources = {
            "password": f"Secret {namespace}/{credentials[1]}",
            "oauth_client_secret": f"Secret {namespace}/{credentials[1]}",
            "private_key": f"Secret {namespace}/{key_pair[1]}",
        }
        for index, original in enumerate(decision.plan.changes):
            change = self._known_only(original)
            if change is None:
                continue
            self._need_for_pending(change, secret_of, source)
            self.add(
                Step(
                    tenant.name,
                    source,
                    change,
                    provides=decision.provides.get(index),
                    secret_sources=sources,
                )
            )

    def one_touch_joins(self) -> None:
        """Each tenant's One-Touch Join profile, after the domains' bindings (system locations)."""
        for otj in self.in_scope(OneTouchJoin):
            self._one_touch_join(otj)

    def _one_touch_join(self, otj: OneTouchJoin) -> None:
        namespace, source = str(otj.namespace), label_of(otj)
        tenant = self.by_namespace[namespace]
        spec = otj.spec
        calendar = (namespace, spec.calendar.credentials_secret_ref.name)
        calendar_values = self.desired.secrets.get(calendar)
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
                    values = self.desired.secrets.get(key)
                    given = given and values is not None
                    endpoint_secrets[key[1]] = values if values is not None else from_secret(*key)
                    endpoint_secret_of[f"{namespace}/{endpoint.name}"[:100]] = key[1]
        inputs = OtjInputs(
            otj,
            Owner("OneTouchJoin", namespace, otj.name),
            tenant,
            calendar_values if calendar_values is not None else from_secret(*calendar),
            endpoint_secrets,
            adopt=_adopt(otj),
            # Pexip never returns the secrets: resent only when asked, as for TURN secrets.
            secret_changed=self.desired.resend_secrets and given,
        )
        observed = OtjObserved(
            deployments={k: tuple(v) for k, v in self.observed.mjx_deployments.items()},
            autodiscover_urls=tuple(self.observed.mjx_autodiscover_urls),
            integrations=tuple(self.observed.mjx_integrations),
            groups=tuple(self.observed.mjx_endpoint_groups),
            endpoints=tuple(self.observed.mjx_endpoints),
            rules=tuple(self.observed.mjx_rules),
            system_locations=tuple(self.locations),
        )
        decision = decide_onetouch(inputs, observed)
        if self.blocked(decision.plan, source):
            return
        for index, original in enumerate(decision.plan.changes):
            change = self._known_only(original)
            if change is None:
                continue
            endpoint_secret = endpoint_secret_of.get(change.label)
            if endpoint_secret is not None and unresolved(change.fields.values()):
                self.need_secret(namespace, endpoint_secret, source)
            self._need_for_pending(change, secret_of, source)
            self.add(Step(tenant.name, source, change, provides=decision.provides.get(index)))

    def _removed_services(self) -> None:
        """Rooms, devices and identity providers whose resource left the tree: recording first, as the
        operator's finalizer does, then the conference; the group before its provider; attributes last,
        and only those no remaining provider uses."""
        kept_rooms = {(str(r.namespace), r.name) for r in self.tree.of_kind(MeetingRoom)}
        for conference in self.observed.conferences:
            owner = self._removed(owner_of(conference.description), "MeetingRoom", kept_rooms)
            if owner is None:
                continue
            tenant, source = self.by_namespace[str(owner.namespace)].name, f"{owner} (no longer in the tree)"
            label = f"recording of {owner.namespace}/{owner.name}"
            for participant in conference.automatic_participants:
                if owner_of(participant.description) == owner:
                    self.add(
                        Step(
                            tenant,
                            source,
                            Change("delete", PARTICIPANT, label, uri=participant_uri(participant)),
                        )
                    )
            self.add(
                Step(
                    tenant,
                    source,
                    Change("delete", CONFERENCE, conference.name, uri=conference.resource_uri),
                )
            )
            self.deleted_conferences.add(conference.resource_uri)
        kept_devices = {(str(d.namespace), d.name) for d in self.tree.of_kind(Device)}
        for registered in self.observed.devices:
            owner = self._removed(owner_of(registered.description), "Device", kept_devices)
            if owner is not None:
                self.add(
                    Step(
                        self.by_namespace[str(owner.namespace)].name,
                        f"{owner} (no longer in the tree)",
                        Change("delete", DEVICE, registered.alias, uri=registered.resource_uri),
                    )
                )
        kept_otj = {(str(o.namespace), o.name) for o in self.tree.of_kind(OneTouchJoin)}
        otj_objects: list[tuple[str, Sequence[Any]]] = [
            (OTJ_ENDPOINT, self.observed.mjx_endpoints),
            (OTJ_RULE, self.observed.mjx_rules),
            (OTJ_GROUP, self.observed.mjx_endpoint_groups),
            (OTJ_PROFILE, self.observed.mjx_integrations),
            *((t, self.observed.mjx_deployments.get(t, [])) for t in OTJ_DEPLOYMENTS),
        ]
        gone_otj: list[tuple[Owner, str, Any]] = [
            (owner, resource, obj)
            for resource, objects in otj_objects
            for obj in objects
            if (owner := self._removed(owner_of(obj.description), "OneTouchJoin", kept_otj)) is not None
        ]
        for owner, resource, obj in gone_otj:  # what refers to the profile first, the calendar last
            self.add(
                Step(
                    self.by_namespace[str(owner.namespace)].name,
                    f"{owner} (no longer in the tree)",
                    Change("delete", resource, obj.name, uri=obj.resource_uri),
                )
            )
        kept_outlook = {(str(o.namespace), o.name) for o in self.tree.of_kind(OutlookScheduling)}
        for connector in self.observed.exchange_connectors:
            owner = self._removed(owner_of(connector.description), "OutlookScheduling", kept_outlook)
            if owner is not None:  # Pexip removes its exchange domains with it
                self.add(
                    Step(
                        self.by_namespace[str(owner.namespace)].name,
                        f"{owner} (no longer in the tree)",
                        Change("delete", EXCHANGE_CONNECTOR, connector.name, uri=connector.resource_uri),
                    )
                )
        kept_idps = {(str(i.namespace), i.name) for i in self.tree.of_kind(IdentityProvider)}
        deleted: set[str] = set()
        gone: list[tuple[Owner, models.IdentityProviderGroup | models.IdentityProvider, str]] = [
            (owner, obj, resource)
            for objects, resource in (
                (self.observed.identity_provider_groups, identity_planner.GROUP),
                (self.observed.identity_providers, identity_planner.IDP),
            )
            for obj in objects
            if (owner := self._removed(owner_of(obj.description), "IdentityProvider", kept_idps)) is not None
        ]
        for owner, obj, resource in gone:
            deleted.add(obj.resource_uri)
            self.add(
                Step(
                    self.by_namespace[str(owner.namespace)].name,
                    f"{owner} (no longer in the tree)",
                    Change("delete", resource, obj.name, uri=obj.resource_uri),
                )
            )
        still_used = set(self.wanted_attributes) | {
            a.resource_uri
            for p in self.observed.identity_providers
            if p.resource_uri not in deleted
            for a in p.attributes
        }
        for attribute in self.observed.identity_provider_attributes:
            owner = self._removed(owner_of(attribute.description), "IdentityProvider", kept_idps)
            if owner is not None and attribute.resource_uri not in still_used:
                self.add(
                    Step(
                        self.by_namespace[str(owner.namespace)].name,
                        f"{owner} (no longer in the tree)",
                        Change(
                            "delete", identity_planner.ATTRIBUTE, attribute.name, uri=attribute.resource_uri
                        ),
                    )
                )

    def removed(self) -> None:
        """Objects marked for a resource the tree no longer has, in the namespaces this tree plans.

        A namespace that no Tenant of this platform claims in the tree is left alone: planning a part
        of the tree must never delete the rest.
        """
        self._removed_services()
        kept_turns = {(str(t.namespace), t.name) for t in self.tree.of_kind(TurnService)}
        kept_brandings = {(str(b.namespace), b.name) for b in self.tree.of_kind(CviBranding)}
        for server in self.observed.turn_servers:
            owner = self._removed(owner_of(server.description), "TurnService", kept_turns)
            if owner is None:
                continue
            tenant, source = self.by_namespace[str(owner.namespace)].name, f"{owner} (no longer in the tree)"
            for location in list(self.locations):
                for change in plan_domain_unbinding(location.name, server.resource_uri, self.locations):
                    self.add(Step(tenant, source, change))
                    self._location_now(change)
            self.add(
                Step(tenant, source, Change("delete", "turn_server", server.name, uri=server.resource_uri))
            )
        for alias in self.observed.webapp_aliases:
            owner = self._removed(owner_of(alias.description), "CviBranding", kept_brandings)
            if owner is not None:
                self.add(
                    Step(
                        self.by_namespace[str(owner.namespace)].name,
                        f"{owner} (no longer in the tree)",
                        Change("delete", "webapp_alias", f"/{alias.slug}", uri=alias.resource_uri),
                    )
                )
        for package in self.observed.webapp_brandings:
            owner = self._removed(owner_of(package.description), "CviBranding", kept_brandings)
            if owner is not None:
                self.add(
                    Step(
                        self.by_namespace[str(owner.namespace)].name,
                        f"{owner} (no longer in the tree)",
                        Change("delete", "webapp_branding", package.name, uri=package.resource_uri),
                    )
                )
        for theme in self.observed.ivr_themes:
            owner = self._removed(_theme_owner(theme.name), "CviBranding", kept_brandings)
            if owner is not None:
                claimant = self.by_namespace[str(owner.namespace)]
                source = f"{owner} (no longer in the tree)"
                # Off the tenant's rooms first (Pexip refuses to delete a theme in use), as the operator does.
                for room in self.observed.conferences:
                    if (
                        room.ivr_theme is not None
                        and room.ivr_theme.resource_uri == theme.resource_uri
                        and room.resource_uri not in self.rooms_with_theme
                        and room.resource_uri not in self.deleted_conferences
                        and _in_tenant(room, claimant)
                    ):
                        self.add(
                            Step(
                                claimant.name,
                                source,
                                Change(
                                    "update",
                                    "conference",
                                    room.name,
                                    uri=room.resource_uri,
                                    fields={"ivr_theme": None},
                                    before={"ivr_theme": theme.resource_uri},
                                ),
                            )
                        )
                self.add(
                    Step(
                        claimant.name,
                        source,
                        Change("delete", "ivr_theme", theme.name, uri=theme.resource_uri),
                    )
                )

    def _removed(self, owner: Owner | None, kind: str, kept: set[tuple[str, str]]) -> Owner | None:
        """`owner` when it is a `kind` in a namespace this plan covers that the tree no longer has."""
        if (
            owner is not None
            and owner.kind == kind
            and owner.namespace in self.by_namespace
            and (owner.namespace, owner.name) not in kept
        ):
            return owner
        return None


# A Device refused for these never reaches Pexip, so its alias is not taken by it.
_REFUSED_BEFORE_THE_DEVICE = frozenset(
    {
        "AliasOutsideDomains",
        "QuotaExceeded",
        "SecretIncomplete",
        "IdentityProviderNotFound",
        "WaitingForIdentityProvider",
    }
)

# Renderings by content, as the operator keeps them between reconciles: rendering is deterministic and
# is most of a plan's time, so a process that plans repeatedly (tests, a long-lived tool) renders once.
_RENDERS: dict[str, RenderedBranding] = {}
_RENDERS_KEPT = 64


def _render(branding: CviBranding, objects: list[dict[str, Any]]) -> RenderedBranding:
    namespace = branding.namespace
    inputs = [o for o in objects if (o.get("metadata") or {}).get("namespace") == namespace]
    key = hashlib.sha256(
        json.dumps(
            [branding.spec.model_dump(mode="json"), namespace, inputs], sort_keys=True, default=str
        ).encode()
    ).hexdigest()
    cached = _RENDERS.get(key)
    if cached is None:
        cached = render_branding(branding, load_assets(branding, objects))
        if len(_RENDERS) >= _RENDERS_KEPT:
            _RENDERS.pop(next(iter(_RENDERS)))
        _RENDERS[key] = cached
    return cached


def _theme_owner(name: str) -> Owner | None:
    """The CviBranding a `vdx:<namespace>/<name>` theme belongs to (see planners.branding.theme_name)."""
    if not name.startswith("vdx:") or "/" not in name:
        return None
    namespace, _, resource = name[4:].partition("/")
    return Owner("CviBranding", namespace, resource)


def _as_created(fields: Mapping[str, Any], uri: str, theme_uri: str | None) -> models.Conference:
    """The conference a create with `fields` makes, as a GET would return it (for the second pass)."""
    values = {k: v for k, v in fields.items() if k not in ("aliases", "ivr_theme")}
    aliases = [
        models.ConferenceAlias(id=0, alias=a["alias"], description=a.get("description", ""), conference=uri)
        for a in fields.get("aliases", [])
    ]
    theme = models.IvrTheme(id=0, name="", resource_uri=theme_uri) if theme_uri is not None else None
    return models.Conference.model_validate(
        {**values, "id": 0, "resource_uri": uri, "aliases": aliases, "ivr_theme": theme}
    )


def _certificate_summary(before: Mapping[str, Any]) -> str:
    """The certificate Pexip holds, by fingerprint: a PEM in a plan is noise, its identity is not."""
    pem = str(before.get("idp_public_key") or "")
    certificate = (
        identity_planner.signing_certificate(pem, "Pexip", now=datetime.min.replace(tzinfo=UTC))
        if pem
        else None
    )
    if isinstance(certificate, identity_planner.SigningCertificate):
        return (
            f"(certificate valid until {certificate.not_after:%Y-%m-%d}, "
            f"SHA-256 {certificate.fingerprint_sha256[:16]})"
        )
    return "(no certificate)" if not pem else "(unreadable certificate)"


def _in_tenant(room: models.Conference, tenant: Tenant) -> bool:
    domains = {d for d in (alias_domain(a.alias) for a in room.aliases) if d}
    return any(in_domains(d, tenant.spec.domains) for d in domains)


def plan_platform(desired: Desired, observed: Observed) -> PlatformPlan:
    """Every write, in the order apply makes them.

    TURN servers and certificates come first, since domains rely on them; then the domains' TURN
    bindings; then brandings (upload, repoint the path, replace the theme, delete old packages);
    then identity providers (attributes, provider, group), which rooms and devices sign in with;
    then MeetingRooms (conference, aliases, recording participant) and Devices; then the Outlook
    schedulers (connector, exchange domains), which use the themes and groups, and the One-Touch Join
    profiles (calendar, profile, groups, endpoints, rules); then the tenants' other meeting rooms,
    which take the new theme; last, what the tree no longer has (rooms and devices before the
    identity providers they use).
    """
    planner = _Planner(desired, observed)
    if not planner.tenants:
        planner.out.notes.append(
            f"no Tenant in the tree names platform {desired.platform} in spec.platformRef; nothing to plan"
        )
    planner.turn_services()
    planner.certificates()
    planner.domains()
    planner.brandings()
    planner.identity_providers()
    planner.recorders()
    planner.meeting_rooms()
    planner.devices()
    planner.outlook_schedulings()
    planner.one_touch_joins()
    planner.tenants_rooms()
    planner.removed()
    return planner.out


def unresolved(values: Iterable[Any]) -> list[str]:
    """Placeholders left in `values` (a write that must not be sent yet)."""
    found: list[str] = []
    for value in values:
        if is_pending(value):
            found.append(str(value))
        elif isinstance(value, list | tuple):
            found.extend(unresolved(value))
        elif isinstance(value, dict):
            found.extend(unresolved(value.values()))
    return found

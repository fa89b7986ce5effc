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

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vdx.api.branding import CviBranding
from vdx.api.certificate import TlsCertificate
from vdx.api.common import ManagementPolicy
from vdx.api.domain import Domain
from vdx.api.loader import Tree
from vdx.api.resource import Resource
from vdx.api.tenant import Tenant
from vdx.api.turn import CredentialType, TurnService
from vdx.branding import BrandingError, RenderedBranding, load_assets, render_branding
from vdx.controller.conditions import Phase
from vdx.controller.ownership import Owner, owner_of
from vdx.controller.plan import Change, field_differences, observed_values
from vdx.controller.planners.branding import (
    alias_fields,
    branding_name,
    owned_packages,
    package_fields,
    theme_name,
)
from vdx.controller.planners.certificate import plan_certificate
from vdx.controller.planners.common import ADOPT_ANNOTATION, Plan, observe_only
from vdx.controller.planners.domain import plan_domain_binding, plan_domain_unbinding
from vdx.controller.planners.rooms import alias_domain, in_domains, plan_room_defaults
from vdx.controller.planners.turn import TurnCredentials, credentials_from_secret, plan_turn_server
from vdx.pexip import models
from vdx.tls.validate import CertificateProblem, check_certificate, within_domains

PENDING_PREFIX = "(known after apply"


def pending(resource: str, label: str) -> str:
    """The placeholder for the URI of an object this plan creates."""
    return f"{PENDING_PREFIX}: {resource} {label})"


def from_secret(namespace: str, name: str) -> str:
    """The placeholder for a write-only value whose Secret was not given with --secrets."""
    return f"{PENDING_PREFIX}, from Secret {namespace}/{name})"


def is_pending(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PENDING_PREFIX)


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
    """What the platform holds, as the operator's cache would: one list per Pexip type it writes."""

    turn_servers: list[models.TurnServer] = field(default_factory=list)
    tls_certificates: list[models.TlsCertificate] = field(default_factory=list)
    system_locations: list[models.SystemLocation] = field(default_factory=list)
    conferences: list[models.Conference] = field(default_factory=list)
    webapp_brandings: list[models.WebappBranding] = field(default_factory=list)
    webapp_aliases: list[models.WebappAlias] = field(default_factory=list)
    ivr_themes: list[models.IvrTheme] = field(default_factory=list)
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


def _observe_only(resource: Any) -> bool:
    return bool(resource.spec.management_policy is ManagementPolicy.OBSERVE_ONLY)


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
        for named in (observed.turn_servers, observed.webapp_brandings, observed.ivr_themes):
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
        self.out.missing_secrets.setdefault(f"Secret {namespace}/{name}", []).append(source)

    def stalled(self, plan: Plan, source: str, field_path: str) -> bool:
        """True (and reported) when the operator's planner refuses; drift under ObserveOnly is a note."""
        if plan.outcome.phase is not Phase.STALLED:
            return False
        if plan.outcome.reason == "DriftObserved":
            self.out.notes.append(f"{source}: {plan.outcome.message}")
        else:
            self.problem(source, field_path, plan.outcome.message)
        return True

    # ------------------------------------------------------------------ phases
    def turn_services(self) -> None:
        for turn in self.in_scope(TurnService):
            namespace, source = str(turn.namespace), label_of(turn)
            owner = Owner("TurnService", namespace, turn.name)
            data = self.desired.secrets.get((namespace, turn.spec.secret_ref.name))
            secret_sources = dict.fromkeys(
                ("secret_key", "password"), f"Secret {namespace}/{turn.spec.secret_ref.name}"
            )
            credentials: TurnCredentials | str
            if data is None:
                unknown = from_secret(namespace, turn.spec.secret_ref.name)
                if turn.spec.credential_type is CredentialType.SHARED_SECRET:
                    credentials = TurnCredentials(secret=unknown)
                else:
                    credentials = TurnCredentials(username=unknown, password=unknown)
            else:
                credentials = credentials_from_secret(turn.spec, data)
                if isinstance(credentials, str):
                    self.problem(source, "spec.secretRef", credentials)
                    continue
            plan = plan_turn_server(
                turn.spec,
                owner,
                credentials,
                self.observed.turn_servers,
                adopt=_adopt(turn),
                secret_changed=self.desired.resend_secrets and data is not None,
            )
            if _observe_only(turn):
                plan = observe_only(plan, "turn_server")
            if self.stalled(plan, source, "metadata.name"):
                self.turn_uris[(namespace, turn.name)] = plan.owned[0] if plan.owned else None
                continue
            self.turn_uris[(namespace, turn.name)] = plan.owned[0] if plan.owned else None
            for change in plan.changes:
                if change.action == "update":
                    # Values only the Secret knows are compared by nothing offline.
                    kept = {k: v for k, v in change.fields.items() if not is_pending(v)}
                    if not kept:
                        continue
                    change = Change(
                        change.action,
                        change.resource,
                        change.label,
                        uri=change.uri,
                        fields=kept,
                        secret_fields=change.secret_fields & set(kept),
                        before=change.before,
                    )
                provides = None
                if change.action == "create":
                    provides = pending("turn_server", change.label)
                    self.turn_uris[(namespace, turn.name)] = provides
                if any(is_pending(v) for v in change.fields.values()):
                    self.need_secret(namespace, turn.spec.secret_ref.name, source)
                self.add(
                    Step(
                        self.tenant_of(turn),
                        source,
                        change,
                        provides=provides,
                        secret_sources=secret_sources,
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
            if not data.get("tls.crt") or not data.get("tls.key"):
                self.problem(
                    source,
                    "spec.secretRef",
                    f"Secret {label} needs keys tls.crt and tls.key (a kubernetes.io/tls Secret, as "
                    "cert-manager writes it); add them",
                )
                continue
            try:
                facts = check_certificate(
                    data["tls.crt"].encode(),
                    data["tls.key"].encode(),
                    required_names=cert.spec.dns_names,
                    tenant_domains=tenant.spec.domains,
                    tenant=tenant.name,
                    now=self.desired.now,
                )
            except CertificateProblem as problem:
                self.problem(source, f"spec.secretRef (Secret {label})", problem.message)
                continue
            plan = plan_certificate(
                facts.certificate_pem,
                data["tls.key"],
                label,
                self.observed.tls_certificates,
                adopt=_adopt(cert),
                # No status offline: an identical certificate in Pexip is taken to be this one.
                upload_pending=True,
            )
            if _observe_only(cert):
                plan = observe_only(plan, "tls_certificate")
            if self.stalled(plan, source, "spec.secretRef"):
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
            fqdn = domain.spec.fqdn
            if fqdn not in tenant.spec.domains:
                self.problem(
                    source,
                    "spec.fqdn",
                    f"{fqdn} is not among Tenant {tenant.name}'s spec.domains; add it there",
                )
                continue
            cert = certs.get((namespace, domain.spec.tls_certificate_ref.name))
            if cert is None:
                self.problem(
                    source,
                    "spec.tlsCertificateRef",
                    f"TlsCertificate {namespace}/{domain.spec.tls_certificate_ref.name} is not in the tree; "
                    "add it or correct the reference",
                )
                continue
            names = cert.spec.dns_names
            if not any(n == fqdn or (n.startswith("*.") and within_domains(fqdn, [n[2:]])) for n in names):
                self.problem(
                    source,
                    "spec.tlsCertificateRef",
                    f"TlsCertificate {cert.name} does not list {fqdn} in spec.dnsNames; add it",
                )
                continue
            turn_uri = None
            if domain.spec.turn_service_ref is not None:
                key = (namespace, domain.spec.turn_service_ref.name)
                if key not in turns:
                    self.problem(
                        source,
                        "spec.turnServiceRef",
                        f"TurnService {namespace}/{key[1]} is not in the tree; "
                        "add it or correct the reference",
                    )
                    continue
                turn_uri = self.turn_uris.get(key)
            plan = plan_domain_binding(domain.spec.system_location, turn_uri, self.locations)
            if plan.outcome.phase is Phase.STALLED:
                self.problem(source, "spec.systemLocation", plan.outcome.message)
                continue
            if _observe_only(domain):
                if plan.changes:
                    self.out.notes.append(
                        f"{source}: managementPolicy is ObserveOnly, so nothing is written; Pexip differs: "
                        + "; ".join(c.describe() for c in plan.changes)
                    )
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
        web = branding.spec.web_app
        if web.domain not in tenant.spec.domains:
            self.problem(
                source,
                "spec.webApp.domain",
                f"{web.domain} is not among Tenant {tenant.name}'s domains; use one of "
                f"{', '.join(tenant.spec.domains)}",
            )
            return
        try:
            rendered = _render(branding, objects)
        except BrandingError as error:
            for problem in error.problems[:5]:
                self.problem(source, "spec", str(problem))
            return
        ours, current = owned_packages(self.observed.webapp_brandings, owner, rendered.content_hash)
        alias = next((a for a in self.observed.webapp_aliases if a.slug == web.slug), None)
        adopt = _adopt(branding)
        if alias is not None and owner_of(alias.description) != owner and alias.resource_uri != adopt:
            self.problem(
                source,
                "spec.webApp.slug",
                f"the web app path /{web.slug} exists in Pexip ({alias.resource_uri}) and is not managed by "
                "this resource; choose another spec.webApp.slug or adopt it with "
                f"{ADOPT_ANNOTATION}: {alias.resource_uri}",
            )
            return
        theme = next((t for t in self.observed.ivr_themes if t.name == theme_name(owner)), None)
        steps: list[Step] = []
        package_uri = current.resource_uri if current is not None else None
        if current is None:
            name = branding_name(owner, rendered.content_hash)
            package_uri = pending("webapp_branding", name)
            steps.append(
                Step(
                    tenant.name,
                    source,
                    Change(
                        "create", "webapp_branding", name, fields=package_fields(owner, rendered.content_hash)
                    ),
                    file=("branding.zip", rendered.webapp.zip_bytes),
                    provides=package_uri,
                    shown={"branding_file": f"(webapp3 package, {len(rendered.webapp.zip_bytes)} bytes)"},
                )
            )
        want = alias_fields(owner, branding, package_uri)
        if alias is None:
            steps.append(
                Step(tenant.name, source, Change("create", "webapp_alias", f"/{web.slug}", fields=want))
            )
        else:
            diff = field_differences(want, alias)
            if diff:
                before = observed_values(diff, alias)
                if isinstance(before.get("branding"), models.WebappBranding):
                    before["branding"] = before["branding"].resource_uri
                steps.append(
                    Step(
                        tenant.name,
                        source,
                        Change(
                            "update",
                            "webapp_alias",
                            f"/{web.slug}",
                            uri=alias.resource_uri,
                            fields=diff,
                            before=before,
                        ),
                    )
                )
        theme_uri: str | None = theme.resource_uri if theme is not None else None
        if rendered.ivr_theme is not None:
            package = ("theme.zip", rendered.ivr_theme.zip_bytes)
            shown = {"package": f"(IVR theme package, {len(package[1])} bytes)"}
            if theme is None:
                theme_uri = pending("ivr_theme", theme_name(owner))
                steps.append(
                    Step(
                        tenant.name,
                        source,
                        Change("create", "ivr_theme", theme_name(owner), fields={"name": theme_name(owner)}),
                        file=package,
                        provides=theme_uri,
                        shown=shown,
                    )
                )
            elif current is None:
                # New content: the theme's package is replaced in place (the operator compares its
                # status.contentHash; offline, a missing package for this content says the same).
                steps.append(
                    Step(
                        tenant.name,
                        source,
                        Change(
                            "update",
                            "ivr_theme",
                            theme.name,
                            uri=theme.resource_uri,
                            fields={"name": theme.name},
                            before={"name": theme.name},
                        ),
                        file=package,
                        shown=shown,
                    )
                )
            if theme_uri is not None:
                self.theme_uris[namespace].append((branding.name, theme_uri))
        # Only with the path on the new package: other paths and old packages of this resource go.
        for other in self.observed.webapp_aliases:
            if owner_of(other.description) == owner and other.slug != web.slug:
                steps.append(
                    Step(
                        tenant.name,
                        source,
                        Change("delete", "webapp_alias", f"/{other.slug}", uri=other.resource_uri),
                    )
                )
        for old in ours:
            if current is None or old.uuid != current.uuid:
                steps.append(
                    Step(
                        tenant.name,
                        source,
                        Change("delete", "webapp_branding", old.name, uri=old.resource_uri),
                    )
                )
        if _observe_only(branding):
            if steps:
                self.out.notes.append(
                    f"{source}: managementPolicy is ObserveOnly, so nothing is written; Pexip differs: "
                    + "; ".join(s.change.describe() for s in steps)
                )
            self.theme_uris[namespace] = [(n, u) for n, u in self.theme_uris[namespace] if not is_pending(u)]
            return
        for step in steps:
            self.add(step)

    def tenants_rooms(self) -> None:
        for tenant in self.tenants:
            themes = sorted(self.theme_uris.get(tenant.spec.namespace, []))
            theme_uri = themes[0][1] if themes else None
            rooms = plan_room_defaults(
                tenant.spec.meeting_room_defaults, tenant.spec.domains, self.observed.conferences, theme_uri
            )
            source = f"Tenant {tenant.name}"
            if tenant.spec.management_policy is ManagementPolicy.OBSERVE_ONLY:
                if rooms.changes:
                    self.out.notes.append(
                        f"{source}: managementPolicy is ObserveOnly; {len(rooms.changes)} of {rooms.rooms} "
                        "meeting rooms differ from the defaults and are left as they are"
                    )
                continue
            for change in rooms.changes:
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

    def removed(self) -> None:
        """Objects marked for a resource the tree no longer has, in the namespaces this tree plans.

        A namespace that no Tenant of this platform claims in the tree is left alone: planning a part
        of the tree must never delete the rest.
        """
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


def _in_tenant(room: models.Conference, tenant: Tenant) -> bool:
    domains = {d for d in (alias_domain(a.alias) for a in room.aliases) if d}
    return any(in_domains(d, tenant.spec.domains) for d in domains)


def plan_platform(desired: Desired, observed: Observed) -> PlatformPlan:
    """Every write, in the order apply makes them.

    TURN servers and certificates come first, since domains rely on them; then the domains' TURN
    bindings; then brandings (upload, repoint the path, replace the theme, delete old packages);
    then the tenants' meeting rooms, which take the new theme; last, what the tree no longer has.
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
    planner.tenants_rooms()
    planner.removed()
    return planner.out


def resolve(value: Any, known: Mapping[str, str]) -> Any:
    """`value` with every placeholder replaced by the URI apply has learnt for it."""
    if isinstance(value, str) and value in known:
        return known[value]
    if isinstance(value, list):
        return [resolve(v, known) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, known) for k, v in value.items()}
    return value


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

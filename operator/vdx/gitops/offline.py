"""What every kind's offline gatherer shares: the plan being built, the tree, the observed lists.

`vdx plan` runs each kind's offline gatherer (`gitops.phases.<kind>`, named by the kind's
registration) against one `OfflinePlanner`; the gatherer feeds the kind's one `decide` and turns its
changes into `Step`s. What one kind's plan tells another (the URI a create will return, the system
locations as the writes so far leave them) lives in per-kind state (`state`), owned and read through
the owning kind's phase module, as `Runtime.kind_state` does for the operator. Pure: no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from vdx.api.loader import Tree
from vdx.api.names import ADOPT_ANNOTATION
from vdx.api.resource import Resource
from vdx.api.tenant import Tenant
from vdx.controller.ownership import Owner, owner_of
from vdx.controller.plan import PENDING_PREFIX, Change, is_pending
from vdx.controller.planners.common import Plan
from vdx.controller.reasons import Reason
from vdx.pexip import models, resources
from vdx.pexip.models import PexipModel
from vdx.pexip.resources import Kind

M = TypeVar("M", bound=PexipModel)
T = TypeVar("T")

# Every Pexip type by its model, so an observation can be built from objects alone (tests, tools).
KIND_OF_MODEL: dict[type[PexipModel], Kind[Any]] = {
    kind.model: kind for kind in vars(resources).values() if isinstance(kind, Kind)
}


def from_secret(namespace: str, name: str) -> str:
    """The placeholder for a write-only value whose Secret was not given with --secrets."""
    return f"{PENDING_PREFIX}, from Secret {namespace}/{name})"


# `Step.tenant` of a write that belongs to the platform, not to a tenant (its system locations).
PLATFORM_SCOPE = ""


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
    """What the platform holds, as the operator's cache would: one list per Pexip type the kinds
    write or read (by the type's resource name; `observe` lists what the registrations name), and
    the global settings (minimum PIN length, RTMP switched on)."""

    lists: dict[str, list[Any]] = field(default_factory=dict)
    # Read, never written: the minimum PIN length and whether RTMP (recording) is switched on.
    global_settings: models.GlobalSettings | None = None
    version: str = ""

    def of(self, kind: Kind[M]) -> list[M]:
        """The objects of one Pexip type (none when the platform has none or it was not listed).

        Reading does not file an empty list: `lists` keeps saying which types were listed."""
        return self.lists.get(kind.name, [])

    @classmethod
    def holding(
        cls, *objects: Iterable[PexipModel], global_settings: models.GlobalSettings | None = None
    ) -> Observed:
        """An observation of the given objects, each list filed under its model's Pexip type."""
        lists: dict[str, list[Any]] = {}
        for group in objects:
            for obj in group:
                lists.setdefault(KIND_OF_MODEL[type(obj)].name, []).append(obj)
        return cls(lists, global_settings)


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


def adopt_of(resource: Resource) -> str | None:
    return resource.metadata.annotations.get(ADOPT_ANNOTATION) or None


class OfflinePlanner:
    """One platform's plan in the making, and the helpers every kind's offline gatherer uses."""

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
        self._state: dict[str, Any] = {}
        for objects in observed.lists.values():
            for obj in objects:
                name = getattr(obj, "name", None)
                uri = getattr(obj, "resource_uri", None)
                if isinstance(name, str) and isinstance(uri, str):
                    self.out.names[uri] = name

    def state(self, name: str, factory: Callable[[], T]) -> T:
        """What one kind's gatherer keeps for this plan (and tells others through its module)."""
        found = self._state.get(name)
        if found is None:
            found = self._state[name] = factory()
        return found

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
        if plan.outcome.reason == Reason.DRIFT_OBSERVED:
            self.out.notes.append(f"{source}: {plan.outcome.message}")
        else:
            self.problem(source, plan.field_path, plan.outcome.message)
        return True

    def known_only(self, change: Change) -> Change | None:
        """An update without the values only a missing Secret knows (compared by nothing offline)."""
        if change.action != "update":
            return change
        kept = {k: v for k, v in change.fields.items() if not is_pending(v)}
        if not kept:
            return None
        # The rest of the change (the secrets the object holds, for scrubbing) stays as decided.
        return replace(
            change,
            fields=kept,
            secret_fields=change.secret_fields & set(kept),
            before={k: v for k, v in change.before.items() if k in kept},
        )

    def need_for_pending(self, change: Change, secret_of: Mapping[str, tuple[str, str]], source: str) -> None:
        """Name the Secret behind every placeholder value `change` would send."""
        for name, value in change.fields.items():
            if is_pending(value) and name in secret_of:
                self.need_secret(*secret_of[name], source)

    def config_map(self, namespace: str, name: str) -> dict[str, Any] | None:
        for doc, _source in self.tree.others:
            meta = doc.get("metadata") or {}
            if (
                doc.get("kind") == "ConfigMap"
                and meta.get("name") == name
                and meta.get("namespace") == namespace
            ):
                return doc
        return None

    def over_quota(
        self,
        resources: Sequence[Resource],
        exists: Mapping[tuple[str, str], bool],
        limit_of: Callable[[Tenant], int],
    ) -> set[tuple[str, str]]:
        """Resources a quota keeps out of Pexip, as the operator counts them: oldest keep their place.

        A tree has no creation times; those already in Pexip count as the oldest, then by name.
        """
        over: set[tuple[str, str]] = set()
        by_namespace: dict[str, list[Resource]] = defaultdict(list)
        for resource in resources:
            by_namespace[str(resource.namespace)].append(resource)
        for namespace, members in by_namespace.items():
            limit = limit_of(self.by_namespace[namespace])
            ordered = sorted(members, key=lambda r: (not exists[(namespace, r.name)], r.name))
            for position, resource in enumerate(ordered):
                if position >= limit and not exists[(namespace, resource.name)]:
                    over.add((namespace, resource.name))
        return over

    def removed(self, owner: Owner | None, kind: str) -> Owner | None:
        """`owner` when it is a `kind` in a namespace this plan covers that the tree no longer has.

        A namespace that no Tenant of this platform claims in the tree is left alone: planning a part
        of the tree must never delete the rest.
        """
        if owner is None or owner.kind != kind or owner.namespace not in self.by_namespace:
            return None
        kept = self.state(f"kept:{kind}", lambda: self._kept(kind))
        return None if (owner.namespace, owner.name) in kept else owner

    def _kept(self, kind: str) -> set[tuple[str, str]]:
        return {
            (str(r.resource.namespace), r.resource.name)
            for r in self.tree.resources
            if type(r.resource).__name__ == kind
        }

    def delete_left_behind(
        self, kind: str, resource: str, objects: Iterable[Any], label: Callable[[Any], str]
    ) -> None:
        """A delete step for each of `objects` whose owner marker names a `kind` the tree no longer has."""
        for obj in objects:
            owner = self.removed(owner_of(obj.description), kind)
            if owner is not None:
                tenant, source = self.removal_source(owner)
                self.add(Step(tenant, source, Change("delete", resource, label(obj), uri=obj.resource_uri)))

    def removal_source(self, owner: Owner) -> tuple[str, str]:
        """(tenant, source) of a step that deletes what `owner` left behind."""
        return self.by_namespace[str(owner.namespace)].name, f"{owner} (no longer in the tree)"


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

"""The view of a tree that every rule gets: the loaded resources, indexed the way rules ask.

Rules are pure functions of this view. It is built either from files (`vdx check`) or from the
objects the API server holds (admission), so no rule knows which; a rule that needs a position
asks `finding()`, which fills it in when the tree came from files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from vdx.api.loader import LoadedResource, Tree
from vdx.api.names import within_domain
from vdx.api.platform import Environment, PexipPlatform
from vdx.api.resource import Resource
from vdx.api.tenant import Tenant
from vdx.policies.findings import Finding, Location, ResourceRef, Severity
from vdx.policies.platform_secrets import OPERATOR_NAMESPACE

if TYPE_CHECKING:
    from vdx.branding.assets import AssetFile

Locator = Callable[[str, str], Location | None]


def ref_of(resource: Resource) -> ResourceRef:
    return ResourceRef(type(resource).__name__, resource.metadata.namespace, resource.metadata.name)


def other_ref(document: dict[str, Any]) -> ResourceRef | None:
    """Identity of a non-vdx object the tree carries (Secret, ConfigMap, Namespace...)."""
    kind = document.get("kind")
    metadata = document.get("metadata")
    if not isinstance(kind, str) or not isinstance(metadata, dict):
        return None
    name = metadata.get("name")
    namespace = metadata.get("namespace")
    if not isinstance(name, str):
        return None
    return ResourceRef(kind, namespace if isinstance(namespace, str) and namespace else None, name)


def _no_location(source: str, path: str) -> Location | None:
    return None


@dataclass
class PolicyContext:
    """A loaded tree plus what the rules need to know about it."""

    tree: Tree
    locator: Locator = _no_location
    # vdx objects present in the tree but invalid: a reference to one of them is not "missing".
    unloaded: frozenset[ResourceRef] = field(default_factory=frozenset)
    unloaded_tenant_namespaces: frozenset[str] = field(default_factory=frozenset)
    unloaded_organisations: frozenset[str] = field(default_factory=frozenset)
    # Words for the collection in messages: "the tree" offline, "the cluster" at admission.
    where: str = "the tree"
    # At admission only findings about one object count; expensive per-object work (decoding a
    # branding's images) may skip the others. None: every object counts.
    focus: ResourceRef | None = None
    # Namespaces where a PexipPlatform's credentials may live (the operator's, and any declared).
    platform_namespaces: frozenset[str] = frozenset({OPERATOR_NAMESPACE})
    # The image files next to each CviBranding's file (by its source label, then key), read by
    # `vdx check`; empty at admission, where only the ConfigMaps in the cluster exist.
    branding_files: Mapping[str, Mapping[str, AssetFile]] = field(default_factory=dict)
    # ConfigMap files written by `vdx branding update` that exist but were not given to the check.
    unread_generated: frozenset[str] = frozenset()

    # --- building findings -------------------------------------------------------------------

    def finding(
        self,
        severity: Severity,
        rule: str,
        loaded: LoadedResource,
        field_path: str,
        message: str,
        fix: str,
        related: Iterable[ResourceRef] = (),
    ) -> Finding:
        return Finding(
            severity,
            rule,
            ref_of(loaded.resource),
            field_path,
            message,
            fix,
            self.locator(loaded.source, field_path),
            tuple(related),
        )

    # --- indexes -----------------------------------------------------------------------------

    @cached_property
    def by_ref(self) -> dict[ResourceRef, list[LoadedResource]]:
        index: dict[ResourceRef, list[LoadedResource]] = defaultdict(list)
        for loaded in self.tree.resources:
            index[ref_of(loaded.resource)].append(loaded)
        return dict(index)

    @cached_property
    def others_by_ref(self) -> dict[ResourceRef, list[tuple[dict[str, Any], str]]]:
        index: dict[ResourceRef, list[tuple[dict[str, Any], str]]] = defaultdict(list)
        for document, source in self.tree.others:
            ref = other_ref(document)
            if ref is not None:
                index[ref].append((document, source))
        return dict(index)

    def in_focus(self, loaded: LoadedResource) -> bool:
        return self.focus is None or ref_of(loaded.resource) == self.focus

    def of_kind(self, kind: type[Resource]) -> list[LoadedResource]:
        return [loaded for loaded in self.tree.resources if isinstance(loaded.resource, kind)]

    @cached_property
    def tenants(self) -> list[LoadedResource]:
        return self.of_kind(Tenant)

    @cached_property
    def namespaced(self) -> list[LoadedResource]:
        return [loaded for loaded in self.tree.resources if type(loaded.resource).crd.scope == "Namespaced"]

    @cached_property
    def tenants_by_namespace(self) -> dict[str, list[LoadedResource]]:
        index: dict[str, list[LoadedResource]] = defaultdict(list)
        for loaded in self.tenants:
            index[tenant_of(loaded).spec.namespace].append(loaded)
        return dict(index)

    @cached_property
    def platforms(self) -> dict[str, PexipPlatform]:
        return {p.resource.name: platform_of(p) for p in self.of_kind(PexipPlatform)}

    def tenant_for(self, loaded: LoadedResource) -> LoadedResource | None:
        """The Tenant owning a namespaced resource, when exactly one Tenant names its namespace."""
        owners = self.tenants_by_namespace.get(loaded.resource.metadata.namespace or "", [])
        return owners[0] if len({o.resource.name for o in owners}) == 1 else None

    def environment_of(self, tenant: Tenant) -> Environment | None:
        platform = self.platforms.get(tenant.spec.platform_ref.name)
        return platform.spec.environment if platform else None

    def exists(self, ref: ResourceRef) -> bool:
        return ref in self.by_ref or ref in self.unloaded

    def namespace_in_tree(self, namespace: str) -> bool:
        return namespace in self.tenants_by_namespace or namespace in self.unloaded_tenant_namespaces

    def resources_in(self, namespace: str) -> list[LoadedResource]:
        return [loaded for loaded in self.namespaced if loaded.resource.metadata.namespace == namespace]


def tenant_of(loaded: LoadedResource) -> Tenant:
    resource = loaded.resource
    assert isinstance(resource, Tenant)
    return resource


def platform_of(loaded: LoadedResource) -> PexipPlatform:
    resource = loaded.resource
    assert isinstance(resource, PexipPlatform)
    return resource


in_domain = within_domain  # whether a DNS name is the domain or below it (a wildcard counts as below)

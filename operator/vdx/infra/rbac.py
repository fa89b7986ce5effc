"""RBAC rules for the operator, MedCom's engineers and each tenant's staff, derived from the code.

The operator's verbs are those `vdx.controller` actually uses: custom objects get/list/watch/patch
(kopf lists and watches every kind cluster-wide and patches finalizers and progress annotations;
`Kube.patch_annotations` patches), status get/patch (`Kube.patch_status`), finalizers update (for
clusters that enforce owner-reference permissions), CRDs list/watch (kopf notices new kinds), Secrets
and ConfigMaps get/list/watch only where resources may name them, Events create/patch, and the
leader Lease in its own namespace (`LeaderElector`: read, create, replace). The resource lists come
from the kind registry, so a new kind in `vdx.api.kinds` is covered without touching this module.
"""

from __future__ import annotations

from typing import Any

from vdx.api.kinds import ALL_KINDS, KINDS_BY_NAME
from vdx.api.meta import API_GROUP

Rule = dict[str, Any]

LEASE_NAME = "vdx-operator"
INCIDENTS_NAME = "vdx-incidents"  # vdx.controller.incident_store.CONFIG_MAP
READ = ["get", "list", "watch"]
BRANDING_KIND = "CviBranding"


def _rule(group: str, resources: list[str], verbs: list[str], names: list[str] | None = None) -> Rule:
    rule: Rule = {"apiGroups": [group], "resources": resources, "verbs": verbs}
    if names:
        rule["resourceNames"] = names
    return rule


def plurals(*, namespaced_only: bool = False) -> list[str]:
    return [kind.crd.plural for kind in ALL_KINDS if not namespaced_only or kind.crd.scope == "Namespaced"]


def operator_cluster_rules() -> list[Rule]:
    every = plurals()
    return [
        _rule(API_GROUP, every, [*READ, "patch"]),
        _rule(API_GROUP, [f"{p}/status" for p in every], ["get", "patch"]),
        _rule(API_GROUP, [f"{p}/finalizers" for p in every], ["update"]),
        _rule("apiextensions.k8s.io", ["customresourcedefinitions"], READ),
    ]


def operator_own_namespace_rules() -> list[Rule]:
    """Platform credentials and CA bundles live here, and the leader Lease."""
    return [
        _rule("", ["secrets", "configmaps"], READ),
        _rule("", ["events"], ["create", "patch"]),
        _rule("coordination.k8s.io", ["leases"], ["create"]),
        _rule("coordination.k8s.io", ["leases"], ["get", "update"], [LEASE_NAME]),
        # The incident record (vdx.controller.incident_store): created once, then replaced.
        _rule("", ["configmaps"], ["create"]),
        _rule("", ["configmaps"], ["update"], [INCIDENTS_NAME]),
    ]


def operator_tenant_namespace_rules() -> list[Rule]:
    """TURN secrets, certificates and branding assets are read where the tenant's resources live."""
    return [
        _rule("", ["secrets", "configmaps"], READ),
        _rule("", ["events"], ["create", "patch"]),
    ]


def operator_events_rules() -> list[Rule]:
    """Events about cluster-scoped objects (PexipPlatform, Tenant) go to `default` (`Kube.event`)."""
    return [_rule("", ["events"], ["create", "patch"])]


def engineer_cluster_rules() -> list[Rule]:
    """MedCom's engineers administer every vdx resource, present and future, and may see namespaces."""
    return [
        _rule(API_GROUP, ["*"], ["*"]),
        _rule("apiextensions.k8s.io", ["customresourcedefinitions"], READ),
        _rule("", ["namespaces"], READ),
    ]


def engineer_namespace_rules() -> list[Rule]:
    """In the operator's and the tenants' namespaces: the Secrets and ConfigMaps resources name."""
    return [
        _rule("", ["secrets", "configmaps"], [*READ, "create", "update", "patch", "delete"]),
        _rule("", ["events"], READ),
        _rule("coordination.k8s.io", ["leases"], READ),
    ]


def tenant_rules() -> list[Rule]:
    """A tenant's staff: create and edit their branding; only read their other vdx resources."""
    branding = KINDS_BY_NAME[BRANDING_KIND].crd.plural
    namespaced = plurals(namespaced_only=True)
    others = [p for p in namespaced if p != branding]
    rules = [
        _rule(API_GROUP, [branding], [*READ, "create", "update", "patch"]),
        _rule(API_GROUP, [f"{p}/status" for p in namespaced], ["get"]),
    ]
    if others:
        rules.insert(1, _rule(API_GROUP, others, READ))
    return rules

"""A small RBAC evaluator over declared Roles/Bindings, so tests ask "may X do Y there?" offline.

It follows the Kubernetes authorizer's rules for what the stacks use: a ClusterRoleBinding grants
everywhere, a RoleBinding only in its namespace (to a Role or a ClusterRole), `*` matches anything,
resourceNames narrows a rule to named objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Rule = dict[str, Any]


@dataclass(frozen=True)
class Identity:
    user: str
    groups: tuple[str, ...] = ()


def service_account(namespace: str, name: str) -> Identity:
    return Identity(f"system:serviceaccount:{namespace}:{name}", ("system:serviceaccounts",))


@dataclass
class Authorizer:
    cluster_roles: dict[str, list[Rule]] = field(default_factory=dict)
    roles: dict[tuple[str, str], list[Rule]] = field(default_factory=dict)
    cluster_bindings: list[dict[str, Any]] = field(default_factory=list)
    bindings: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @classmethod
    def from_resources(cls, resources: list[tuple[str, dict[str, Any]]]) -> Authorizer:
        result = cls()
        for typ, inputs in resources:
            meta = inputs.get("metadata") or {}
            if typ == "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole":
                result.cluster_roles[meta["name"]] = inputs.get("rules") or []
            elif typ == "kubernetes:rbac.authorization.k8s.io/v1:Role":
                result.roles[(meta["namespace"], meta["name"])] = inputs.get("rules") or []
            elif typ == "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding":
                result.cluster_bindings.append(inputs)
            elif typ == "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding":
                result.bindings.append((meta["namespace"], inputs))
        return result

    @staticmethod
    def _subject_matches(subject: dict[str, Any], who: Identity) -> bool:
        if subject["kind"] == "Group":
            return bool(subject["name"] in who.groups)
        if subject["kind"] == "User":
            return bool(subject["name"] == who.user)
        return who.user == f"system:serviceaccount:{subject['namespace']}:{subject['name']}"

    @staticmethod
    def _rule_allows(rule: Rule, verb: str, group: str, resource: str, name: str | None) -> bool:
        def has(key: str, value: str) -> bool:
            values = rule.get(key) or []
            return "*" in values or value in values

        if not (has("apiGroups", group) and has("resources", resource) and has("verbs", verb)):
            return False
        names = rule.get("resourceNames") or []
        return not names or (name is not None and name in names)

    def _rules_of(self, ref: dict[str, Any], namespace: str | None) -> list[Rule]:
        if ref["kind"] == "ClusterRole":
            return self.cluster_roles.get(ref["name"], [])
        return self.roles.get((namespace or "", ref["name"]), [])

    def allowed(
        self,
        who: Identity,
        verb: str,
        group: str,
        resource: str,
        namespace: str | None = None,
        name: str | None = None,
    ) -> bool:
        """`namespace=None` asks for the cluster-wide permission (e.g. list across namespaces)."""
        candidates: list[Rule] = []
        for binding in self.cluster_bindings:
            if any(self._subject_matches(s, who) for s in binding.get("subjects") or []):
                candidates += self._rules_of(binding["roleRef"], None)
        if namespace is not None:
            for binding_ns, binding in self.bindings:
                if binding_ns == namespace and any(
                    self._subject_matches(s, who) for s in binding.get("subjects") or []
                ):
                    candidates += self._rules_of(binding["roleRef"], namespace)
        return any(self._rule_allows(rule, verb, group, resource, name) for rule in candidates)

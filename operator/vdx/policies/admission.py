"""The platform rules at admission: judge one object against what the cluster already holds.

The operator's kopf validating webhook calls `review` with the object under review and the
objects it has cached (Tenants, PexipPlatforms, the vdx objects and the Secrets and ConfigMaps of
the namespace), and refuses the request when `verdict` says so. The rules are the very ones
`vdx check` runs; only the tree is different (the cluster, with the object replaced by its new
version) and only findings about the object under review (or naming it as related) count, so an
unrelated old problem elsewhere never blocks someone else's change. Pure: no cluster access.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from vdx.api.loader import Tree, load_document
from vdx.api.meta import API_GROUP
from vdx.policies.context import PolicyContext
from vdx.policies.engine import run_rules
from vdx.policies.findings import Finding, ResourceRef, Severity
from vdx.policies.platform_secrets import OPERATOR_NAMESPACE
from vdx.policies.registry import RULES
from vdx.policies.rules import duplicates
from vdx.policies.source import problem_finding, raw_ref

SUBJECT = "<admission>"
# Rules that make no sense against a cluster: it cannot hold two objects with one identity.
_NOT_AT_ADMISSION = frozenset({duplicates.ID})


def review(
    resource: Mapping[str, Any],
    cluster_objects: Iterable[Mapping[str, Any]],
    platform_namespaces: Iterable[str] = (OPERATOR_NAMESPACE,),
) -> list[Finding]:
    """Findings about `resource` if it were admitted into a cluster holding `cluster_objects`.

    Every object needs apiVersion and kind (as the API server and kopf bodies have them). An
    object of the cluster with the same kind, namespace and name as `resource` is its old version
    and is replaced. Cluster objects that do not validate are left out, but never reported as
    missing.
    """
    subject = raw_ref(resource)
    tree = Tree()
    unloaded: set[ResourceRef] = set()
    tenant_namespaces: set[str] = set()
    for obj in cluster_objects:
        ref = raw_ref(obj)
        if ref is not None and ref == subject:
            continue
        if load_document(dict(obj), "cluster", tree) and ref is not None:
            unloaded.add(ref)
            spec = obj.get("spec")
            if ref.kind == "Tenant" and isinstance(spec, Mapping) and isinstance(spec.get("namespace"), str):
                tenant_namespaces.add(spec["namespace"])
    problems = load_document(dict(resource), SUBJECT, tree)
    findings = [problem_finding(problem, subject, None) for problem in problems]
    if problems or subject is None or not _is_vdx(resource):
        return findings
    ctx = PolicyContext(
        tree,
        unloaded=frozenset(unloaded),
        unloaded_tenant_namespaces=frozenset(tenant_namespaces),
        where="the cluster",
        focus=subject,
        platform_namespaces=frozenset(platform_namespaces),
    )
    rules = [rule for rule in RULES if rule.id not in _NOT_AT_ADMISSION]
    findings.extend(f for f in run_rules(ctx, rules) if f.concerns(subject))
    return sorted(set(findings), key=lambda f: (f.severity is not Severity.ERROR, f.rule, f.field, f.message))


def needs_review(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    """Whether an admission request changes what the rules judge (CREATE, or spec/labels/annotations).

    The operator's own updates (finalizers, ownership markers in other metadata) must never be
    refused because of a problem that predates them, or the object could not even be deleted
    cleanly; the ValidatingAdmissionPolicies ratchet the same way.
    """
    if old is None:
        return True
    if old.get("spec") != new.get("spec"):
        return True
    old_meta, new_meta = old.get("metadata") or {}, new.get("metadata") or {}
    return any(old_meta.get(key) != new_meta.get(key) for key in ("labels", "annotations"))


@dataclass(frozen=True)
class Verdict:
    """What the webhook answers: refuse on any error; warnings go back as admission warnings."""

    allowed: bool
    message: str
    warnings: tuple[str, ...]


def verdict(findings: Iterable[Finding]) -> Verdict:
    findings = list(findings)
    errors = [f for f in findings if f.is_error]
    warnings = tuple(_line(f) for f in findings if not f.is_error)
    if not errors:
        return Verdict(True, "", warnings)
    return Verdict(False, "; ".join(_line(f) for f in errors), warnings)


def _line(finding: Finding) -> str:
    where = f"{finding.field}: " if finding.field else ""
    return f"[{finding.rule}] {where}{finding.message}. Fix: {finding.fix}"


def _is_vdx(resource: Mapping[str, Any]) -> bool:
    api_version = resource.get("apiVersion")
    return isinstance(api_version, str) and api_version.startswith(API_GROUP + "/")

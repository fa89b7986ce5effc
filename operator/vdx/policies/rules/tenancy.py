"""Every namespaced vdx resource lives in the namespace of exactly one Tenant.

Decision: a tenant's namespace is its boundary. Its Domains, TurnServices, TlsCertificates and
brandings are found by namespace, Kubernetes RBAC is granted per namespace, and Secrets are only
ever referenced within it. A resource in a namespace no Tenant names belongs to nobody (the
operator could not tell whose domains it may use), and a namespace named by two Tenants would let
each use the other's objects.
"""

from __future__ import annotations

from collections.abc import Iterator

from vdx.policies.context import PolicyContext
from vdx.policies.findings import Finding, Severity
from vdx.policies.rule import PolicyRule

ID = "tenant-namespace"


def check(ctx: PolicyContext) -> Iterator[Finding]:
    for namespace, owners in sorted(ctx.tenants_by_namespace.items()):
        distinct = sorted({o.resource.name for o in owners})
        if len(distinct) < 2:
            continue  # one tenant declared twice is the duplicate-name rule's finding
        names = ", ".join(distinct)
        for loaded in owners:
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                "spec.namespace",
                f"namespace {namespace} is named by several tenants ({names}); a namespace belongs to "
                "exactly one tenant",
                "give each tenant its own namespace",
            )
    for loaded in ctx.namespaced:
        namespace = loaded.resource.metadata.namespace or ""
        if ctx.namespace_in_tree(namespace):
            continue
        known = sorted(ctx.tenants_by_namespace)
        yield ctx.finding(
            Severity.ERROR,
            ID,
            loaded,
            "metadata.namespace",
            f"namespace {namespace} belongs to no Tenant in {ctx.where}; every vdx resource lives in "
            "its tenant's namespace",
            "move the resource to its tenant's namespace (the Tenant's spec.namespace"
            + (f"; known: {', '.join(known)}" if known else "")
            + ") or add the Tenant that owns this namespace",
        )


RULE = PolicyRule(
    ID,
    "A namespaced resource lives in its tenant's namespace",
    "The namespace is the tenant boundary for ownership, RBAC and Secret references.",
    check,
)

"""A PexipPlatform's credentials live in a platform-only namespace, never a tenant's.

Decision: see `vdx.policies.platform_secrets`, the one function `vdx check`, admission and the
operator call. The platform-only namespaces are the operator's (`vdx-system`) and those given
with `vdx check --platform-namespace`.
"""

from __future__ import annotations

from collections.abc import Iterator

from vdx.api.platform import PexipPlatform
from vdx.policies.context import PolicyContext
from vdx.policies.findings import Finding, Severity
from vdx.policies.platform_secrets import credentials_namespace_problem, fix_for
from vdx.policies.rule import PolicyRule

ID = "platform-credentials"


def check(ctx: PolicyContext) -> Iterator[Finding]:
    tenant_namespaces = set(ctx.tenants_by_namespace) | set(ctx.unloaded_tenant_namespaces)
    for loaded in ctx.of_kind(PexipPlatform):
        platform = loaded.resource
        assert isinstance(platform, PexipPlatform)
        namespace = platform.spec.credentials.secret_ref.namespace
        problem = credentials_namespace_problem(namespace, ctx.platform_namespaces, tenant_namespaces)
        if problem:
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                "spec.credentials.secretRef.namespace",
                problem,
                fix_for(ctx.platform_namespaces),
            )


RULE = PolicyRule(
    ID,
    "A PexipPlatform's credentials live in a platform-only namespace",
    "The Pexip credentials administer every tenant; a tenant's RBAC must never reach them.",
    check,
    admission="ValidatingAdmissionPolicy vdx-platform-credentials (not a tenant's namespace); webhook",
)

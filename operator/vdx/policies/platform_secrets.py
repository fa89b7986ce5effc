"""Where a PexipPlatform's credentials may live: one pure function for `vdx check`, admission and
the operator.

Decision: the Pexip credentials administer the whole shared deployment (every tenant's rooms,
certificates and branding). A tenant's staff hold RBAC in their own namespace, so credentials
referenced from a tenant's namespace would be readable by that tenant. They must live in the
operator's namespace (`vdx-system` unless the stacks' `operatorNamespace` says otherwise) or in a
namespace declared platform-only, and never in a namespace a Tenant names.
"""

from __future__ import annotations

from collections.abc import Collection

OPERATOR_NAMESPACE = "vdx-system"


def credentials_namespace_problem(
    namespace: str, platform_namespaces: Collection[str], tenant_namespaces: Collection[str] = ()
) -> str | None:
    """Why the credentials Secret must not live in `namespace`, or None when it may."""
    allowed = ", ".join(sorted(platform_namespaces)) or OPERATOR_NAMESPACE
    if namespace in tenant_namespaces:
        return (
            f"the credentials Secret is in namespace {namespace}, a tenant's namespace, where that "
            "tenant's own RBAC reaches the Pexip credentials of the whole platform; they must live in "
            f"a platform-only namespace ({allowed})"
        )
    if namespace not in platform_namespaces:
        return (
            f"the credentials Secret is in namespace {namespace}, which is not declared platform-only; "
            f"the Pexip credentials of the whole platform must live in {allowed}"
        )
    return None


def fix_for(platform_namespaces: Collection[str]) -> str:
    namespaces = ", ".join(sorted(platform_namespaces)) or OPERATOR_NAMESPACE
    return (
        f"move the Secret to {namespaces} and set spec.credentials.secretRef.namespace to it (a "
        "further platform-only namespace is declared with `vdx check --platform-namespace NS` and the "
        "operator's --platform-namespace)"
    )

"""What `vdx stats` and `vdx ports` read from disk and the environment: tree, tenants, credentials.

Credentials come from `PEXIP_USERNAME`/`PEXIP_PASSWORD` (as Pexip's own Terraform provider reads
them) or a file, never from a command-line argument, where they would end up in shell history and
CI logs. No credential value is ever put into a message.
"""

from __future__ import annotations

from pathlib import Path

from vdx.api.loader import LoadError, Tree, load_tree
from vdx.api.tenant import Tenant
from vdx.gitops.workspace import PASSWORD_ENV, USERNAME_ENV, WorkspaceError
from vdx.gitops.workspace import connect as open_client
from vdx.gitops.workspace import load_credentials as load_credentials
from vdx.stats.attribution import TenantInfo

ORGANISATION_LABEL = "vdx.medcom.dk/organisation"


# One loader for credentials and the platform client, shared with `vdx plan`/`vdx apply`.
SetupError = WorkspaceError
__all__ = ["SetupError", "explain", "load", "load_credentials", "open_client", "tenant_info", "tenants_of"]


def load(tree_path: Path) -> Tree:
    try:
        return load_tree([tree_path])
    except LoadError as error:
        raise SetupError(
            f"the GitOps tree {tree_path} does not load (run `vdx check` on it): {error}"
        ) from None


def tenants_of(tree: Tree, platform: str, only: str | None = None) -> list[Tenant]:
    """The platform's tenants (by spec.platformRef), or the one named by --tenant."""
    tenants = sorted(
        (t for t in tree.of_kind(Tenant) if t.spec.platform_ref.name == platform), key=lambda t: t.name
    )
    if only is None:
        return tenants
    chosen = [t for t in tenants if t.name == only]
    if not chosen:
        known = ", ".join(t.name for t in tenants) or "none"
        raise SetupError(
            f"Tenant {only} is not on platform {platform} in the tree (tenants there: {known}); pass "
            "--tenant with one of them"
        )
    return chosen


def tenant_info(tenant: Tenant) -> TenantInfo:
    tags = [tenant.name]
    label = tenant.metadata.labels.get(ORGANISATION_LABEL)
    if label and label not in tags:
        tags.append(label)
    return TenantInfo(
        name=tenant.name,
        display_name=tenant.spec.display_name,
        organisation_kind=str(tenant.spec.organisation_kind),
        domains=tuple(tenant.spec.domains),
        tags=tuple(tags),
    )


def explain(error: Exception, platform: str) -> str:
    """A Pexip failure as a message with the fix (never with a credential in it)."""
    from vdx.pexip import AuthenticationError, PermissionDeniedError, PexipTransportError

    where = f"PexipPlatform {platform}: {error}"
    if isinstance(error, AuthenticationError):
        return (
            f"{where}; the management node refused the credentials: check {USERNAME_ENV}/{PASSWORD_ENV} or "
            "--credentials-file"
        )
    if isinstance(error, PermissionDeniedError):
        return f"{where}; the account needs the admin role permissions 'May use API' and 'May view logs'"
    if isinstance(error, PexipTransportError):
        return f"{where}; the management node cannot be reached: check --url (or the platform's spec.url)"
    return where

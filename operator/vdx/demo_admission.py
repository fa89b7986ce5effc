"""The refusal `vdx demo` shows: a certificate for another tenant's domain, built from the tree.

The docs promise that the API server itself refuses what the shared SAN certificate's retirement
forbids; the demo proves it on its own tenants rather than on a made-up pair, so the message the
reader sees names real organisations of the tree. Pure: the tree in, the object out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vdx.api.loader import Tree
from vdx.api.meta import GROUP_VERSION
from vdx.api.tenant import Tenant

NAME = "demo-foreign-certificate"


@dataclass(frozen=True)
class Example:
    """An object admission must refuse, and one line saying what it tries."""

    obj: dict[str, Any]
    what: str


def foreign_certificate(tree: Tree) -> Example | None:
    """A TlsCertificate in one tenant's namespace for a domain another tenant on its platform claims.

    None when no platform has two tenants with domains (nothing to show on such a tree).
    """
    tenants = sorted((t for t in tree.of_kind(Tenant) if t.spec.domains), key=lambda t: t.name)
    for own in tenants:
        for other in tenants:
            if other is own or other.spec.platform_ref.name != own.spec.platform_ref.name:
                continue
            foreign = other.spec.domains[0]
            if any(foreign == d or foreign.endswith("." + d) for d in own.spec.domains):
                continue  # nested claims: the name may be delegated to `own`
            obj = {
                "apiVersion": GROUP_VERSION,
                "kind": "TlsCertificate",
                "metadata": {"name": NAME, "namespace": own.spec.namespace},
                "spec": {"secretRef": {"name": NAME}, "dnsNames": [foreign]},
            }
            what = (
                f"a TlsCertificate in {own.spec.namespace} (tenant {own.name}) for {foreign}, "
                f"a domain of tenant {other.name}"
            )
            return Example(obj, what)
    return None

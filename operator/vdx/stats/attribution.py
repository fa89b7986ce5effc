"""Which tenant a meeting belongs to: by the alias domains tenants own, then by the service tag.

A meeting is attributed as a whole, so its participants and minutes always land in one bucket and
the per-tenant figures add up to the raw history. What cannot be attributed is kept, in the
`(unattributed)` bucket with a reason an engineer can act on, because silently dropping calls
would make every tenant's numbers look complete when they are not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

UNATTRIBUTED = "(unattributed)"


class Reason(StrEnum):
    """Why a meeting could not be attributed; stable codes for filters in Power BI."""

    AMBIGUOUS_DOMAIN = "ambiguous-domain"  # the most specific domain is claimed by several tenants
    SEVERAL_TENANTS = "several-tenants"  # the meeting's aliases lie in different tenants' domains
    UNKNOWN_DOMAIN = "unknown-domain"  # alias domains no tenant claims, and no usable service tag
    NO_DOMAIN = "no-domain"  # no alias with a domain, and no usable service tag
    AMBIGUOUS_TAG = "ambiguous-tag"  # fallback tag names several tenants


@dataclass(frozen=True)
class TenantInfo:
    """What attribution and the reports need of a Tenant from the GitOps tree."""

    name: str
    display_name: str = ""
    organisation_kind: str = ""
    domains: tuple[str, ...] = ()
    # Service tags that mean this tenant when no alias domain decides (its name, its organisation label).
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attribution:
    tenant: str | None
    method: str  # "domain", "tag" or "" when unattributed
    reason: Reason | None = None
    detail: str = ""

    @property
    def bucket(self) -> str:
        return self.tenant if self.tenant is not None else UNATTRIBUTED


def alias_domain(alias: str) -> str | None:
    """The domain of an alias as dialled: `sip:room@Vdx.RM.dk;transport=tls` -> `vdx.rm.dk`.

    Aliases without `@` (numeric E.164 aliases, bare room names) have no domain.
    """
    text = alias.strip()
    if "@" not in text:
        return None
    host = text.rsplit("@", 1)[1]
    for separator in (";", "?", ">", "/"):
        host = host.split(separator, 1)[0]
    if host.startswith("[") or host.count(":") > 1:
        return None  # an IPv6 literal is not a tenant domain
    host = host.split(":", 1)[0].strip().rstrip(".").lower()
    return host or None


class DomainIndex:
    """Tenant domains for suffix lookups: the most specific claimed domain wins."""

    def __init__(self, tenants: Iterable[TenantInfo]) -> None:
        self._owners: dict[str, list[str]] = {}
        self._tags: dict[str, list[str]] = {}
        for tenant in tenants:
            for domain in tenant.domains:
                owners = self._owners.setdefault(domain.lower().rstrip("."), [])
                if tenant.name not in owners:
                    owners.append(tenant.name)
            for tag in tenant.tags:
                tagged = self._tags.setdefault(tag.lower(), [])
                if tenant.name not in tagged:
                    tagged.append(tenant.name)

    def owners(self, domain: str) -> tuple[str, list[str]] | None:
        """The most specific claimed domain covering `domain`, with its claimants; None if none."""
        labels = domain.lower().split(".")
        for start in range(len(labels)):
            candidate = ".".join(labels[start:])
            if candidate in self._owners:
                return candidate, sorted(self._owners[candidate])
        return None

    def tagged(self, tag: str) -> list[str]:
        return sorted(self._tags.get(tag.lower(), [])) if tag else []


def attribute(aliases: Sequence[str], tags: Sequence[str], index: DomainIndex) -> Attribution:
    """Attribute one meeting from the aliases its participants dialled and its service tags.

    Rule: each alias's most specific claimed domain names its tenant; if all aliases with a
    claimed domain agree, that tenant wins. Only when no alias domain is claimed does the service
    tag decide. Anything else is unattributed, with the reason.
    """
    tenants: set[str] = set()
    unknown: set[str] = set()
    ambiguous: dict[str, list[str]] = {}
    for alias in aliases:
        domain = alias_domain(alias)
        if domain is None:
            continue
        found = index.owners(domain)
        if found is None:
            unknown.add(domain)
        elif len(found[1]) > 1:
            ambiguous[found[0]] = found[1]
        else:
            tenants.add(found[1][0])
    if ambiguous:
        domain, owners = sorted(ambiguous.items())[0]
        return Attribution(
            None,
            "",
            Reason.AMBIGUOUS_DOMAIN,
            f"domain {domain} is claimed by tenants {', '.join(owners)}; keep it in one tenant's "
            "spec.domains",
        )
    if len(tenants) > 1:
        return Attribution(
            None,
            "",
            Reason.SEVERAL_TENANTS,
            f"aliases lie in domains of tenants {', '.join(sorted(tenants))}; one meeting room should "
            "have aliases of one tenant only",
        )
    if tenants:
        return Attribution(tenants.pop(), "domain")
    for tag in dict.fromkeys(t for t in tags if t):
        named = index.tagged(tag)
        if len(named) == 1:
            return Attribution(named[0], "tag")
        if len(named) > 1:
            return Attribution(
                None,
                "",
                Reason.AMBIGUOUS_TAG,
                f"service tag {tag!r} names tenants {', '.join(named)}; give the rooms a tag that is "
                "one tenant's name",
            )
    shown_tags = ", ".join(repr(t) for t in dict.fromkeys(t for t in tags if t)) or "none"
    if unknown:
        return Attribution(
            None,
            "",
            Reason.UNKNOWN_DOMAIN,
            f"alias domain {', '.join(sorted(unknown))} is claimed by no tenant on this platform and the "
            f"service tag ({shown_tags}) names none; add the domain to a Tenant's spec.domains",
        )
    return Attribution(
        None,
        "",
        Reason.NO_DOMAIN,
        f"no alias with a domain and the service tag ({shown_tags}) names no tenant; give the room an "
        "alias in a tenant domain or a tag equal to the tenant's name",
    )

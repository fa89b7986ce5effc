"""Build the phone book from resource bodies, and cut out what one tenant sees.

Input is plain Kubernetes bodies (camelCase dicts): that is what the operator's watch holds, and
the GitOps loader's models turn into them with `model_dump(by_alias=True)`. Defaults are applied
here as the CRDs apply them (listed in the phone book, visible to other tenants), so a body that
never went through the API server reads the same as one that did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from vdx.tenantstate import TenantState, of_tenants

Body = Mapping[str, Any]


class EntryKind(StrEnum):
    ROOM = "Room"
    DEVICE = "Device"


@dataclass(frozen=True)
class Entry:
    """One line of the phone book: who you reach, at which address, in which organisation."""

    display_name: str
    alias: str
    organisation: str
    tenant: str
    kind: EntryKind
    platform: str

    def sort_key(self) -> tuple[str, str, str]:
        """Danish alphabetical order, case-insensitive; the alias breaks ties so the order is total."""
        return (_danish(self.organisation), _danish(self.display_name), self.alias.casefold())


# Æ, Ø, Å come after Z and in that order (code points would give Å, Æ, Ø). The characters after
# "z" in ASCII stand in for them; no locale is needed, so the order is the same on every machine.
_DANISH = str.maketrans({"æ": "{", "ø": "|", "å": "}"})


def _danish(text: str) -> str:
    return text.casefold().translate(_DANISH)


@dataclass(frozen=True)
class TenantInfo:
    name: str
    organisation: str
    namespace: str
    platform: str
    visible_to_other_tenants: bool


@dataclass(frozen=True)
class PhoneBook:
    """Every listed entry, plus the tenants (also those with no entries: a view may be asked of them)
    and the PexipPlatforms by environment (which one is Production decides the default view)."""

    entries: tuple[Entry, ...]
    tenants: tuple[TenantInfo, ...]
    platforms: Mapping[str, str] = field(default_factory=dict)  # name -> spec.environment
    # Each tenant's roll-up (vdx.tenantstate) where a cluster was read; None: no cluster, unknown.
    states: Mapping[str, TenantState] | None = None

    def tenant(self, name: str) -> TenantInfo | None:
        return next((t for t in self.tenants if t.name == name), None)


class UnknownTenant(LookupError):
    """A view was asked for a tenant the phone book does not know."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.known = sorted(known)
        super().__init__(f"no Tenant named {name!r}")


def _spec(body: Body) -> Mapping[str, Any]:
    spec = body.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def _meta(body: Body) -> Mapping[str, Any]:
    meta = body.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _live(body: Body) -> bool:
    """Objects on their way out (deletionTimestamp set) are no longer in the book."""
    return not _meta(body).get("deletionTimestamp")


def _tenants(tenants: Iterable[Body]) -> list[TenantInfo]:
    infos: list[TenantInfo] = []
    for body in tenants:
        spec = _spec(body)
        name, namespace = _meta(body).get("name"), spec.get("namespace")
        if not _live(body) or not isinstance(name, str) or not isinstance(namespace, str):
            continue
        phone_book = spec.get("phoneBook") or {}
        infos.append(
            TenantInfo(
                name=name,
                organisation=str(spec.get("displayName") or name),
                namespace=namespace,
                platform=str((spec.get("platformRef") or {}).get("name") or ""),
                visible_to_other_tenants=bool(phone_book.get("visibleToOtherTenants", True)),
            )
        )
    return sorted(infos, key=lambda t: t.name)


def _platforms(platforms: Iterable[Body]) -> dict[str, str]:
    found: dict[str, str] = {}
    for body in platforms:
        name = _meta(body).get("name")
        if isinstance(name, str) and _live(body):
            found[name] = str(_spec(body).get("environment") or "")
    return found


def build(
    tenants: Iterable[Body],
    rooms: Iterable[Body],
    devices: Iterable[Body],
    platforms: Iterable[Body] = (),
    *,
    with_states: bool = False,
) -> PhoneBook:
    """Every room and device that is listed and lives in a tenant's namespace.

    A namespace that belongs to no Tenant contributes nothing: without a tenant there is no
    organisation to show and no visibility flag to honour, so listing it would guess. Should two
    Tenants name one namespace (the tenant-namespace rule refuses that), the first by name wins.
    A room is listed under its first alias, the address its printer column also shows.
    `with_states`: the bodies come from a cluster (their status is the operator's), so each tenant's
    roll-up is known; bodies from a GitOps tree have none to read.
    """
    tenants = list(tenants)
    infos = _tenants(tenants)
    by_namespace: dict[str, TenantInfo] = {}
    for info in infos:
        by_namespace.setdefault(info.namespace, info)
    entries: list[Entry] = []
    for kind, bodies in ((EntryKind.ROOM, rooms), (EntryKind.DEVICE, devices)):
        for body in bodies:
            tenant = by_namespace.get(str(_meta(body).get("namespace") or ""))
            spec = _spec(body)
            if tenant is None or not _live(body) or not spec.get("listedInPhoneBook", True):
                continue
            alias = _alias(kind, spec)
            name = spec.get("displayName")
            if alias is None or not isinstance(name, str):
                continue
            entries.append(
                Entry(
                    display_name=name,
                    alias=alias,
                    organisation=tenant.organisation,
                    tenant=tenant.name,
                    kind=kind,
                    platform=tenant.platform,
                )
            )
    return PhoneBook(
        entries=tuple(sorted(entries, key=Entry.sort_key)),
        tenants=tuple(infos),
        platforms=_platforms(platforms),
        states=of_tenants([t for t in tenants if _live(t)]) if with_states else None,
    )


def _alias(kind: EntryKind, spec: Mapping[str, Any]) -> str | None:
    if kind is EntryKind.DEVICE:
        alias = spec.get("alias")
        return alias if isinstance(alias, str) else None
    aliases = spec.get("aliases") or []
    first = aliases[0] if aliases and isinstance(aliases[0], Mapping) else {}
    alias = first.get("alias")
    return alias if isinstance(alias, str) else None


# `platform` value for every platform at once (the full view's old default).
ALL_PLATFORMS = "all"
PRODUCTION = "Production"


def default_platform(book: PhoneBook) -> str | None:
    """The platform of the full view when none is asked for: the one Production platform.

    A stage room and a prod room in one list look alike and only one of them can be dialled from a
    given endpoint, so the full view shows one platform. None (every entry) when the tenants are on
    one platform anyway, or when the book cannot tell which is Production (no or several).
    """
    used = {t.platform for t in book.tenants}
    if len(used) <= 1:
        return None
    production = sorted(name for name, env in book.platforms.items() if env == PRODUCTION and name in used)
    return production[0] if len(production) == 1 else None


def view(book: PhoneBook, for_tenant: str | None = None, platform: str | None = None) -> list[Entry]:
    """What a tenant sees: its own entries and those of tenants that share theirs.

    `for_tenant=None` is MedCom's full view (every entry, whatever the flags), of the Production
    platform unless `platform` names another (`default_platform`). `platform` keeps one
    PexipPlatform's entries, `"all"` every platform's; a tenant's view keeps its own platform's
    unless told otherwise, since a stage room cannot be dialled from production. The order is the
    book's: organisation, display name, alias.
    """
    if for_tenant is not None:
        viewer = book.tenant(for_tenant)
        if viewer is None:
            raise UnknownTenant(for_tenant, (t.name for t in book.tenants))
        platform = viewer.platform if platform is None else platform
    elif platform is None:
        platform = default_platform(book)
    if platform == ALL_PLATFORMS:
        platform = None
    shared = {t.name for t in book.tenants if t.visible_to_other_tenants}
    return [
        entry
        for entry in book.entries
        if (for_tenant is None or entry.tenant == for_tenant or entry.tenant in shared)
        and (platform is None or entry.platform == platform)
    ]

"""A tenant's state in one phrase, for the outputs that list tenants (`vdx phonebook`, `vdx ports`,
the phone book the operator serves): "Ready", or "2 not ready: Domain aarhus (Stalled), ...".

It reads the roll-up the operator writes on the Tenant (`vdx.controller.rollup`: the condition
`ResourcesReady`, `status.resources` per kind), so it is only known where a cluster is: a GitOps
tree has no status, and a tree read alone says so (`UNKNOWN`) rather than guess "Ready". Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# vdx.controller.rollup.CONDITION (a test keeps them equal): `vdx phonebook --help` loads this
# module through the phone book's formats, and the controller package is not for a parser.
CONDITION = "ResourcesReady"
UNKNOWN = "state unknown (no cluster)"
NOT_IN_CLUSTER = "not in the cluster"
NOT_RECONCILED = "not reconciled yet"


@dataclass(frozen=True)
class TenantState:
    """`ready`: True, False, or None when not known; `summary`: the phrase to print."""

    ready: bool | None
    summary: str

    @property
    def label(self) -> str:
        """One word for a column: Ready, NotReady, Unknown."""
        return {True: "Ready", False: "NotReady", None: "Unknown"}[self.ready]


def unknown() -> TenantState:
    return TenantState(None, UNKNOWN)


def from_body(body: Mapping[str, Any]) -> TenantState:
    """The state of a Tenant as the cluster holds it (body with its status)."""
    status = body.get("status") or {}
    conditions = [c for c in status.get("conditions") or [] if isinstance(c, Mapping)]
    own = next((c for c in conditions if c.get("type") == "Ready"), None)
    rollup = next((c for c in conditions if c.get("type") == CONDITION), None)
    if own is None and rollup is None:
        return TenantState(False, NOT_RECONCILED)
    if own is not None and own.get("status") != "True":
        reason = own.get("reason") or "not Ready"
        return TenantState(False, f"Tenant not ready ({reason}): {own.get('message') or ''}".rstrip(": "))
    if rollup is None:
        return TenantState(True, "Ready")
    if rollup.get("status") == "True":
        return TenantState(True, "Ready")
    counts = status.get("resources") or {}
    return TenantState(False, _not_ready(counts, str(rollup.get("message") or "")))


def _not_ready(counts: Mapping[str, Any], message: str) -> str:
    """ "n not ready: <the first names>" from the counts and the roll-up's message, which names the
    first not-Ready resources after its colon ("2 of 9 not Ready: Domain a (Stalled), ...")."""
    total = sum(int((c or {}).get("notReady") or 0) for c in counts.values() if isinstance(c, Mapping))
    _, _, names = message.partition(": ")
    if total == 0:
        return f"not ready: {names or message}".rstrip(": ")
    return f"{total} not ready" + (f": {names}" if names else "")


def of_tenants(bodies: list[Mapping[str, Any]]) -> dict[str, TenantState]:
    """Tenant name -> state, from the Tenants a cluster listed."""
    return {str((b.get("metadata") or {}).get("name")): from_body(b) for b in bodies}


def lookup(states: Mapping[str, TenantState] | None, tenant: str, viewer: str | None = None) -> TenantState:
    """The tenant's state; unknown without a cluster, "not in the cluster" when it lacks the tenant.

    In another tenant's view (`viewer`) only whether it is ready: which of a tenant's resources
    fail, and why, is for the tenant and MedCom, not for every organisation reading the phone book.
    """
    if states is None:
        return unknown()
    state = states.get(tenant) or TenantState(None, NOT_IN_CLUSTER)
    if viewer is not None and viewer != tenant and state.ready is False:
        return TenantState(False, "not ready")
    return state

"""A tenant's state in one phrase, from the roll-up the operator writes (vdx.controller.rollup)."""

from __future__ import annotations

from typing import Any

from vdx.controller import rollup
from vdx.ports.derive import derive
from vdx.ports.render import render
from vdx.tenantstate import CONDITION, NOT_IN_CLUSTER, UNKNOWN, TenantState, from_body, lookup, of_tenants


def _member(kind: str, name: str, ready: bool, reason: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "metadata": {"name": name, "namespace": "vdx-aarhus"},
        "status": {
            "conditions": [{"type": "Ready", "status": "True" if ready else "False", "reason": reason}]
        },
    }


def _tenant(members: list[dict[str, Any]], *, own_ready: bool = True) -> dict[str, Any]:
    """A Tenant body with the status the operator writes: its own Ready and the real roll-up."""
    condition, counted = rollup.rollup(members, 3)
    own = {
        "type": "Ready",
        "status": "True" if own_ready else "False",
        "reason": "Synced" if own_ready else "Stalled",
        "message": "" if own_ready else "namespace vdx-aarhus is missing",
    }
    return {
        "kind": "Tenant",
        "metadata": {"name": "aarhus"},
        "status": {**counted, "conditions": [own, condition]},
    }


def test_the_condition_is_the_rollups() -> None:
    assert CONDITION == rollup.CONDITION


def test_ready_when_every_member_is() -> None:
    state = from_body(_tenant([_member("Domain", "aarhus", True, "Synced")]))
    assert state == TenantState(True, "Ready")
    assert state.label == "Ready"


def test_not_ready_counts_and_names_the_first() -> None:
    members = [
        _member("Domain", "aarhus", False, "Stalled"),
        _member("TurnService", "turn", False, "PlatformNotReady"),
        _member("TlsCertificate", "cert", True, "Synced"),
    ]
    state = from_body(_tenant(members))
    assert state.ready is False
    assert state.summary == "2 not ready: Domain aarhus (Stalled), TurnService turn (PlatformNotReady)"
    assert state.label == "NotReady"


def test_the_tenant_itself_not_ready_comes_first() -> None:
    state = from_body(_tenant([], own_ready=False))
    assert state == TenantState(False, "Tenant not ready (Stalled): namespace vdx-aarhus is missing")


def test_no_status_is_not_reconciled_yet() -> None:
    assert from_body({"kind": "Tenant", "metadata": {"name": "x"}}) == TenantState(
        False, "not reconciled yet"
    )


def test_lookup_without_a_cluster_or_a_tenant_and_in_another_tenants_view() -> None:
    states = of_tenants([_tenant([_member("Domain", "aarhus", False, "Stalled")])])
    assert lookup(None, "aarhus") == TenantState(None, UNKNOWN)
    assert lookup(states, "odense") == TenantState(None, NOT_IN_CLUSTER)
    assert lookup(states, "aarhus").summary == "1 not ready: Domain aarhus (Stalled)"
    assert lookup(states, "aarhus", viewer="aarhus").summary == "1 not ready: Domain aarhus (Stalled)"
    # Which resources fail, and why, is not for other organisations reading the phone book.
    assert lookup(states, "aarhus", viewer="plo") == TenantState(False, "not ready")


def test_ports_outputs_show_the_state_or_say_it_is_unknown() -> None:
    from tests.ports.test_derive import LIVE, TENANT

    results = [("rm", derive(TENANT, LIVE))]
    stalled = {"rm": TenantState(False, "1 not ready: Domain rm (Stalled)")}
    text = render(results, "text", states=stalled)
    assert text.splitlines()[1] == "   state  1 not ready: Domain rm (Stalled)"
    assert "State: 1 not ready: Domain rm (Stalled)" in render(results, "markdown", states=stalled)
    rows = render(results, "csv", states=stalled).splitlines()
    assert all(r.endswith(",1 not ready: Domain rm (Stalled)") for r in rows[1:])
    assert "state unknown (no cluster)" in render(results, "text")

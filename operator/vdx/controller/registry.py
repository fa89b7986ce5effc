"""Every kind the operator serves, and the tables derived from their registrations.

The one list below is the only place a new kind is named in the controller; the dependency order,
the plurals kopf watches, the Pexip types the offline plan lists and the wake-ups all follow from
the registrations (`controller.registration`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from vdx.controller.reconcilers import (
    branding,
    certificate,
    device,
    domain,
    identity,
    meeting_room,
    onetouch,
    outlook,
    platform,
    recorder,
    tenant,
    turn,
)
from vdx.controller.registration import Registration
from vdx.pexip.resources import Kind


def dependency_order(
    registrations: Iterable[Registration],
    needs: Callable[[Registration], tuple[str, ...]] = lambda r: r.depends_on,
) -> tuple[Registration, ...]:
    """What others depend on first; among equals, the order given. A cycle is a programming error."""
    pending = list(registrations)
    known = {r.kind for r in pending}
    for registration in pending:
        unknown = set(needs(registration)) - known
        if unknown:
            raise ValueError(f"{registration.kind} depends on unregistered kinds {sorted(unknown)}")
    ordered: list[Registration] = []
    done: set[str] = set()
    while pending:
        ready = [r for r in pending if set(needs(r)) <= done]
        if not ready:
            raise ValueError(f"dependency cycle among {sorted(r.kind for r in pending)}")
        ordered.append(ready[0])
        done.add(ready[0].kind)
        pending.remove(ready[0])
    return tuple(ordered)


REGISTRATIONS = dependency_order(
    module.REGISTRATION
    for module in (
        platform,
        tenant,
        turn,
        certificate,
        domain,
        branding,
        identity,
        recorder,
        meeting_room,
        device,
        outlook,
        onetouch,
    )
)
BY_KIND: dict[str, Registration] = {r.kind: r for r in REGISTRATIONS}
ORDER: tuple[str, ...] = tuple(r.kind for r in REGISTRATIONS)
PLURALS: dict[str, str] = {r.kind: r.plural for r in REGISTRATIONS}
# The kinds whose resources may name one of a kind (those that depend on it), to wake when one
# goes without a finalizer to tell them (`Runtime._undo_for_vanished`).
USED_BY: dict[str, tuple[str, ...]] = {
    r.kind: tuple(o.kind for o in REGISTRATIONS if r.kind in o.depends_on) for r in REGISTRATIONS
}
NAMESPACED_PLURALS: tuple[str, ...] = tuple(r.plural for r in REGISTRATIONS if r.namespaced)
# `vdx plan`: each kind's offline gatherer after those whose plan it reads; what the tree no longer
# has is planned in the reverse order (users of an object before the object).
PLAN_ORDER: tuple[Registration, ...] = dependency_order(REGISTRATIONS, lambda r: r.plan_reads)


def pexip_kinds(*, written_only: bool = False) -> dict[str, Kind[Any]]:
    """The Pexip types the kinds write (and, unless `written_only`, read), by resource name."""
    found: dict[str, Kind[Any]] = {}
    for registration in REGISTRATIONS:
        for kind in (*registration.writes, *(() if written_only else registration.reads)):
            found.setdefault(kind.name, kind)
    return found

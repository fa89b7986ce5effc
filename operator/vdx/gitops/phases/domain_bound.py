"""What a Domain bound before, inferred from Pexip: `vdx plan`'s stand-in for the Domain's status.

The operator reads the binding a Domain last made from its status (`systemLocation`, `turnServer`)
and takes it off when the spec moves it. A Git tree has no status, so offline the old binding is
read from Pexip: the system locations that list a TURN server of one of the namespace's
TurnServices (marked as theirs, or named by their adopt annotation).

A location's `client_turn_servers` says nothing of who listed an entry, so an entry a person added by
hand looks like a Domain's old binding. The inference is therefore narrow, so that an unchanged tree
never takes anything off (on a node that has not drifted from it):
- only a Domain whose binding is not in Pexip yet (it is being made: the Domain is edited or new)
  has an old one inferred; a Domain whose binding is there, or that asks for none, has none;
- an entry the tree's other Domains of the namespace ask for is theirs (Domains may share one TURN
  service in one location): never this one's to take off, whatever their policy;
- the old binding is the one entry left of the Domain's TURN server in another location (its
  location changed), or the one entry left of another of the namespace's TURN servers in its
  location (its TurnService changed). Two or more such entries, of either kind or both: none is
  chosen, and the plan says which it could not tell apart (`Inferred.unclear`).

A node that drifted from the tree is the exception: a Domain's entry removed by hand reads as a
binding being made, and one entry of its TURN server listed by hand elsewhere then reads as the old
binding (docs/known-issues.md).

The decision stays the planner's (`planners.domain.decide`, with `bound` and `bound_by_others`), as
for the operator.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass

from vdx.controller.planners.domain import Binding
from vdx.pexip.models import SystemLocation


@dataclass(frozen=True)
class Inferred:
    """A Domain's inputs that the operator reads from statuses, as far as Pexip tells them."""

    bound: Binding | None
    # What the namespace's other Domains of the tree ask for: theirs, never this one's to release.
    bound_by_others: frozenset[Binding]
    # Entries that could each be the Domain's old binding: none is taken off.
    unclear: tuple[Binding, ...] = ()


def listed(owned: Set[str], locations: Iterable[SystemLocation]) -> frozenset[Binding]:
    """Every entry of the namespace's TURN servers (`owned`: their URIs) in the locations' lists."""
    return frozenset(
        Binding(location.name, uri)
        for location in locations
        for uri in location.client_turn_servers
        if uri in owned
    )


def infer(
    wanted: Binding | None,
    others: Iterable[Binding | None],
    owned: Set[str],
    locations: Iterable[SystemLocation],
) -> Inferred:
    """The binding a Domain that asks for `wanted` made before, among the entries of `owned` TURN
    servers in `locations`, when the tree's other Domains of the namespace ask for `others`."""
    held = frozenset(b for b in others if b is not None)
    present = listed(owned, locations)
    if wanted is None or wanted in present:
        return Inferred(wanted, held)
    left = sorted(present - held - {wanted}, key=lambda b: (b.location, b.turn_uri))
    moved = [b for b in left if b.turn_uri == wanted.turn_uri]  # its location changed
    swapped = [b for b in left if b.location == wanted.location]  # its TurnService changed
    found = moved + swapped
    if len(found) == 1:
        return Inferred(found[0], held)
    # Both kinds of candidate, or two of one kind: a guess could take off the entry a person added
    # and leave the Domain's old one.
    return Inferred(None, held, unclear=tuple(found))

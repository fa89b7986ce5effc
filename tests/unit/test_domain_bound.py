"""`vdx plan` infers what a Domain bound before from Pexip (the operator reads it from the status):
only for a Domain whose binding is being made, never an entry another Domain of the tree asks for,
and nothing when two entries could each be the old one."""

from __future__ import annotations

from vdx.controller.planners.domain import Binding
from vdx.gitops.phases.domain_bound import infer
from vdx.pexip.models import SystemLocation

API = "/api/admin/configuration/v1"
OURS, NEW, OTHER_TENANT, BY_HAND = (f"{API}/turn_server/{n}/" for n in (7, 8, 9, 1))
OWNED = frozenset({OURS, NEW})
MIDT, NORD, AARHUS = "Region Midtjylland", "Region Nordjylland", "Aarhus Kommune"


def _locations(**lists: list[str]) -> list[SystemLocation]:
    names = {"midt": MIDT, "nord": NORD, "aarhus": AARHUS}
    return [
        SystemLocation(
            id=n, resource_uri=f"{API}/system_location/{n}/", name=names[key], client_turn_servers=turns
        )
        for n, (key, turns) in enumerate(lists.items(), start=1)
    ]


def test_a_moved_domain_s_old_entry_is_its_turn_server_in_another_location() -> None:
    locations = _locations(midt=[BY_HAND, OURS, OTHER_TENANT], nord=[])
    inferred = infer(Binding(NORD, OURS), [], OWNED, locations)
    assert inferred.bound == Binding(MIDT, OURS)
    assert inferred.unclear == ()


def test_a_new_turn_service_s_old_entry_is_another_of_the_namespace_s_servers_in_the_location() -> None:
    inferred = infer(Binding(MIDT, NEW), [], OWNED, _locations(midt=[OURS, BY_HAND]))
    assert inferred.bound == Binding(MIDT, OURS)
    # The new TURN server is not made yet: its create's placeholder.
    placeholder = "(known after apply: turn_server vdx-rm/new)"
    assert infer(Binding(MIDT, placeholder), [], OWNED, _locations(midt=[OURS])).bound == Binding(MIDT, OURS)


def test_a_domain_whose_binding_is_in_pexip_infers_nothing_else() -> None:
    """An unchanged tree takes nothing off: an entry of our TURN server listed elsewhere (by hand, or
    left by a Domain deleted with deletionPolicy Orphan) stays."""
    inferred = infer(Binding(MIDT, OURS), [], OWNED, _locations(midt=[OURS], nord=[OURS]))
    assert inferred.bound == Binding(MIDT, OURS)


def test_a_domain_asking_for_no_binding_infers_none() -> None:
    """A Domain without a location may be one whose TURN server a person lists by hand."""
    assert infer(None, [], OWNED, _locations(midt=[OURS])).bound is None


def test_an_entry_another_domain_asks_for_is_theirs() -> None:
    """Two Domains sharing one TURN service in one location: the one that moves leaves it."""
    locations = _locations(midt=[OURS], nord=[])
    inferred = infer(Binding(NORD, OURS), [Binding(MIDT, OURS), None], OWNED, locations)
    assert inferred.bound is None
    assert inferred.bound_by_others == {Binding(MIDT, OURS)}
    assert inferred.unclear == ()


def test_entries_of_other_tenants_or_made_by_hand_are_never_inferred() -> None:
    locations = _locations(midt=[BY_HAND, OTHER_TENANT], nord=[])
    assert infer(Binding(NORD, OURS), [], OWNED, locations).bound is None
    assert infer(Binding(MIDT, OURS), [], OWNED, locations).bound is None


def test_two_entries_that_could_each_be_the_old_one_are_both_left() -> None:
    locations = _locations(midt=[OURS], nord=[OURS], aarhus=[])
    inferred = infer(Binding(AARHUS, OURS), [], OWNED, locations)
    assert inferred.bound is None
    assert inferred.unclear == (Binding(MIDT, OURS), Binding(NORD, OURS))


def test_a_domain_that_changed_both_location_and_turn_service_infers_none() -> None:
    """Nothing ties the old entry to the Domain: neither its server nor its location is the same."""
    assert infer(Binding(NORD, NEW), [], OWNED, _locations(midt=[OURS], nord=[])).bound is None


def test_an_entry_of_each_kind_is_unclear_and_neither_comes_off() -> None:
    """Its TurnService changed (OURS to NEW in Midt) while NEW is listed by hand in Nord: which one
    was the Domain's cannot be told, and a guess could take off the one a person added."""
    locations = _locations(midt=[OURS], nord=[NEW])
    inferred = infer(Binding(MIDT, NEW), [], OWNED, locations)
    assert inferred.bound is None
    assert set(inferred.unclear) == {Binding(MIDT, OURS), Binding(NORD, NEW)}

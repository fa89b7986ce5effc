"""The simulator's cached reverse indexes never serve a stale view of the store."""

from __future__ import annotations

import pytest

from vdx.pexip.simulator import Simulator
from vdx.pexip.simulator.engine import ApiError


def aliases_of(sim: Simulator, conference_id: int) -> list[str]:
    engine = sim.engine
    ids = engine._reverse_index("conference_alias", "conference").get(conference_id, [])
    return sorted(engine.tables["conference_alias"][i]["alias"] for i in ids)


def test_reverse_index_follows_creates_updates_and_deletes() -> None:
    sim = Simulator()
    engine = sim.engine
    room = engine.create("conference", {"name": "room", "aliases": [{"alias": "a@vdx.rm.dk"}]}, {})
    assert aliases_of(sim, room) == ["a@vdx.rm.dk"]
    second = engine.create(
        "conference_alias",
        {"alias": "b@vdx.rm.dk", "conference": f"/api/admin/configuration/v1/conference/{room}/"},
        {},
    )
    assert aliases_of(sim, room) == ["a@vdx.rm.dk", "b@vdx.rm.dk"]
    other = engine.create("conference", {"name": "other"}, {})
    engine.update(
        "conference_alias", second, {"conference": f"/api/admin/configuration/v1/conference/{other}/"}, {}
    )
    assert aliases_of(sim, room) == ["a@vdx.rm.dk"]
    assert aliases_of(sim, other) == ["b@vdx.rm.dk"]
    engine.delete("conference_alias", second)
    assert aliases_of(sim, other) == []


def test_unchanged_unique_value_is_not_rechecked_but_a_changed_one_is() -> None:
    sim = Simulator()
    engine = sim.engine
    first = engine.create("conference", {"name": "one"}, {})
    engine.create("conference", {"name": "two"}, {})
    engine.update("conference", first, {"direct_media": "best_effort"}, {})  # name unchanged: fine
    with pytest.raises(ApiError) as refused:
        engine.update("conference", first, {"name": "two"}, {})
    assert refused.value.status == 400
    assert "already exists" in str(refused.value.body)


def test_unique_index_follows_renames_deletes_and_case_folding() -> None:
    sim = Simulator()
    engine = sim.engine
    first = engine.create("conference", {"name": "one", "aliases": [{"alias": "A@vdx.rm.dk"}]}, {})
    with pytest.raises(ApiError):
        engine.create("conference", {"name": "one"}, {})
    with pytest.raises(ApiError):  # aliases are unique without regard to case
        engine.create("conference", {"name": "two", "aliases": [{"alias": "a@VDX.rm.dk"}]}, {})
    engine.update("conference", first, {"name": "renamed"}, {})
    second = engine.create("conference", {"name": "one"}, {})  # the old name is free again
    with pytest.raises(ApiError):
        engine.update("conference", second, {"name": "renamed"}, {})
    engine.delete("conference", first)  # its alias goes with it
    engine.create("conference", {"name": "renamed", "aliases": [{"alias": "a@vdx.rm.dk"}]}, {})


def test_unique_index_sees_rows_inserted_directly() -> None:
    sim = Simulator()
    engine = sim.engine
    engine.create("turn_server", {"name": "t1", "address": "a"}, {})
    engine.insert("turn_server", {"name": "t2", "address": "a"})
    with pytest.raises(ApiError):
        engine.create("turn_server", {"name": "t2", "address": "a"}, {})


def test_a_new_object_links_exactly_the_rows_it_names() -> None:
    sim = Simulator()
    engine = sim.engine
    rooms = [engine.create("conference", {"name": f"r{n}"}, {}) for n in range(3)]
    uri = "/api/admin/configuration/v1/conference/{}/"
    engine.insert("ivr_theme", {"name": "old"})
    old = next(i for i, r in engine.tables["ivr_theme"].items() if r["name"] == "old")
    engine.update("conference", rooms[2], {"ivr_theme": f"/api/admin/configuration/v1/ivr_theme/{old}/"}, {})
    theme = engine.create("ivr_theme", {"name": "new", "conference": [uri.format(rooms[0])]}, {})
    themes = {rid: engine.tables["conference"][rid]["ivr_theme"] for rid in rooms}
    assert themes == {rooms[0]: theme, rooms[1]: None, rooms[2]: old}
    rendered = engine.get("ivr_theme", theme)
    assert rendered["conference"] == [uri.format(rooms[0])]


def _names(sim: Simulator, params: list[tuple[str, str]]) -> list[str]:
    return [o["name"] for o in sim.engine.list_objects("conference", params, "/x/")["objects"]]


def test_a_plain_listing_pages_in_id_order_as_the_filtered_and_ordered_one_does() -> None:
    """The plain listing (no filter, no ordering) skips filtering and sorting every row per page;
    its pages must still be those of the general path, even for a row stored out of id order."""
    sim = Simulator()
    engine = sim.engine
    for n in range(5, 30):
        engine.insert("conference", {"name": f"room-{n:02d}"}, object_id=n)
    engine.insert("conference", {"name": "room-01"}, object_id=1)  # stored last, lowest id
    engine.delete("conference", 10)
    plain = [_names(sim, [("limit", "7"), ("offset", str(o))]) for o in range(0, 28, 7)]
    general = [
        _names(sim, [("limit", "7"), ("offset", str(o)), ("name__startswith", "room")])
        for o in range(0, 28, 7)
    ]
    assert plain == general
    assert plain[0][:2] == ["room-01", "room-05"]
    assert [n for page in plain for n in page] == sorted(n for page in plain for n in page)
    meta = engine.list_objects("conference", [("limit", "7"), ("offset", "21")], "/x/")["meta"]
    assert meta["total_count"] == 25
    assert meta["next"] is None

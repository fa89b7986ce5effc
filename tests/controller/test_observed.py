"""The operator's copy of Pexip objects: slim projections, and writes folded in without read-back."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from vdx.controller.cache import PexipCache, kind_label_of
from vdx.controller.observed import (
    Decoder,
    drop_embedded_lists,
    fold_create,
    fold_update,
    observe,
    reference,
    slim,
    slim_raw,
)
from vdx.pexip.limits import PlatformLimiter
from vdx.pexip.models import Conference, IvrTheme, PexipModel, SystemLocation, TurnServer
from vdx.pexip.resources import CONFERENCE, SYSTEM_LOCATION, TURN_SERVER, WEBAPP_ALIAS, WEBAPP_BRANDING

API = "/api/admin/configuration/v1"
THEME_URI = f"{API}/ivr_theme/4/"
ROOM_URIS = [f"{API}/conference/{n}/" for n in range(1, 300)]
CANARY = "canary-turn-secret-91c2"


def room_raw(**overrides: Any) -> dict[str, Any]:
    """A conference as a GET returns it, its theme embedded with the theme's own list of rooms."""
    raw: dict[str, Any] = {
        "id": 1,
        "resource_uri": f"{API}/conference/1/",
        "name": "room-1",
        "aliases": [
            {
                "id": 9,
                "alias": "room.1@vdx.rm.dk",
                "conference": f"{API}/conference/1/",
                "resource_uri": f"{API}/conference_alias/9/",
                "view_order": None,
            }
        ],
        "direct_media": "never",
        "ivr_theme": {"id": 4, "name": "vdx:rm/rm", "resource_uri": THEME_URI, "conference": ROOM_URIS},
        "enable_chat": "default",  # a field the model does not declare
    }
    raw.update(overrides)
    return raw


def nothing(uri: str) -> PexipModel | None:
    return None


def test_slim_raw_keeps_references_without_their_lists_and_every_top_level_field() -> None:
    room = Conference.model_validate(slim_raw(Conference, room_raw()))
    assert room.ivr_theme is not None
    assert room.ivr_theme.resource_uri == THEME_URI
    assert room.ivr_theme.name == "vdx:rm/rm"
    assert room.ivr_theme.conference == []
    assert room.aliases[0].alias == "room.1@vdx.rm.dk"
    assert room.aliases[0].conference == f"{API}/conference/1/"
    assert getattr(room, "enable_chat") == "default"  # noqa: B009 - an extra field
    assert room.direct_media == "never"


def test_slim_of_a_model_drops_the_embedded_lists() -> None:
    full = Conference.model_validate(room_raw())
    assert full.ivr_theme is not None
    assert len(full.ivr_theme.conference) == len(ROOM_URIS)
    slimmed = slim(full)
    assert slimmed.ivr_theme is not None
    assert slimmed.ivr_theme.conference == []
    assert slimmed.ivr_theme.resource_uri == THEME_URI
    lean = Conference.model_validate(room_raw(ivr_theme=None))
    assert slim(lean) is lean  # nothing to drop: the same object


def test_patched_reference_is_embedded_from_the_operators_copy() -> None:
    previous = Conference.model_validate(slim_raw(Conference, room_raw(ivr_theme=None)))
    theme = IvrTheme.model_validate({"id": 5, "name": "vdx:rm/new", "resource_uri": f"{API}/ivr_theme/5/"})
    known = {theme.resource_uri: theme}
    payload = {"ivr_theme": theme.resource_uri, "direct_media": "best_effort"}
    room = fold_update(CONFERENCE, previous, payload, known.get)
    assert room is not None
    assert room.ivr_theme is not None
    assert (room.ivr_theme.resource_uri, room.ivr_theme.name) == (theme.resource_uri, "vdx:rm/new")
    assert room.direct_media == "best_effort"
    assert room.aliases == previous.aliases  # untouched fields stay as observed
    assert getattr(room, "enable_chat") == "default"  # noqa: B009
    cleared = fold_update(CONFERENCE, room, {"ivr_theme": None}, known.get)
    assert cleared is not None
    assert cleared.ivr_theme is None


def test_reference_to_an_object_never_seen_knows_its_uri_and_id() -> None:
    stub = reference(IvrTheme, f"{API}/ivr_theme/12/", nothing)
    assert isinstance(stub, IvrTheme)
    assert (stub.resource_uri, stub.id, stub.name) == (f"{API}/ivr_theme/12/", 12, "")
    previous = Conference.model_validate(slim_raw(Conference, room_raw(ivr_theme=None)))
    room = fold_update(CONFERENCE, previous, {"ivr_theme": f"{API}/ivr_theme/12/"}, nothing)
    assert room is not None
    assert room.ivr_theme is not None
    assert room.ivr_theme.resource_uri == f"{API}/ivr_theme/12/"


def test_to_many_fields_embedded_on_get_become_references_uri_lists_stay_lists() -> None:
    location = SystemLocation.model_validate(
        {"id": 2, "name": "rm", "resource_uri": f"{API}/system_location/2/", "client_turn_servers": []}
    )
    turn_uris = [f"{API}/turn_server/7/", f"{API}/turn_server/8/"]
    payload = {"client_turn_servers": turn_uris, "dns_servers": [f"{API}/dns_server/3/"]}
    folded = fold_update(SYSTEM_LOCATION, location, payload, nothing)
    assert folded is not None
    assert folded.client_turn_servers == turn_uris
    assert [d.resource_uri for d in folded.dns_servers] == [f"{API}/dns_server/3/"]
    assert folded.dns_servers[0].id == 3
    emptied = fold_update(SYSTEM_LOCATION, folded, {"dns_servers": None}, nothing)
    assert emptied is not None
    assert emptied.dns_servers == []


def test_write_only_secrets_are_never_stored() -> None:
    payload = {
        "name": "vdx-rm/turn",
        "address": "turn.vdx.rm.dk",
        "server_type": "coturn_shared",
        "secret_key": CANARY,
        "password": CANARY,
    }
    created = fold_create(TURN_SERVER, f"{API}/turn_server/7/", "7", payload, nothing)
    assert created is not None
    assert CANARY not in repr(created)
    assert CANARY not in created.model_dump_json()
    patched = fold_update(TURN_SERVER, created, {"secret_key": CANARY, "port": 5349}, nothing)
    assert patched is not None
    assert patched.port == 5349
    assert CANARY not in repr(patched)


def test_created_object_has_the_servers_defaults_for_what_was_not_sent() -> None:
    created = fold_create(
        TURN_SERVER, f"{API}/turn_server/7/", "7", {"name": "t", "address": "turn.vdx.rm.dk"}, nothing
    )
    assert isinstance(created, TurnServer)
    assert (created.id, created.resource_uri) == (7, f"{API}/turn_server/7/")
    assert (created.port, created.transport_type, created.server_type) == (3478, "udp", "namepsw")
    assert created.description == ""
    branding = fold_create(
        WEBAPP_BRANDING,
        f"{API}/webapp_branding/0f4c/",
        "0f4c",
        {"name": "b", "description": "d", "webapp_type": "webapp3"},
        nothing,
    )
    assert branding is not None
    assert branding.uuid == "0f4c"


def test_what_cannot_be_folded_asks_for_a_read_back() -> None:
    # A nested alias create: the server chose the aliases' ids.
    assert (
        fold_create(
            CONFERENCE, f"{API}/conference/3/", "3", {"name": "r", "aliases": [{"alias": "a@b"}]}, nothing
        )
        is None
    )
    # A required field the payload lacks (the server would have refused it or filled it).
    assert fold_create(WEBAPP_ALIAS, f"{API}/webapp_alias/3/", "3", {"description": "x"}, nothing) is None
    # An id that is not what the model says.
    assert (
        fold_create(TURN_SERVER, f"{API}/turn_server/x/", "x", {"name": "t", "address": "a"}, nothing) is None
    )


def test_kind_label_of_uri() -> None:
    assert kind_label_of(f"{API}/conference/12/") == "configuration/conference"
    assert kind_label_of("/api/admin/status/v1/management_vm/1/") == "status/management_vm"
    assert kind_label_of("not-a-uri") is None


class ListingClient:
    """Answers a listing with fixed objects, running `during` after the first object is yielded."""

    limiter = PlatformLimiter(max_in_flight=1, rate=1000)  # the cache asks how many pages at once

    def __init__(self, objects: list[dict[str, Any]]) -> None:
        self.objects = objects
        self.during: Any = None

    async def iter_raw(self, path: str, **_: Any) -> AsyncIterator[dict[str, Any]]:
        for n, obj in enumerate(self.objects):
            yield obj
            if n == 0 and self.during is not None:
                self.during()


def turn_raw(n: int, port: int = 3478) -> dict[str, Any]:
    return {"id": n, "name": f"t{n}", "address": "a", "port": port, "resource_uri": f"{API}/turn_server/{n}/"}


async def test_refresh_replaces_in_place_but_keeps_writes_newer_than_the_listing() -> None:
    fake = ListingClient([turn_raw(1), turn_raw(2), turn_raw(3)])
    cache = PexipCache(fake)  # type: ignore[arg-type]  # only iter_raw is used
    assert [t.id for t in await cache.objects(TURN_SERVER)] == [1, 2, 3]
    # Pexip now holds 1 (port 9999: drift) and 2; 3 was deleted. While the list runs, the operator
    # writes 2 (the listed page predates that write) and creates 4 (not on any page yet).
    fake.objects = [turn_raw(1, port=9999), turn_raw(2, port=1111)]

    def writes_meanwhile() -> None:
        assert cache.updated(TURN_SERVER, f"{API}/turn_server/2/", {"port": 5349}) is not None
        assert cache.created(TURN_SERVER, f"{API}/turn_server/4/", "4", {"name": "t4", "address": "a"})

    fake.during = writes_meanwhile
    await cache.refresh()
    ports = {t.id: t.port for t in await cache.objects(TURN_SERVER)}
    assert ports == {1: 9999, 2: 5349, 4: 3478}
    # The next listing is the truth again for everything.
    fake.during = None
    fake.objects = [turn_raw(1), turn_raw(2, port=1111)]
    await cache.refresh()
    assert {t.id: t.port for t in await cache.objects(TURN_SERVER)} == {1: 3478, 2: 1111}


async def test_update_of_an_object_not_in_the_cache_is_not_guessed() -> None:
    cache = PexipCache(ListingClient([]))  # type: ignore[arg-type]
    assert cache.updated(TURN_SERVER, f"{API}/turn_server/9/", {"port": 1}) is None
    assert cache.find(f"{API}/turn_server/9/") is None


def test_compact_objects_share_their_field_name_sets_and_stay_equal() -> None:
    first = observe(Conference, room_raw())
    second = observe(Conference, room_raw(id=2, resource_uri=f"{API}/conference/2/", name="room-2"))
    assert first.__pydantic_fields_set__ is second.__pydantic_fields_set__
    assert first.ivr_theme is not None
    assert second.ivr_theme is not None
    assert first.ivr_theme.__pydantic_fields_set__ is second.ivr_theme.__pydantic_fields_set__
    assert first == Conference.model_validate(slim_raw(Conference, room_raw()))
    first.description = "still assignable"
    assert first.description == "still assignable"


def test_list_pages_drop_the_lists_of_embedded_objects_as_they_are_decoded() -> None:
    page = {"meta": {"next": None}, "objects": [room_raw(), room_raw(id=2, aliases=[])]}
    decoded = json.loads(json.dumps(page), object_hook=drop_embedded_lists)
    first, second = decoded["objects"]
    assert "conference" not in first["ivr_theme"]  # the theme's own room list: gone
    assert first["ivr_theme"]["resource_uri"] == THEME_URI
    assert [a["alias"] for a in first["aliases"]] == ["room.1@vdx.rm.dk"]  # the room's own lists stay
    assert second["aliases"] == []
    assert observe(Conference, first) == observe(Conference, room_raw())


def test_decoder_shares_repeated_short_values_and_forgets_when_full() -> None:
    decoder = Decoder()
    page = json.dumps({"meta": {}, "objects": [room_raw(), room_raw(id=2, name="room-2")]})
    first, second = json.loads(page, object_hook=decoder)["objects"]
    assert first["direct_media"] is second["direct_media"]
    assert first["ivr_theme"]["resource_uri"] is second["ivr_theme"]["resource_uri"]
    assert "conference" not in first["ivr_theme"]  # it drops embedded lists too
    assert first == json.loads(json.dumps(room_raw()), object_hook=drop_embedded_lists)
    small = Decoder(max_entries=3)
    json.loads(json.dumps([{"a": "1", "b": "2", "c": "3", "d": "4"}, {"e": "5"}]), object_hook=small)
    assert len(small._shared) == 1  # emptied once past its bound, then filled again

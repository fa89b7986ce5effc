"""What a change masks is scrubbed from Pexip's errors too, whatever the field is called.

A streaming participant's `alias` is its RTMP URL, stream key included. `alias` cannot be a
secret-named field everywhere (a room's and a device's aliases are public), so the change that
writes it masks it (`secret_fields`), and the client scrubs the masked values from an error that
echoes the request: Pexip, or a proxy in front of it, quoting the value it refused. An update
carries the stored alias even when it does not send it (Pexip validates the merged object), and
the scrubbing covers the key alone and the usual encodings of the address.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from urllib.parse import quote

import httpx
import pytest
import yaml

from vdx.api.room import MeetingRoomSpec
from vdx.api.tenant import MeetingRoomDefaults
from vdx.controller.cache import PexipCache
from vdx.controller.metrics import OperatorMetrics
from vdx.controller.ownership import Owner
from vdx.controller.plan import Change
from vdx.controller.planners.meeting_room import Pins, Recording, RoomContext, desired_participant, plan_room
from vdx.controller.planners.rooms import plan_room_defaults
from vdx.controller.platforms import PlatformRuntime
from vdx.controller.reconcilers.base import apply_change
from vdx.gitops.execute import _send
from vdx.gitops.offline import Step
from vdx.pexip import PexipClient
from vdx.pexip.errors import PexipHTTPError
from vdx.pexip.models import Conference

STREAM_KEY = "Q2hhbmdlTWVTdHJlYW1LZXk"
STREAM_URL = f"rtmps://live.example.dk:443/app/vdx-rm-{STREAM_KEY}/room-1"
PARTICIPANT_URI = "/api/admin/configuration/v1/automatic_participant/7/"


def echoing(request: httpx.Request) -> httpx.Response:
    """A node that refuses the alias and quotes what it was sent."""
    sent = json.loads(request.content or b"{}")
    return httpx.Response(
        400, json={"automatic_participant": {"alias": [f"not a valid URL: {sent.get('alias')}"]}}
    )


@pytest.mark.parametrize("action", ["create", "update"])
async def test_a_masked_alias_never_reaches_the_error(action: str) -> None:
    client = PexipClient(
        "https://pexip.test", auth=("admin", "admin"), transport=httpx.MockTransport(echoing)
    )
    platform = PlatformRuntime("prod", "f", client, PexipCache(client), OperatorMetrics())
    change = Change(
        action,  # type: ignore[arg-type]
        "automatic_participant",
        "vdx-rm/room-1",
        uri="/api/admin/configuration/v1/automatic_participant/7/" if action == "update" else None,
        fields={"alias": STREAM_URL, "protocol": "rtmp", "streaming": True},
        secret_fields=frozenset({"alias"}),
    )
    async with client:
        with pytest.raises(PexipHTTPError) as refused:
            await apply_change(platform, change)
    shown = f"{refused.value} {refused.value.field_errors}"
    assert "not a valid URL" in shown  # the error itself is kept
    assert STREAM_URL not in shown
    assert "Q2hhbmdlTWVTdHJlYW1LZXk" not in shown


@pytest.mark.parametrize("action", ["create", "update"])
async def test_vdx_apply_scrubs_a_masked_alias_too(action: str) -> None:
    """`vdx apply` sends the plan's changes itself; a refusal it prints (into a CI log) is scrubbed
    the same way."""
    transport = httpx.MockTransport(echoing)
    client = PexipClient("https://pexip.test", auth=("admin", "admin"), transport=transport)
    change = Change(
        action,  # type: ignore[arg-type]
        "automatic_participant",
        "vdx-rm/room-1",
        fields={"alias": STREAM_URL, "protocol": "rtmp", "streaming": True},
        secret_fields=frozenset({"alias"}),
    )
    step = Step(tenant="rm", source="MeetingRoom vdx-rm/room-1", change=change)
    uri = "/api/admin/configuration/v1/automatic_participant/7/" if action == "update" else None
    async with client:
        with pytest.raises(PexipHTTPError) as refused:
            await _send(client, step, dict(change.fields), uri)
    shown = f"{refused.value} {refused.value.field_errors}"
    assert "not a valid URL" in shown
    assert STREAM_URL not in shown


# ------------------------------------------------------------------ an update that keeps the alias
OWNER = Owner("MeetingRoom", "vdx-rm", "room-1")
CONFERENCE_URI = "/api/admin/configuration/v1/conference/3/"


def _relabelled_participant_update() -> Change:
    """The update the planner makes when only the recording's visible label changed: Pexip holds
    the stream address already, so the update does not send it."""
    spec = MeetingRoomSpec.model_validate({"displayName": "Room 1", "aliases": [{"alias": "r1@vdx.rm.dk"}]})
    recording = Recording(STREAM_URL, "New", "rec")
    ctx = RoomContext(OWNER, "rm", MeetingRoomDefaults(), Pins("123456", "654321"), recording=recording)
    stored = {**desired_participant(ctx, CONFERENCE_URI), "id": 7, "remote_display_name": "Old"}
    conference = Conference.model_validate(
        {"id": 3, "name": "Room 1", "resource_uri": CONFERENCE_URI, "automatic_participants": [stored]}
    )
    (change,) = [c for c in plan_room(spec, ctx, conference).changes if c.resource == "automatic_participant"]
    return change


def test_an_update_that_keeps_the_alias_carries_it_to_scrub() -> None:
    change = _relabelled_participant_update()
    assert change.action == "update"
    assert "alias" not in change.fields  # unchanged: not sent
    assert STREAM_URL in change.secret_values()
    assert STREAM_URL not in repr(change)


def quoting_the_stored_alias(request: httpx.Request) -> httpx.Response:
    """A node that re-validates the whole participant on a PATCH and quotes the alias it holds."""
    return httpx.Response(400, json={"automatic_participant": {"alias": [f"cannot reach {STREAM_URL}"]}})


async def refused_by_both_paths(change: Change, node: Callable[[httpx.Request], httpx.Response]) -> list[str]:
    """The change sent by the operator (`apply_change`) and by `vdx apply` (`_send`) to a node that
    refuses it: each refusal as a person sees it, message and field errors."""
    client = PexipClient("https://pexip.test", auth=("admin", "admin"), transport=httpx.MockTransport(node))
    platform = PlatformRuntime("prod", "f", client, PexipCache(client), OperatorMetrics())
    step = Step(tenant="rm", source="MeetingRoom vdx-rm/room-1", change=change)
    async with client:
        with pytest.raises(PexipHTTPError) as by_operator:
            await apply_change(platform, change)
        with pytest.raises(PexipHTTPError) as by_apply:
            await _send(client, step, dict(change.fields), change.uri)
    return [f"{refused} {refused.field_errors}" for refused in (by_operator.value, by_apply.value)]


async def test_the_stored_alias_never_reaches_the_error_of_an_update_that_keeps_it() -> None:
    for shown in await refused_by_both_paths(_relabelled_participant_update(), quoting_the_stored_alias):
        assert "cannot reach" in shown
        assert STREAM_KEY not in shown


# ------------------------------------------------------------------ the key alone, and encodings
ADDRESS = f"{STREAM_URL}?session=a1b2&profile=hd"
# How a refusal may quote the address, or the part of it that holds the key.
QUOTED = {
    "the key alone": STREAM_KEY,
    "the path alone": f"/app/vdx-rm-{STREAM_KEY}/room-1",
    "percent-encoded": quote(ADDRESS, safe=""),
    "percent-encoded, slashes kept": quote(ADDRESS),
    "JSON with escaped slashes": json.dumps(ADDRESS)[1:-1].replace("/", "\\/"),
    "HTML-escaped": html.escape(ADDRESS),
}


def _answers(quoted: str) -> Callable[[httpx.Request], httpx.Response]:
    """An error page that quotes `quoted` (not JSON, so kept as text), on a status not retried."""
    return lambda _: httpx.Response(400, text=f"<html><body>refused: {quoted}</body></html>")


@pytest.mark.parametrize("form", sorted(QUOTED))
async def test_a_quoted_key_or_encoded_address_is_scrubbed_by_both_paths(form: str) -> None:
    quoted = QUOTED[form]
    transport = httpx.MockTransport(_answers(quoted))
    client = PexipClient("https://pexip.test", auth=("admin", "admin"), transport=transport)
    platform = PlatformRuntime("prod", "f", client, PexipCache(client), OperatorMetrics())
    change = Change(
        "update",
        "automatic_participant",
        "vdx-rm/room-1",
        uri=PARTICIPANT_URI,
        fields={"alias": ADDRESS},
        secret_fields=frozenset({"alias"}),
    )
    step = Step(tenant="rm", source="MeetingRoom vdx-rm/room-1", change=change)
    async with client:
        with pytest.raises(PexipHTTPError) as by_operator:
            await apply_change(platform, change)
        with pytest.raises(PexipHTTPError) as by_apply:
            await _send(client, step, dict(change.fields), PARTICIPANT_URI)
    for refused in (by_operator.value, by_apply.value):
        assert str(refused).endswith("refused: ***</body></html>"), form  # all of it, not the key only


# ------------------------------------------------------------------ a room's held PINs
HOST_PIN, GUEST_PIN = "4711", "0815#"


def _room_with_pins() -> Conference:
    return Conference.model_validate(
        {
            "id": 3,
            "name": "Room 1",
            "resource_uri": CONFERENCE_URI,
            "pin": HOST_PIN,
            "guest_pin": GUEST_PIN,
            "aliases": [{"id": 9, "alias": "r1@vdx.rm.dk", "conference": CONFERENCE_URI}],
            "direct_media": "never",
        }
    )


def _room_updates_that_keep_the_pins() -> list[Change]:
    """The MeetingRoom's update of another field, and the Tenant's defaults: neither sends the PINs."""
    spec = MeetingRoomSpec.model_validate(
        {"displayName": "Room 1", "description": "new words", "aliases": [{"alias": "r1@vdx.rm.dk"}]}
    )
    ctx = RoomContext(OWNER, "rm", MeetingRoomDefaults(), Pins(HOST_PIN, GUEST_PIN))
    by_room = [c for c in plan_room(spec, ctx, _room_with_pins()).changes if c.resource == "conference"]
    by_tenant = plan_room_defaults(MeetingRoomDefaults(), ["vdx.rm.dk"], [_room_with_pins()]).changes
    assert by_room
    assert by_tenant
    return [*by_room, *by_tenant]


QUOTING_THE_PINS = f"guest PIN {GUEST_PIN} must differ from PIN {HOST_PIN} (12 {HOST_PIN}0)"


def quoting_the_stored_pins(request: httpx.Request) -> httpx.Response:
    """A node that re-validates the whole room on a PATCH and quotes the PINs it holds."""
    return httpx.Response(
        400,
        json={
            "conference": {
                "guest_pin": [f"guest PIN {GUEST_PIN} must differ from PIN {HOST_PIN} (12 {HOST_PIN}0)"]
            }
        },
    )


@pytest.mark.parametrize("index", [0, 1], ids=["meeting-room", "tenant-defaults"])
async def test_the_held_pins_never_reach_the_error_of_a_room_update_that_keeps_them(index: int) -> None:
    change = _room_updates_that_keep_the_pins()[index]
    assert not {"pin", "guest_pin"} & set(change.fields)  # not sent
    assert {HOST_PIN, GUEST_PIN} <= set(change.secret_values())
    assert HOST_PIN not in repr(change)
    for shown in await refused_by_both_paths(change, quoting_the_stored_pins):
        # Masked where they stand alone; a longer number that holds the digits is not a PIN.
        assert "guest PIN *** must differ from PIN *** (12 47110)" in shown
        assert "0815" not in shown


THEME_URI = "/api/admin/configuration/v1/ivr_theme/5/"


def node_with_a_themed_room(request: httpx.Request) -> httpx.Response:
    """Lists one room of the tenant that shows the theme and holds PINs; refuses its PATCH quoting them."""
    if request.method == "GET":
        room = {
            **_room_with_pins().model_dump(mode="json"),
            "ivr_theme": {"resource_uri": THEME_URI, "id": 5, "name": "vdx:vdx-rm/rm"},
        }
        return httpx.Response(
            200, json={"meta": {"total_count": 1, "limit": 500, "next": None}, "objects": [room]}
        )
    return quoting_the_stored_pins(request)


async def test_taking_a_theme_off_the_rooms_scrubs_their_pins_from_a_refusal() -> None:
    """A branding turned off or deleted takes its theme off the tenant's rooms first (`release_theme`):
    that write does not send the PINs either."""
    from types import SimpleNamespace

    from vdx.api.tenant import Tenant
    from vdx.controller.reconcilers.branding import release_theme
    from vdx.paths import EXAMPLES_DIR

    client = PexipClient(
        "https://pexip.test", auth=("admin", "admin"), transport=httpx.MockTransport(node_with_a_themed_room)
    )
    platform = PlatformRuntime("prod", "f", client, PexipCache(client), OperatorMetrics())
    docs = yaml.safe_load_all((EXAMPLES_DIR / "prod" / "rm" / "tenant.yaml").read_text(encoding="utf-8"))
    tenant = Tenant.model_validate(next(d for d in docs if d["kind"] == "Tenant"))
    assert "vdx.rm.dk" in tenant.spec.domains  # the room's alias domain
    rt = SimpleNamespace(platforms={"prod": platform})
    async with client:
        with pytest.raises(PexipHTTPError) as refused:
            await release_theme(rt, tenant, THEME_URI)  # type: ignore[arg-type]
    shown = f"{refused.value} {refused.value.field_errors}"
    assert "guest PIN *** must differ from PIN ***" in shown
    assert HOST_PIN not in shown.replace("47110", "")

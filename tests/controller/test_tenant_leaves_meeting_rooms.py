"""A Tenant leaves the rooms its namespace's MeetingRooms adopt or record, marked or not."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from vdx.api.names import ADOPT_ANNOTATION
from vdx.controller.known import Key, KnownBodies
from vdx.controller.reconcilers.tenant import meeting_rooms_of

if TYPE_CHECKING:
    from vdx.controller.context import Context

CONF = "/api/admin/configuration/v1/conference/"


class _Runtime:
    def __init__(self, known: KnownBodies) -> None:
        self.known = known


def _room(
    name: str, namespace: str, *, adopt: str | None = None, recorded: str | None = None
) -> dict[str, Any]:
    annotations = {ADOPT_ANNOTATION: adopt} if adopt else {}
    objects = [{"resource": "conference", "resourceUri": recorded}] if recorded else []
    return {
        "kind": "MeetingRoom",
        "metadata": {"name": name, "namespace": namespace, "annotations": annotations},
        "status": {"pexipObjects": objects},
    }


def test_the_rooms_adopted_or_recorded_in_the_namespace_and_no_others() -> None:
    bodies: dict[Key, dict[str, Any]] = {
        ("MeetingRoom", "vdx-rm", "watched"): _room("watched", "vdx-rm", adopt=f"{CONF}7/"),
        ("MeetingRoom", "vdx-rm", "made"): _room("made", "vdx-rm", recorded=f"{CONF}8/"),
        ("MeetingRoom", "vdx-aarhus", "theirs"): _room("theirs", "vdx-aarhus", adopt=f"{CONF}9/"),
        ("Device", "vdx-rm", "d"): {
            "kind": "Device",
            "metadata": {"annotations": {ADOPT_ANNOTATION: "/x/"}},
        },
    }
    known = KnownBodies(bodies)
    assert meeting_rooms_of(cast("Context", _Runtime(known)), "vdx-rm") == {f"{CONF}7/", f"{CONF}8/"}

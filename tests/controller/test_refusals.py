"""A refusal from Pexip says which write failed and which spec field to correct.

Pexip answers a refused write with its own field names (`port`, `name`); the operator sends
several writes per resource. The Ready condition names the write (`apply_change` records it on
the error) and, through the kind's `Registration.spec_fields`, the spec field the value came from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import pytest

from vdx.controller.cache import PexipCache
from vdx.controller.metrics import OperatorMetrics
from vdx.controller.plan import Change
from vdx.controller.platforms import PlatformRuntime
from vdx.controller.reasons import Reason
from vdx.controller.reconcilers.base import apply_change, pexip_failure
from vdx.controller.reconcilers.tenant import _RoomWrites
from vdx.controller.registry import BY_KIND
from vdx.pexip import PexipClient
from vdx.pexip.errors import Attempt, ValidationError
from vdx.pexip.resources import CONFERENCE, TURN_SERVER
from vdx.pexip.simulator import Simulator, serve

if TYPE_CHECKING:
    from vdx.controller.context import Context

TURN_FIELDS = {
    "name": "vdx-rm/turn",
    "address": "turn.vdx.rm.dk",
    "port": 3478,
    "transport_type": "udp",
    "server_type": "coturn_shared",
    "secret_key": "a-turn-secret-for-the-test",
}


def _refused(resource: str, errors: dict[str, list[str]], attempt: Attempt | None) -> ValidationError:
    exc = ValidationError("POST -> 400", status=400, resource=resource, field_errors=errors)
    exc.attempted = attempt
    return exc


def test_the_refusal_names_the_write_and_the_spec_field() -> None:
    attempt = Attempt("update", "turn_server", "vdx-rm/turn")
    exc = _refused("turn_server", {"port": ["Ensure this value is less than or equal to 65535."]}, attempt)
    outcome = pexip_failure(exc, BY_KIND["TurnService"].spec_fields)
    assert outcome.reason == Reason.PEXIP_REJECTED
    assert outcome.message == (
        "Pexip refused the update of turn_server vdx-rm/turn: spec.port (Pexip's port): "
        "Ensure this value is less than or equal to 65535."
    )


def test_a_field_from_a_secret_names_the_key_never_the_value() -> None:
    attempt = Attempt("update", "turn_server", "vdx-rm/turn")
    exc = _refused("turn_server", {"secret_key": ["This field is too long."]}, attempt)
    message = pexip_failure(exc, BY_KIND["TurnService"].spec_fields).message
    assert "the key secret of spec.secretRef's Secret (Pexip's secret_key)" in message


def test_fields_the_operator_sets_and_unknown_ones_say_so() -> None:
    attempt = Attempt("create", "device", "alice@vdx.rm.dk")
    errors = {"tag": ["Too long."], "future_field": ["Bad."], "__all__": ["Something about the whole."]}
    message = pexip_failure(_refused("device", errors, attempt), BY_KIND["Device"].spec_fields).message
    assert message == (
        "Pexip refused the create of device alice@vdx.rm.dk: Pexip's tag (set by the operator): Too long.; "
        "Pexip's future_field: Bad.; Something about the whole."
    )


def test_without_the_write_it_reads_as_before() -> None:
    exc = _refused("turn_server", {"port": ["Too big."]}, None)
    assert pexip_failure(exc).message == "Pexip refused the change: Pexip's port: Too big."


@pytest.mark.parametrize("action", ["create", "update"])
async def test_apply_change_records_which_write_pexip_refused(action: str) -> None:
    with serve(Simulator()) as node:
        client = PexipClient(node.base_url, auth=("admin", "admin"))
        platform = PlatformRuntime("prod", "f", client, PexipCache(client), OperatorMetrics())
        async with client:
            first = await client.create(TURN_SERVER, TURN_FIELDS)
            if action == "create":
                change = Change("create", "turn_server", "vdx-rm/turn", fields=TURN_FIELDS)
            else:
                change = Change(
                    "update", "turn_server", "vdx-rm/turn", uri=first.resource_uri, fields={"port": 0}
                )
            with pytest.raises(ValidationError) as refused:
                await apply_change(platform, change)
    assert refused.value.attempted == Attempt(action, "turn_server", "vdx-rm/turn")
    message = pexip_failure(refused.value, BY_KIND["TurnService"].spec_fields).message
    assert message.startswith(f"Pexip refused the {action} of turn_server vdx-rm/turn: ")
    field = (
        "metadata.name (with the namespace) (Pexip's name)"
        if action == "create"
        else "spec.port (Pexip's port)"
    )
    assert field in message, message


async def test_a_room_the_tenant_writes_is_refused_in_the_tenants_words() -> None:
    """The Tenant's room writes name the room and the Tenant's spec field, as every kind does."""
    with serve(Simulator()) as node:
        client = PexipClient(node.base_url, auth=("admin", "admin"))
        platform = PlatformRuntime("prod", "f", client, PexipCache(client), OperatorMetrics())
        async with client:
            room = await client.create(CONFERENCE, {"name": "Akut", "service_type": "conference"})
            writes = _RoomWrites(cast("Context", None), platform, in_line=False)
            bad = Change(
                "update", "conference", "Akut", uri=room.resource_uri, fields={"direct_media": "sometimes"}
            )
            await writes.write([bad])
    (failure,) = writes.failures
    assert failure.startswith("Pexip refused the update of conference Akut: ")
    assert "spec.meetingRoomDefaults.directMedia (Pexip's direct_media)" in failure
    assert writes.refused == {room.resource_uri}

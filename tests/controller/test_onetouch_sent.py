"""A OneTouchJoin's record of what it sent from Secrets, per object: which objects get theirs again.

An endpoint added or removed resends nothing to the others; a Secret rotated resends to every object
that uses it and to no other; an endpoint moved to another Secret, or of another type, gets its own.
The record holds short digests only (no Secret's value, name or resourceVersion), stays within its
bound for the largest OneTouchJoin the schema allows, and the record the previous version wrote
resends nothing when nothing changed since. Pure: no Pexip, no control plane.
"""

from __future__ import annotations

from typing import Any

from vdx.api.common import LocalObjectReference
from vdx.api.loader import load_tree
from vdx.api.onetouch import (
    MAX_ENDPOINT_GROUPS,
    MAX_ENDPOINTS_PER_GROUP,
    SENT_RECORD_MAX_LENGTH,
    CalendarType,
    EndpointType,
    OneTouchJoin,
    OneTouchJoinStatus,
)
from vdx.controller.planners.onetouch_sent import (
    CALENDAR,
    endpoint_key,
    keys_of,
    record,
    sources,
    to_resend,
)
from vdx.paths import EXAMPLES_DIR

VERSIONS = {"otj-graph": "11", "otj-mr-skejby-1": "12", "otj-mr-skejby-2": "13"}
MR1, MR2 = endpoint_key("mr-skejby-1"), endpoint_key("mr-skejby-2")


def _ref(name: str) -> LocalObjectReference:
    return LocalObjectReference(name=name)


def _example() -> OneTouchJoin:
    """The stage example: a Microsoft 365 calendar, mr-skejby-1 (Cisco) and mr-skejby-2 (Poly), each
    with a Secret of its own."""
    return load_tree([EXAMPLES_DIR / "stage" / "rm"]).of_kind(OneTouchJoin)[0]


def _endpoints(otj: OneTouchJoin, *changed: dict[str, Any], drop: str | None = None) -> OneTouchJoin:
    """The OneTouchJoin with its endpoints changed (by name), added (a new name) or one dropped."""
    group = otj.spec.endpoint_groups[0]
    updates = {c["name"]: c for c in changed}
    kept = [e.model_copy(update=updates.pop(e.name, {})) for e in group.endpoints if e.name != drop]
    first = group.endpoints[0]
    added = [first.model_copy(update=u) for u in updates.values()]
    groups = [group.model_copy(update={"endpoints": kept + added}), *otj.spec.endpoint_groups[1:]]
    return otj.model_copy(update={"spec": otj.spec.model_copy(update={"endpoint_groups": groups})})


def _sent(otj: OneTouchJoin, versions: dict[str, str] = VERSIONS) -> str:
    return record(sources(otj, versions))


def test_nothing_changed_resends_nothing() -> None:
    otj = _example()
    assert to_resend(_sent(otj), otj, VERSIONS) == frozenset()


def test_an_endpoint_added_with_a_secret_in_use_resends_nothing_to_the_others() -> None:
    """The new endpoint is created with its password; the record says the others were sent theirs."""
    otj = _example()
    added = _endpoints(otj, {"name": "mr-skejby-3", "room_mailbox": "mr3@rm.dk", "address": "mr3.rm.dk"})
    assert to_resend(_sent(otj), added, VERSIONS) == {endpoint_key("mr-skejby-3")}


def test_an_endpoint_removed_resends_nothing() -> None:
    otj = _example()
    assert to_resend(_sent(otj), _endpoints(otj, drop="mr-skejby-2"), VERSIONS) == frozenset()


def test_a_rotated_secret_resends_to_each_endpoint_using_it_and_no_other() -> None:
    """Two endpoints share otj-mr-skejby-1; it is rotated (a new resourceVersion): both get their
    password again, the calendar and mr-skejby-2 (another Secret) do not."""
    shared = {"credentials_secret_ref": _ref("otj-mr-skejby-1")}
    otj = _endpoints(
        _example(),
        {"name": "mr-skejby-3", "room_mailbox": "mr3@rm.dk", "address": "mr3.rm.dk", **shared},
    )
    recorded = _sent(otj)
    rotated = {**VERSIONS, "otj-mr-skejby-1": "99"}
    assert to_resend(recorded, otj, rotated) == {MR1, endpoint_key("mr-skejby-3")}
    assert to_resend(recorded, otj, {**VERSIONS, "otj-graph": "99"}) == {CALENDAR}


def test_an_endpoint_moved_to_another_secret_or_type_gets_its_own_only() -> None:
    otj = _example()
    recorded = _sent(otj)
    moved = _endpoints(otj, {"name": "mr-skejby-2", "credentials_secret_ref": _ref("otj-mr-skejby-1")})
    assert to_resend(recorded, moved, VERSIONS) == {MR2}
    poly = _endpoints(otj, {"name": "mr-skejby-1", "type": EndpointType.POLY})
    assert to_resend(recorded, poly, VERSIONS) == {MR1}


def test_the_calendars_new_type_or_secret_resends_to_the_calendar_only() -> None:
    otj = _example()
    recorded = _sent(otj)
    calendar = otj.spec.calendar.model_copy(update={"type": CalendarType.GOOGLE_WORKSPACE})
    google = otj.model_copy(update={"spec": otj.spec.model_copy(update={"calendar": calendar})})
    assert to_resend(recorded, google, VERSIONS) == {CALENDAR}
    other = otj.spec.calendar.model_copy(update={"credentials_secret_ref": _ref("otj-mr-skejby-1")})
    moved = otj.model_copy(update={"spec": otj.spec.model_copy(update={"calendar": other})})
    assert to_resend(recorded, moved, VERSIONS) == {CALENDAR}


def test_an_endpoint_moved_to_another_group_is_the_same_object() -> None:
    """The key is the endpoint's name in the spec: its group (or its name in Pexip, renamed from the
    former `<namespace>/<endpoint>`) is not what its password comes from."""
    otj = _example()
    group = otj.spec.endpoint_groups[0]
    split = [
        group.model_copy(update={"endpoints": group.endpoints[:1]}),
        group.model_copy(update={"name": "other", "endpoints": group.endpoints[1:]}),
    ]
    moved = otj.model_copy(update={"spec": otj.spec.model_copy(update={"endpoint_groups": split})})
    assert to_resend(_sent(otj), moved, VERSIONS) == frozenset()


def test_what_was_not_sent_stays_out_of_the_record_and_is_sent_later() -> None:
    """ObserveOnly or a refusal writes nothing: those objects are still to send on the next pass."""
    otj = _example()
    pending = to_resend(_sent(otj), otj, {**VERSIONS, "otj-mr-skejby-2": "14"})
    assert pending == {MR2}
    kept = record(sources(otj, {**VERSIONS, "otj-mr-skejby-2": "14"}), pending=pending)
    assert to_resend(kept, otj, {**VERSIONS, "otj-mr-skejby-2": "14"}) == {MR2}


def test_no_record_or_an_older_one_resends_to_every_object_once() -> None:
    otj = _example()
    everything = {CALENDAR, MR1, MR2}
    assert keys_of(otj) == everything
    assert to_resend(None, otj, VERSIONS) == everything
    # The list of the version before the digests (cut at 2 048 characters).
    assert to_resend("otj-graph=11,otj-mr-skejby-1=12,otj-mr-skejby-2=13", otj, VERSIONS) == everything
    assert to_resend("digests:", otj, VERSIONS) == everything


def test_the_previous_versions_digest_resends_nothing_while_it_still_matches() -> None:
    """What the operator of the version before wrote for these Secrets (its one digest of the
    calendar's type, the Secrets' names and resourceVersions and which Secret each endpoint uses):
    nothing changed since, so nothing is resent; a Secret rotated since resends to every object
    once, since that digest cannot say which object it concerns."""
    otj = _example()
    former = "sha256:6bba01b4c153669a00e35989468c6046f346af3d15ce1f9218143f13eb99d572"
    assert to_resend(former, otj, VERSIONS) == frozenset()
    assert to_resend(former, otj, {**VERSIONS, "otj-mr-skejby-2": "14"}) == {CALENDAR, MR1, MR2}


def test_the_record_holds_digests_only_within_its_bound_for_the_largest_one_touch_join() -> None:
    otj = _example()
    group = otj.spec.endpoint_groups[0]
    first = group.endpoints[0]
    groups = [
        group.model_copy(
            update={
                "name": f"g{g}",
                "endpoints": [
                    first.model_copy(update={"name": f"mr-{g}-{e}", "credentials_secret_ref": _ref(f"s-{e}")})
                    for e in range(MAX_ENDPOINTS_PER_GROUP)
                ],
            }
        )
        for g in range(MAX_ENDPOINT_GROUPS)
    ]
    largest = otj.model_copy(update={"spec": otj.spec.model_copy(update={"endpoint_groups": groups})})
    versions = {"otj-graph": "1", **{f"s-{e}": f"{1000 + e}" for e in range(MAX_ENDPOINTS_PER_GROUP)}}
    written = record(sources(largest, versions))
    assert len(written) <= SENT_RECORD_MAX_LENGTH
    OneTouchJoinStatus.model_validate({"secretResourceVersions": written})
    digests = written.removeprefix("digests:").split(",")
    assert len(set(digests)) == 1 + MAX_ENDPOINT_GROUPS * MAX_ENDPOINTS_PER_GROUP
    assert to_resend(written, largest, versions) == frozenset()
    small = _sent(_example())
    for shown in ("otj-graph", "otj-mr-skejby", "mr-skejby", "Cisco", "Poly"):
        assert shown not in small

"""A Domain's TURN binding follows its spec: the old binding comes off when the location or the
TurnService changes or goes, but not while another Domain records it, and not before the new one
can be made."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from vdx.api.common import LocalObjectReference, ManagementPolicy
from vdx.api.domain import Domain
from vdx.api.loader import load_tree
from vdx.api.tenant import Tenant
from vdx.controller.conditions import Phase
from vdx.controller.known import Key, KnownBodies
from vdx.controller.planners.common import Dependency, DependencyState
from vdx.controller.planners.domain import Binding, DomainInputs, decide
from vdx.controller.reconcilers.domain import (
    _asked_by_others,
    _record,
    bound,
    bound_by_others,
    current_binding,
)
from vdx.paths import EXAMPLES_DIR
from vdx.pexip.models import SystemLocation

if TYPE_CHECKING:
    from vdx.controller.context import Context

API = "/api/admin/configuration/v1"
OURS, NEW, THEIRS = f"{API}/turn_server/7/", f"{API}/turn_server/8/", f"{API}/turn_server/1/"
MIDT, NORD = "Region Midtjylland", "Region Nordjylland"


def _location(lid: int, name: str, turns: list[str]) -> SystemLocation:
    return SystemLocation.model_validate(
        {
            "id": lid,
            "resource_uri": f"{API}/system_location/{lid}/",
            "name": name,
            "client_turn_servers": turns,
        }
    )


def _inputs(location: str | None = MIDT, turn_uri: str | None = OURS, **changes: object) -> DomainInputs:
    tree = load_tree([EXAMPLES_DIR / "prod" / "rm"])
    domain = tree.of_kind(Domain)[0]
    spec_changes: dict[str, object] = {"system_location": location}
    if "management_policy" in changes:
        spec_changes["management_policy"] = changes.pop("management_policy")
    domain = domain.model_copy(update={"spec": domain.spec.model_copy(update=spec_changes)})
    tenant = next(t for t in tree.of_kind(Tenant) if t.name == "rm")
    namespace = str(domain.namespace)
    values: dict[str, object] = {
        "domain": domain,
        "tenant": tenant,
        "first_claim": tenant.name,
        "certificate": Dependency(
            "TlsCertificate", namespace, "cert", DependencyState.READY, f"{API}/tls_certificate/3/"
        ),
        "certificate_names": [domain.spec.fqdn],
        "turn": None
        if turn_uri is None
        else Dependency("TurnService", namespace, "turn", DependencyState.READY, turn_uri),
    }
    values.update(changes)
    return DomainInputs(**values)  # type: ignore[arg-type]


def _fields(inputs: DomainInputs, locations: list[SystemLocation]) -> list[tuple[str, list[str]]]:
    plan = decide(inputs, locations)
    assert plan.outcome.phase is Phase.READY, plan.outcome
    return [(c.label, list(c.fields["client_turn_servers"])) for c in plan.changes]


def test_a_bound_domain_records_the_location_and_writes_nothing() -> None:
    plan = decide(_inputs(bound=Binding(MIDT, OURS)), [_location(2, MIDT, [THEIRS, OURS])])
    assert plan.changes == []
    assert plan.status["systemLocation"] == MIDT
    assert plan.status["turnServer"] == OURS


def test_a_new_location_binds_there_and_takes_the_old_binding_off() -> None:
    locations = [_location(2, MIDT, [THEIRS, OURS]), _location(3, NORD, [])]
    changes = _fields(_inputs(NORD, bound=Binding(MIDT, OURS)), locations)
    # The new location first: a failure in between leaves both bound for the retry, never neither.
    assert changes == [(NORD, [OURS]), (MIDT, [THEIRS])]
    assert decide(_inputs(NORD, bound=Binding(MIDT, OURS)), locations).status["systemLocation"] == NORD


def test_a_new_turn_service_replaces_the_old_one_in_one_write() -> None:
    locations = [_location(2, MIDT, [OURS, THEIRS])]
    assert _fields(_inputs(MIDT, NEW, bound=Binding(MIDT, OURS)), locations) == [(MIDT, [THEIRS, NEW])]


def test_a_domain_without_turn_or_location_takes_its_binding_off() -> None:
    locations = [_location(2, MIDT, [OURS, THEIRS])]
    assert _fields(_inputs(MIDT, None, bound=Binding(MIDT, OURS)), locations) == [(MIDT, [THEIRS])]
    assert _fields(_inputs(None, OURS, bound=Binding(MIDT, OURS)), locations) == [(MIDT, [THEIRS])]
    assert decide(_inputs(None, OURS, bound=Binding(MIDT, OURS)), locations).status["systemLocation"] == ""


def test_a_binding_another_domain_records_stays() -> None:
    locations = [_location(2, MIDT, [OURS]), _location(3, NORD, [])]
    shared = _inputs(NORD, bound=Binding(MIDT, OURS), bound_by_others=frozenset({Binding(MIDT, OURS)}))
    assert _fields(shared, locations) == [(NORD, [OURS])]


def test_the_old_binding_stays_until_the_new_location_exists() -> None:
    plan = decide(_inputs("Nowhere", bound=Binding(MIDT, OURS)), [_location(2, MIDT, [OURS])])
    assert plan.outcome.phase is Phase.STALLED
    assert plan.changes == []
    # The status keeps recording the binding in place (the runtime merges what is not mentioned).
    assert "systemLocation" not in plan.status
    assert "turnServer" not in plan.status


def test_an_observe_only_domain_releases_nothing_and_records_no_binding() -> None:
    locations = [_location(2, MIDT, [OURS]), _location(3, NORD, [OURS])]
    inputs = _inputs(NORD, bound=Binding(MIDT, OURS), management_policy=ManagementPolicy.OBSERVE_ONLY)
    plan = decide(inputs, locations)
    assert plan.changes == []
    assert plan.outcome.phase is Phase.READY
    # "", not None: a null is dropped by the status's merge patch and would read back as a status
    # from before bindings were recorded, which speaks of the spec's location.
    assert plan.status["systemLocation"] == ""
    assert bound({"status": plan.status}, NORD) is None
    assert bound({"status": {"turnServer": OURS}}, NORD) == Binding(NORD, OURS)


def test_a_domain_that_never_recorded_a_binding_only_adds() -> None:
    """A Domain reconciled for the first time (offline, one whose old binding Pexip does not tell)."""
    locations = [_location(2, MIDT, [OURS]), _location(3, NORD, [])]
    assert _fields(_inputs(NORD), locations) == [(NORD, [OURS])]


class _Runtime:
    """What `bound_by_others` reads of the runtime: the watched bodies and the kind's own state."""

    def __init__(self, bodies: dict[str, dict[str, Any]]) -> None:
        keys: list[Key] = [("Domain", "vdx-rm", name) for name in bodies]
        self.known = KnownBodies(zip(keys, bodies.values(), strict=True))
        self.state: dict[str, object] = {}

    def kind_state(self, name: str, factory: Callable[[], object]) -> object:
        return self.state.setdefault(name, factory())


def _body(name: str, location: str, deleting: bool = False, uid: str = "") -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": "vdx-rm", "uid": uid or f"uid-{name}"}
    if deleting:
        metadata["deletionTimestamp"] = "2026-12-06T00:00:00Z"
    return {"metadata": metadata, "spec": {}, "status": {"systemLocation": location, "turnServer": OURS}}


def test_others_are_read_from_what_their_last_plan_left_not_from_a_status_written_later() -> None:
    """Two Domains sharing (Midtjylland, ours) move at once: the second to decide sees that the first
    has moved already (its status is written only after its reconcile returns), and takes the old
    binding off instead of leaving it for nobody."""
    a = _body("a", MIDT)
    rt = _Runtime({"a": a, "b": _body("b", MIDT), "gone": _body("gone", NORD, deleting=True)})
    context = cast("Context", rt)
    assert bound_by_others(context, "vdx-rm", "b") == {Binding(MIDT, OURS)}
    _record(context, a, {"systemLocation": NORD, "turnServer": OURS})
    assert bound_by_others(context, "vdx-rm", "b") == {Binding(NORD, OURS)}
    _record(context, a, {"systemLocation": "", "turnServer": None})
    assert bound_by_others(context, "vdx-rm", "b") == frozenset()


def test_a_domain_made_again_under_the_same_name_starts_from_its_own_status() -> None:
    """Deleted without its finalizer (removed by hand) and made again: what this process recorded
    for the old one does not speak for the new one."""
    old = _body("a", MIDT, uid="first")
    rt = _Runtime({"a": old, "b": _body("b", NORD)})
    context = cast("Context", rt)
    _record(context, old, {"systemLocation": MIDT, "turnServer": OURS})
    rt.known[("Domain", "vdx-rm", "a")] = {**_body("a", NORD, uid="second"), "status": {}}
    assert current_binding(context, "vdx-rm", "a", rt.known[("Domain", "vdx-rm", "a")]) is None
    assert bound_by_others(context, "vdx-rm", "b") == frozenset()


def test_a_binding_another_live_domain_asks_for_is_not_released_by_one_that_never_made_it() -> None:
    """A refused Domain deleted: the same binding in another Domain's spec (ObserveOnly records none,
    a new one may not have written its status yet) is that one's."""
    spec = {"systemLocation": MIDT, "turnServiceRef": {"name": "turn"}}
    other = {**_body("b", "", uid="b"), "spec": spec}
    rt = _Runtime({"b": other})
    context = cast("Context", rt)
    tree = load_tree([EXAMPLES_DIR / "prod" / "rm"])
    mine = tree.of_kind(Domain)[0]
    mine = mine.model_copy(
        update={
            "metadata": mine.metadata.model_copy(update={"namespace": "vdx-rm", "name": "a"}),
            "spec": mine.spec.model_copy(
                update={"system_location": MIDT, "turn_service_ref": LocalObjectReference(name="turn")}
            ),
        }
    )
    assert _asked_by_others(context, mine) is True
    other["spec"] = {**spec, "systemLocation": NORD}
    assert _asked_by_others(context, mine) is False

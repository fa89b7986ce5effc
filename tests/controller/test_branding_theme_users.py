"""Who takes a CviBranding's IVR theme, and when the branding may go.

The Tenant's rooms, MeetingRooms and an OutlookScheduling take the theme from the branding's status.
A theme turned off (`spec.ivrTheme.enabled: false`) or a branding being deleted gives them none,
even while the status still names the theme its reconcile or finalizer is about to delete. A
branding named by an OutlookScheduling's `spec.brandingRef` is deleted only once none names it.
Pure functions and a stand-in runtime: no Pexip, no control plane.
"""

from __future__ import annotations

import copy
from collections.abc import Coroutine, Iterable
from typing import Any

import pytest
import yaml

from vdx.controller.conditions import Phase
from vdx.controller.planners.branding import tenant_theme_of, theme_for_users
from vdx.controller.planners.common import DependencyState
from vdx.controller.reasons import Reason
from vdx.controller.reconcilers import branding, outlook
from vdx.controller.reconcilers.base import Stop
from vdx.paths import EXAMPLES_DIR

THEME = "/api/admin/configuration/v1/ivr_theme/3/"
OTHER_THEME = "/api/admin/configuration/v1/ivr_theme/4/"
DELETED_AT = "2026-12-06T00:00:00Z"
Key = tuple[str, str | None, str]


def body(
    name: str = "rm",
    *,
    enabled: bool = True,
    theme: str | None = THEME,
    ready: bool = True,
    deleting: bool = False,
) -> dict[str, Any]:
    """The example CviBranding as watched: Ready with a theme unless told otherwise."""
    path = EXAMPLES_DIR / "prod" / "rm" / "branding.yaml"
    doc = next(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d["kind"] == "CviBranding")
    doc = copy.deepcopy(doc)
    doc["metadata"].update(name=name, uid=f"uid-{name}")
    if deleting:
        doc["metadata"]["deletionTimestamp"] = DELETED_AT
    doc["spec"]["ivrTheme"] = {"enabled": enabled}
    conditions = [
        {"type": "Ready", "status": "True" if ready else "False"},
        {"type": "Stalled", "status": "False"},
    ]
    doc["status"] = {"ivrTheme": theme, "conditions": conditions}
    return doc


def scheduling(name: str, branding_name: str = "rm", *, deleting: bool = False) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "vdx-rm"}
    if deleting:
        meta["deletionTimestamp"] = DELETED_AT
    return {"kind": "OutlookScheduling", "metadata": meta, "spec": {"brandingRef": {"name": branding_name}}}


class Known(dict[Key, dict[str, Any]]):
    """`Runtime.known` as the lookups read it."""

    def of_kind(self, kind: str) -> list[tuple[Key, dict[str, Any]]]:
        return [(key, value) for key, value in self.items() if key[0] == kind]


def known(*bodies: dict[str, Any]) -> Known:
    return Known({(b["kind"], b["metadata"]["namespace"], b["metadata"]["name"]): b for b in bodies})


class Kube:
    def __init__(self, schedulings: list[dict[str, Any]]) -> None:
        self.schedulings = schedulings

    async def list_namespaced(self, plural: str, namespace: str) -> list[dict[str, Any]]:
        assert plural == "outlookschedulings"
        return [s for s in self.schedulings if s["metadata"]["namespace"] == namespace]

    async def get(self, plural: str, name: str, namespace: str | None) -> dict[str, Any] | None:
        return None


async def _nothing() -> None:
    return None


class Runtime:
    """The part of the runtime the branding's finalizer and its users' lookups use."""

    def __init__(self, schedulings: Iterable[dict[str, Any]] = (), watched: Known | None = None) -> None:
        self.kube = Kube(list(schedulings))
        self.known = watched if watched is not None else Known()
        self.woken: list[tuple[str, str]] = []
        self.tenant_lookups = 0

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        coroutine.close()  # the woken reconcile is the OutlookScheduling's own: noted, not run

    def reconcile(
        self, kind: str, body: dict[str, Any], *, from_resync: bool = False
    ) -> Coroutine[Any, Any, None]:
        self.woken.append((kind, body["metadata"]["name"]))
        return _nothing()

    def vanishing(self, body: dict[str, Any]) -> bool:
        return False  # still in the cluster: its finalizer waits for its users

    async def tenant_for_namespace(self, namespace: str) -> None:
        """No Tenant: the finalizer would release nothing, so reaching here means it did not wait."""
        self.tenant_lookups += 1


def test_a_theme_turned_off_or_on_its_way_out_is_no_theme_for_its_users() -> None:
    assert theme_for_users(body()) == THEME
    # The status names it until the branding's reconcile has taken it off the rooms and deleted it.
    assert theme_for_users(body(enabled=False)) is None
    assert theme_for_users(body(deleting=True)) is None
    assert theme_for_users(body(theme=None)) is None


async def test_the_tenant_takes_the_first_branding_that_gives_a_theme() -> None:
    off = body("a", enabled=False)  # first by name, but turned off: its stale status is not taken
    on = body("b", theme=OTHER_THEME)
    rt: Any = Runtime(watched=known(on, off))
    assert await branding.tenant_theme(rt, "vdx-rm") == (OTHER_THEME, False)
    rt = Runtime(watched=known(off))
    assert await branding.tenant_theme(rt, "vdx-rm") == (None, False)


@pytest.mark.parametrize(
    ("watched", "pending"),
    [
        (body(theme=None, ready=False), True),
        # Turned off: nothing is on its way.
        (body(enabled=False, ready=False), False),
        # Being deleted and waiting for its OutlookSchedulings (Ready False, InUse): that may take
        # a person's time, and the tenant's rooms must not wait for it.
        (body(ready=False, deleting=True), False),
    ],
)
async def test_only_a_theme_still_to_come_holds_the_rooms(watched: dict[str, Any], pending: bool) -> None:
    rt: Any = Runtime(watched=known(watched))
    assert await branding.tenant_theme(rt, "vdx-rm") == (None, pending)
    assert tenant_theme_of([watched]) == (None, pending)


async def test_an_outlook_scheduling_sees_its_branding_being_deleted_and_a_theme_turned_off() -> None:
    rt: Any = Runtime(watched=known(body(deleting=True)))
    found = await outlook._branding(rt, "vdx-rm", "rm")
    assert found.state is DependencyState.DELETING
    rt = Runtime(watched=known(body(enabled=False)))  # Ready, the status not yet without the theme
    found = await outlook._branding(rt, "vdx-rm", "rm")
    assert (found.state, found.uri) == (DependencyState.READY, None)
    rt = Runtime(watched=known(body()))
    found = await outlook._branding(rt, "vdx-rm", "rm")
    assert (found.state, found.uri) == (DependencyState.READY, THEME)


async def test_the_finalizer_waits_for_the_outlook_schedulings_that_name_it_and_wakes_them() -> None:
    booking = scheduling("booking")
    rt: Any = Runtime([booking, scheduling("other", "another-branding")], known(booking))
    with pytest.raises(Stop) as stopped:
        await branding.finalize(rt, body(deleting=True))
    outcome = stopped.value.outcome
    assert outcome.phase is Phase.FAILED
    assert outcome.reason == Reason.IN_USE
    assert "1 OutlookScheduling(s)" in outcome.message
    assert "booking" in outcome.message
    assert "remove their spec.brandingRef or delete them" in outcome.message
    assert rt.woken == [("OutlookScheduling", "booking")]  # it shows DependencyDeleting at once
    assert rt.tenant_lookups == 0  # nothing released, nothing deleted


@pytest.mark.parametrize("policy", [{"managementPolicy": "ObserveOnly"}, {"deletionPolicy": "Orphan"}])
async def test_the_finalizer_waits_whatever_the_policies(policy: dict[str, str]) -> None:
    deleting = body(deleting=True)
    deleting["spec"].update(policy)
    rt: Any = Runtime([scheduling("booking")])
    with pytest.raises(Stop):
        await branding.finalize(rt, deleting)


async def test_the_finalizer_goes_ahead_once_no_outlook_scheduling_names_it() -> None:
    # One names another branding, one that named it is being deleted (it lets go by itself).
    rt: Any = Runtime([scheduling("other", "another-branding"), scheduling("booking", deleting=True)])
    await branding.finalize(rt, body(deleting=True))
    assert rt.tenant_lookups == 1
    assert rt.woken == []


@pytest.mark.parametrize(
    ("before", "after", "applied", "woken"),
    [
        (None, THEME, False, branding.THEME_READERS),  # turned back on
        (THEME, None, False, branding.THEME_READERS),  # turned off
        (THEME, OTHER_THEME, False, branding.THEME_READERS),  # replaced
        (None, THEME, True, branding.THEME_READERS),  # the first upload with a theme
        (THEME, THEME, True, ("Tenant",)),  # a new package, the same theme
        (None, None, True, ("Tenant",)),
        (THEME, THEME, False, ()),  # nothing its readers read changed
    ],
)
def test_a_theme_that_changes_wakes_every_reader_of_it(
    before: str | None, after: str | None, applied: bool, woken: tuple[str, ...]
) -> None:
    """MeetingRooms and the Outlook connector read the theme from the status too: turned back on,
    it reached them only at their next resync."""
    assert set(branding.THEME_READERS) == {"Tenant", "MeetingRoom", "OutlookScheduling"}
    assert branding.readers_to_wake({"ivrTheme": before}, after, applied=applied) == woken

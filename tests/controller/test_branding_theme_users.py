"""Who takes a CviBranding's IVR theme.

The Tenant's rooms, MeetingRooms and an OutlookScheduling take the theme from the branding's status.
A theme turned off (`spec.ivrTheme.enabled: false`) gives them none, even while the status still
names the theme the branding's reconcile is about to delete. Pure functions and a stand-in
runtime: no Pexip, no control plane.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from vdx.controller.planners.branding import tenant_theme_of, theme_for_users
from vdx.controller.planners.common import DependencyState
from vdx.controller.reconcilers import branding, outlook
from vdx.paths import EXAMPLES_DIR

THEME = "/api/admin/configuration/v1/ivr_theme/3/"
OTHER_THEME = "/api/admin/configuration/v1/ivr_theme/4/"
Key = tuple[str, str | None, str]


def body(
    name: str = "rm",
    *,
    enabled: bool = True,
    theme: str | None = THEME,
    ready: bool = True,
) -> dict[str, Any]:
    """The example CviBranding as watched: Ready with a theme unless told otherwise."""
    path = EXAMPLES_DIR / "prod" / "rm" / "branding.yaml"
    doc = next(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d["kind"] == "CviBranding")
    doc = copy.deepcopy(doc)
    doc["metadata"].update(name=name, uid=f"uid-{name}")
    doc["spec"]["ivrTheme"] = {"enabled": enabled}
    conditions = [
        {"type": "Ready", "status": "True" if ready else "False"},
        {"type": "Stalled", "status": "False"},
    ]
    doc["status"] = {"ivrTheme": theme, "conditions": conditions}
    return doc


class Known(dict[Key, dict[str, Any]]):
    """`Runtime.known` as the lookups read it."""

    def of_kind(self, kind: str) -> list[tuple[Key, dict[str, Any]]]:
        return [(key, value) for key, value in self.items() if key[0] == kind]


def known(*bodies: dict[str, Any]) -> Known:
    return Known({(b["kind"], b["metadata"]["namespace"], b["metadata"]["name"]): b for b in bodies})


class Runtime:
    """The part of the runtime the users' lookups of a branding use."""

    def __init__(self, watched: Known) -> None:
        self.known = watched


def test_a_theme_turned_off_is_no_theme_for_its_users() -> None:
    assert theme_for_users(body()) == THEME
    # The status names it until the branding's reconcile has taken it off the rooms and deleted it.
    assert theme_for_users(body(enabled=False)) is None
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
    ],
)
async def test_only_a_theme_still_to_come_holds_the_rooms(watched: dict[str, Any], pending: bool) -> None:
    rt: Any = Runtime(watched=known(watched))
    assert await branding.tenant_theme(rt, "vdx-rm") == (None, pending)
    assert tenant_theme_of([watched]) == (None, pending)


async def test_an_outlook_scheduling_takes_no_theme_turned_off() -> None:
    rt: Any = Runtime(watched=known(body(enabled=False)))  # Ready, the status not yet without the theme
    found = await outlook._branding(rt, "vdx-rm", "rm")
    assert (found.state, found.uri) == (DependencyState.READY, None)
    rt = Runtime(watched=known(body()))
    found = await outlook._branding(rt, "vdx-rm", "rm")
    assert (found.state, found.uri) == (DependencyState.READY, THEME)

"""The benchmark checks every room in the node's own rows, not in the Tenants' account of them."""

from __future__ import annotations

from typing import Any

from vdx.bench.fleet import national_fleet, rooms_out_of_line
from vdx.bench.run import seed_simulator
from vdx.pexip.simulator import Simulator


def _rows(sim: Simulator) -> list[dict[str, Any]]:
    return list(sim.engine.tables["conference"].values())


def test_seeded_rooms_are_out_of_line_until_each_gets_what_its_tenant_wants() -> None:
    fleet = national_fleet(0.1)
    sim = Simulator()
    seed_simulator(sim, fleet)
    wrong = rooms_out_of_line(fleet, _rows(sim))
    branded = {r.name for r in fleet.rooms if r.alias.rsplit("@", 1)[1] in fleet.branded_domains}
    off = {r.name for r in fleet.rooms if r.direct_media != "best_effort"}
    assert wrong == sorted(branded | off)
    assert off - branded  # the check covers rooms that need direct media alone (no theme)

    theme = sim.engine.create("ivr_theme", {"name": "theme"}, {})
    for row in _rows(sim):
        row["direct_media"] = "best_effort"
        if row["name"] in branded:
            row["ivr_theme"] = theme
    assert rooms_out_of_line(fleet, _rows(sim)) == []

    some = next(row for row in _rows(sim) if row["name"] not in branded)
    some["ivr_theme"] = theme  # a theme where no branding asked for one
    assert rooms_out_of_line(fleet, _rows(sim)) == [some["name"]]

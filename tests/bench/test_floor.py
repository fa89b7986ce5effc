"""The benchmark's HTTP floor: measured against a real simulator from a child process, and leaving
nothing of itself behind (no room, no logged request) for the cold start that follows."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from vdx.bench import floor as floor_module
from vdx.bench.floor import FLOOR_ROOM, IN_FLIGHT, floor_notes, measure_floor
from vdx.pexip.simulator import FaultConfig, Latency, RunningServer, Simulator, serve
from vdx.pexip.simulator.app import SimulatorConfig
from vdx.pexip.simulator.seed import SeedOptions


@pytest.fixture
def running() -> Iterator[RunningServer]:
    sim = Simulator(SimulatorConfig(seed=SeedOptions(history=None), password="floor-secret-9"))
    sim.set_faults(FaultConfig(latency=Latency(kind="fixed", ms=10)))
    with serve(sim) as server:
        yield server


def test_the_floor_is_at_least_the_latency_and_leaves_nothing_behind(running: RunningServer) -> None:
    engine = running.simulator.engine
    rooms_before = dict(engine.tables["conference"])
    floor = measure_floor(running, requests=60)
    for name in ("httpx", "client"):
        figures = floor[name]
        assert figures["requests"] == 60
        # Every PATCH waited the simulator's 10 ms: a slot's turn cannot be shorter than that.
        assert figures["ms_per_request"] >= 10.0
        assert figures["cpu_ms_per_request"] > 0
    # The request log is cleared: the cold start that follows counts from zero.
    assert running.simulator.accounting.max_in_flight == 0
    assert running.simulator.accounting.count() == 0
    assert engine.tables["conference"] == rooms_before
    assert all(row.get("name") != FLOOR_ROOM for row in engine.tables["conference"].values())


def test_the_floor_sends_five_at_a_time(running: RunningServer) -> None:
    seen: list[int] = []
    accounting = running.simulator.accounting
    original = accounting.finish

    def finish(*args: object, **kwargs: object) -> None:
        seen.append(accounting.in_flight)
        original(*args, **kwargs)  # type: ignore[arg-type]

    accounting.finish = finish  # type: ignore[method-assign]
    measure_floor(running, requests=60)
    # (100 warm-up and 60 measured PATCHes, twice) all in flight five at a time at their peak.
    assert len(seen) == 2 * (100 + 60)
    assert max(seen) == IN_FLIGHT


def test_the_credentials_never_reach_the_command_line_or_an_error(
    running: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[list[str]] = []
    real_run = subprocess.run

    def run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        started.append(list(args))
        return real_run(args, **kwargs)

    monkeypatch.setattr(floor_module.subprocess, "run", run)
    floor = measure_floor(running, requests=10)
    assert len(started) == 1
    assert "floor-secret-9" not in " ".join(started[0])  # `ps` shows a command line to everyone
    assert "floor-secret-9" not in repr(floor)

    # A child that fails (the node answers 503 to everything) says why, without them, and the
    # room is gone all the same.
    running.simulator.set_faults(FaultConfig(error_rates={503: 1.0}))
    with pytest.raises(RuntimeError, match="answered 503") as failed:
        measure_floor(running, requests=10)
    assert "floor-secret-9" not in str(failed.value)
    rooms = running.simulator.engine.tables["conference"].values()
    assert all(row.get("name") != FLOOR_ROOM for row in rooms)


def test_the_notes_split_the_time_above_the_yardstick() -> None:
    floor = {
        "httpx": {"requests": 1000, "seconds": 4.7, "ms_per_request": 23.5, "cpu_ms_per_request": 1.0},
        "client": {"requests": 1000, "seconds": 4.9, "ms_per_request": 24.5, "cpu_ms_per_request": 1.5},
    }
    notes = floor_notes(floor, needed=26_000, latency_ms=20.0, since_first=150.0, served_ms=20.58)
    assert notes["stack_bound_seconds"] == 122.2  # 26 000 x 23.5 ms / 5
    assert notes["client_bound_seconds"] == 127.4  # 26 000 x 24.5 ms / 5
    assert notes["time_ratio_to_client_floor"] == 1.18
    assert notes["seconds_above_yardstick"] == {
        "http_stack_and_simulator": 18.2,  # 122.2 - 104.0
        "pexip_client": 5.2,
        "operator": 22.6,
    }
    assert notes["busy_at_client_floor"] == 0.84  # 20.58 ms held of every 24.5 ms turn
    assert notes["floor"] is floor

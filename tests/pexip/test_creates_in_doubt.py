"""Creates whose outcome is unknown stay known as such until a lookup settles them or they can no
longer commit: a finalizer must not conclude "nothing to delete" before then."""

from __future__ import annotations

import asyncio
import time

import pytest

from vdx.pexip import PexipClient, RetryPolicy
from vdx.pexip.errors import PexipError
from vdx.pexip.resources import CONFERENCE, TURN_SERVER
from vdx.pexip.simulator import FaultConfig, Latency, RunningServer, Simulator

LABELS = (TURN_SERVER.label, CONFERENCE.label)


def impatient(running: RunningServer, timeout: float = 0.3) -> PexipClient:
    return PexipClient(
        running.base_url, auth=("admin", "admin"), timeout=timeout, retry=RetryPolicy(max_attempts=1)
    )


async def test_a_post_the_node_finishes_late_is_in_doubt_until_it_can_no_longer_commit(
    running: RunningServer, sim: Simulator
) -> None:
    sim.set_faults(FaultConfig(latency=Latency(kind="fixed", ms=2500), latency_methods=["POST"]))
    async with impatient(running) as client:
        assert client.creates_in_doubt(LABELS) == {}
        with pytest.raises(PexipError):
            await client.post(TURN_SERVER, {"name": "late", "address": "turn.vdx.test.dk"})
        failed = time.monotonic()
        assert list(client.creates_in_doubt(LABELS)) == [TURN_SERVER.label]  # only that type
        assert await client.find(TURN_SERVER, name="late") is None  # the node still holds it
        await asyncio.sleep(2.7)
        assert await client.find(TURN_SERVER, name="late") is not None  # and then commits it
        assert client.in_doubt_seconds == 10.0  # twice the timeout, at least 10 s
        assert list(client.creates_in_doubt(LABELS, now=failed + 9.0)) == [TURN_SERVER.label]
        assert client.creates_in_doubt(LABELS, now=failed + 10.5) == {}


async def test_a_lookup_that_finds_the_object_settles_it(running: RunningServer, sim: Simulator) -> None:
    sim.set_faults(FaultConfig(drop_response_after_commit=1.0, methods=["POST"]))
    async with impatient(running, timeout=5.0) as client:
        created = await client.post(TURN_SERVER, {"name": "dropped", "address": "turn.vdx.test.dk"})
        assert created.found is not None  # the answer was lost, the lookup found what was made
        assert client.creates_in_doubt(LABELS) == {}


async def test_a_refused_or_unsent_create_is_not_in_doubt(running: RunningServer, sim: Simulator) -> None:
    async with impatient(running, timeout=5.0) as client:
        with pytest.raises(PexipError):
            await client.post(TURN_SERVER, {"name": "bad", "address": "a", "port": 70000})  # 400
        sim.set_faults(FaultConfig(error_rates={429: 1.0}))
        with pytest.raises(PexipError):
            await client.post(TURN_SERVER, {"name": "throttled", "address": "a"})  # refused unprocessed
        assert client.creates_in_doubt(LABELS) == {}

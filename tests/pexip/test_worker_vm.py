"""Conferencing Nodes (`worker_vm`): the seeded platforms, read through the client, and their rules."""

from __future__ import annotations

from typing import Literal

import httpx
import pytest

from vdx.pexip import SYSTEM_LOCATION, WORKER_VM, PexipClient, ValidationError, models
from vdx.pexip.simulator import SeedOptions, Simulator, SimulatorConfig

API = "/api/admin/configuration/v1"


Environment = Literal["prod", "stage"]


def _client(sim: Simulator) -> PexipClient:
    return PexipClient("http://sim", auth=("admin", "admin"), transport=httpx.ASGITransport(app=sim))


async def _nodes(environment: Environment | None) -> tuple[list[models.WorkerVm], dict[str, str]]:
    sim = Simulator(SimulatorConfig(seed=SeedOptions(history=None, nodes=environment)))
    async with _client(sim) as pexip:
        nodes = await pexip.list(WORKER_VM)
        locations = {loc.resource_uri: loc.name for loc in await pexip.list(SYSTEM_LOCATION)}
    return nodes, locations


@pytest.mark.parametrize("environment", ["prod", "stage"])
async def test_seeded_platform_has_edge_and_transcoding_nodes(environment: Environment) -> None:
    nodes, locations = await _nodes(environment)
    edge = [n for n in nodes if n.node_type == "PROXYING"]
    core = [n for n in nodes if n.node_type == "CONFERENCING"]
    assert edge
    assert core
    for node in edge:
        assert node.static_nat_address is not None  # what the internet reaches
        assert not node.static_nat_address.startswith("10.")
        assert "Edge" in locations[str(node.system_location)]
    for node in core:
        assert node.static_nat_address is None
        assert node.address.startswith("10.")
        assert "Transcoding" in locations[str(node.system_location)]
    assert len({n.system_location for n in edge} & {n.system_location for n in core}) == 0
    in_maintenance = [n for n in nodes if n.maintenance_mode]
    assert len(in_maintenance) == 1
    assert in_maintenance[0].maintenance_mode_reason


async def test_prod_and_stage_differ_and_no_nodes_is_possible() -> None:
    prod, _ = await _nodes("prod")
    stage, _ = await _nodes("stage")
    assert {n.address for n in prod}.isdisjoint({n.address for n in stage})
    none, _ = await _nodes(None)
    assert none == []


async def test_node_rules(client: PexipClient) -> None:
    body = {
        "name": "vdx-edge-09",
        "hostname": "vdx-edge-09",
        "domain": "vdx.medcom.dk",
        "address": "10.20.1.19",
        "netmask": "255.255.255.0",
        "gateway": "10.20.1.1",
        "static_nat_address": "203.0.113.19",
        "node_type": "PROXYING",
        "system_location": f"{API}/system_location/1/",
        "password": "node-ssh-secret",
    }
    node = await client.create(WORKER_VM, body)
    assert node.static_nat_address == "203.0.113.19"
    assert "password" not in node.model_dump()
    with pytest.raises(ValidationError) as bad_address:
        await client.update(WORKER_VM, node.id, {"static_nat_address": "not-an-address"})
    assert "static_nat_address" in bad_address.value.field_errors
    with pytest.raises(ValidationError) as taken:
        await client.create(WORKER_VM, body | {"name": "vdx-edge-10", "hostname": "vdx-edge-10"})
    assert "address" in taken.value.field_errors
    with pytest.raises(ValidationError):
        await client.update(WORKER_VM, node.id, {"node_type": "EDGE"})
    # A location that still has nodes cannot be deleted.
    location = await client.create(SYSTEM_LOCATION, {"name": "VDX Edge Aarhus"})
    await client.update(WORKER_VM, node.id, {"system_location": location.resource_uri})
    with pytest.raises(ValidationError, match="referenced"):
        await client.delete(SYSTEM_LOCATION, location.id)

"""`vdx ports` end to end: live configuration from the simulator over real HTTP, the tenant from examples/."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import httpx
import pytest
from click.testing import CliRunner

from vdx.cli.ports import command
from vdx.pexip.simulator import RunningServer, SeedOptions, Simulator, SimulatorConfig, serve
from vdx.ports.probe_plan import load_spec

API = "/api/admin/configuration/v1"
ENV = {"PEXIP_USERNAME": "admin", "PEXIP_PASSWORD": "admin"}


@pytest.fixture(scope="module")
def running() -> Iterator[RunningServer]:
    # A node without Conferencing Nodes configured: the table falls back to the tenant's domains.
    with serve(Simulator(SimulatorConfig(seed=SeedOptions(history=None, nodes=None)))) as server:
        with httpx.Client(base_url=server.base_url, auth=("admin", "admin")) as http:
            # What the operator would have made for Region Hovedstaden, with one drift on port.
            first = http.post(
                f"{API}/turn_server/",
                json={"name": "vdx-regionh/vdx-regionh-dk", "address": "turn.vdx.regionh.dk", "port": 3478},
            )
            second = http.post(
                f"{API}/turn_server/",
                json={
                    "name": "vdx-regionh/video-regionh-dk",
                    "address": "turn.video.regionh.dk",
                    "port": 5349,
                    "transport_type": "tls",
                },
            )
            uris = [r.headers["location"] for r in (first, second)]
            http.post(
                f"{API}/system_location/", json={"name": "Region Hovedstaden", "client_turn_servers": uris}
            ).raise_for_status()
            http.patch(
                f"{API}/global/1/",
                json={"media_ports_start": 41000, "media_ports_end": 41999, "enable_turn_443": True},
            ).raise_for_status()
        yield server


def test_ports_csv_from_live_configuration(running: RunningServer) -> None:
    result = CliRunner().invoke(
        command,
        ["--platform", "prod", "--tenant", "regionh", "-o", "csv", "--url", running.base_url],
        env=ENV,
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    table = {(r["direction"], r["protocol"], r["ports"], r["destination"]) for r in rows}
    assert (
        "outbound",
        "UDP",
        "41000-41999",
        "VDX conferencing nodes (vdx.regionh.dk, video.regionh.dk)",
    ) in table
    assert ("outbound", "UDP", "3478", "turn.vdx.regionh.dk") in table
    assert ("outbound", "TCP (TLS)", "5349", "turn.video.regionh.dk") in table  # the platform's value
    assert ("outbound", "TCP", "443", "turn.video.regionh.dk") in table  # enable_turn_443
    assert ("outbound", "TCP", "443", "vdx.regionh.dk, video.regionh.dk") in table
    assert ("outbound", "TCP", "1720", "VDX conferencing nodes (vdx.regionh.dk, video.regionh.dk)") in table
    assert {r["tenant"] for r in rows} == {"regionh"}
    assert "field spec.port: Git says 3478, the platform's turn_server says 5349" in result.stderr
    assert "lists no conferencing nodes" in result.stderr
    assert "does not exist" not in result.stderr  # the location exists and offers both servers


def test_ports_every_tenant_as_markdown(running: RunningServer) -> None:
    result = CliRunner().invoke(
        command, ["--platform", "prod", "-o", "markdown", "--url", running.base_url], env=ENV
    )
    assert result.exit_code == 0, result.output
    assert "## regionh" in result.stdout
    assert "## rm" in result.stdout
    assert "no turn_server named 'vdx-rm/vdx-rm-dk' on the platform" in result.stdout


def test_ports_without_credentials() -> None:
    result = CliRunner().invoke(
        command, ["--platform", "prod"], env={"PEXIP_USERNAME": None, "PEXIP_PASSWORD": None}
    )
    assert result.exit_code == 1
    assert "PEXIP_USERNAME" in result.stderr


@pytest.fixture(scope="module")
def with_nodes() -> Iterator[RunningServer]:
    # The seeded prod platform: three edge nodes (one in maintenance) and internal transcoding nodes.
    with serve(Simulator(SimulatorConfig(seed=SeedOptions(history=None, nodes="prod")))) as server:
        yield server


def test_ports_name_the_edge_nodes_and_the_recorder(with_nodes: RunningServer) -> None:
    result = CliRunner().invoke(
        command,
        ["--platform", "prod", "--tenant", "rm", "-o", "csv", "--url", with_nodes.base_url],
        env=ENV,
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    h323 = next(r for r in rows if r["ports"] == "1720" and r["direction"] == "outbound")
    assert "203.0.113.11 (vdx-edge-01.vdx.medcom.dk)" in h323["destination"]
    assert "203.0.113.13 (vdx-edge-03.vdx.medcom.dk)" in h323["destination"]
    assert "10.20.2." not in result.stdout  # internal transcoding nodes are no destination
    recorder = next(r for r in rows if "recorder" in r["destination"])
    assert (recorder["direction"], recorder["protocol"], recorder["ports"]) == ("inbound", "TCP", "1935")
    assert recorder["destination"] == "rm: recorder optagelse.vdx.rm.dk"
    assert "vdx-edge-03 (203.0.113.13) is in maintenance (Hypervisor firmware upgrade)" in result.stderr
    assert "confirm the addresses with MedCom" in result.stderr  # who sends RTMP is not certain
    assert "Internal conferencing nodes (vdx-conf-01, vdx-conf-02, vdx-conf-03) are left out" in result.stderr


def test_ports_text_fits_the_width(with_nodes: RunningServer) -> None:
    result = CliRunner().invoke(
        command,
        ["--platform", "prod", "--tenant", "rm", "--width", "80", "--url", with_nodes.base_url],
        env=ENV,
    )
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_ports_probe_format(with_nodes: RunningServer) -> None:
    result = CliRunner().invoke(
        command,
        ["--platform", "prod", "--tenant", "rm", "-o", "probe", "--url", with_nodes.base_url],
        env=ENV,
    )
    assert result.exit_code == 0, result.output
    spec = load_spec(result.stdout, "stdout")
    assert (spec.tenant, spec.platform) == ("rm", "prod")
    ids = {c.id for c in spec.checks}
    assert "tls:vdx.rm.dk:443" in ids
    assert "tls:203.0.113.11:443" in ids
    edge = next(c for c in spec.checks if c.id == "tls:203.0.113.13:443")
    assert edge.name == "vdx-edge-03.vdx.medcom.dk"
    assert not edge.required  # in maintenance
    assert any(c.kind == "udp-range" and not c.required for c in spec.checks)
    for secret_word in ("password", "secret", "admin"):
        assert secret_word not in result.stdout.lower()


def test_ports_probe_format_needs_one_tenant() -> None:
    result = CliRunner().invoke(command, ["--platform", "prod", "-o", "probe"], env=ENV)
    assert result.exit_code == 2
    assert "--tenant" in result.output

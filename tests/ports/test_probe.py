"""`vdx ports probe`: the plan (pure), the failure wording (pure), and the checks against real servers
on loopback: Debian's coturn for STUN over UDP, TCP and TLS, an HTTPS server with a certificate that
covers the name and one that does not, a closed port (refused) and ports where nothing answers
(filtered: timeout)."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.ports import turnserver
from vdx.cli.ports import command
from vdx.pexip.simulator import SeedOptions, Simulator, SimulatorConfig, serve
from vdx.ports.derive import (
    DomainConfig,
    LiveConfig,
    NodeAddress,
    TenantNetwork,
    TurnServerConfig,
    derive,
    table_fingerprint,
)
from vdx.ports.probe_plan import ProbeCheck, ProbeSpec, SpecError, load_spec, plan
from vdx.ports.probe_run import Runner, explain
from vdx.ports.report import CheckResult, render_text, verdict
from vdx.ports.stun import StunError
from vdx.tls.issue import LocalCA

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
TENANT = TenantNetwork(
    "aarhus",
    "vdx-aarhus",
    (DomainConfig("vdx.aarhus.dk", frozenset({"WebApp", "SIP", "Registration"})),),
    (TurnServerConfig("vdx-aarhus-dk", "turn.vdx.aarhus.dk", 3478, "udp"),),
)
NODES = (
    NodeAddress("vdx-edge-01", "203.0.113.11", "Edge", "vdx-edge-01.vdx.medcom.dk"),
    NodeAddress("vdx-edge-03", "203.0.113.13", "Edge", "vdx-edge-03.vdx.medcom.dk", maintenance_reason=""),
    NodeAddress("vdx-conf-01", "10.20.2.21", "Core", "vdx-conf-01.vdx.medcom.dk", "CONFERENCING", False),
)


# --- the plan: what is tested and what is required --------------------------------------------


def test_plan_covers_every_opening_the_table_names() -> None:
    live = LiveConfig(enable_turn_443=True, nodes=NODES, enable_h323=True)
    derivation = derive(TENANT, live)
    spec = plan("aarhus", "prod", derivation, table_fingerprint(derivation), NOW)
    by_id = {c.id: c for c in spec.checks}
    assert set(by_id) == {
        "turn-udp:turn.vdx.aarhus.dk:3478",
        "turn-tcp:turn.vdx.aarhus.dk:443",  # TURN on 443 is on
        "tls:vdx.aarhus.dk:443",
        "tls:203.0.113.11:443",
        "tls:203.0.113.13:443",
        "tcp:vdx.aarhus.dk:5061",
        "tcp:203.0.113.11:1720",
        "tcp:203.0.113.13:1720",
        "udp-media",
    }
    assert by_id["tls:203.0.113.11:443"].name == "vdx-edge-01.vdx.medcom.dk"
    assert by_id["tls:203.0.113.11:443"].required
    assert not by_id["tls:203.0.113.13:443"].required  # in maintenance
    assert not by_id["udp-media"].required
    assert by_id["udp-media"].ports == "40000-49999"
    assert spec.table_fingerprint == table_fingerprint(derivation)


def test_plan_leaves_out_what_is_off() -> None:
    live = LiveConfig(enable_sip=False, enable_h323=False, enable_turn_443=False)
    spec = plan("aarhus", "prod", derive(TENANT, live), "sha256:0123456789abcdef", NOW)
    kinds = {(c.kind, c.port) for c in spec.checks}
    assert ("tcp", 5061) not in kinds
    assert ("tcp", 1720) not in kinds
    assert ("stun", 443) not in kinds


def test_spec_round_trips_and_bad_files_are_named() -> None:
    spec = plan("aarhus", "prod", derive(TENANT, LiveConfig()), "sha256:0123456789abcdef", NOW)
    assert load_spec(spec.model_dump_json(), "aarhus.json") == spec
    broken = json.loads(spec.model_dump_json())
    broken["checks"][0]["port"] = 70000
    with pytest.raises(SpecError) as error:
        load_spec(json.dumps(broken), "aarhus.json")
    assert "aarhus.json: field checks.0.port" in str(error.value)
    assert "vdx ports -o probe" in str(error.value)


# --- the wording of failures -----------------------------------------------------------------

CHECK = ProbeCheck(id="c", kind="tcp", host="vdx.aarhus.dk", port=5061)


@pytest.mark.parametrize(
    ("error", "reason", "words"),
    [
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "dns", "does not resolve"),
        (TimeoutError(), "timeout", "filtered"),
        (ConnectionRefusedError(111, "Connection refused"), "refused", "reached but refused"),
        (StunError("STUN error response 400 Bad Request"), "stun-error", "400 Bad Request"),
        (OSError(101, "Network is unreachable"), "unreachable", "Network is unreachable"),
    ],
)
def test_failures_are_explained(error: BaseException, reason: str, words: str) -> None:
    got, message = explain(error, CHECK, 4.0)
    assert got == reason
    assert words in message
    assert "vdx.aarhus.dk" in message


def test_verdict_counts_only_required_checks() -> None:
    def result(status: str, required: bool) -> CheckResult:
        return CheckResult.model_validate(
            {"id": "x", "kind": "tcp", "target": "t", "required": required, "status": status}
            | {"reason": "ok", "message": ""}
        )

    assert verdict((result("pass", True), result("fail", False), result("skipped", False)))
    assert not verdict((result("pass", True), result("fail", True)))
    assert not verdict((result("skipped", True),))


# --- real servers on loopback ----------------------------------------------------------------

needs_coturn = pytest.mark.skipif(turnserver.found() is None, reason=turnserver.SKIP_REASON)


@pytest.fixture(scope="module")
def ca() -> LocalCA:
    return LocalCA("VDX probe test CA")


@pytest.fixture(scope="module")
def turn(tmp_path_factory: pytest.TempPathFactory, ca: LocalCA) -> Iterator[turnserver.Turn]:
    if turnserver.found() is None:
        pytest.skip(turnserver.SKIP_REASON)
    with turnserver.running(tmp_path_factory.mktemp("coturn"), ca) as server:
        yield server


@pytest.fixture(scope="module")
def ca_file(tmp_path_factory: pytest.TempPathFactory, ca: LocalCA) -> Path:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    path.write_bytes(ca.certificate_pem)
    return path


@asynccontextmanager
async def https(ca: LocalCA, tmp_path: Path, names: list[str]) -> AsyncIterator[int]:
    """A loopback TLS server presenting a certificate for `names`; yields its port."""
    issued = ca.issue(names)
    (tmp_path / "leaf.pem").write_bytes(issued.certificate_pem)
    (tmp_path / "leaf.key").write_bytes(issued.key_pem)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "leaf.key")

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()


def stun_check(port: int, transport: str, name: str = "") -> ProbeCheck:
    return ProbeCheck.model_validate(
        {"id": f"turn-{transport}", "kind": "stun", "host": "127.0.0.1", "port": port}
        | {"transport": transport, "name": name}
    )


@needs_coturn
@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_stun_binding_against_coturn(turn: turnserver.Turn, transport: str) -> None:
    result = await Runner(timeout=3).run_check(stun_check(turn.port, transport))
    assert result.status == "pass", result.message
    assert result.rtt_ms is not None
    assert result.rtt_ms >= 0
    assert result.reflexive is not None
    assert result.reflexive.startswith("127.0.0.1:")
    assert "the server saw this network as 127.0.0.1:" in result.message


@needs_coturn
async def test_stun_over_tls_checks_the_certificate(turn: turnserver.Turn, ca_file: Path) -> None:
    runner = Runner(timeout=3, ca_file=ca_file)
    good = await runner.run_check(stun_check(turn.tls_port, "tls", turnserver.TLS_NAME))
    assert good.status == "pass", good.message
    wrong = await runner.run_check(stun_check(turn.tls_port, "tls", "turn.vdx.aarhus.dk"))
    assert (wrong.status, wrong.reason) == ("fail", "tls-name-mismatch")
    assert f"does not cover turn.vdx.aarhus.dk (its names: {turnserver.TLS_NAME})" in wrong.message
    untrusted = await Runner(timeout=3).run_check(stun_check(turn.tls_port, "tls", turnserver.TLS_NAME))
    assert untrusted.reason == "tls-untrusted"


def closed_port() -> int:
    """A loopback port nothing listens on, below the kernel's ephemeral range: a port from that range
    can become the probe's own source port, and a socket that sends to itself is answered by its own
    request instead of a refusal (seen once in a full run)."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for port in range(max(1024, low - 2000), low):
        try:
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                with socket.socket(socket.AF_INET, kind) as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return port
    raise AssertionError("no free port below the ephemeral range")


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_closed_port_is_refused(transport: str) -> None:
    port = closed_port()  # nothing listens: the kernel answers with a refusal
    result = await Runner(timeout=2).run_check(stun_check(port, transport))
    assert (result.status, result.reason) == ("fail", "refused")
    assert "reached but refused" in result.message


async def test_a_socket_answered_by_its_own_request_times_out_instead_of_spinning() -> None:
    """The probe's socket sends to its own port (the target is its source port): every request comes
    back to it as a stray datagram. It must wait for an answer and end at the runner's timeout,
    not resend on every stray (a tight loop in which the timeout was lost and the run never ended)."""
    from vdx.ports import stun

    sent = 0
    real_endpoint = asyncio.get_running_loop().create_datagram_endpoint

    async def to_itself(factory, remote_addr=None, **kw):  # type: ignore[no-untyped-def]
        transport, protocol = await real_endpoint(factory, local_addr=("127.0.0.1", 0))
        own = transport.get_extra_info("sockname")

        class Counting:
            def sendto(self, data: bytes) -> None:
                nonlocal sent
                sent += 1
                transport.sendto(data, own)

            def close(self) -> None:
                transport.close()

        return Counting(), protocol

    loop = asyncio.get_running_loop()
    loop.create_datagram_endpoint = to_itself  # type: ignore[method-assign]
    try:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(1.2):
                await stun.bind_udp("127.0.0.1", 9)
    finally:
        del loop.create_datagram_endpoint  # type: ignore[method-assign]
    assert sent == 2  # the first send and one retransmission at 0.5 s, not one per stray


async def test_silent_udp_port_is_filtered() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # receives, never answers
        silent.bind(("127.0.0.1", 0))
        result = await Runner(timeout=1.2).run_check(stun_check(silent.getsockname()[1], "udp"))
    assert (result.status, result.reason) == ("fail", "timeout")
    assert "nothing answered" in result.message
    assert "filtered" in result.message
    assert result.elapsed_ms is not None
    assert result.elapsed_ms >= 1000


async def test_tcp_connect_that_is_dropped_is_filtered() -> None:
    # A listening socket whose accept queue is full: the kernel drops further SYNs, as a firewall
    # that drops would, so the connect gets no answer at all.
    with socket.socket() as full, socket.socket() as holder:
        full.bind(("127.0.0.1", 0))
        full.listen(0)
        port = full.getsockname()[1]
        holder.connect(("127.0.0.1", port))
        check = ProbeCheck(id="sip", kind="tcp", host="127.0.0.1", port=port)
        result = await Runner(timeout=1).run_check(check)
    assert (result.status, result.reason) == ("fail", "timeout")


async def test_tls_covering_and_not_covering(ca: LocalCA, ca_file: Path, tmp_path: Path) -> None:
    runner = Runner(timeout=3, ca_file=ca_file)
    async with https(ca, tmp_path, ["*.vdx.medcom.dk"]) as port:
        edge = ProbeCheck(id="e", kind="tls", host="127.0.0.1", port=port, name="vdx-edge-01.vdx.medcom.dk")
        passed = await runner.run_check(edge)
        assert passed.status == "pass", passed.message
        assert "the certificate covers vdx-edge-01.vdx.medcom.dk" in passed.message
        web = ProbeCheck(id="w", kind="tls", host="127.0.0.1", port=port, name="vdx.aarhus.dk")
        failed = await runner.run_check(web)
        assert (failed.status, failed.reason) == ("fail", "tls-name-mismatch")
        assert "does not cover vdx.aarhus.dk (its names: *.vdx.medcom.dk)" in failed.message


# --- the command, end to end ------------------------------------------------------------------


def _spec(checks: list[ProbeCheck]) -> ProbeSpec:
    return ProbeSpec(
        tenant="aarhus",
        platform="prod",
        generated=NOW,
        table_fingerprint="sha256:0123456789abcdef",
        checks=(*checks, ProbeCheck(id="udp-media", kind="udp-range", ports="40000-49999", required=False)),
    )


@needs_coturn
def test_probe_command_passes_and_fails(turn: turnserver.Turn, ca_file: Path, tmp_path: Path) -> None:
    good = tmp_path / "aarhus-probe.json"
    good.write_text(
        _spec(
            [stun_check(turn.port, "udp"), stun_check(turn.tls_port, "tls", turnserver.TLS_NAME)]
        ).model_dump_json()
    )
    out = tmp_path / "aarhus-2026-12-04.json"
    base = ["probe", "--tenant", "aarhus", "--platform", "prod", "--ca-file", str(ca_file), "--timeout", "2"]
    result = CliRunner().invoke(command, [*base, "--from", str(good), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "RESULT: every required opening works" in result.stdout
    assert "SKIP  udp-range UDP 40000-49999" in result.stdout
    report = json.loads(out.read_text())
    assert report["passed"] is True
    assert report["public_address"] == "127.0.0.1"
    assert report["tool"].startswith("vdx ")
    assert report["table_fingerprint"] == "sha256:0123456789abcdef"

    bad = tmp_path / "bad.json"
    closed = ProbeCheck(
        id="sip",
        kind="tcp",
        host="127.0.0.1",
        port=turnserver.free_port(),
        why="SIP over TLS from the tenant's video endpoints",
    )
    bad.write_text(_spec([stun_check(turn.port, "tcp"), closed]).model_dump_json())
    failed = CliRunner().invoke(command, [*base, "--from", str(bad), "--out", str(out)])
    assert failed.exit_code == 1, failed.output
    assert "RESULT: 1 required opening(s) do not work" in failed.stdout
    assert "FAIL  tcp 127.0.0.1:" in failed.stdout
    assert "(SIP over TLS from the tenant's video endpoints)" in failed.stdout  # what the opening is for


def test_probe_command_refuses_another_tenants_file(tmp_path: Path) -> None:
    spec = tmp_path / "aarhus.json"
    spec.write_text(_spec([]).model_dump_json())
    result = CliRunner().invoke(
        command,
        [
            "probe",
            "--tenant",
            "odense",
            "--platform",
            "prod",
            "--from",
            str(spec),
            "--out",
            str(tmp_path / "r.json"),
        ],
    )
    assert result.exit_code == 1
    assert "is the probe file for aarhus on prod, not --tenant odense" in result.output


def test_report_text_lists_what_to_fix() -> None:
    checks = (
        CheckResult(
            id="a",
            kind="tls",
            target="vdx.aarhus.dk:443",
            required=True,
            status="fail",
            reason="timeout",
            message="timeout: nothing answered",
        ),
    )
    from vdx.ports.report import ProbeReport

    report = ProbeReport(
        tenant="aarhus",
        platform="prod",
        table_fingerprint="sha256:x0000000",
        tool="vdx 0.1.0",
        started=NOW,
        finished=NOW,
        passed=verdict(checks),
        checks=checks,
    )
    text = render_text(report)
    assert "RESULT: 1 required opening(s) do not work" in text
    assert "FAIL  tls vdx.aarhus.dk:443" in text
    assert "unknown (no STUN server answered)" in text


async def test_tls_against_the_simulators_https() -> None:
    """The simulator's own HTTPS (its certificate names localhost and 127.0.0.1): the name it covers
    passes, a tenant's domain is a mismatch, and without its CA the certificate is not trusted."""
    with serve(Simulator(SimulatorConfig(seed=SeedOptions(history=None, nodes=None))), tls=True) as sim:
        assert sim.ca_bundle is not None
        port = int(sim.base_url.rsplit(":", 1)[1])
        runner = Runner(timeout=3, ca_file=Path(sim.ca_bundle))

        def check(name: str) -> ProbeCheck:
            return ProbeCheck(id="web", kind="tls", host="127.0.0.1", port=port, name=name)

        covered = await runner.run_check(check("localhost"))
        assert covered.status == "pass", covered.message
        mismatch = await runner.run_check(check("vdx.aarhus.dk"))
        assert (mismatch.status, mismatch.reason) == ("fail", "tls-name-mismatch")
        untrusted = await Runner(timeout=3).run_check(check("localhost"))
        assert (untrusted.status, untrusted.reason) == ("fail", "tls-untrusted")

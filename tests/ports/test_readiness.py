"""Who is ready: the FirewallReady decision from reports that pass, fail and go stale, the readiness
files in the tree, and `vdx ports publish` / `accept` / `status` end to end against the simulator."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from vdx.cli.ports import command
from vdx.paths import EXAMPLES_DIR
from vdx.pexip.simulator import RunningServer, SeedOptions, Simulator, SimulatorConfig, serve
from vdx.ports.probe_plan import ProbeCheck, ProbeSpec
from vdx.ports.readiness import PUBLISHED_KEY, condition, decide, from_files
from vdx.ports.readiness_tree import path_of
from vdx.ports.report import CheckResult, ProbeReport, verdict
from vdx.ports.status import Row, render
from vdx.yamlio import load_all

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
TABLE = "sha256:aaaaaaaaaaaaaaaa"
NEW_TABLE = "sha256:bbbbbbbbbbbbbbbb"
ENV = {"PEXIP_USERNAME": "admin", "PEXIP_PASSWORD": "admin"}


def report(
    *, failing: tuple[str, ...] = (), table: str = TABLE, when: datetime = NOW, tenant: str = "aarhus"
) -> ProbeReport:
    checks = (
        CheckResult(
            id="tls",
            kind="tls",
            target="vdx.aarhus.dk:443",
            required=True,
            status="pass",
            reason="ok",
            message="",
        ),
        *(
            CheckResult(
                id=t, kind="stun", target=t, required=True, status="fail", reason="timeout", message="timeout"
            )
            for t in failing
        ),
        CheckResult(
            id="udp-media",
            kind="udp-range",
            target="UDP 40000-49999",
            required=False,
            status="skipped",
            reason="no-responder",
            message="",
        ),
    )
    return ProbeReport(
        tenant=tenant,
        platform="prod",
        table_fingerprint=table,
        tool="vdx 0.1.0",
        started=when,
        finished=when,
        public_address="198.51.100.7",
        passed=verdict(checks),
        checks=checks,
    )


def test_no_report_is_unknown() -> None:
    decided = decide([], "aarhus", "prod", TABLE, NOW)
    assert (decided.state, decided.status, decided.reason) == ("never-tested", "Unknown", "NoReport")
    assert "vdx ports probe" in decided.message


def test_a_recent_passing_report_against_the_current_table_is_ready() -> None:
    decided = decide([report(when=NOW - timedelta(days=3))], "aarhus", "prod", TABLE, NOW)
    assert (decided.state, decided.status, decided.reason) == ("ready", "True", "ProbePassed")
    assert "from 198.51.100.7" in decided.message


def test_the_latest_report_decides_and_names_the_failing_openings() -> None:
    older = report(when=NOW - timedelta(days=5))
    newer = report(failing=("turn.vdx.aarhus.dk:3478/udp",), when=NOW - timedelta(days=1))
    decided = decide([newer, older], "aarhus", "prod", TABLE, NOW)
    assert (decided.state, decided.status, decided.reason) == ("failing", "False", "OpeningsFail")
    assert decided.failing == ("turn.vdx.aarhus.dk:3478/udp (timeout)",)
    assert "turn.vdx.aarhus.dk:3478/udp (timeout)" in decided.message
    fixed = report(when=NOW)
    assert decide([newer, fixed, older], "aarhus", "prod", TABLE, NOW).state == "ready"


def test_a_changed_table_makes_a_passing_report_stale() -> None:
    decided = decide([report()], "aarhus", "prod", NEW_TABLE, NOW)
    assert (decided.state, decided.status, decided.reason) == ("stale", "False", "TableChanged")
    assert TABLE in decided.message
    assert NEW_TABLE in decided.message


def test_an_old_report_is_stale() -> None:
    decided = decide([report(when=NOW - timedelta(days=91))], "aarhus", "prod", TABLE, NOW)
    assert (decided.state, decided.reason) == ("stale", "ReportTooOld")


def test_other_tenants_reports_do_not_count() -> None:
    assert decide([report(tenant="odense")], "aarhus", "prod", TABLE, NOW).state == "never-tested"


def _published(table: str) -> str:
    spec = ProbeSpec(
        tenant="aarhus",
        platform="prod",
        generated=NOW,
        table_fingerprint=table,
        checks=(ProbeCheck(id="tls", kind="tls", host="vdx.aarhus.dk", port=443),),
    )
    return spec.model_dump_json()


def test_from_files_reads_the_published_table_and_names_unreadable_files() -> None:
    files = {PUBLISHED_KEY: _published(TABLE), "report-1.json": report().model_dump_json()}
    assert from_files(files, "aarhus", "prod", NOW).state == "ready"
    files[PUBLISHED_KEY] = _published(NEW_TABLE)
    assert from_files(files, "aarhus", "prod", NOW).reason == "TableChanged"
    files["report-2.json"] = "{not json"
    assert "ignored unreadable file(s): report-2.json" in from_files(files, "aarhus", "prod", NOW).message
    assert from_files(None, "aarhus", "prod", NOW).status == "Unknown"
    cond = condition(from_files(None, "aarhus", "prod", NOW), 3)
    assert cond == {
        "type": "FirewallReady",
        "status": "Unknown",
        "reason": "NoReport",
        "message": cond["message"],
        "observedGeneration": 3,
    }


def test_status_formats() -> None:
    rows = [
        Row(
            "midtjylland",
            "aarhus",
            "Aarhus Kommune",
            "Municipality",
            decide([report()], "aarhus", "prod", TABLE, NOW),
        ),
        Row(
            "midtjylland",
            "silkeborg",
            "Silkeborg Kommune",
            "Municipality",
            decide(
                [report(tenant="silkeborg", failing=("turn.x:3478/udp",))], "silkeborg", "prod", TABLE, NOW
            ),
        ),
        Row("midtjylland", "skive", "Skive Kommune", "Municipality", decide([], "skive", "prod", TABLE, NOW)),
        Row(
            "sjaelland",
            "roskilde",
            "Roskilde Kommune",
            "Municipality",
            decide([report(tenant="roskilde")], "roskilde", "prod", NEW_TABLE, NOW),
        ),
    ]
    text = render(rows, "text")
    assert "Region Midtjylland: 1 ready, 1 failing, 0 stale, 1 never tested (of 3)" in text
    assert "Region Sjælland: 0 ready, 0 failing, 1 stale, 0 never tested (of 1)" in text
    assert "fails: turn.x:3478/udp (timeout)" in text
    markdown = render(rows, "markdown")
    assert "## Region Midtjylland" in markdown
    assert "| Silkeborg Kommune | failing | 2026-12-04 | fails: turn.x:3478/udp (timeout) |" in markdown
    table = list(csv.DictReader(io.StringIO(render(rows, "csv"))))
    assert [(r["tenant"], r["state"]) for r in table] == [
        ("roskilde", "stale"),  # regions in a fixed order, organisations by name within them
        ("aarhus", "ready"),
        ("silkeborg", "failing"),
        ("skive", "never-tested"),
    ]
    assert table[2]["failing"] == "turn.x:3478/udp (timeout)"


# --- publish, accept and status end to end ----------------------------------------------------


@pytest.fixture
def running() -> Iterator[RunningServer]:
    with serve(Simulator(SimulatorConfig(seed=SeedOptions(history=None, nodes="prod")))) as server:
        yield server


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    copy = tmp_path / "tree"
    shutil.copytree(EXAMPLES_DIR, copy)
    return copy


def invoke(args: list[str]) -> str:
    result = CliRunner().invoke(command, args, env=ENV)
    assert result.exit_code == 0, result.output
    return result.stdout


def _passing_report_for(tree: Path, tmp_path: Path) -> Path:
    """The report a probe would write against the published table (no network: the checks are
    written as passed, which is all `accept` and `status` read)."""
    document = load_all(path_of(tree, "aarhus").read_text())[0]
    spec = ProbeSpec.model_validate_json(document["data"][PUBLISHED_KEY])
    checks = tuple(
        CheckResult(
            id=c.id,
            kind=c.kind,
            target=c.host,
            required=c.required,
            status="pass" if c.kind != "udp-range" else "skipped",
            reason="ok" if c.kind != "udp-range" else "no-responder",
            message="",
        )
        for c in spec.checks
    )
    now = datetime.now(UTC)
    sent = ProbeReport(
        tenant="aarhus",
        platform="prod",
        table_fingerprint=spec.table_fingerprint,
        tool="vdx 0.1.0",
        started=now,
        finished=now,
        passed=verdict(checks),
        checks=checks,
    )
    path = tmp_path / "aarhus-report.json"
    path.write_text(sent.model_dump_json())
    return path


def test_publish_accept_status_and_stale_after_turn_443(
    running: RunningServer, tree: Path, tmp_path: Path
) -> None:
    base = [str(tree), "--platform", "prod", "--url", running.base_url]
    out = invoke(["publish", *base])
    assert "aarhus: published readiness/aarhus/firewall-readiness.yaml" in out
    assert "table unchanged" in invoke(["publish", *base, "--tenant", "aarhus"])

    status = invoke(["status", str(tree), "--platform", "prod", "--region", "midtjylland"])
    assert "Region Midtjylland: 0 ready, 0 failing, 0 stale, 2 never tested (of 2)" in status

    accepted = invoke(["accept", str(_passing_report_for(tree, tmp_path)), str(tree)])
    assert "aarhus: report of" in accepted
    assert "passed" in accepted
    status = invoke(["status", str(tree), "--platform", "prod", "--region", "midtjylland"])
    assert "Region Midtjylland: 1 ready, 0 failing, 0 stale, 1 never tested (of 2)" in status

    # MedCom switches TURN on 443 on: the table changes, publishing says so, the report goes stale.
    with httpx.Client(base_url=running.base_url, auth=("admin", "admin")) as http:
        http.patch("/api/admin/configuration/v1/global/1/", json={"enable_turn_443": True}).raise_for_status()
    republished = invoke(["publish", *base, "--tenant", "aarhus"])
    assert "aarhus: the port table changed" in republished
    status = invoke(["status", str(tree), "--platform", "prod", "-o", "csv"])
    rows = {r["tenant"]: r for r in csv.DictReader(io.StringIO(status))}
    assert rows["aarhus"]["state"] == "stale"
    assert "TURN on 443" in rows["aarhus"]["message"]
    # The readiness file is a plain ConfigMap the tree loader (and so `vdx check`, Argo CD) accepts.
    invoke(["status", str(tree), "--platform", "prod", "-o", "markdown"])


def test_accept_refuses_a_report_for_an_unknown_tenant(tree: Path, tmp_path: Path) -> None:
    stray = tmp_path / "stray.json"
    stray.write_text(report(tenant="atlantis").model_dump_json())
    result = CliRunner().invoke(command, ["accept", str(stray), str(tree)])
    assert result.exit_code == 1
    assert "Tenant atlantis is not on platform prod" in result.output

"""`vdx stats export` end to end: the simulator over real HTTP on loopback, credentials from the environment.

The command object is invoked directly (as `vdx.cli.main` registers it), so these tests do not
depend on the other command families.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from vdx.cli.stats import command
from vdx.pexip.simulator import RunningServer, Simulator, serve
from vdx.stats.aggregate import DailyRow
from vdx.stats.tables import DAILY_CSV, read_rows
from vdx.stats.workbook import WORKBOOK

ENV = {"PEXIP_USERNAME": "admin", "PEXIP_PASSWORD": "admin"}


@pytest.fixture(scope="module")
def running() -> Iterator[RunningServer]:
    with serve(Simulator()) as server:
        yield server


def run(args: list[str], env: dict[str, str | None] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(command, ["export", *args], env=env if env is not None else ENV)
    return result.exit_code, result.stdout, result.stderr


def test_export_over_http(running: RunningServer, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["--platform", "prod", "--from", "2026-10-01", "--to", "2026-10-14", "--out", str(out)]
    code, stdout, stderr = run([*args, "--url", running.base_url])
    assert code == 0, stdout + stderr
    assert "exported 14 day(s)" in stdout
    assert "0 unattributed" in stdout
    assert "\r" not in stderr  # no progress line when stderr is not a terminal
    for name in (
        "daily.csv",
        "breakdown.csv",
        "unattributed.csv",
        "tenants.csv",
        WORKBOOK,
        "vdx-stats-state.json",
    ):
        assert (out / name).is_file(), name
    daily = read_rows(out / DAILY_CSV, DailyRow)
    assert sum(r.meetings for r in daily) == 267  # every conference the default seed holds
    assert (out / DAILY_CSV).read_text(encoding="utf-8-sig").splitlines()[1].startswith("2026-10-01,prod,")
    assert "rm" in load_workbook(out / WORKBOOK).sheetnames

    code, stdout, _ = run([*args, "--url", running.base_url, "--tenant", "rm", "--out", str(tmp_path / "rm")])
    assert code == 0
    assert {r.tenant for r in read_rows(tmp_path / "rm" / DAILY_CSV, DailyRow)} == {"rm"}

    code, stdout, _ = run([*args, "--url", running.base_url])
    assert code == 0
    assert "exported 0 day(s)" in stdout
    assert "14 day(s) already in" in stdout


def test_credentials_file_and_wrong_password_is_not_printed(running: RunningServer, tmp_path: Path) -> None:
    creds = tmp_path / "creds.yaml"
    creds.write_text("username: admin\npassword: admin\n")
    args = ["--platform", "prod", "--from", "2026-10-01", "--to", "2026-10-01", "--url", running.base_url]
    code, stdout, stderr = run(
        [*args, "--out", str(tmp_path / "a"), "--credentials-file", str(creds)], env={}
    )
    assert code == 0, stdout + stderr
    code, stdout, stderr = run(
        [*args, "--out", str(tmp_path / "b")],
        env={"PEXIP_USERNAME": "admin", "PEXIP_PASSWORD": "s3cret-Value"},
    )
    assert code == 1
    assert "PexipPlatform prod" in stderr
    assert "refused the credentials" in stderr
    assert "s3cret-Value" not in stdout + stderr


def test_setup_errors_name_the_fix(tmp_path: Path) -> None:
    base = ["--from", "2026-10-01", "--to", "2026-10-02", "--out", str(tmp_path)]
    code, _, stderr = run(["--platform", "prod", *base], env={"PEXIP_USERNAME": None, "PEXIP_PASSWORD": None})
    assert code == 1
    assert "PEXIP_USERNAME" in stderr
    assert "--credentials-file" in stderr
    code, _, stderr = run(["--platform", "nowhere", *base])
    assert "PexipPlatform nowhere is not in the tree" in stderr
    assert "prod" in stderr
    code, _, stderr = run(["--platform", "prod", "--tenant", "nobody", *base])
    assert "Tenant nobody is not on platform prod" in stderr
    code, _, stderr = run(
        ["--platform", "prod", "--from", "2026-10-02", "--to", "2026-10-01", "--out", str(tmp_path)]
    )
    assert code == 2
    assert "swap them" in stderr
    code, _, stderr = run(
        ["--platform", "prod", "--from", "1.10.2026", "--to", "2026-10-01", "--out", str(tmp_path)]
    )
    assert "YYYY-MM-DD" in stderr


def test_the_excel_csv_opens_in_columns_in_danish_excel(running: RunningServer, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["--platform", "prod", "--from", "2026-10-01", "--to", "2026-10-02", "--out", str(out)]
    code, stdout, stderr = run([*args, "--url", running.base_url])
    assert code == 0, stdout + stderr
    assert "excel/daily.csv" in stdout
    for name in ("daily.csv", "breakdown.csv", "unattributed.csv", "tenants.csv"):
        power_bi = (out / name).read_bytes()
        excel = (out / "excel" / name).read_bytes()
        # Both UTF-8 with a byte-order mark; the same header, separated by ',' and by ';'.
        assert power_bi.startswith(b"\xef\xbb\xbf")
        assert excel.startswith(b"\xef\xbb\xbf")
        header = power_bi.decode("utf-8-sig").splitlines()[0]
        assert excel.decode("utf-8-sig").splitlines()[0] == header.replace(",", ";")
        assert len(excel.decode("utf-8-sig").splitlines()) == len(power_bi.decode("utf-8-sig").splitlines())
    rows = (out / "excel" / "daily.csv").read_text(encoding="utf-8-sig").splitlines()
    header = rows[0].split(";")
    rm = next(r.split(";") for r in rows[1:] if r.split(";")[1:3] == ["prod", "rm"])
    minutes = rm[header.index("meeting_minutes")]
    # A decimal comma, so Danish Excel reads a number, not text or a date; ISO dates stay.
    assert "," in minutes
    assert "." not in minutes
    assert rm[0] == "2026-10-01"
    # The RFC 4180 table keeps '.' and ',' as Power BI reads it.
    daily = (out / DAILY_CSV).read_text(encoding="utf-8-sig").splitlines()
    line = next(r for r in daily[1:] if r.split(",")[1:3] == ["prod", "rm"])
    assert minutes.replace(",", ".") == line.split(",")[header.index("meeting_minutes")]
    # Danish letters survive (the tenants' display names).
    assert "Region Sjælland" in (out / "excel" / "tenants.csv").read_text(encoding="utf-8-sig")

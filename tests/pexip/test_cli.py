"""`vdx simulator serve` as a real process: credentials, state file, HTTPS with a generated CA."""

from __future__ import annotations

import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

API = "/api/admin/configuration/v1"


@contextmanager
def serve(*args: str) -> Iterator[tuple[str, str | None]]:
    cmd = [
        sys.executable,
        "-u",
        "-c",
        "from vdx.cli.main import main; main()",
        "simulator",
        "serve",
        "--port",
        "0",
    ]
    proc = subprocess.Popen([*cmd, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "listening on" in first, first
        url = first.split("listening on ", 1)[1].split()[0]
        ca = None
        if "--tls" in args:
            ca = proc.stdout.readline().split("CA bundle: ", 1)[1].strip()
        yield url, ca
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def test_serve_tls_credentials_and_state(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    args = ("--username", "ops", "--password", "pw-1", "--state", str(state))
    with serve(*args, "--tls", "--history-start", "2025-01-06", "--history-days", "1") as (url, ca):
        assert url.startswith("https://")
        assert ca is not None
        trust = ssl.create_default_context(cafile=ca)
        assert httpx.get(f"{url}{API}/global/1/", verify=trust).status_code == 401
        assert httpx.get(f"{url}{API}/global/1/", auth=("admin", "admin"), verify=trust).status_code == 401
        r = httpx.post(
            f"{url}{API}/stun_server/",
            json={"name": "kept", "address": "a"},
            auth=("ops", "pw-1"),
            verify=trust,
        )
        assert r.status_code == 201
        history = httpx.get(
            f"{url}/api/admin/history/v1/conference/", auth=("ops", "pw-1"), verify=trust
        ).json()
        assert history["objects"]
        assert {o["start_time"][:10] for o in history["objects"]} == {"2025-01-06"}
    assert state.exists()
    with serve(*args) as (url, _):
        assert url.startswith("http://")
        listed = httpx.get(f"{url}{API}/stun_server/", auth=("ops", "pw-1")).json()
        assert [o["name"] for o in listed["objects"]] == ["kept"]

"""A real TURN server for the probe tests: Debian's coturn, unpacked by `scripts/fetch-coturn` into
the user cache (or a system `turnserver`, or VDX_COTURN_ROOT); the tests skip, saying how to get it,
when none is there. It listens on loopback only, UDP and TCP on one port and TLS on another, with a
certificate from the project's local CA."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from vdx.tls.issue import LocalCA

TLS_NAME = "turn.vdx.test"


def found() -> tuple[Path, dict[str, str]] | None:
    """The turnserver binary and the environment it needs (its unpacked libraries)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vdx-operator" / "coturn"
    roots = [Path(os.environ["VDX_COTURN_ROOT"])] if os.environ.get("VDX_COTURN_ROOT") else []
    for root in [*roots, cache / "root"]:
        binary = root / "usr/bin/turnserver"
        if binary.is_file():
            libs = [str(p) for p in (root / "usr/lib").glob("*-linux-gnu") if p.is_dir()]
            return binary, {"LD_LIBRARY_PATH": ":".join(libs)}
    system = shutil.which("turnserver")
    return (Path(system), {}) if system else None


SKIP_REASON = (
    "no coturn turnserver: run scripts/fetch-coturn (Debian's coturn and its libraries, unpacked into "
    "the user cache), install coturn, or set VDX_COTURN_ROOT"
)


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port free for both TCP and UDP on loopback (coturn listens on both)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = int(tcp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port


@dataclass(frozen=True)
class Turn:
    port: int  # UDP and TCP
    tls_port: int
    ca_file: Path


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def running(workdir: Path, ca: LocalCA) -> Iterator[Turn]:
    where = found()
    assert where is not None
    binary, env = where
    issued = ca.issue([TLS_NAME])
    (workdir / "cert.pem").write_bytes(issued.certificate_pem)
    (workdir / "key.pem").write_bytes(issued.key_pem)
    (workdir / "ca.pem").write_bytes(ca.certificate_pem)
    port, tls_port = free_port(), free_port()
    relay = free_port()
    command = [
        str(binary),
        "-n",  # no configuration file: everything is on this line
        "--listening-ip=127.0.0.1",
        f"--listening-port={port}",
        f"--tls-listening-port={tls_port}",
        f"--cert={workdir / 'cert.pem'}",
        f"--pkey={workdir / 'key.pem'}",
        "--no-dtls",
        "--no-cli",
        "--no-multicast-peers",
        f"--min-port={relay}",
        f"--max-port={relay}",
        "--realm=vdx.test",
        "--lt-cred-mech",
        "--user=probe:not-used-by-binding-requests",
        f"--db={workdir / 'turndb'}",
        f"--pidfile={workdir / 'turnserver.pid'}",
        "--log-file=stdout",
        "--simple-log",
    ]
    log = (workdir / "turnserver.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env})
    try:
        deadline = time.monotonic() + 10
        while not (_listening(port) and _listening(tls_port)):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"turnserver did not start: {(workdir / 'turnserver.log').read_text()[-2000:]}"
                )
            time.sleep(0.05)
        yield Turn(port, tls_port, workdir / "ca.pem")
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()

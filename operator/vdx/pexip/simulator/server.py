"""Serving a `Simulator` over real HTTP(S) on loopback with uvicorn, in a background thread.

A thread (not a subprocess) keeps the `Simulator` object shared with the test, so faults and
accounting stay reachable through the Python API while the client talks real HTTP.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from vdx.pexip.simulator.app import SimulatedDrop, Simulator
from vdx.pexip.simulator.tls import TlsFiles, generate_tls


class _HideSimulatedDrops(logging.Filter):
    """A dropped response is a fault we injected on purpose; uvicorn need not print its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, SimulatedDrop)


_DROP_FILTER = _HideSimulatedDrops()
_WILDCARDS = frozenset({"0.0.0.0", "::"})  # noqa: S104 - only used to pick certificate names


@dataclass
class RunningServer:
    simulator: Simulator
    base_url: str
    tls: TlsFiles | None
    _server: uvicorn.Server
    _thread: threading.Thread

    @property
    def ca_bundle(self) -> str | None:
        return str(self.tls.ca_cert) if self.tls else None

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def start_server(
    simulator: Simulator,
    host: str = "127.0.0.1",
    port: int = 0,
    tls_dir: Path | None = None,
    log_level: str = "warning",
) -> RunningServer:
    """Start uvicorn on `host:port` (0 = a free port) and return once it accepts connections."""
    names = ("localhost", "127.0.0.1") if host in _WILDCARDS else (host, "localhost", "127.0.0.1")
    tls = generate_tls(tls_dir, names) if tls_dir else None
    config = uvicorn.Config(
        simulator,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        ssl_certfile=str(tls.server_cert) if tls else None,
        ssl_keyfile=str(tls.server_key) if tls else None,
    )
    server = uvicorn.Server(config)
    error_log = logging.getLogger("uvicorn.error")
    if _DROP_FILTER not in error_log.filters:
        error_log.addFilter(_DROP_FILTER)
    thread = threading.Thread(target=server.run, name="pexip-simulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the simulator did not start")
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    scheme = "https" if tls else "http"
    shown = "localhost" if tls and host == "127.0.0.1" else host
    return RunningServer(simulator, f"{scheme}://{shown}:{bound}", tls, server, thread)


@contextlib.contextmanager
def serve(
    simulator: Simulator | None = None, *, tls: bool = False, host: str = "127.0.0.1"
) -> Iterator[RunningServer]:
    """Context manager for tests and benchmarks: a running simulator on a free loopback port."""
    sim = simulator or Simulator()
    with contextlib.ExitStack() as stack:
        tls_dir = Path(stack.enter_context(tempfile.TemporaryDirectory())) if tls else None
        running = start_server(sim, host=host, tls_dir=tls_dir)
        stack.callback(running.stop)
        yield running

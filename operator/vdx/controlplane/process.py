"""Child processes that cannot outlive their owner, and loopback ports nobody else holds.

Three layers make sure etcd and kube-apiserver die with the Python process that started them:
orderly `stop()` (context managers, pytest teardown, KeyboardInterrupt), an `atexit` hook for
forgotten ones, and on Linux `PR_SET_PDEATHSIG=SIGKILL` so even `kill -9` of the owner takes the
children down.  The kernel ties the death signal to the *thread* that forked the child, so it is
only armed when starting from the main thread; from other threads only stop()/atexit apply.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_live: weakref.WeakSet[ManagedProcess] = weakref.WeakSet()
_live_lock = threading.Lock()


def _death_signal_setter() -> Callable[[], None] | None:
    """Resolve prctl() before forking: the child must not load libraries between fork and exec."""
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        # The death signal fires when the forking *thread* exits; a worker thread (asyncio.to_thread,
        # a pool) may exit long before the owner does, so rely on stop()/atexit there instead.
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    prctl = libc.prctl
    parent = os.getpid()

    def set_death_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the owner died before prctl took effect
            os._exit(1)

    return set_death_signal


def free_port() -> int:
    """A loopback TCP port that is free right now (callers retry if another process wins the race)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_bound(port: int) -> bool:
    """True if something still listens on 127.0.0.1:port (used to prove teardown released it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class ManagedProcess:
    """A child with its output in a log file, killed on stop(), at exit, or when its owner dies."""

    def __init__(self, name: str, argv: Sequence[str], log_file: Path, cwd: Path | None = None) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_file = log_file
        with log_file.open("ab") as log:
            self._popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                # Own process group: a terminal's Ctrl-C reaches only the owner, which then stops
                # the children in order (apiserver before etcd) instead of all dying at once.
                start_new_session=True,
                preexec_fn=_death_signal_setter(),  # sets PR_SET_PDEATHSIG in the child
            )
        with _live_lock:
            _live.add(self)

    @property
    def pid(self) -> int:
        return self._popen.pid

    def running(self) -> bool:
        return self._popen.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._popen.poll()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after `timeout`; always reaps, so no zombie is left behind."""
        if self._popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._popen.pid, signal.SIGTERM)
            try:
                self._popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._popen.pid, signal.SIGKILL)
                self._popen.wait()
        with _live_lock:
            _live.discard(self)


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll `condition` until it holds or `timeout` passes; returns whether it held."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


@atexit.register
def _stop_leftovers() -> None:
    with _live_lock:
        leftovers = list(_live)
    for process in leftovers:
        process.stop(timeout=5)

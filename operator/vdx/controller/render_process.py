"""Brandings are rendered in a child process that exists only while there is rendering to do.

Why not a thread, as before: rendering loads Pillow, resvg and their libraries (about 7 MiB mapped
from files) and leaves the C heap fragmented by decoded images; in a thread, all of that stayed in
the operator for its lifetime, 11.5 MiB after ten brandings (measured: 79 MiB after the imports,
90.7 MiB after rendering and trimming the heap). The operator renders rarely: in a cold start, and
when a region changes its branding. A child started for that, and gone after `idle_seconds` without
work, gives all of it back. It also contains what a region's files can do to a decoder: a crash or
a runaway rendering ends the child (and, after `timeout_seconds`, is ended), not the operator.

The child renders one request at a time, read from its stdin and answered on its stdout
(`vdx.branding.wire`, JSON with a length before each message); it exits when its stdin closes, so
it never outlives the operator. The parent reads the child's peak memory before it ends and reaps it
with `wait4`, which gives its CPU time: the operator's metrics report both (`vdx_render_process_*`),
since the pod's memory must hold the child's peak beside the operator's own.

Run as `python -m vdx.controller.render_process` (the child's side).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vdx.api.branding import CviBranding
    from vdx.branding.bundle import RenderedBranding

_LENGTH = struct.Struct(">Q")
DEFAULT_IDLE_SECONDS = 10.0
DEFAULT_TIMEOUT_SECONDS = 120.0
# The largest answer taken: two packages of at most a few MiB each, base64 (and their files), with room.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
# The child's scheduling priority below the operator's (see `main`).
RENDER_NICENESS = 10


class RenderProcessFailed(Exception):
    """The child gave no answer (it ended, or took too long and was ended); the message says how,
    and never carries the request's content."""


def _command() -> list[str]:
    return [sys.executable, "-m", "vdx.controller.render_process"]


def _write_message(stream: IO[bytes], data: bytes) -> None:
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)
    stream.flush()


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes | None:
    """`size` bytes from `fd`, or None at end of file; RenderProcessFailed at the deadline."""
    chunks: list[bytes] = []
    left = size
    while left:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_message(fd: int, deadline: float | None, limit: int = MAX_MESSAGE_BYTES) -> bytes | None:
    header = _read_exactly(fd, _LENGTH.size, deadline)
    if header is None:
        return None
    (length,) = _LENGTH.unpack(header)
    if length > limit:
        raise RenderProcessFailed(
            f"the rendering process announced an answer of {length} bytes (at most {limit})"
        )
    return _read_exactly(fd, length, deadline) if length else b""


def _peak_rss_bytes(pid: int) -> int:
    """A process's peak resident memory (Linux's VmHWM); 0 where /proc does not say."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


class RenderProcess:
    """The parent's side: one child at a time, started on demand, stopped when idle. Blocking and
    thread-safe (callers use `asyncio.to_thread`); not bound to an event loop, so one instance
    serves the operator process whatever loop runs it."""

    def __init__(
        self,
        command: Sequence[str] | None = None,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.command = list(command) if command is not None else _command()
        self.idle_seconds = idle_seconds
        self.timeout_seconds = timeout_seconds
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self._timer: threading.Timer | None = None
        # Figures for the metrics: children started, CPU seconds and the largest peak RSS (bytes)
        # of the children that have ended, and how the last one ended.
        self.starts = 0
        self.cpu_seconds = 0.0
        self.peak_rss_bytes = 0
        self.last_end: str | None = None

    @property
    def running(self) -> bool:
        return self._child is not None

    @property
    def pid(self) -> int | None:
        child = self._child
        return child.pid if child is not None else None

    def call(self, request: bytes) -> bytes:
        """Send one request and return the child's answer."""
        with self._lock:
            self._cancel_timer()
            try:
                child = self._child or self._start()
                assert child.stdin is not None
                assert child.stdout is not None
                try:
                    _write_message(child.stdin, request)
                except (BrokenPipeError, OSError):
                    raise RenderProcessFailed(
                        f"the rendering process ended ({self._stop(kill=True)})"
                    ) from None
                try:
                    answer = _read_message(child.stdout.fileno(), time.monotonic() + self.timeout_seconds)
                except TimeoutError:
                    ended = self._stop(kill=True)
                    raise RenderProcessFailed(
                        f"the rendering took longer than {self.timeout_seconds:.0f} s "
                        f"and was stopped ({ended})"
                    ) from None
                except RenderProcessFailed:
                    self._stop(kill=True)
                    raise
                if answer is None:
                    raise RenderProcessFailed(
                        f"the rendering process ended without an answer ({self._stop(kill=True)})"
                    )
                return answer
            finally:
                self._schedule_idle_stop()

    def close(self) -> None:
        with self._lock:
            self._cancel_timer()
            if self._child is not None:
                self._stop(kill=False)

    def _start(self) -> subprocess.Popen[bytes]:
        try:
            child = subprocess.Popen(
                self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True
            )
        except OSError as error:
            raise RenderProcessFailed(f"the rendering process could not start: {error.strerror}") from None
        self._child = child
        self.starts += 1
        return child

    def _stop(self, kill: bool) -> str:
        """End the child (closing its stdin asks it to exit; `kill`, or no exit within 5 s, kills
        it), reap it and record what it cost; returns how it ended."""
        child = self._child
        assert child is not None
        # Its own high-water mark, read while it still exists: `wait4`'s ru_maxrss is no use here,
        # since the kernel also counts the memory of the operator the child was spawned from.
        self.peak_rss_bytes = max(self.peak_rss_bytes, _peak_rss_bytes(child.pid))
        if kill:
            _kill(child.pid)  # not Popen.kill: it would reap the child before wait4 could
        with contextlib.suppress(OSError):
            assert child.stdin is not None
            child.stdin.close()
        deadline = time.monotonic() + 5.0
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                _kill(child.pid)
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.01)
        child.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait for it again
        assert child.stdout is not None
        child.stdout.close()
        self._child = None
        self.cpu_seconds += usage.ru_utime + usage.ru_stime
        self.last_end = _ended(status)
        return self.last_end

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _schedule_idle_stop(self) -> None:
        if self._child is None:
            return
        timer = threading.Timer(self.idle_seconds, self._idle_stop)
        timer.daemon = True
        self._timer = timer
        timer.start()

    def _idle_stop(self) -> None:
        if not self._lock.acquire(blocking=False):
            return  # a rendering is under way; it schedules the next idle stop
        try:
            if self._timer is not None and self._timer is threading.current_thread():
                self._timer = None
                if self._child is not None:
                    self._stop(kill=False)
        finally:
            self._lock.release()


_SHARED: RenderProcess | None = None
_SHARED_LOCK = threading.Lock()


@dataclass(frozen=True)
class Figures:
    """What the operator's rendering children have cost so far, for its metrics."""

    starts: int = 0
    running: bool = False
    cpu_seconds: float = 0.0  # of the children that have ended
    peak_rss_bytes: int = 0  # the largest of the children that have ended


def figures() -> Figures:
    """The shared child's figures (zeros before the first rendering), without starting anything."""
    found = _SHARED
    if found is None:
        return Figures()
    return Figures(found.starts, found.running, found.cpu_seconds, found.peak_rss_bytes)


def shared() -> RenderProcess:
    """The operator process's one rendering child (whichever event loop, or test, asks)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = RenderProcess()
            atexit.register(_SHARED.close)
        return _SHARED


async def render(branding: CviBranding, objects: list[dict[str, Any]]) -> RenderedBranding:
    """Render in the child: the rendering, or BrandingError (the branding fails its checks),
    `wire.RenderFailed` (the renderer failed), RenderProcessFailed (no answer) or
    `wire.MalformedMessage`."""
    from vdx.branding import wire

    answer = await asyncio.to_thread(shared().call, wire.encode_request(branding, objects))
    return wire.decode_result(answer)


def failure_message(error: BaseException) -> str:
    """The type and the first line of what the renderer said, at most 200 characters: the lines
    after it can quote the input (pydantic's errors show the value they refused)."""
    said = str(error).strip().splitlines()
    return f"{type(error).__name__}: {said[0][:200] if said else ''}".rstrip(": ")


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The child's side: render each request until the parent closes the pipe."""
    from vdx.branding import load_assets, render_branding, wire
    from vdx.branding.problems import BrandingError

    while True:
        data = _read_message(requests.fileno(), None)
        if data is None:
            return
        result: Any
        try:
            branding, objects = wire.decode_request(data)
            result = render_branding(branding, load_assets(branding, objects))
        except BrandingError as error:
            result = error
        except Exception as error:  # any failure is an answer, not the child's end
            result = wire.RenderFailed(failure_message(error))
        _write_message(answers, wire.encode_result(result))


def main() -> None:
    from vdx.controller.memory import fix_mmap_threshold

    # A rendering's decoded images are blocks of several MiB: mmapped and returned when freed,
    # rather than a heap left at its high-water mark for the next one (the operator does the same).
    fix_mmap_threshold()
    # Below the operator's own work: in a cold start the renderings would otherwise take a core
    # from the operator and the API server while they take in the fleet, where the threads they
    # ran on before shared the operator's one interpreter (measured: the national fleet's apply
    # took 20-28 s instead of 14-16 s, and the rooms' listing ended 4-12 s later).
    with contextlib.suppress(OSError):
        os.nice(RENDER_NICENESS)
    # The answers get stdout to themselves: anything a library prints goes to stderr instead.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()

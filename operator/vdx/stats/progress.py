"""Progress of a long export on stderr: one rewritten line on a terminal, nothing in logs or pipes.

A CronJob's log or a redirected stderr gets no carriage-return noise; the final summary is printed
by the CLI either way.
"""

from __future__ import annotations

import time
from typing import TextIO


def progress_line(done: int, total: int, label: str, elapsed: float) -> str:
    """`[ 3/14]  21%  2026-10-03 06:00  12 meetings  (4 s, about 15 s left)`."""
    width = len(str(total))
    share = done / total if total else 1.0
    left = f", about {elapsed / done * (total - done):.0f} s left" if done and done < total else ""
    return f"[{done:>{width}}/{total}] {share:4.0%}  {label}  ({elapsed:.0f} s{left})"


class Progress:
    def __init__(self, total: int, stream: TextIO, *, enabled: bool) -> None:
        self.total = total
        self.stream = stream
        self.enabled = enabled
        self.started = time.monotonic()
        self._width = 0

    @classmethod
    def for_stream(cls, total: int, stream: TextIO, *, quiet: bool) -> Progress:
        interactive = hasattr(stream, "isatty") and stream.isatty()
        return cls(total, stream, enabled=interactive and not quiet)

    def update(self, done: int, label: str) -> None:
        if not self.enabled:
            return
        line = progress_line(done, self.total, label, time.monotonic() - self.started)
        self.stream.write("\r" + line.ljust(self._width))
        self._width = max(self._width, len(line))
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()

"""Request accounting for tests and benchmarks: counts, in-flight peak and a redacted log.

Secret values never enter the log: bodies are reduced to their keys, with secret fields shown as
`"***"` so a test can still see that a secret was sent, and a streaming address (an RTMP alias)
without the path that holds its stream key.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from typing import Any

from vdx.pexip.simulator.spec import ALL_SPECS

SECRET_KEYS = frozenset(f.name for spec in ALL_SPECS.values() for f in spec.fields if f.secret) | {
    "password",
    "pin",
    "guest_pin",
    "client_assertion",
    "access_token",
}


# A streaming participant's alias is its RTMP address: the stream key is in its path (or its
# query, or its user part), so only where it streams to is kept.
_STREAM_ADDRESS = re.compile(r"^\s*(rtmps?://)(?:[^/?#@]*@)?([^/?#@\s]*)(.*)$", re.IGNORECASE | re.DOTALL)


def _stream_address(value: str) -> str:
    found = _STREAM_ADDRESS.match(value)
    if found is None:
        return value
    scheme, host, rest = found.groups()
    if not rest and "@" not in value:
        return value
    return f"{scheme}{host}/***"


def _redact(key: str, value: Any) -> Any:
    if key in SECRET_KEYS and value not in (None, ""):
        return "***"
    if key == "alias" and isinstance(value, str):
        return _stream_address(value)
    return redact_body(value)


def redact_body(body: Any) -> Any:
    """Keep the shape of a request body, hide every secret value and every file's content (and
    the path of a streaming address, which holds its stream key)."""
    if isinstance(body, dict):
        return {k: _redact(k, v) for k, v in body.items()}
    if isinstance(body, list):
        return [redact_body(v) for v in body]
    if isinstance(body, bytes):
        return f"<{len(body)} bytes>"
    return body


@dataclass
class LogEntry:
    seq: int
    time: float
    method: str
    path: str
    query: str
    resource: str
    status: int | None = None
    fault: str = ""
    body: Any = None
    duration_s: float = 0.0
    # Fields the write sent that the resource does not have: a node ignores them silently.
    ignored: list[str] = field(default_factory=list)


MAX_LOG_ENTRIES = 200_000


@dataclass
class Accounting:
    """Counts are exact forever; the log keeps the most recent entries so a long run stays bounded."""

    entries: deque[LogEntry] = field(default_factory=lambda: deque(maxlen=MAX_LOG_ENTRIES))
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    # (resource, field) -> how often a write sent a field the resource does not have.
    ignored: Counter[tuple[str, str]] = field(default_factory=Counter)
    in_flight: int = 0
    max_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _seq: int = 0

    def start(
        self, method: str, path: str, query: str, resource: str, body: Any, ignored: list[str] | None = None
    ) -> LogEntry:
        with self._lock:
            self._seq += 1
            entry = LogEntry(
                self._seq,
                time.time(),
                method,
                path,
                query,
                resource,
                body=redact_body(body),
                ignored=list(ignored or ()),
            )
            self.entries.append(entry)
            self.counts[(method, resource)] += 1
            for name in entry.ignored:
                self.ignored[(resource, name)] += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            return entry

    def finish(self, entry: LogEntry, status: int | None, fault: str = "") -> None:
        with self._lock:
            entry.status = status
            entry.fault = fault
            entry.duration_s = time.time() - entry.time
            self.in_flight -= 1

    def reset(self) -> None:
        with self._lock:
            self.entries.clear()
            self.counts.clear()
            self.ignored.clear()
            self.max_in_flight = self.in_flight

    def count(self, method: str | None = None, resource: str | None = None) -> int:
        with self._lock:
            return sum(
                n
                for (m, r), n in self.counts.items()
                if (method is None or m == method) and (resource is None or r == resource)
            )

    def ignored_fields(self, resource: str | None = None) -> dict[str, int]:
        """`"<api>/<resource>.<field>" -> count` of fields writes sent that no such resource has."""
        with self._lock:
            return {
                f"{r}.{name}": n
                for (r, name), n in sorted(self.ignored.items())
                if resource is None or r == resource
            }

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "counts": [
                    {"method": m, "resource": r, "count": n} for (m, r), n in sorted(self.counts.items())
                ],
                "max_in_flight": self.max_in_flight,
                "ignored": [
                    {"resource": r, "field": name, "count": n}
                    for (r, name), n in sorted(self.ignored.items())
                ],
                "log": [asdict(e) for e in self.entries],
            }

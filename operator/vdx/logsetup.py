"""The operator's log lines: text for a terminal, JSON lines for a log pipeline (`--log-format`).

A JSON line carries `time` (RFC 3339, UTC), `level`, `logger`, `message` and, when the line is about
one resource, its `kind`, `namespace` and `name`, so Loki or Elasticsearch can filter "everything
about Domain vdx-aarhus/aarhus" without parsing messages. The resource comes from kopf's own
records (its per-object logger attaches `k8s_ref`) or from `about()`, which the runtime holds
around each reconcile; a context variable follows the reconcile into every task it starts.

Secrets never reach a line, in either format: every value of a Secret the operator read
(`remember_secrets`, called where Kubernetes Secrets are decoded) and every PEM private key is
replaced by `***` with the project's scrubbing (`vdx.pexip.errors.scrub`), in the message and in
a traceback alike.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from vdx.pexip.errors import REDACTED, Forms, secret_forms

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Shorter values (a 4-digit PIN, "admin") would blank out ports, counts and words of every line;
# the same floor `vdx plan` uses. Keys whose values are shown anyway are not secrets.
MIN_SECRET_LENGTH = 6
SHOWN_KEYS = frozenset({"username"})
_PEM_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.DOTALL
)

Resource = tuple[str, str | None, str]
_RESOURCE: ContextVar[Resource | None] = ContextVar("vdx_log_resource", default=None)


class _Secrets:
    """The secret values seen so far by this process (thread-safe: Secrets are read on threads)."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        # Every form of them (`pexip.errors.Forms`): worked out as each Secret is read, not for
        # each line (a cache of them all would be evicted by the errors' scrubbing).
        self._forms = Forms()
        self._lock = threading.Lock()

    def add(self, values: Iterable[str]) -> None:
        fresh = {v for v in values if len(v) >= MIN_SECRET_LENGTH}
        if fresh - self._values:
            with self._lock:
                new = fresh - self._values
                self._values |= new
                self._forms.add(form for value in new for form in secret_forms(value))

    def snapshot(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._values)

    def forms(self) -> Forms:
        return self._forms

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._forms = Forms()


SECRETS = _Secrets()


def remember_secrets(data: dict[str, str]) -> None:
    """Every value of a Secret just read, so no later log line can show it."""
    SECRETS.add(value for key, value in data.items() if key not in SHOWN_KEYS)


def scrubbed(text: str) -> str:
    return SECRETS.forms().scrub(_PEM_PRIVATE_KEY.sub(REDACTED, text))


@contextlib.contextmanager
def about(kind: str, namespace: str | None, name: str) -> Iterator[None]:
    """Lines logged inside (and in tasks started inside) are about this resource."""
    token = _RESOURCE.set((kind, namespace, name))
    try:
        yield
    finally:
        _RESOURCE.reset(token)


def resource_of(record: logging.LogRecord) -> Resource | None:
    ref = getattr(record, "k8s_ref", None)
    if isinstance(ref, dict) and ref.get("kind") and ref.get("name"):
        return str(ref["kind"]), (str(ref["namespace"]) if ref.get("namespace") else None), str(ref["name"])
    return _RESOURCE.get()


class JsonFormatter(logging.Formatter):
    """One JSON object per line (no newline inside: a traceback is one escaped string)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrubbed(record.getMessage()),
        }
        resource = resource_of(record)
        if resource is not None:
            kind, namespace, name = resource
            line["kind"] = kind
            if namespace:
                line["namespace"] = namespace
            line["name"] = name
        if record.exc_info:
            line["exception"] = scrubbed(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = scrubbed(record.exc_text)
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The human format, scrubbed the same way."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return scrubbed(super().format(record))


def configure(level: str, log_format: str) -> logging.Handler:
    """Route every logger (the operator's, kopf's, uvicorn's) through one handler on stderr."""
    if log_format not in FORMATS:
        raise ValueError(f"unknown log format {log_format!r}; use one of {', '.join(FORMATS)}")
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler

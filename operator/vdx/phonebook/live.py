"""The phone book the operator serves: rebuilt only when a Tenant, MeetingRoom or Device changed.

The operator's watch keeps every custom resource it has seen in a dict; this module takes a
callable returning those bodies, so it knows nothing of the runtime. Each request computes a cheap
fingerprint (kind, namespace, name and resourceVersion of the relevant bodies) and rebuilds only
when it differs from the last one: "refreshed when they change" without a rebuild per request.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from vdx.phonebook.book import Body, PhoneBook, build

# PexipPlatform: which platform is Production decides the full view's default platform.
KINDS = ("Tenant", "MeetingRoom", "Device", "PexipPlatform")
Fingerprint = tuple[tuple[str, str, str, str], ...]


def _version(body: Body) -> str:
    meta = body.get("metadata") or {}
    version = meta.get("resourceVersion")
    if version:
        return str(version) + ("-deleting" if meta.get("deletionTimestamp") else "")
    # Bodies that never went through an API server (tests, a dry run) have no resourceVersion: fall
    # back to their content, which is slower but still right.
    content = json.dumps([body.get("spec"), meta.get("deletionTimestamp")], sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(content.encode()).hexdigest()


def _state(body: Body) -> str:
    """A Tenant's readiness and roll-up as the book shows them. The operator updates the status of
    the body it holds in place, without a new resourceVersion, so the version alone would keep a
    stale state."""
    if body.get("kind") != "Tenant":
        return ""
    conditions = (body.get("status") or {}).get("conditions") or []
    return json.dumps(
        [[c.get("type"), c.get("status"), c.get("message")] for c in conditions if isinstance(c, dict)]
    )


def fingerprint(bodies: Iterable[Body]) -> Fingerprint:
    rows = []
    for body in bodies:
        kind = str(body.get("kind") or "")
        if kind not in KINDS:
            continue
        meta = body.get("metadata") or {}
        version = _version(body) + _state(body)
        rows.append((kind, str(meta.get("namespace") or ""), str(meta.get("name") or ""), version))
    return tuple(sorted(rows))


class LivePhoneBook:
    """Callable returning the current PhoneBook; pass it to the HTTP app."""

    def __init__(self, bodies: Callable[[], Iterable[dict[str, Any]]]) -> None:
        self._bodies = bodies
        self._key: Fingerprint | None = None
        self._book = PhoneBook(entries=(), tenants=())
        self.builds = 0  # how often it rebuilt: tests and metrics read it

    def __call__(self) -> PhoneBook:
        # A snapshot first: the watch may add bodies while a request is being answered.
        bodies = [b for b in list(self._bodies()) if b.get("kind") in KINDS]
        key = fingerprint(bodies)
        if key != self._key:
            by_kind: dict[str, list[Body]] = {kind: [] for kind in KINDS}
            for body in bodies:
                by_kind[str(body["kind"])].append(body)
            self._book = build(
                by_kind["Tenant"],
                by_kind["MeetingRoom"],
                by_kind["Device"],
                by_kind["PexipPlatform"],
                with_states=True,  # the watch's bodies carry the operator's status
            )
            self._key = key
            self.builds += 1
        return self._book

"""The incident record: a bounded log of what went wrong, as the operator saw it (pure, no I/O).

The user group's standing agenda item is "evaluation of incidents"; events expire after an hour and
metrics say nothing about who was affected. This log keeps each incident's start, end, platform,
affected tenants and cause, survives restarts (the operator keeps it in a ConfigMap, see
`vdx.controller.incident_store`), and is the source of the management API's availability figure
that the monthly report compares with its target.

Kinds recorded now: `PlatformUnreachable` (the management node gave no answer, or 502/503/504,
for at least one observation) and `RefusalStorm` (at least `STORM` resources of one platform
Stalled at once: a change in Git that many resources refuse, or a conflict). The log is bounded:
past `capacity` entries the oldest closed ones go first; open ones are never dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

PLATFORM_UNREACHABLE = "PlatformUnreachable"
REFUSAL_STORM = "RefusalStorm"
# Stalled resources on one platform at once that make a refusal storm.
STORM = 3
CAPACITY = 500
FORMAT = 1  # the stored document's version


@dataclass(frozen=True)
class Incident:
    kind: str
    platform: str
    start: datetime
    end: datetime | None
    tenants: tuple[str, ...]
    cause: str

    @property
    def open(self) -> bool:
        return self.end is None

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "platform": self.platform,
            "start": _stamp(self.start),
            "end": _stamp(self.end) if self.end else None,
            "tenants": list(self.tenants),
            "cause": self.cause,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Incident:
        end = data.get("end")
        tenants = data.get("tenants")
        return cls(
            kind=str(data["kind"]),
            platform=str(data["platform"]),
            start=_parse(str(data["start"])),
            end=_parse(str(end)) if end else None,
            tenants=tuple(str(t) for t in tenants) if isinstance(tenants, list) else (),
            cause=str(data.get("cause") or ""),
        )


@dataclass
class IncidentLog:
    incidents: list[Incident] = field(default_factory=list)
    capacity: int = CAPACITY

    def current(self, kind: str, platform: str) -> Incident | None:
        return next((i for i in self.incidents if i.open and i.kind == kind and i.platform == platform), None)

    def observe_platform(
        self, platform: str, reachable: bool, now: datetime, tenants: Iterable[str] = (), cause: str = ""
    ) -> bool:
        """One observation of a platform's management node; True when the log changed."""
        return self.observe(PLATFORM_UNREACHABLE, platform, not reachable, now, tenants, cause)

    def observe(
        self,
        kind: str,
        platform: str,
        active: bool,
        now: datetime,
        tenants: Iterable[str] = (),
        cause: str = "",
    ) -> bool:
        """One observation of a condition (`active`: it is happening); True when the log changed.

        Active with no open incident of the kind on the platform opens one (its tenants and cause
        as seen now); active again adds tenants seen since; inactive closes the open one.
        """
        found = self.current(kind, platform)
        if not active:
            if found is None:
                return False
            self._replace(found, replace(found, end=now))
            return True
        seen = tuple(sorted(set(tenants)))
        if found is None:
            self.incidents.append(Incident(kind, platform, now, None, seen, cause))
            self._trim()
            return True
        more = tuple(sorted({*found.tenants, *seen}))
        if more != found.tenants or (cause and not found.cause):
            self._replace(found, replace(found, tenants=more, cause=found.cause or cause))
            return True
        return False

    def _replace(self, old: Incident, new: Incident) -> None:
        self.incidents[self.incidents.index(old)] = new

    def _trim(self) -> None:
        while len(self.incidents) > self.capacity:
            oldest_closed = next((i for i in self.incidents if not i.open), None)
            if oldest_closed is None:
                return
            self.incidents.remove(oldest_closed)

    def to_text(self) -> str:
        return json.dumps(
            {"format": FORMAT, "incidents": [i.to_json() for i in self.incidents]}, indent=1, sort_keys=True
        )

    @classmethod
    def from_text(cls, text: str | None, capacity: int = CAPACITY) -> IncidentLog:
        """The stored log; an empty, unreadable or newer-format document starts a new one rather
        than stopping the operator (the old text stays in the ConfigMap's history only)."""
        if not text:
            return cls(capacity=capacity)
        try:
            document = json.loads(text)
            if document.get("format") != FORMAT:
                return cls(capacity=capacity)
            return cls([Incident.from_json(item) for item in document["incidents"]], capacity)
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls(capacity=capacity)


def availability(
    incidents: Sequence[Incident], platform: str, first: datetime, last: datetime, now: datetime
) -> float:
    """Share of [first, min(last, now)) in which the platform's management API answered the
    operator: 1 minus the union of its PlatformUnreachable incidents over the period."""
    end = min(last, now)
    period = (end - first).total_seconds()
    if period <= 0:
        return 1.0
    spans = sorted(
        (max(i.start, first), min(i.end or now, end))
        for i in incidents
        if i.kind == PLATFORM_UNREACHABLE and i.platform == platform
    )
    down, reach = 0.0, first
    for start, stop in spans:
        start = max(start, reach)
        if stop > start:
            down += (stop - start).total_seconds()
            reach = stop
    return 1.0 - down / period


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)

"""A typed, read-only view of a resource's status, as the operator last wrote it (or the watch brought).

Statuses arrive as plain dicts from the API server, and may be missing or partial (a resource
never reconciled, one written by an older operator); every reader used to repeat
`(body.get("status") or {}).get(...) or []`. The view says once what a missing value means.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StatusView:
    raw: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        value = self.raw.get(key)
        return default if value is None else value

    @property
    def conditions(self) -> list[dict[str, Any]]:
        return list(self.raw.get("conditions") or [])

    def condition(self, type_: str) -> dict[str, Any] | None:
        return next((c for c in self.conditions if c.get("type") == type_), None)

    def is_true(self, type_: str) -> bool:
        found = self.condition(type_)
        return found is not None and found.get("status") == "True"

    @property
    def ready(self) -> bool:
        return self.is_true("Ready")

    @property
    def observed_generation(self) -> int | None:
        value = self.raw.get("observedGeneration")
        return int(value) if value is not None else None

    @property
    def pexip_objects(self) -> list[dict[str, Any]]:
        return list(self.raw.get("pexipObjects") or [])

    def recorded(self, resource: str) -> list[str]:
        """The URIs of the Pexip objects of one type the resource recorded as its own, oldest first."""
        return [
            str(o["resourceUri"])
            for o in self.pexip_objects
            if o.get("resource") == resource and o.get("resourceUri")
        ]


def status_of(body: Mapping[str, Any]) -> StatusView:
    return StatusView(body.get("status") or {})

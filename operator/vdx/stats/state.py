"""The incremental state file: which days of which platform (and tenant filter) a directory holds.

Written after the CSV files it describes, so a run interrupted between the two re-exports those
days; the CSV merge replaces rows by day, so that never duplicates anything.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from vdx.stats.periods import from_ranges, to_ranges

STATE_FILE = "vdx-stats-state.json"
VERSION = 1


class StateError(Exception):
    """The state file does not fit this export; the message names the field and the fix."""


@dataclass
class ExportState:
    platform: str
    tenant: str | None
    days: set[date] = field(default_factory=set)
    updated: datetime | None = None

    @property
    def through(self) -> date | None:
        return max(self.days) if self.days else None


def load_state(directory: Path, platform: str, tenant: str | None) -> ExportState:
    path = directory / STATE_FILE
    if not path.exists():
        return ExportState(platform, tenant)
    try:
        doc: Any = json.loads(path.read_text(encoding="utf-8"))
        ranges = [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in doc["exportedDays"]]
        stored_platform, stored_tenant = str(doc["platform"]), doc.get("tenant")
        version = int(doc.get("version", 0))
    except (OSError, ValueError, KeyError, TypeError):
        raise StateError(
            f"{STATE_FILE} in the --out directory cannot be read; restore it, or delete it to export every "
            "requested day again (rows are replaced by day, never duplicated)"
        ) from None
    if version != VERSION:
        raise StateError(
            f"{STATE_FILE}: field version is {version}, this vdx writes {VERSION}; use a new --out"
        )
    if stored_platform != platform:
        raise StateError(
            f"{STATE_FILE}: field platform is {stored_platform!r} but --platform is {platform!r}; export "
            "each platform into its own --out directory"
        )
    if stored_tenant != tenant:
        raise StateError(
            f"{STATE_FILE}: field tenant is {stored_tenant!r} but --tenant is {tenant!r}; use the same "
            "--tenant as before, or another --out directory"
        )
    updated = doc.get("updated")
    return ExportState(
        platform, tenant, from_ranges(ranges), datetime.fromisoformat(updated) if updated else None
    )


def save_state(directory: Path, state: ExportState) -> None:
    doc = {
        "version": VERSION,
        "platform": state.platform,
        "tenant": state.tenant,
        "exportedDays": [[a.isoformat(), b.isoformat()] for a, b in to_ranges(state.days)],
        "through": state.through.isoformat() if state.through else None,
        "updated": state.updated.isoformat(timespec="seconds") if state.updated else None,
    }
    path = directory / STATE_FILE
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)

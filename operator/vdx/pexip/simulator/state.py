"""Persisting the simulator's store to a JSON file (`vdx simulator serve --state FILE`).

The file is the simulator's database, so it holds what the node holds, secrets included; keep it
out of version control like any database file.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from vdx.pexip.simulator.engine import Engine


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$dt"}:
            return datetime.fromisoformat(value["$dt"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def save(engine: Engine, path: Path) -> None:
    with engine.lock:
        doc = {
            "version": 1,
            "next_ids": dict(engine.next_ids),
            "tables": {
                key: [[oid, _encode(row)] for oid, row in table.items()]
                for key, table in engine.tables.items()
            },
            "files": {k: base64.b64encode(v).decode("ascii") for k, v in engine.files.items()},
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".state-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(doc, handle)
    os.replace(tmp, path)
    path.chmod(0o600)


def load(engine: Engine, path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    with engine.lock:
        engine.next_ids.update({k: int(v) for k, v in doc["next_ids"].items()})
        for key, rows in doc["tables"].items():
            if key in engine.tables:
                engine.tables[key] = {oid: _decode(row) for oid, row in rows}
        engine.files = {k: base64.b64decode(v) for k, v in doc["files"].items()}
        engine.invalidate()

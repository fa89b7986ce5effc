"""Debian's promtool and Prometheus server, when `scripts/fetch-prometheus` has unpacked them.

Both are looked for in the user cache (or under VDX_PROMETHEUS_ROOT), then on PATH; tests that
need them skip with a message saying how to get them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def _binary(name: str) -> Path | None:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vdx-operator" / "prometheus"
    roots = [Path(os.environ["VDX_PROMETHEUS_ROOT"])] if os.environ.get("VDX_PROMETHEUS_ROOT") else []
    for root in [*roots, cache / "root"]:
        if (root / "usr/bin" / name).is_file():
            return root / "usr/bin" / name
    found = shutil.which(name)
    return Path(found) if found else None


PROMTOOL = _binary("promtool")
PROMETHEUS = _binary("prometheus")

needs_promtool = pytest.mark.skipif(
    PROMTOOL is None,
    reason="no promtool: run scripts/fetch-prometheus (Debian's prometheus package, unpacked into "
    "the user cache) or set VDX_PROMETHEUS_ROOT",
)
needs_prometheus = pytest.mark.skipif(
    PROMETHEUS is None,
    reason="no Prometheus server: run scripts/fetch-prometheus (Debian's prometheus package, "
    "unpacked into the user cache) or set VDX_PROMETHEUS_ROOT",
)

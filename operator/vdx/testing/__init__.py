"""Test and demo helpers that need a real API server; see `vdx.testing.controlplane`.

The pytest fixtures live in `vdx.testing.pytest_plugin` (enabled by `tests/conftest.py`).
"""

from __future__ import annotations

from vdx.testing.controlplane import (
    ControlPlane,
    User,
    bind_cluster_role,
    default_crd_dir,
    ensure_binaries,
    running_control_plane,
    temporary_namespace,
)

__all__ = [
    "ControlPlane",
    "User",
    "bind_cluster_role",
    "default_crd_dir",
    "ensure_binaries",
    "running_control_plane",
    "temporary_namespace",
]

"""A real Kubernetes control plane (etcd + kube-apiserver) for tests, the demo and a developer's shell.

There is no Docker here and no download site for release binaries, so the binaries are built from
their Go modules (`tools/controlplane/`) into a per-user cache, and run the way controller-runtime's
envtest runs them: loopback ports, throw-away certificates, RBAC on, no controller manager.

* `binaries` finds etcd / kube-apiserver / kubectl (envtest's environment variables first);
* `build` compiles them from the pinned Go modules once per version set;
* `server` starts and stops one control plane and mints users for RBAC tests.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vdx.controlplane.binaries import Binaries, BinariesNotFoundError, locate_binaries
    from vdx.controlplane.build import BuildError, build_binaries
    from vdx.controlplane.server import ControlPlane, ControlPlaneError, User
    from vdx.controlplane.versions import PinnedVersions, pinned_versions

# Imported on first use (PEP 562): `server` brings the Kubernetes client, and the CLI's
# `vdx controlplane --help` or the daemon's state file need none of it.
_LAZY = {
    "Binaries": "binaries",
    "BinariesNotFoundError": "binaries",
    "locate_binaries": "binaries",
    "BuildError": "build",
    "build_binaries": "build",
    "ControlPlane": "server",
    "ControlPlaneError": "server",
    "User": "server",
    "PinnedVersions": "versions",
    "pinned_versions": "versions",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "Binaries",
    "BinariesNotFoundError",
    "BuildError",
    "ControlPlane",
    "ControlPlaneError",
    "PinnedVersions",
    "User",
    "build_binaries",
    "locate_binaries",
    "pinned_versions",
]

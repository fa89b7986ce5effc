"""Which Kubernetes and etcd releases the repository pins, and where their builds are cached.

The pins live only in `tools/controlplane/{kubernetes,etcd}/go.mod` (written by
`tools/controlplane/sync-replaces.sh`); this module reads them without needing Go, so finding an
existing build works on a machine that has the binaries but no toolchain.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

#: Bump when the way binaries are built changes (flags, ldflags), so old cache entries are not reused.
BUILD_RECIPE = "1"

_REQUIRE = re.compile(r"^\s*(?:require\s+)?(?P<path>\S+)\s+(?P<version>v\S+)", re.MULTILINE)


class SourceNotFoundError(RuntimeError):
    """The Go wrapper modules are not next to this package (e.g. a wheel install, not a checkout)."""


@dataclass(frozen=True)
class PinnedVersions:
    """The releases pinned by the Go wrapper modules, plus a digest of the full dependency graph."""

    kubernetes: str
    etcd: str
    digest: str
    source_dir: Path

    @property
    def key(self) -> str:
        """Cache directory name: readable versions, then a digest so a go.sum change rebuilds."""
        return f"k8s-{self.kubernetes}_etcd-{self.etcd}_{self.digest}"

    @property
    def kubernetes_module_dir(self) -> Path:
        return self.source_dir / "kubernetes"

    @property
    def etcd_module_dir(self) -> Path:
        return self.source_dir / "etcd"


def source_dir() -> Path:
    """Find `tools/controlplane/` by walking up from this file (the package is installed editable)."""
    override = os.environ.get("VDX_CONTROLPLANE_SOURCE")
    if override:
        return Path(override)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "tools" / "controlplane"
        if (candidate / "kubernetes" / "go.mod").is_file():
            return candidate
    raise SourceNotFoundError(
        "cannot find tools/controlplane/ (the Go modules that pin kube-apiserver and etcd): run from a "
        "checkout of the repository, set VDX_CONTROLPLANE_SOURCE to that directory, or point "
        "KUBEBUILDER_ASSETS at existing binaries"
    )


def _required_version(go_mod: Path, module: str) -> str:
    for match in _REQUIRE.finditer(go_mod.read_text()):
        if match["path"] == module:
            return match["version"]
    raise SourceNotFoundError(f"{go_mod} does not require {module}")


def _normalised(path: Path) -> bytes:
    """The directives of a go.mod/go.sum as a sorted set of lines, so that comments, layout and the
    order `go mod edit`/`tidy` happen to write do not change the cache key; only content does."""
    if not path.is_file():
        return b""
    lines = set()
    for raw in path.read_text().splitlines():
        line = raw.split("//", 1)[0].strip() if path.suffix == ".mod" else raw.strip()
        line = re.sub(r"^(require|replace|tool|exclude|retract)\s+(?!\()", "", line)
        if line and line not in {"(", ")"} and not line.endswith("("):
            lines.add(" ".join(line.split()))
    return "\n".join(sorted(lines)).encode()


def pinned_versions(source: Path | None = None) -> PinnedVersions:
    """Read the pinned releases and hash go.mod + go.sum of both modules into the cache key."""
    root = source or source_dir()
    digest = hashlib.sha256(BUILD_RECIPE.encode())
    for name in ("kubernetes/go.mod", "kubernetes/go.sum", "etcd/go.mod", "etcd/go.sum"):
        digest.update(name.encode() + b"\0" + _normalised(root / name) + b"\0")
    return PinnedVersions(
        kubernetes=_required_version(root / "kubernetes" / "go.mod", "k8s.io/kubernetes"),
        etcd=_required_version(root / "etcd" / "go.mod", "go.etcd.io/etcd/server/v3"),
        digest=digest.hexdigest()[:12],
        source_dir=root,
    )


def cache_root() -> Path:
    """`${XDG_CACHE_HOME:-~/.cache}/vdx-operator/controlplane`: per user, survives reboots."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vdx-operator" / "controlplane"

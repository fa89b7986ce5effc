"""Find etcd, kube-apiserver and kubectl without building anything.

Lookup order, so that anyone who already has envtest binaries never waits for a build:
1. `TEST_ASSET_ETCD`, `TEST_ASSET_KUBE_APISERVER`, `TEST_ASSET_KUBECTL` (one binary each);
2. `KUBEBUILDER_ASSETS` (a directory holding all three, as `setup-envtest use -p path` prints);
3. this repository's build cache for the pinned versions (`vdx controlplane build` fills it).
When an environment variable is set it wins even if it is wrong: a typo should be an error that
names the variable, not a silent fallback to some other build.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from vdx.controlplane.versions import SourceNotFoundError, cache_root, pinned_versions

ENV_ASSETS = "KUBEBUILDER_ASSETS"
ENV_BY_NAME = {
    "etcd": "TEST_ASSET_ETCD",
    "kube-apiserver": "TEST_ASSET_KUBE_APISERVER",
    "kubectl": "TEST_ASSET_KUBECTL",
}
REQUIRED = ("etcd", "kube-apiserver")


class BinariesNotFoundError(RuntimeError):
    """No usable binaries; the message says which variable to set or which command to run."""


@dataclass(frozen=True)
class Binaries:
    """Paths of the three binaries; kubectl is optional because only humans and CLI tests use it."""

    etcd: Path
    kube_apiserver: Path
    kubectl: Path | None
    origin: str  # where they were found, for messages ("KUBEBUILDER_ASSETS", "cache", ...)

    @property
    def directory(self) -> Path:
        """The directory to prepend to PATH so `kubectl` resolves to the matching build."""
        return (self.kubectl or self.kube_apiserver).parent


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _from_environment() -> Binaries | None:
    found: dict[str, Path] = {}
    origins: list[str] = []
    assets = os.environ.get(ENV_ASSETS)
    for name, variable in ENV_BY_NAME.items():
        single = os.environ.get(variable)
        if single:
            path = Path(single)
            if not _executable(path):
                raise BinariesNotFoundError(f"{variable}={single} is not an executable file")
            found[name] = path
            origins.append(variable)
        elif assets:
            path = Path(assets) / name
            if _executable(path):
                found[name] = path
                if ENV_ASSETS not in origins:
                    origins.append(ENV_ASSETS)
    if not found and not assets:
        return None
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        where = f"{ENV_ASSETS}={assets}" if assets else "the TEST_ASSET_* variables"
        hints = ", ".join(f"{ENV_BY_NAME[name]}" for name in missing)
        raise BinariesNotFoundError(
            f"{where} provides no {' or '.join(missing)}: put the binaries there or set {hints}"
        )
    return Binaries(
        etcd=found["etcd"],
        kube_apiserver=found["kube-apiserver"],
        kubectl=found.get("kubectl"),
        origin="+".join(origins),
    )


def cached_bin_dir() -> Path:
    """Where `vdx controlplane build` puts the binaries for the currently pinned versions."""
    return cache_root() / pinned_versions().key / "bin"


def _from_cache() -> Binaries | None:
    try:
        directory = cached_bin_dir()
    except SourceNotFoundError:
        return None
    paths = {name: directory / name for name in ENV_BY_NAME}
    if all(_executable(path) for path in paths.values()):
        return Binaries(
            etcd=paths["etcd"],
            kube_apiserver=paths["kube-apiserver"],
            kubectl=paths["kubectl"],
            origin="cache",
        )
    return None


def locate_binaries() -> Binaries:
    """Return usable binaries or raise with a message that says exactly what to do."""
    binaries = _from_environment() or _from_cache()
    if binaries is not None:
        return binaries
    raise BinariesNotFoundError(
        "no etcd/kube-apiserver binaries: run `vdx controlplane build` (needs Go >= 1.26 on PATH; "
        f"builds once into {cache_root()}), or set {ENV_ASSETS} to a directory holding etcd, "
        "kube-apiserver and kubectl (or TEST_ASSET_ETCD / TEST_ASSET_KUBE_APISERVER / TEST_ASSET_KUBECTL)"
    )

"""Build etcd, kube-apiserver and kubectl from the pinned Go modules into the per-user cache.

Everything comes from `tools/controlplane/*/go.mod` + `go.sum` through the Go module proxy, so a
fresh CI machine with only Go and Python gets the same binaries as a developer.  The result goes to
`<cache>/<versions-key>/bin/`, published by an atomic rename once all three binaries built and
reported the expected versions; a second call finds that directory and returns in milliseconds.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from vdx.controlplane.versions import PinnedVersions, cache_root, pinned_versions

Log = Callable[[str], None]

_KUBE_PACKAGES = ("k8s.io/kubernetes/cmd/kube-apiserver", "k8s.io/kubernetes/cmd/kubectl")
_ETCD_PACKAGE = "go.etcd.io/etcd/server/v3"
_GO_DIRECTIVE = re.compile(r"^go\s+(\d+)\.(\d+)", re.MULTILINE)
_GO_VERSION = re.compile(r"go(\d+)\.(\d+)")


class BuildError(RuntimeError):
    """The build cannot run or failed; the message names what to install or set instead."""


@dataclass(frozen=True)
class BuildResult:
    """Where the binaries are, what they report, and whether this call actually compiled anything."""

    bin_dir: Path
    versions: dict[str, str]
    built: bool
    seconds: float


def _noop(_: str) -> None:
    pass


def _find_go() -> str:
    go = shutil.which("go")
    if go is None:
        raise BuildError(
            "Go is not installed (no `go` on PATH), so kube-apiserver and etcd cannot be built: "
            "install Go >= 1.26 (https://go.dev/dl/) and run `vdx controlplane build`, or set "
            "KUBEBUILDER_ASSETS to a directory holding etcd, kube-apiserver and kubectl"
        )
    return go


def _check_go_version(go: str, pins: PinnedVersions) -> str:
    """Fail early with a readable message instead of a wall of compiler errors from an old Go."""
    reported = subprocess.run(
        [go, "env", "GOVERSION"], capture_output=True, text=True, check=True
    ).stdout.strip()
    needed_match = _GO_DIRECTIVE.search((pins.kubernetes_module_dir / "go.mod").read_text())
    have_match = _GO_VERSION.match(reported)
    if needed_match and have_match:
        needed = (int(needed_match[1]), int(needed_match[2]))
        have = (int(have_match[1]), int(have_match[2]))
        toolchain_auto = os.environ.get("GOTOOLCHAIN", "auto").startswith("auto")
        if have < needed and not toolchain_auto:
            raise BuildError(
                f"{reported} is too old: Kubernetes {pins.kubernetes} needs Go >= "
                f"{needed[0]}.{needed[1]} (install it, or allow GOTOOLCHAIN=auto to fetch it)"
            )
    return reported


def _release_time(go: str, module_dir: Path, module: str) -> str:
    """The release's publication time, used as buildDate so rebuilds are reproducible."""
    result = subprocess.run(
        [go, "list", "-m", "-json", module], cwd=module_dir, capture_output=True, text=True, check=True
    )
    stamp = str(json.loads(result.stdout).get("Time", "1970-01-01T00:00:00Z"))
    return stamp.replace("+00:00", "Z")


def _kube_ldflags(version: str, build_date: str) -> str:
    """What k/k's hack/lib/version.sh stamps; without it `--version` prints v0.0.0-master."""
    match = re.match(r"v(\d+)\.(\d+)", version)
    major, minor = (match[1], match[2]) if match else ("", "")
    values = {
        "gitVersion": version,
        "gitMajor": major,
        "gitMinor": minor,
        "gitTreeState": "archive",
        "buildDate": build_date,
    }
    flags = ["-s", "-w"]
    for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [f"-X={package}.{key}={value}" for key, value in values.items()]
    return " ".join(flags)


def _etcd_ldflags(version: str) -> str:
    return f"-s -w -X=go.etcd.io/etcd/api/v3/version.GitSHA=module-{version}"


def _run_go(args: list[str], cwd: Path, log: Log) -> None:
    log(f"$ (cd {cwd.name}) {' '.join(args[:3])} ...")
    result = subprocess.run(args, cwd=cwd, stderr=subprocess.PIPE, text=True, check=False)
    if result.returncode != 0:
        raise BuildError(f"`{' '.join(args)}` failed in {cwd}:\n{result.stderr[-4000:]}")


def binary_versions(bin_dir: Path) -> dict[str, str]:
    """Ask each binary for its version, which also proves that it runs on this machine."""

    def first_line(*args: str) -> str:
        result = subprocess.run(args, capture_output=True, text=True, check=True, timeout=30)
        return (result.stdout or result.stderr).strip().splitlines()[0]

    versions = {
        "kube-apiserver": first_line(str(bin_dir / "kube-apiserver"), "--version"),
        "etcd": first_line(str(bin_dir / "etcd"), "--version"),
    }
    if (bin_dir / "kubectl").exists():
        versions["kubectl"] = first_line(str(bin_dir / "kubectl"), "version", "--client")
    return versions


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Serialise concurrent builds (two terminals, parallel CI steps) of the same version key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _ready(bin_dir: Path) -> dict[str, str] | None:
    manifest = bin_dir / "versions.json"
    names = ("etcd", "kube-apiserver", "kubectl")
    if manifest.is_file() and all((bin_dir / name).is_file() for name in names):
        loaded: dict[str, str] = json.loads(manifest.read_text())
        return loaded
    return None


def build_binaries(*, force: bool = False, log: Log = _noop) -> BuildResult:
    """Build the pinned binaries unless the cache already holds them; returns where they are."""
    started = time.monotonic()
    pins = pinned_versions()
    key_dir = cache_root() / pins.key
    bin_dir = key_dir / "bin"
    if not force and (versions := _ready(bin_dir)) is not None:
        return BuildResult(bin_dir, versions, built=False, seconds=time.monotonic() - started)

    go = _find_go()
    with _locked(key_dir / ".lock"):
        if not force and (versions := _ready(bin_dir)) is not None:  # another process just built it
            return BuildResult(bin_dir, versions, built=False, seconds=time.monotonic() - started)
        go_version = _check_go_version(go, pins)
        log(f"building Kubernetes {pins.kubernetes} and etcd {pins.etcd} with {go_version} into {bin_dir}")
        staging = key_dir / f".build-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            kube_dir = pins.kubernetes_module_dir
            build_date = _release_time(go, kube_dir, "k8s.io/kubernetes")
            common = [go, "build", "-trimpath", "-mod=readonly"]
            _run_go(
                [
                    *common,
                    "-ldflags",
                    _kube_ldflags(pins.kubernetes, build_date),
                    "-o",
                    f"{staging}/",
                    *_KUBE_PACKAGES,
                ],
                kube_dir,
                log,
            )
            _run_go(
                [*common, "-ldflags", _etcd_ldflags(pins.etcd), "-o", str(staging / "etcd"), _ETCD_PACKAGE],
                pins.etcd_module_dir,
                log,
            )
            versions = binary_versions(staging)
            if pins.kubernetes not in versions["kube-apiserver"]:
                raise BuildError(
                    f"kube-apiserver reports {versions['kube-apiserver']!r}, not {pins.kubernetes}"
                )
            (staging / "versions.json").write_text(json.dumps(versions, indent=2) + "\n")
            shutil.rmtree(bin_dir, ignore_errors=True)
            staging.rename(bin_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return BuildResult(bin_dir, versions, built=True, seconds=time.monotonic() - started)

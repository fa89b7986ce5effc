"""Build `pulumi` and `pulumi-resource-kubernetes` from the pinned Go modules into the per-user cache.

Mirrors `vdx.controlplane.build`: `go build -trimpath -mod=readonly` from the committed go.mod and
go.sum, versions stamped by ldflag, output into a staging directory that is checked and published by
one rename with a `versions.json` manifest, so a second call returns without starting Go.

The provider needs one extra step. Its upstream main package go:embeds `schema-embed.json` and
`terraform-mapping-embed.json`, outputs of `go generate` that are git-ignored and so absent from the
module zip. The wrapper module's own `main.go` embeds the same two files, which this build writes
into a copy of the wrapper module from the provider module's `schema.json` (with the version stamped
in, as upstream's generate.go does) and `terraform-mapping.json` (compacted).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vdx.controlplane.build import BuildError, _find_go, _locked, _run_go
from vdx.infra.toolchain.versions import PROVIDER_MODULE, PulumiPins, pinned, pulumi_cache_root

Log = Callable[[str], None]

CLI_PACKAGE = "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
CLI_VERSION_VAR = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"
PROVIDER_VERSION_VAR = "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version"
BINARIES = ("pulumi", "pulumi-resource-kubernetes")
_WRAPPER_FILES = ("go.mod", "go.sum", "main.go")

__all__ = ["BINARIES", "BuildError", "PulumiBuild", "build_pulumi", "ready_manifest"]


@dataclass(frozen=True)
class PulumiBuild:
    bin_dir: Path
    versions: dict[str, str]
    built: bool
    seconds: dict[str, float]


def _noop(_: str) -> None:
    pass


def ready_manifest(bin_dir: Path) -> dict[str, str] | None:
    manifest = bin_dir / "versions.json"
    if manifest.is_file() and all((bin_dir / name).is_file() for name in BINARIES):
        loaded: dict[str, str] = json.loads(manifest.read_text())
        return loaded
    return None


def _module_dir(go: str, cwd: Path, module: str, version: str) -> Path:
    """Where the module cache holds `module@version` (downloading it if needed, checked by go.sum)."""
    result = subprocess.run(
        [go, "mod", "download", "-json", f"{module}@{version}"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BuildError(
            f"cannot download {module}@{version}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
    return Path(json.loads(result.stdout)["Dir"])


def write_embedded_files(provider_dir: Path, target: Path, version: str) -> None:
    """What upstream's `cmd/pulumi-resource-kubernetes/generate.go` writes, for `main.go` to embed."""
    source = provider_dir / "cmd" / "pulumi-resource-kubernetes"
    schema = json.loads((source / "schema.json").read_text())
    schema["version"] = version
    (target / "schema-embed.json").write_text(json.dumps(schema, separators=(",", ":")))
    mapping = json.loads((source / "terraform-mapping.json").read_text())
    (target / "terraform-mapping-embed.json").write_text(json.dumps(mapping, separators=(",", ":")))


def _build_cli(go: str, pins: PulumiPins, staging: Path, log: Log) -> None:
    ldflags = f"-s -w -X={CLI_VERSION_VAR}=v{pins.cli_version}"
    _run_go(
        [
            go,
            "build",
            "-trimpath",
            "-mod=readonly",
            "-ldflags",
            ldflags,
            "-o",
            str(staging / "pulumi"),
            CLI_PACKAGE,
        ],
        pins.cli_module_dir,
        log,
    )


def _build_provider(go: str, pins: PulumiPins, staging: Path, log: Log) -> None:
    source = staging / "src-kubernetes"
    source.mkdir()
    for name in _WRAPPER_FILES:
        shutil.copy2(pins.provider_module_dir / name, source / name)
    provider_dir = _module_dir(go, source, PROVIDER_MODULE, pins.provider)
    write_embedded_files(provider_dir, source, pins.provider_version)
    ldflags = f"-s -w -X={PROVIDER_VERSION_VAR}={pins.provider_version}"
    target = staging / "pulumi-resource-kubernetes"
    _run_go(
        [go, "build", "-trimpath", "-mod=readonly", "-ldflags", ldflags, "-o", str(target), "."], source, log
    )
    shutil.rmtree(source)


def binary_versions(go: str | None, bin_dir: Path) -> dict[str, str]:
    """`pulumi version` proves the CLI runs; the provider's embedded build info names its module."""
    cli = subprocess.run(
        [str(bin_dir / "pulumi"), "version"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
    ).stdout.strip()
    versions = {"pulumi": cli}
    if go is not None:
        info = subprocess.run(
            [go, "version", "-m", str(bin_dir / "pulumi-resource-kubernetes")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for line in info.splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[0] == "dep" and fields[1] == PROVIDER_MODULE:
                versions["pulumi-resource-kubernetes"] = fields[2]
    return versions


def build_pulumi(*, force: bool = False, log: Log = _noop) -> PulumiBuild:
    """Build both binaries unless the cache already holds them for the pinned versions."""
    started = time.monotonic()
    pins = pinned()
    key_dir = pulumi_cache_root() / pins.key
    bin_dir = key_dir / "bin"
    if not force and (versions := ready_manifest(bin_dir)) is not None:
        return PulumiBuild(bin_dir, versions, built=False, seconds={"total": time.monotonic() - started})
    go = _find_go()
    with _locked(key_dir / ".lock"):
        if not force and (versions := ready_manifest(bin_dir)) is not None:
            return PulumiBuild(bin_dir, versions, built=False, seconds={"total": time.monotonic() - started})
        log(
            f"building pulumi {pins.cli} and pulumi-resource-kubernetes {pins.provider_version} "
            f"into {bin_dir}"
        )
        staging = key_dir / f".build-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        seconds: dict[str, float] = {}
        try:
            step = time.monotonic()
            _build_cli(go, pins, staging, log)
            seconds["pulumi"] = time.monotonic() - step
            step = time.monotonic()
            _build_provider(go, pins, staging, log)
            seconds["pulumi-resource-kubernetes"] = time.monotonic() - step
            versions = binary_versions(go, staging)
            if versions["pulumi"] != f"v{pins.cli_version}":
                raise BuildError(f"pulumi reports {versions['pulumi']!r}, not v{pins.cli_version}")
            if versions.get("pulumi-resource-kubernetes") != pins.provider:
                raise BuildError(f"the provider binary does not embed {PROVIDER_MODULE} {pins.provider}")
            (staging / "versions.json").write_text(json.dumps(versions, indent=2) + "\n")
            shutil.rmtree(bin_dir, ignore_errors=True)
            staging.rename(bin_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    seconds["total"] = time.monotonic() - started
    return PulumiBuild(bin_dir, versions, built=True, seconds=seconds)

"""Find the Pulumi CLI and the Kubernetes provider plugin without building anything.

`VDX_PULUMI_BIN` (a directory holding `pulumi` and `pulumi-resource-kubernetes`) wins when set, even
when wrong, so a typo is an error naming the variable; otherwise the build cache for the pinned
versions, which `vdx stacks build` fills.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from vdx.infra.toolchain.build import BINARIES, ready_manifest
from vdx.infra.toolchain.versions import SourceNotFoundError, pinned, pulumi_cache_root

ENV_BIN = "VDX_PULUMI_BIN"


class PulumiNotFoundError(RuntimeError):
    """No usable binaries; the message says what to run or set."""


@dataclass(frozen=True)
class PulumiBinaries:
    directory: Path
    origin: str

    @property
    def pulumi(self) -> Path:
        return self.directory / "pulumi"

    @property
    def kubernetes_provider(self) -> Path:
        return self.directory / "pulumi-resource-kubernetes"


def _complete(directory: Path) -> bool:
    return all(os.access(directory / name, os.X_OK) and (directory / name).is_file() for name in BINARIES)


def cached_bin_dir() -> Path:
    return pulumi_cache_root() / pinned().key / "bin"


def locate_pulumi() -> PulumiBinaries:
    override = os.environ.get(ENV_BIN)
    if override:
        if not _complete(Path(override)):
            raise PulumiNotFoundError(
                f"{ENV_BIN}={override} does not hold executable {' and '.join(BINARIES)}"
            )
        return PulumiBinaries(Path(override), ENV_BIN)
    try:
        directory = cached_bin_dir()
    except SourceNotFoundError as error:
        raise PulumiNotFoundError(str(error)) from error
    if ready_manifest(directory) is not None and _complete(directory):
        return PulumiBinaries(directory, "cache")
    raise PulumiNotFoundError(
        "no Pulumi CLI and Kubernetes provider built for the pinned versions: run `vdx stacks build` "
        f"(needs Go >= 1.26; builds once into {pulumi_cache_root()}), or set {ENV_BIN} to a directory "
        f"holding {' and '.join(BINARIES)}"
    )

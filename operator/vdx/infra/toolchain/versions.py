"""Which Pulumi CLI and Kubernetes provider the repository pins, and the cache key of their build.

The pins live only in `tools/pulumi/{cli,kubernetes}/go.mod`; reading them needs no Go, so finding
an existing build works on a machine without a toolchain.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from vdx.controlplane.versions import SourceNotFoundError, _normalised, _required_version, cache_root

#: Bump when the build recipe (flags, ldflags, generated embed files) changes.
BUILD_RECIPE = "1"

CLI_MODULE = "github.com/pulumi/pulumi/pkg/v3"
PROVIDER_MODULE = "github.com/pulumi/pulumi-kubernetes/provider/v4"
_PSEUDO = re.compile(r"^v\d+\.\d+\.\d+-(?:0\.)?(?P<time>\d{14})-(?P<commit>[0-9a-f]{12})$")

__all__ = [
    "CLI_MODULE",
    "PROVIDER_MODULE",
    "PulumiPins",
    "SourceNotFoundError",
    "pinned",
    "pulumi_cache_root",
]


@dataclass(frozen=True)
class PulumiPins:
    """The pinned module versions and a digest over both wrapper modules' go.mod and go.sum."""

    cli: str
    provider: str
    digest: str
    source_dir: Path

    @property
    def key(self) -> str:
        return f"pulumi-{self.cli}_k8s-{self.provider_version}_{self.digest}"

    @property
    def cli_version(self) -> str:
        """`3.274.1`: what `pulumi version` prints (without the v)."""
        return self.cli.removeprefix("v")

    @property
    def provider_version(self) -> str:
        """The provider's own version string.

        The provider repository tags only `v4.x.y` and `sdk/v4.x.y`, so its Go module is pinned as a
        pseudo-version; its semver form (`4.0.0-<time>-<commit>`) says exactly which commit it is,
        instead of pretending to be a release that it may not be.
        """
        return self.provider.removeprefix("v")

    @property
    def provider_commit(self) -> str | None:
        match = _PSEUDO.match(self.provider)
        return match["commit"] if match else None

    @property
    def cli_module_dir(self) -> Path:
        return self.source_dir / "cli"

    @property
    def provider_module_dir(self) -> Path:
        return self.source_dir / "kubernetes"


def source_dir() -> Path:
    """`tools/pulumi/`, found by walking up from this file (the package is installed editable)."""
    override = os.environ.get("VDX_PULUMI_SOURCE")
    if override:
        return Path(override)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "tools" / "pulumi"
        if (candidate / "cli" / "go.mod").is_file():
            return candidate
    raise SourceNotFoundError(
        "cannot find tools/pulumi/ (the Go modules that pin the Pulumi CLI and Kubernetes provider): run "
        "from a checkout, set VDX_PULUMI_SOURCE to that directory, or set VDX_PULUMI_BIN to a directory "
        "holding `pulumi` and `pulumi-resource-kubernetes`"
    )


def pinned(source: Path | None = None) -> PulumiPins:
    root = source or source_dir()
    digest = hashlib.sha256(BUILD_RECIPE.encode())
    for name in ("cli/go.mod", "cli/go.sum", "kubernetes/go.mod", "kubernetes/go.sum", "kubernetes/main.go"):
        digest.update(name.encode() + b"\0" + _normalised(root / name) + b"\0")
    return PulumiPins(
        cli=_required_version(root / "cli" / "go.mod", CLI_MODULE),
        provider=_required_version(root / "kubernetes" / "go.mod", PROVIDER_MODULE),
        digest=digest.hexdigest()[:12],
        source_dir=root,
    )


def pulumi_cache_root() -> Path:
    """`${XDG_CACHE_HOME:-~/.cache}/vdx-operator/pulumi`, beside the control plane's cache."""
    return cache_root().parent / "pulumi"

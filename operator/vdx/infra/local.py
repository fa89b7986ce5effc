"""Run this repository's stacks through the Automation API, with the program inline.

Inline, the program runs in this Python process behind the SDK's own language server, so neither
`pulumi-language-python` (which cannot be built here) nor a second virtualenv is involved; the CLI
and the Kubernetes provider are the ones `vdx stacks build` made. The workspace is the repository
root unless told otherwise, so `Pulumi.yaml` and `Pulumi.<stack>.yaml` are the committed ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pulumi import automation as auto

from vdx.infra import program
from vdx.infra.toolchain.binaries import PulumiBinaries, locate_pulumi
from vdx.paths import REPO_ROOT

PROJECT = "vdx-operator"
QUIET_ENV = {
    "PULUMI_SKIP_UPDATE_CHECK": "true",
    "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
}


def select_stack(
    stack: str,
    *,
    work_dir: Path = REPO_ROOT,
    binaries: PulumiBinaries | None = None,
    env: Mapping[str, str] | None = None,
    project_settings: auto.ProjectSettings | None = None,
    secrets_provider: str | None = None,
    pulumi_home: Path | None = None,
) -> auto.Stack:
    """Create or select `stack` with `vdx.infra.program.main` as its program."""
    found = binaries or locate_pulumi()
    return auto.create_or_select_stack(
        stack_name=stack,
        project_name=PROJECT,
        program=program.main,
        opts=auto.LocalWorkspaceOptions(
            work_dir=str(work_dir),
            pulumi_home=str(pulumi_home) if pulumi_home else None,
            env_vars={**QUIET_ENV, **(env or {})},
            secrets_provider=secrets_provider,
            project_settings=project_settings,
            # PulumiCommand puts <root>/bin first on PATH: the provider beside the CLI is found there.
            pulumi_command=auto.PulumiCommand(root=str(found.directory.parent)),
        ),
    )

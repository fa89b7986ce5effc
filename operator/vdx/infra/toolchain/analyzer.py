"""Run the stacks' policy pack without `pulumi-language-python`.

A directory policy pack (`PulumiPolicy.yaml` with `runtime: python`) is started through the Python
language host's RunPlugin, and `pulumi-language-python` cannot be built here: its Go module is not
served by the module proxy. The engine also accepts an *executable* as `--policy-pack`, launched like
a provider plugin (it prints its port, then serves the analyzer protocol), which is exactly what
constructing `PolicyPack` does. This writes that executable: a launcher that runs the pack's
`__main__.py` with this interpreter, unbuffered so the port reaches the engine at once.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

from vdx.paths import REPO_ROOT

PACK_DIR = REPO_ROOT / "policies" / "stack-pack"
LAUNCHER = "vdx-stacks-policy"


def write_analyzer_launcher(directory: Path, *, python: str = sys.executable, pack: Path = PACK_DIR) -> Path:
    """Write `<directory>/vdx-stacks-policy` (plus the pack's PulumiPolicy.yaml); returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy2(pack / "PulumiPolicy.yaml", directory / "PulumiPolicy.yaml")
    launcher = directory / LAUNCHER
    launcher.write_text(
        "#!/bin/sh\n"
        "# The vdx-stacks policy pack as a binary analyzer plugin (see vdx.infra.toolchain.analyzer).\n"
        f'exec {shlex.quote(python)} -u {shlex.quote(str(pack / "__main__.py"))} "$@"\n'
    )
    launcher.chmod(0o755)
    return launcher

"""The demo's hand-over: what another shell needs to point `vdx plan/apply/stats/ports` and kubectl
at a running `vdx demo --keep`.

Why: the demo starts a control plane and one Pexip simulator per platform on loopback ports with
their own CA, and before this handed nothing over, so trying `vdx plan` against it meant reading
the code for the URL, the CA file and the credentials. `vdx demo --keep` now prints the hand-over
and records it (a JSON file, mode 0600, in the user's runtime directory); `vdx demo env` prints it
as `export` lines for `eval "$(vdx demo env)"`. The credentials are the simulator's documented
defaults (admin/admin), nothing real. The record is removed when the demo stops, and one whose
process is gone is ignored.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

FILE = "handover.json"


@dataclass(frozen=True)
class DemoPlatform:
    name: str
    url: str
    ca_file: str
    stands_in_for: str


@dataclass(frozen=True)
class Handover:
    kubeconfig: str
    kubectl: str
    tree: str
    username: str
    password: str
    platforms: tuple[DemoPlatform, ...]
    pid: int


def handover_dir(environ: Mapping[str, str]) -> Path:
    """`$XDG_RUNTIME_DIR/vdx-demo` (per user, gone at logout), else the user's cache directory."""
    runtime = environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime) / "vdx-demo"
    cache = environ.get("XDG_CACHE_HOME") or str(Path(environ.get("HOME", str(Path.home()))) / ".cache")
    return Path(cache) / "vdx-operator" / "demo"


def save(handover: Handover, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / FILE
    temporary = path.with_name(FILE + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(asdict(handover), handle, indent=2)
    os.replace(temporary, path)
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def load(directory: Path) -> Handover | None:
    """The running demo's hand-over; None when there is none, or its process has gone."""
    path = directory / FILE
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        handover = Handover(
            **{k: v for k, v in data.items() if k != "platforms"},
            platforms=tuple(DemoPlatform(**p) for p in data["platforms"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return handover if _alive(handover.pid) else None


def remove(directory: Path, pid: int) -> None:
    """Remove the record if it is this process's (a newer demo's stays)."""
    path = directory / FILE
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == pid:
            path.unlink()
    except (OSError, ValueError, AttributeError):
        return


def _variable(platform: str, what: str) -> str:
    return f"VDX_DEMO_{re.sub(r'[^A-Z0-9]', '_', platform.upper())}_{what}"


def env_lines(handover: Handover) -> list[str]:
    """`export` lines for a POSIX shell; values quoted."""
    values = {
        "KUBECONFIG": handover.kubeconfig,
        "PEXIP_USERNAME": handover.username,
        "PEXIP_PASSWORD": handover.password,
    }
    for platform in handover.platforms:
        values[_variable(platform.name, "URL")] = platform.url
        values[_variable(platform.name, "CA")] = platform.ca_file
    return [f"export {name}={shlex.quote(value)}" for name, value in values.items()]


def usage_lines(handover: Handover) -> list[str]:
    """What to run with those variables, one line per command family."""
    lines = [f"{shlex.quote(handover.kubectl)} get vdx -A"]
    for platform in handover.platforms:
        url, ca = f'"${_variable(platform.name, "URL")}"', f'"${_variable(platform.name, "CA")}"'
        target = f"--platform {platform.name} --url {url} --ca-bundle {ca}"
        lines.append(f"vdx plan {shlex.quote(handover.tree)} {target}")
    first = handover.platforms[0] if handover.platforms else None
    if first is not None:
        url, ca = f'"${_variable(first.name, "URL")}"', f'"${_variable(first.name, "CA")}"'
        target = f"--platform {first.name} --url {url} --ca-bundle {ca}"
        lines.append(
            f"vdx stats export {shlex.quote(handover.tree)} {target} --from <YYYY-MM-DD> --out stats/"
        )
        lines.append(f"vdx ports {shlex.quote(handover.tree)} {target}")
    return lines


def describe(handover: Handover) -> list[str]:
    """The hand-over as `vdx demo --keep` prints it."""
    lines = ['Hand-over (also `eval "$(vdx demo env)"` in another shell):']
    for platform in handover.platforms:
        lines.append(
            f"  {platform.name}: {platform.url} (stands in for {platform.stands_in_for}), CA file "
            f"{platform.ca_file}"
        )
    lines.append(f"  credentials: {handover.username}/{handover.password} (the simulator's defaults)")
    lines.append(f"  kubeconfig: {handover.kubeconfig}")
    lines.append("")
    lines.extend(f"  {line}" for line in env_lines(handover))
    lines.append("")
    lines.extend(f"  {line}" for line in usage_lines(handover))
    return lines

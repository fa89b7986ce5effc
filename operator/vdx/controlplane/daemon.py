"""The long-running owner behind `vdx controlplane start`: keeps one control plane up until told to stop.

A developer's shell needs a control plane that outlives the `vdx controlplane start` command, yet
the child processes must still have exactly one owner that tears them down.  This process is that
owner: it runs in its own session, publishes `state.json` + a kubeconfig in the state directory,
and on SIGTERM/SIGINT/SIGHUP (what `vdx controlplane stop` sends) stops kube-apiserver and etcd and
removes its files.  If it is killed outright, PR_SET_PDEATHSIG takes etcd and kube-apiserver with it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import time
from pathlib import Path
from types import FrameType

from vdx.controlplane.binaries import locate_binaries
from vdx.controlplane.versions import cache_root

STATE_FILE = "state.json"
KUBECONFIG_FILE = "kubeconfig"
LOG_FILE = "daemon.log"
ERROR_FILE = "error.txt"


def state_dir() -> Path:
    """`$XDG_RUNTIME_DIR/vdx-operator/controlplane` (cleared at logout), else under the user cache."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        return Path(runtime) / "vdx-operator" / "controlplane"
    return cache_root() / "run"


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(text)
    temporary.chmod(0o600)
    temporary.replace(path)


class _Stop(Exception):
    """Raised from a signal handler so `with ControlPlane()` unwinds and cleans up."""


_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _raise_stop(signum: int, _frame: FrameType | None) -> None:
    for other in _SIGNALS:  # a second signal must not interrupt the teardown the first one started
        signal.signal(other, signal.SIG_IGN)
    raise _Stop(signal.Signals(signum).name)


def serve(directory: Path, crd_paths: list[Path]) -> int:
    """Run until signalled; returns the exit status (non-zero if kube-apiserver died on its own)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in (STATE_FILE, ERROR_FILE):
        (directory / name).unlink(missing_ok=True)
    for signum in _SIGNALS:
        signal.signal(signum, _raise_stop)
    try:
        binaries = locate_binaries()
        from vdx.controlplane.server import ControlPlane  # the CLI reads this module's names only

        with ControlPlane(binaries, crd_paths=crd_paths) as plane:
            kubeconfig = directory / KUBECONFIG_FILE
            shutil.copyfile(plane.kubeconfig, kubeconfig)
            kubeconfig.chmod(0o600)
            state = {
                "pid": os.getpid(),
                "server": plane.server,
                "kubeconfig": str(kubeconfig),
                "work_dir": str(plane.directory),
                "bin_dir": str(binaries.directory),
                "binaries": binaries.origin,
                "pids": plane.pids,
                "crds": plane.installed_crds,
                "startup_seconds": round(plane.startup_seconds or 0.0, 2),
            }
            _write_atomically(directory / STATE_FILE, json.dumps(state, indent=2) + "\n")
            while plane.running:
                time.sleep(0.5)
            return 1  # kube-apiserver exited without being asked to
    except _Stop:
        return 0
    except Exception as error:
        _write_atomically(directory / ERROR_FILE, f"{type(error).__name__}: {error}\n")
        raise
    finally:
        for name in (STATE_FILE, KUBECONFIG_FILE):
            with contextlib.suppress(OSError):
                (directory / name).unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--state-dir", type=Path, default=state_dir())
    parser.add_argument("--crds", type=Path, action="append", default=[])
    arguments = parser.parse_args()
    raise SystemExit(serve(arguments.state_dir, arguments.crds))


if __name__ == "__main__":
    main()

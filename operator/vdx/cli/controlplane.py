"""`vdx controlplane`: build the etcd/kube-apiserver/kubectl binaries and run a control plane by hand.

vdx controlplane build          # once; minutes cold, a no-op afterwards
vdx controlplane start          # background control plane with the project's CRDs
eval "$(vdx controlplane env)"  # KUBECONFIG and PATH for kubectl
vdx controlplane stop
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click

from vdx.controlplane import daemon
from vdx.controlplane.binaries import BinariesNotFoundError, locate_binaries
from vdx.controlplane.build import BuildError, binary_versions, build_binaries
from vdx.controlplane.versions import SourceNotFoundError, pinned_versions


def _echo_err(message: str) -> None:
    click.echo(message, err=True)


@click.group()
def command() -> None:
    """A real Kubernetes control plane (etcd + kube-apiserver) built from Go modules."""


@command.command()
@click.option("--force", is_flag=True, help="Rebuild even if the cache already holds these versions.")
def build(force: bool) -> None:
    """Build etcd, kube-apiserver and kubectl into the per-user cache (a no-op when already built)."""
    try:
        result = build_binaries(force=force, log=_echo_err)
    except (BuildError, SourceNotFoundError) as error:
        raise click.ClickException(str(error)) from error
    verb = "built" if result.built else "already built"
    click.echo(f"{verb} in {result.seconds:.1f}s: {result.bin_dir}")
    for name, version in result.versions.items():
        click.echo(f"  {name}: {version}")


@command.command()
def versions() -> None:
    """Show the pinned releases and the binaries that would be used."""
    try:
        pins = pinned_versions()
        click.echo(f"pinned: Kubernetes {pins.kubernetes}, etcd {pins.etcd} (cache key {pins.key})")
    except SourceNotFoundError as error:
        click.echo(f"pinned: unknown ({error})")
    try:
        binaries = locate_binaries()
    except BinariesNotFoundError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"binaries ({binaries.origin}): {binaries.directory}")
    for name, version in binary_versions(binaries.directory).items():
        click.echo(f"  {name}: {version}")


def _read_state(directory: Path) -> dict[str, Any] | None:
    """The running daemon's state, or None if there is none (or its process is gone)."""
    try:
        state: dict[str, Any] = json.loads((directory / daemon.STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return state if _alive(int(state["pid"])) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path(f"/proc/{pid}")
    if not proc.exists():  # not Linux: trust kill(0)
        return True
    try:
        if "\nState:\tZ" in (proc / "status").read_text():  # exited, not yet reaped by its parent
            return False
        # A pid can be reused; only trust it if it is still our daemon.
        return b"vdx.controlplane.daemon" in (proc / "cmdline").read_bytes()
    except OSError:
        return False


def _env_lines(state: dict[str, Any]) -> str:
    return (
        f"export KUBECONFIG={shlex.quote(state['kubeconfig'])}\n"
        f'export PATH={shlex.quote(state["bin_dir"])}:"$PATH"'
    )


@command.command()
@click.option(
    "--crds",
    "crd_paths",
    type=click.Path(path_type=Path),
    multiple=True,
    help="CRD file or directory to install (repeatable; default: the repository's schemas/crds/).",
)
@click.option("--foreground", is_flag=True, help="Run in this terminal until Ctrl-C instead of detaching.")
@click.option("--timeout", default=120.0, show_default=True, help="Seconds to wait for readiness.")
def start(crd_paths: tuple[Path, ...], foreground: bool, timeout: float) -> None:
    """Start a control plane for this user and print the shell lines that point kubectl at it."""
    directory = daemon.state_dir()
    state = _read_state(directory)
    if state is not None:
        _echo_err(f"already running (pid {state['pid']}) at {state['server']}")
        click.echo(_env_lines(state))
        return
    try:
        locate_binaries()
    except BinariesNotFoundError as error:
        raise click.ClickException(str(error)) from error
    from vdx.testing.controlplane import default_crd_dir  # brings the Kubernetes client

    paths = [path.resolve() for path in (crd_paths or (default_crd_dir(),))]
    argv = [sys.executable, "-m", "vdx.controlplane.daemon", "--state-dir", str(directory)]
    for path in paths:
        argv += ["--crds", str(path)]
    if foreground:
        _echo_err(f"state in {directory}; Ctrl-C stops the control plane")
        sys.stderr.flush()
        # Become the daemon so `env`/`stop` recognise this process; argv is ours, no shell involved.
        os.execv(sys.executable, argv)  # noqa: S606
    directory.mkdir(parents=True, exist_ok=True)
    (directory / daemon.STATE_FILE).unlink(missing_ok=True)
    (directory / daemon.ERROR_FILE).unlink(missing_ok=True)
    with (directory / daemon.LOG_FILE).open("wb") as log:
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = _read_state(directory)
        if state is not None:
            _echo_err(
                f"control plane up in {state['startup_seconds']}s at {state['server']} "
                f"({len(state['crds'])} CRDs); stop it with `vdx controlplane stop`"
            )
            click.echo(_env_lines(state))
            return
        if process.poll() is not None:
            error_file = directory / daemon.ERROR_FILE
            reason = (
                error_file.read_text() if error_file.exists() else "see " + str(directory / daemon.LOG_FILE)
            )
            raise click.ClickException(f"control plane failed to start: {reason}")
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    raise click.ClickException(
        f"control plane not ready after {timeout:.0f}s; log: {directory / daemon.LOG_FILE}"
    )


@command.command()
@click.option("--timeout", default=30.0, show_default=True, help="Seconds before SIGKILL.")
def stop(timeout: float) -> None:
    """Stop the control plane started by `vdx controlplane start` (no-op if none runs)."""
    directory = daemon.state_dir()
    state = _read_state(directory)
    if state is None:
        _echo_err("no control plane running")
        return
    pid = int(state["pid"])
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)  # its children die with it (PR_SET_PDEATHSIG)
        _echo_err(f"killed pid {pid} after {timeout:.0f}s")
    else:
        _echo_err(f"stopped (pid {pid})")


@command.command()
def env() -> None:
    """Print `export KUBECONFIG=...` (and PATH for the matching kubectl): `eval "$(vdx controlplane env)"`."""
    state = _read_state(daemon.state_dir())
    if state is None:
        raise click.ClickException("no control plane running: start one with `vdx controlplane start`")
    click.echo(_env_lines(state))

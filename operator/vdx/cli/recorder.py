"""`vdx recorder nginx-config`: a tenant's recorder configuration from the GitOps tree."""

from __future__ import annotations

import os
from pathlib import Path

import click


@click.group()
def command() -> None:
    """The tenants' own NGINX RTMP recorders (consent-based recording)."""


@command.command("nginx-config")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path), metavar="PATH..."
)
@click.option("--recorder", "recorder_ref", required=True, metavar="NAMESPACE/NAME", help="The Recorder.")
@click.option(
    "--stream-key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File holding the stream key (else $VDX_RECORDER_STREAM_KEY; else a placeholder).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the NGINX configuration to this file (mode 600) instead of standard output.",
)
@click.option(
    "--bundle",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write every file to this directory: vdx-recorder.conf, record-done.sh, cleanup.sh and the "
    "systemd service and timer of the retention clean-up.",
)
def nginx_config(
    paths: tuple[Path, ...],
    recorder_ref: str,
    stream_key_file: Path | None,
    out: Path | None,
    bundle: Path | None,
) -> None:
    """Render the NGINX configuration of the Recorder NAMESPACE/NAME in the tree at PATH...: an RTMP
    application that only senders knowing the stream key reach, recording to a folder per room
    and date, and a clean-up job that deletes recordings after spec.retentionDays.

    The stream key is a secret and is not in Git: give it with --stream-key-file or
    $VDX_RECORDER_STREAM_KEY. Without it the configuration carries the placeholder __STREAM_KEY__
    and a warning is printed. A Tenant with recording switched off only warns.
    """
    from vdx.api.loader import LoadError, load_tree
    from vdx.api.recorder import Recorder
    from vdx.api.tenant import Tenant
    from vdx.recording.files import CONFIG_NAME, read_stream_key, write_private
    from vdx.recording.nginx import RecorderConfigError, render
    from vdx.recording.urls import StreamKeyError

    namespace, _, name = recorder_ref.partition("/")
    if not namespace or not name:
        raise click.BadParameter("use NAMESPACE/NAME, such as vdx-regionh/recorder", param_hint="--recorder")
    try:
        tree = load_tree(paths)
    except LoadError as error:
        raise click.ClickException(
            f"the GitOps tree does not load (`vdx check` shows the same): {error}"
        ) from None
    recorders: list[Recorder] = tree.of_kind(Recorder)
    recorder = next((r for r in recorders if (r.namespace, r.name) == (namespace, name)), None)
    if recorder is None:
        known = ", ".join(sorted(f"{r.namespace}/{r.name}" for r in recorders)) or "none"
        raise click.ClickException(f"no Recorder {recorder_ref} in the tree (Recorders: {known})")
    tenant = next((t for t in tree.of_kind(Tenant) if t.spec.namespace == namespace), None)
    try:
        key = read_stream_key(stream_key_file, os.environ)
        files = render(recorder, tenant, key)
    except (StreamKeyError, RecorderConfigError) as error:
        raise click.ClickException(str(error)) from None
    for warning in files.warnings:
        click.echo(f"warning: {warning}", err=True)
    if bundle is not None:
        bundle.mkdir(parents=True, exist_ok=True)
        for file_name, (content, mode) in files.files(CONFIG_NAME).items():
            write_private(bundle / file_name, content, mode)
        click.echo(f"wrote {', '.join(files.files(CONFIG_NAME))} to {bundle}", err=True)
    if out is not None:
        write_private(out, files.config)
        click.echo(f"wrote {out}", err=True)
    if out is None and bundle is None:
        click.echo(files.config, nl=False)

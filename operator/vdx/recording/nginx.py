"""Render a tenant's recorder: NGINX RTMP configuration, the record-done mover, the retention clean-up.

Templates are jinja2 with autoescape off (NGINX and shell have no HTML escaping); safety comes
from what is allowed in: every value that becomes part of a directive or a command is checked
against a strict rule here, even though the models already check it, because a value that slipped
through would become configuration. Free text (consent notice, data controller, organisation)
only ever lands in comments, and a comment ends only at a line break, so line breaks and other
control or separator characters are turned into spaces before the text is wrapped onto "# " lines.
"""

from __future__ import annotations

import ipaddress
import re
import textwrap
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import jinja2

from vdx.api import patterns
from vdx.api.recorder import Recorder
from vdx.api.tenant import Tenant
from vdx.recording.urls import PLACEHOLDER, STREAM_NAME_MAX, application_name, check_stream_key

STORAGE_PATH = re.compile(r"/[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)+")
# Directories a clean-up job must never walk, even for *.flv files: the operating system's own.
_SYSTEM_TOPS = {
    "bin",
    "boot",
    "dev",
    "etc",
    "lib",
    "lib32",
    "lib64",
    "libx32",
    "proc",
    "run",
    "sbin",
    "sys",
    "usr",
}
# Refused as storage (never written to): shared directories other programs keep files in.
_SYSTEM_DIRS = {
    "/var/lib",
    "/var/log",
    "/var/cache",
    "/var/spool",
    "/var/tmp",  # noqa: S108 - a path refused, never written to
    "/var/www",
    "/srv/www",
}
ABSOLUTE_DIR = re.compile(r"/[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*")
COMMENT_WIDTH = 96
RTMP_PORT = 1935
RTMPS_PORT = 443


class RecorderConfigError(ValueError):
    """A value cannot go into the configuration; the message names the resource and the field."""


@dataclass(frozen=True)
class RenderOptions:
    """Where things live on the recorder host (Debian's layout by default)."""

    script_dir: str = "/usr/local/lib/vdx-recorder"
    log_dir: str = "/var/log/nginx"


@dataclass(frozen=True)
class RecorderFiles:
    """The rendered files, by the name they are installed under, and warnings for the person."""

    config: str
    record_done: str
    cleanup: str
    cleanup_service: str
    cleanup_timer: str
    warnings: tuple[str, ...] = field(default=())

    # File name -> (content, mode). The configuration holds the stream key: owner-only.
    def files(self, config_name: str) -> dict[str, tuple[str, int]]:
        return {
            config_name: (self.config, 0o600),
            "record-done.sh": (self.record_done, 0o755),
            "cleanup.sh": (self.cleanup, 0o755),
            "vdx-recordings-cleanup.service": (self.cleanup_service, 0o644),
            "vdx-recordings-cleanup.timer": (self.cleanup_timer, 0o644),
        }


def flat(text: str) -> str:
    """`text` on one line: control and separator characters (line breaks of every kind) as spaces."""
    spaced = "".join(" " if unicodedata.category(ch)[0] in ("C", "Z") else ch for ch in text)
    return " ".join(spaced.split())


def comment_lines(text: str, width: int = COMMENT_WIDTH) -> list[str]:
    """Free text as comment lines: no character in it can end the comment or start a directive."""
    return textwrap.wrap(flat(text), width=width, break_on_hyphens=False) or [""]


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("vdx.recording", "templates"),
        autoescape=False,  # noqa: S701 - NGINX and shell, not HTML; values are validated above
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["comment"] = comment_lines
    return environment


def _fail(recorder: Recorder, path: str, message: str) -> RecorderConfigError:
    return RecorderConfigError(f"{recorder.display_name()}, field {path}: {message}")


def _storage_path(recorder: Recorder) -> str:
    path = recorder.spec.storage_path.rstrip("/")
    parts = path.split("/")[1:]
    if not STORAGE_PATH.fullmatch(path) or any(p in (".", "..") for p in parts):
        raise _fail(
            recorder,
            "spec.storagePath",
            "must be an absolute directory at least two levels deep of letters, digits, '.', '_' and '-' "
            "(no '.' or '..' parts), such as /var/lib/vdx-recordings",
        )
    if parts[0] in _SYSTEM_TOPS or path in _SYSTEM_DIRS:
        raise _fail(
            recorder,
            "spec.storagePath",
            f"{path} is a system directory, and the clean-up job deletes old files under it; use a "
            "directory of its own, such as /var/lib/vdx-recordings",
        )
    return path


def _publishers(recorder: Recorder) -> list[str]:
    out: list[str] = []
    for index, value in enumerate(recorder.spec.allowed_publishers):
        try:
            network = ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            raise _fail(
                recorder,
                f"spec.allowedPublishers[{index}]",
                f"{value!r} is not an IP address or CIDR range (NGINX's allow publish takes no host names)",
            ) from None
        single = network.num_addresses == 1 and "/" not in value
        out.append(str(network.network_address) if single else str(network))
    return out


def _listen(recorder: Recorder) -> tuple[str, bool, int]:
    """(NGINX listen value, whether TLS is terminated in front, the port senders use)."""
    if not re.fullmatch(patterns.RTMP_BASE_URL.regex, recorder.spec.url):
        raise _fail(recorder, "spec.url", f"use {patterns.RTMP_BASE_URL.meaning}")
    parts = urlsplit(recorder.spec.url)
    tls = parts.scheme == "rtmps"
    port = parts.port or (RTMPS_PORT if tls else RTMP_PORT)
    if not 1 <= port <= 65535:
        raise _fail(recorder, "spec.url", f"port {port} is out of range")
    # nginx-rtmp speaks no TLS: with rtmps a terminator in front (NGINX stream, HAProxy) forwards
    # to RTMP on loopback, so only it can reach the recorder.
    return (f"127.0.0.1:{RTMP_PORT}" if tls else str(port)), tls, port


def render(
    recorder: Recorder,
    tenant: Tenant | None,
    stream_key: str | None,
    options: RenderOptions | None = None,
) -> RecorderFiles:
    """The recorder's files. `stream_key` None renders the placeholder __STREAM_KEY__ and warns.

    The tenant's recording switch off, or no tenant for the recorder's namespace, only warns: a
    recorder is often set up before the organisation switches recording on, and the operator
    refuses every room's opt-in until it does.
    """
    options = options or RenderOptions()
    for label, directory in (("script directory", options.script_dir), ("log directory", options.log_dir)):
        if not ABSOLUTE_DIR.fullmatch(directory) or ".." in directory.split("/"):
            raise RecorderConfigError(f"the {label} {directory!r} is not a plain absolute path")
    warnings: list[str] = []
    if stream_key is None:
        key = PLACEHOLDER
        warnings.append(
            f"no stream key given: the configuration carries the placeholder {PLACEHOLDER}; replace it "
            "with the key from the Secret "
            f"{recorder.spec.stream_key_secret_ref.name} (key {recorder.spec.stream_key_secret_ref.key}) "
            "before loading it"
        )
    else:
        key = check_stream_key(stream_key)
    if not re.fullmatch(patterns.DNS_LABEL.regex, recorder.spec.application):
        raise _fail(recorder, "spec.application", f"use {patterns.DNS_LABEL.meaning}")
    if tenant is None:
        warnings.append(
            f"no Tenant has spec.namespace {recorder.namespace}: the recorder belongs to no organisation "
            "and no room can record to it"
        )
    elif not tenant.spec.recording.enabled:
        warnings.append(
            f"Tenant {tenant.name} has spec.recording.enabled false: rooms cannot opt in to this recorder "
            "until the organisation switches recording on"
        )
    listen, tls, port = _listen(recorder)
    publishers = _publishers(recorder)
    if tls:
        warnings.append(
            f"{recorder.spec.url} is rtmps: NGINX's RTMP module has no TLS, so the configuration listens on "
            f"127.0.0.1:{RTMP_PORT}; terminate TLS on port {port} in front of it"
            + (" and enforce spec.allowedPublishers there" if publishers else "")
        )
    spec = recorder.spec
    controller = spec.data_controller
    context = {
        # Object names are checked by the API server, not by the GitOps loader: flattened as well.
        "recorder": flat(f"{recorder.namespace}/{recorder.name}"),
        "organisation": tenant.spec.display_name if tenant else "(no Tenant for this namespace)",
        "tenant": flat(tenant.name) if tenant else "",
        "recording_enabled": bool(tenant and tenant.spec.recording.enabled),
        "controller": " - ".join(x for x in (controller.name, controller.email, controller.phone) if x),
        "consent_notice": spec.consent_notice,
        "visible_label": spec.visible_label,
        "retention_days": spec.retention_days,
        "retention_minutes": spec.retention_days * 24 * 60,
        "application": application_name(spec.application, key),
        "placeholder": stream_key is None,
        "storage": _storage_path(recorder),
        "listen": listen,
        "tls": tls,
        "port": port,
        "publishers": publishers,
        "script_dir": options.script_dir,
        "log_dir": options.log_dir,
        "stream_name_max": STREAM_NAME_MAX,
    }
    environment = _environment()
    files = {
        name: environment.get_template(f"{name}.j2").render(context)
        for name in ("recorder.conf", "record-done.sh", "cleanup.sh", "cleanup.service", "cleanup.timer")
    }
    return RecorderFiles(
        config=files["recorder.conf"],
        record_done=files["record-done.sh"],
        cleanup=files["cleanup.sh"],
        cleanup_service=files["cleanup.service"],
        cleanup_timer=files["cleanup.timer"],
        warnings=tuple(warnings),
    )


def recorder_problems(recorder: Recorder) -> list[tuple[str, str]]:
    """(field, message) of everything `render` would refuse about the Recorder itself.

    Pure, for `vdx check`: a Recorder that passes review must not be refused when the NGINX
    configuration is rendered after merge.
    """
    problems: list[tuple[str, str]] = []
    prefix = f"{recorder.display_name()}, field "
    for step in (_storage_path, _publishers, _listen):
        try:
            step(recorder)
        except RecorderConfigError as exc:
            text = str(exc).removeprefix(prefix)
            field_path, _, message = text.partition(": ")
            problems.append((field_path, message))
    return problems

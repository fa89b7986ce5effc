"""Reading the stream key and writing the rendered files: the I/O around `nginx.render`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from vdx.recording.urls import StreamKeyError, check_stream_key

KEY_ENV = "VDX_RECORDER_STREAM_KEY"
CONFIG_NAME = "vdx-recorder.conf"


def read_stream_key(key_file: Path | None, environ: Mapping[str, str]) -> str | None:
    """The key from the file (surrounding whitespace dropped: editors add a newline) or the
    environment, checked; None when neither is given. Errors say where the key came from, never it.
    """
    if key_file is not None:
        source = f"--stream-key-file {key_file}"
        try:
            key = key_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise StreamKeyError(f"{source} cannot be read ({type(exc).__name__})") from None
    elif environ.get(KEY_ENV):
        source = KEY_ENV
        key = environ[KEY_ENV].strip()
    else:
        return None
    try:
        return check_stream_key(key)
    except StreamKeyError as error:
        raise StreamKeyError(f"{source}: {error}") from None


def write_private(path: Path, content: str, mode: int = 0o600) -> None:
    """Write `content` so that the file never exists with wider permissions than `mode`."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), mode)  # an existing file keeps its old mode through os.open
        handle.write(content)

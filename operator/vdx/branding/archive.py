"""Deterministic ZIP archives: the same files give the same bytes, on any machine, at any time.

zipfile on its own stamps each entry with the current time and the file's permissions and keeps
insertion order; any of those would change the SHA-256 of an unchanged branding and make the
operator upload it to Pexip again. Here every entry gets the same fixed date, mode and
compression, in sorted order, and the archive carries no comment.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass

# The earliest date a ZIP can hold; any fixed date would do, this one says "not a real date".
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644  # a regular file, rw-r--r--
_UNIX = 3  # "created by" system: Unix, so the mode bits mean the same to every unzip


@dataclass(frozen=True)
class RenderedPackage:
    """A rendered ZIP: its bytes, their SHA-256 (hex), and the files it holds (path -> bytes)."""

    zip_bytes: bytes
    sha256: str
    files: Mapping[str, bytes]

    @property
    def filename(self) -> str:
        """A name that changes whenever the content does (useful as the Pexip object name suffix)."""
        return f"{self.sha256[:12]}.zip"


def deterministic_zip(files: Mapping[str, bytes]) -> RenderedPackage:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(files):
            if path.startswith("/") or ".." in path.split("/"):
                raise ValueError(f"{path!r} is not a relative path inside the package")
            info = zipfile.ZipInfo(path, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = _UNIX
            info.external_attr = _FILE_MODE << 16
            archive.writestr(info, files[path], compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    data = buffer.getvalue()
    return RenderedPackage(
        zip_bytes=data, sha256=hashlib.sha256(data).hexdigest(), files=dict(sorted(files.items()))
    )

"""Validation of uploaded ZIP packages (web-app branding, IVR themes), spec §2.11, §2.12, §5.15.

Pure: bytes in, derived fields or field errors out. The messages mimic the upload-validation
shape (`{"branding_file": [...]}`), which has no resource wrapper.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

MAX_PACKAGE_BYTES = 50 * 1024 * 1024


class PackageError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.errors = {field: [message]}


def _open(data: bytes, field: str) -> zipfile.ZipFile:
    if len(data) > MAX_PACKAGE_BYTES:
        raise PackageError(field, "File too large.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError):
        raise PackageError(field, "File is not a valid zip archive.") from None
    if bad is not None:
        raise PackageError(field, "File is not a valid zip archive.")
    return archive


def validate_branding(data: bytes, webapp_type: str) -> dict[str, Any]:
    """Require `<webapp_type>/branding/manifest.json` holding a JSON object; return the manifest."""
    archive = _open(data, "branding_file")
    manifest_path = f"{webapp_type}/branding/manifest.json"
    if manifest_path not in archive.namelist():
        raise PackageError("branding_file", "No branding files found")
    try:
        manifest = json.loads(archive.read(manifest_path))
    except (ValueError, UnicodeDecodeError):
        raise PackageError("branding_file", "manifest.json is not valid JSON.") from None
    if not isinstance(manifest, dict):
        raise PackageError("branding_file", "manifest.json must contain a JSON object.")
    if webapp_type == "webapp3":
        for key, value in (manifest.get("images") or {}).items():
            if isinstance(value, str) and value.startswith("./"):
                target = f"{webapp_type}/branding/{value[2:]}"
                if target not in archive.namelist():
                    raise PackageError("branding_file", f"Image '{key}' refers to a missing file.")
    return manifest


def validate_theme(data: bytes) -> dict[str, str]:
    """Accept any readable ZIP; derive `custom_layouts`/`pinning_configs` from its file names."""
    archive = _open(data, "package")
    names = archive.namelist()
    if not names:
        raise PackageError("package", "The theme package is empty.")
    for name in names:
        if name.endswith("themeconfig.json"):
            try:
                json.loads(archive.read(name))
            except (ValueError, UnicodeDecodeError):
                raise PackageError("package", "themeconfig.json is not valid JSON.") from None

    def stems(folder: str) -> str:
        found = sorted(
            n.rsplit("/", 1)[-1][: -len(".json")] for n in names if f"{folder}/" in n and n.endswith(".json")
        )
        return ",".join(found)

    return {"custom_layouts": stems("custom_layouts"), "pinning_configs": stems("pinning_configs")}

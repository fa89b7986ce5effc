from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from vdx.branding.archive import deterministic_zip


def test_order_of_input_does_not_matter() -> None:
    a = deterministic_zip({"b.txt": b"2", "a.txt": b"1"})
    b = deterministic_zip({"a.txt": b"1", "b.txt": b"2"})
    assert a.zip_bytes == b.zip_bytes
    assert a.sha256 == hashlib.sha256(a.zip_bytes).hexdigest()
    assert zipfile.ZipFile(io.BytesIO(a.zip_bytes)).namelist() == ["a.txt", "b.txt"]
    assert a.filename == f"{a.sha256[:12]}.zip"


@pytest.mark.parametrize("path", ["../evil", "/etc/passwd", "a/../../b"])
def test_paths_must_stay_inside_the_package(path: str) -> None:
    with pytest.raises(ValueError, match="relative path"):
        deterministic_zip({path: b"x"})

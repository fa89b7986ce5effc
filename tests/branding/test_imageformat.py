from __future__ import annotations

import pytest

from vdx.branding.imageformat import ImageDefect, ImageFormat, measure, sniff

from .conftest import LOGO_SVG, gif, jpeg, png


def test_sniffs_supported_formats_by_content() -> None:
    assert sniff(png(4, 4)) is ImageFormat.PNG
    assert sniff(jpeg(4, 4)) is ImageFormat.JPEG
    assert sniff(LOGO_SVG.encode()) is ImageFormat.SVG
    assert (
        sniff(b'\xef\xbb\xbf<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>')
        is ImageFormat.SVG
    )


def test_names_unsupported_formats() -> None:
    assert sniff(gif()) == "GIF"
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "WebP"
    assert sniff(b"\x00\x00\x00\x18ftypheic") == "HEIC"
    assert sniff(b"hello") == "unknown"
    assert sniff(b"<html><body>no svg</body></html>") == "unknown"


def test_measures_raster_sizes() -> None:
    size = measure(png(336, 160), ImageFormat.PNG)
    assert (size.width, size.height) == (336, 160)
    size = measure(jpeg(640, 360), ImageFormat.JPEG)
    assert (size.width, size.height) == (640, 360)


@pytest.mark.parametrize(
    ("root", "expected"),
    [
        ('<svg xmlns="http://www.w3.org/2000/svg" width="336" height="160">', (336, 160)),
        ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1920 1080">', (1920, 1080)),
        ('<svg xmlns="http://www.w3.org/2000/svg" width="200px" viewBox="0,0,100,50">', (200, 100)),
        ('<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="100%" viewBox="0 0 30 10">', (30, 10)),
        ('<svg xmlns="http://www.w3.org/2000/svg">', (100, 100)),
    ],
)
def test_measures_svg_from_its_declared_size(root: str, expected: tuple[int, int]) -> None:
    size = measure(f"{root}</svg>".encode(), ImageFormat.SVG)
    assert (size.width, size.height) == expected


def test_truncated_png_is_a_defect() -> None:
    with pytest.raises(ImageDefect, match="cannot be read as PNG"):
        measure(png(50, 50)[:40], ImageFormat.PNG)

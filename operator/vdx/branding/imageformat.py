"""Recognise an image by its bytes, never by its file name, and measure it.

A key called logo.png may well hold a WebP or a HEIC photo exported by a phone; Pexip's web app
and IVR only take PNG, JPEG and SVG, so the content decides. Measuring an SVG reads its declared
size (width/height or viewBox) instead of rendering it, which stays cheap for any SVG.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from enum import StrEnum

from vdx.branding import svgsafe


class ImageFormat(StrEnum):
    PNG = "PNG"
    JPEG = "JPEG"
    SVG = "SVG"

    @property
    def extension(self) -> str:
        return {"PNG": "png", "JPEG": "jpg", "SVG": "svg"}[self.value]

    @property
    def media_type(self) -> str:
        return {"PNG": "image/png", "JPEG": "image/jpeg", "SVG": "image/svg+xml"}[self.value]


# Formats people try that Pexip does not take, named so the message can say what the file really is.
_OTHER_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"GIF87a", 0, "GIF"),
    (b"GIF89a", 0, "GIF"),
    (b"WEBP", 8, "WebP"),
    (b"BM", 0, "BMP"),
    (b"II*\x00", 0, "TIFF"),
    (b"MM\x00*", 0, "TIFF"),
    (b"ftypheic", 4, "HEIC"),
    (b"ftypheix", 4, "HEIC"),
    (b"ftypmif1", 4, "HEIF"),
    (b"ftypavif", 4, "AVIF"),
    (b"%PDF", 0, "PDF"),
    (b"\x00\x00\x01\x00", 0, "ICO"),
    (b"\x1f\x8b", 0, "gzip (perhaps SVGZ)"),
)

_SVG_ROOT = re.compile(rb"<([A-Za-z_][-\w.]*:)?svg[\s>]", re.IGNORECASE)
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")

# resvg's size for an SVG that declares neither a size nor a viewBox (the SVG spec's default).
_SVG_DEFAULT_SIZE = (100, 100)


def sniff(data: bytes) -> ImageFormat | str:
    """The supported format of `data`, or a name for what it is instead ("WebP", "unknown")."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ImageFormat.PNG
    if data.startswith(b"\xff\xd8\xff"):
        return ImageFormat.JPEG
    for signature, offset, name in _OTHER_SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            return name
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE", b"<!doctype")) and _SVG_ROOT.search(head):
        return ImageFormat.SVG
    return "unknown"


@dataclass(frozen=True)
class Measured:
    width: int
    height: int


class ImageDefect(ValueError):
    """The bytes claim a format but cannot be read as it (truncated, corrupt, absurdly large)."""

    def __init__(self, message: str, fix: str = "export the image again as PNG, JPEG or SVG") -> None:
        super().__init__(message)
        self.fix = fix


def measure(data: bytes, kind: ImageFormat) -> Measured:
    if kind is ImageFormat.SVG:
        return _measure_svg(data)
    from PIL import Image, UnidentifiedImageError  # here: the operator loads Pillow with a raster image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
                return Measured(*image.size)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageDefect(f"is too large to decode safely ({exc})") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageDefect(f"cannot be read as {kind.value} ({exc})") from None


def svg_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImageDefect("is not UTF-8 text, so it cannot be read as SVG") from None


def _measure_svg(data: bytes) -> Measured:
    # Parsed by the hardened parser (no entities, bounded), never by a pattern: the size is read
    # from the same tree the safety checks judge.
    svg_text(data)
    try:
        root = svgsafe.parse(data)
    except svgsafe.SvgRefused as exc:
        raise ImageDefect(exc.message, exc.fix) from None
    declared_width, declared_height, view_box = svgsafe.declared_size(root)
    width, height = _length(declared_width), _length(declared_height)
    box = _view_box(view_box)
    if width and height:
        return Measured(round(width), round(height))
    if box:
        box_w, box_h = box
        if width:
            return Measured(round(width), round(width * box_h / box_w))
        if height:
            return Measured(round(height * box_w / box_h), round(height))
        return Measured(round(box_w), round(box_h))
    return Measured(*_SVG_DEFAULT_SIZE)


def _length(value: str | None) -> float | None:
    match = _LENGTH.match(value or "")
    return float(match.group(1)) if match and float(match.group(1)) > 0 else None


def _view_box(value: str | None) -> tuple[float, float] | None:
    parts = (value or "").replace(",", " ").split()
    if len(parts) != 4:
        return None
    try:
        width, height = float(parts[2]), float(parts[3])
    except ValueError:
        return None
    return (width, height) if width > 0 and height > 0 else None

"""Pixels: turn an ImageAsset into a Pillow image at a given size, fill a screen with it, encode it.

Every encoder call here fixes its options and writes no metadata (no timestamps, no EXIF, no
text chunks), because the rendered packages must be byte-for-byte reproducible: their SHA-256
is how the operator knows whether Pexip already has this branding.
"""

from __future__ import annotations

import io
import math

import resvg_py
from PIL import Image, ImageOps

from vdx.api.branding import BackgroundScaling
from vdx.branding import fonts
from vdx.branding.assets import ImageAsset
from vdx.branding.colour import to_rgb255
from vdx.branding.imageformat import ImageDefect, ImageFormat, svg_text
from vdx.branding.limits import SCREEN, Box

_RESAMPLE = Image.Resampling.LANCZOS


def _open_raster(asset: ImageAsset) -> Image.Image:
    with Image.open(io.BytesIO(asset.data)) as opened:
        image = ImageOps.exif_transpose(opened)  # phones store JPEGs sideways plus an EXIF rotation
        return image.convert("RGBA")


def _render_svg(asset: ImageAsset, width: int, height: int) -> Image.Image:
    # Every generic family points at the one chosen font, and system fonts are skipped, so an SVG
    # with <text> renders the same on every machine that has that font (see vdx.branding.fonts).
    family = fonts.choice().family
    try:
        png = _resvg(asset, width, height, family)
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as exc:  # resvg's limits, and Rust panics (BaseException)
        raise ImageDefect(
            f"{asset.origin} cannot be rendered ({str(exc)[:120] or type(exc).__name__})",
            "simplify the drawing or export it as PNG",
        ) from None
    with Image.open(io.BytesIO(bytes(png))) as rendered:
        return rendered.convert("RGBA")


def _resvg(asset: ImageAsset, width: int, height: int, family: str | None) -> bytes:
    return resvg_py.svg_to_bytes(
        svg_string=svg_text(asset.data),
        width=width,
        height=height,
        skip_system_fonts=True,
        font_files=fonts.font_files() or None,
        font_family=family,
        sans_serif_family=family,
        serif_family=family,
        monospace_family=family,
        cursive_family=family,
        fantasy_family=family,
    )


def scaled(asset: ImageAsset, width: int, height: int) -> Image.Image:
    """The asset at exactly width x height (RGBA); SVG is rendered at that size, never upscaled pixels."""
    width, height = max(1, width), max(1, height)
    image = _render_svg(asset, width, height) if asset.format is ImageFormat.SVG else _open_raster(asset)
    if image.size != (width, height):
        image = image.resize((width, height), _RESAMPLE)
    return image


def fitted(asset: ImageAsset, box: Box, allow_upscale: bool = False) -> Image.Image:
    """The asset scaled to fit inside `box`, aspect kept; raster images are only ever made smaller.

    SVG is vector, so it is always drawn at the box's size; a raster image smaller than the box
    stays as it is unless `allow_upscale` (previews, where a blurred logo is better than a dot).
    """
    factor = min(box.width / asset.width, box.height / asset.height)
    if asset.format is not ImageFormat.SVG and factor > 1 and not allow_upscale:
        factor = 1.0
    return scaled(asset, round(asset.width * factor), round(asset.height * factor))


def flatten(image: Image.Image, fill: str) -> Image.Image:
    """RGBA -> RGB on the `fill` colour (JPEG has no transparency)."""
    base = Image.new("RGB", image.size, to_rgb255(fill))
    base.paste(image, mask=image.getchannel("A"))
    return base


def compose(
    asset: ImageAsset, canvas: Box, scaling: BackgroundScaling, fill: str, reference: Box = SCREEN
) -> Image.Image:
    """Fill a canvas with the image the way CSS background-size would for the scaling mode.

    Cover fills and crops the overflow evenly; Contain shows all of it with bars in `fill`;
    Stretch ignores the aspect ratio; Tile repeats it from the top left at its own size (relative
    to `reference`, so a preview at half size shows the same number of tiles as the real screen).
    """
    if scaling is BackgroundScaling.STRETCH:
        return flatten(scaled(asset, canvas.width, canvas.height), fill)
    result = Image.new("RGBA", (canvas.width, canvas.height), (*to_rgb255(fill), 255))
    if scaling is BackgroundScaling.TILE:
        factor = canvas.width / reference.width
        tile = scaled(asset, round(asset.width * factor), round(asset.height * factor))
        for top in range(0, canvas.height, tile.height):
            for left in range(0, canvas.width, tile.width):
                result.alpha_composite(tile, (left, top))
        return result.convert("RGB")
    cover = scaling is BackgroundScaling.COVER
    pick = max if cover else min
    factor = pick(canvas.width / asset.width, canvas.height / asset.height)
    width = math.ceil(asset.width * factor) if cover else round(asset.width * factor)
    height = math.ceil(asset.height * factor) if cover else round(asset.height * factor)
    image = scaled(asset, width, height)
    left, top = (canvas.width - image.width) // 2, (canvas.height - image.height) // 2
    if cover:
        image = image.crop((-left, -top, -left + canvas.width, -top + canvas.height))
        left = top = 0
    result.alpha_composite(image, (left, top))
    return result.convert("RGB")


def encode_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=9)
    return buffer.getvalue()


def encode_jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # convert() copies even when the mode is already RGB: 6 MiB for a splash screen.
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    rgb.save(buffer, format="JPEG", quality=88, optimize=True, progressive=False, subsampling="4:2:0")
    return buffer.getvalue()


def shrunk(asset: ImageAsset, box: Box) -> tuple[bytes, ImageFormat]:
    """The asset for a package: as given if it fits `box` (or is SVG), else scaled down, same format.

    Keeping the original bytes when nothing needs to change means the region's own carefully
    exported file is what Pexip serves, and the hash does not depend on our encoder.
    """
    if asset.format is ImageFormat.SVG or (asset.width <= box.width and asset.height <= box.height):
        return asset.data, asset.format
    image = fitted(asset, box)
    if asset.format is ImageFormat.JPEG:
        return encode_jpeg(image), ImageFormat.JPEG
    return encode_png(image), ImageFormat.PNG

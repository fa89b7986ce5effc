"""The preview renders for every example tenant; checked by size and colours, never pixel by pixel."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from vdx.branding import render_preview, validate_branding
from vdx.branding.colour import to_rgb255
from vdx.branding.files import find_brandings
from vdx.branding.preview import CANVAS

from .conftest import EXAMPLES, Build

EXAMPLE_FILES = sorted(EXAMPLES.glob("*/*/branding.yaml"))


def _count(image: Image.Image, colour: str) -> int:
    wanted = to_rgb255(colour)
    return sum(n for n, pixel in image.getcolors(maxcolors=1 << 24) or [] if pixel == wanted)


def test_there_are_examples_to_preview() -> None:
    assert len(EXAMPLE_FILES) >= 10


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_preview_renders_every_example_tenant(path: Path) -> None:
    [found] = find_brandings(path)
    assert found.assets.logo is not None, found.assets.problems
    png = render_preview(found.branding, found.assets, validate_branding(found.branding, found.assets))
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (CANVAS.width, CANVAS.height)
    base = found.branding.spec.colours.base
    # the join button, the IVR bar and the palette swatch are drawn in exactly the base colour
    assert _count(image, base) > 5000, base


def test_preview_shows_the_background_colour_without_a_background_image(build: Build) -> None:
    branding, assets = build(colours={"base": "#0B3C5D", "background": "#FFF8E7"})
    image = Image.open(io.BytesIO(render_preview(branding, assets))).convert("RGB")
    assert _count(image, "#FFF8E7") > 100_000  # the join screen's page
    assert _count(image, "#0B3C5D") > 5000

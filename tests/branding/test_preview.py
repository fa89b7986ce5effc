"""The preview renders for every example tenant; checked by size, colours and the words it writes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from vdx.branding import render_preview, validate_branding
from vdx.branding.colour import to_rgb255
from vdx.branding.files import find_brandings
from vdx.branding.preview import (
    BANNER_MAX_PROBLEMS,
    CANVAS,
    CARD,
    ERROR_BANNER,
    PANEL,
    PASSED_BANNER,
    WARNING_BANNER,
    banners,
    join_screen,
)
from vdx.branding.problems import BrandingProblem, Severity

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
    assert image.width == CANVAS.width
    assert image.height > CANVAS.height  # the checks' banner on top
    base = found.branding.spec.colours.base
    # the join button, the IVR bar and the palette swatch are drawn in exactly the base colour
    assert _count(image, base) > 5000, base


def test_preview_shows_the_background_colour_without_a_background_image(build: Build) -> None:
    branding, assets = build(colours={"base": "#0B3C5D", "background": "#FFF8E7"})
    image = Image.open(io.BytesIO(render_preview(branding, assets))).convert("RGB")
    assert _count(image, "#FFF8E7") > 100_000  # the join screen's page
    assert _count(image, "#0B3C5D") > 5000


def _rows(image: Image.Image, top: int, bottom: int, colour: str) -> int:
    return _count(image.crop((0, top, image.width, bottom)), colour)


def test_failed_checks_head_the_preview_in_a_red_banner_one_by_one(build: Build) -> None:
    branding, assets = build(
        colours={"base": "#FFD400", "background": "#FFFFFF"},
        texts={"da": {"appTitle": "T"}, "en": {"appTitle": "T", "welcome": "Welcome"}},
    )
    problems = validate_branding(branding, assets)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    assert len(errors) >= 2
    [red, *rest] = banners(problems)
    assert red.colour == ERROR_BANNER
    assert red.title.startswith(f"FAILED: {len(errors)} check(s)")
    written = " ".join(red.lines)
    for problem in errors:  # every failed check is spelled out, with its field and fix
        assert problem.field in written
        assert problem.fix.split()[0] in written
    assert all(banner.colour != ERROR_BANNER for banner in rest)
    image = Image.open(io.BytesIO(render_preview(branding, assets, problems))).convert("RGB")
    shown = sum(b.height for b in banners(problems))
    assert image.size == (CANVAS.width, CANVAS.height + shown)
    # The banner is the top of the picture, red across its width (text aside), and red nowhere else.
    assert _rows(image, 0, red.height, ERROR_BANNER) > 0.6 * CANVAS.width * red.height
    assert _rows(image, red.height, image.height, ERROR_BANNER) == 0


def test_warnings_get_an_amber_banner_and_a_clean_branding_a_green_one(build: Build) -> None:
    branding, assets = build(texts={"da": {"appTitle": "Test"}, "en": {"appTitle": "Test"}})
    problems = validate_branding(branding, assets)
    assert problems
    assert all(p.severity is Severity.WARNING for p in problems)
    [amber] = banners(problems)
    assert amber.colour == WARNING_BANNER
    assert "spec.texts.da.welcome" in " ".join(amber.lines)
    image = Image.open(io.BytesIO(render_preview(branding, assets, problems))).convert("RGB")
    assert _count(image, ERROR_BANNER) == 0
    assert _rows(image, 0, amber.height, WARNING_BANNER) > 0.6 * CANVAS.width * amber.height
    clean, clean_assets = build()
    assert validate_branding(clean, clean_assets) == []
    [green] = banners([])
    assert green.title == "All checks passed"
    picture = Image.open(io.BytesIO(render_preview(clean, clean_assets, []))).convert("RGB")
    assert _rows(picture, 0, green.height, PASSED_BANNER) > 0.6 * CANVAS.width * green.height


def test_many_failed_checks_are_counted_beyond_the_first_few() -> None:
    many = [BrandingProblem(f"spec.field{i}", "is wrong", "fix it") for i in range(BANNER_MAX_PROBLEMS + 3)]
    [red] = banners(many)
    assert red.lines[-1] == "... and 3 more: run vdx branding check FILE"
    assert sum(1 for line in red.lines if line.startswith("-  spec.field")) == BANNER_MAX_PROBLEMS


def test_a_white_card_on_a_white_page_has_a_border_and_a_shadow(build: Build) -> None:
    branding, assets = build(colours={"base": "#5B2C86", "background": "#FFFFFF"})
    panel = join_screen(branding, assets)
    left, top, right, bottom = CARD
    middle = (top + bottom) // 2
    white = to_rgb255("#FFFFFF")
    assert panel.getpixel((left, middle)) != white  # the border
    assert panel.getpixel((right, middle)) != white
    below = panel.getpixel(((left + right) // 2, bottom + 4))
    assert isinstance(below, tuple)
    assert max(below) < 245  # the shadow under the card is visibly darker than the page
    assert panel.getpixel((left + 20, middle)) == white  # the card itself stays the brand's colour
    assert panel.getpixel((PANEL.width - 10, 10)) == white  # and so does the page far from it


def test_a_preview_drawn_without_running_the_checks_claims_nothing(build: Build) -> None:
    branding, assets = build()
    image = Image.open(io.BytesIO(render_preview(branding, assets))).convert("RGB")
    assert image.size == (CANVAS.width, CANVAS.height)
    assert _count(image, PASSED_BANNER) == 0

"""Every rule, with an input that breaks it and one that does not."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from vdx.branding.contrast import contrast_ratio
from vdx.branding.problems import BrandingProblem, Severity
from vdx.branding.validation import validate_branding

from .conftest import LOGO_SVG, Build, config_map, png, with_background, with_logo_ref


def _fields(problems: list[BrandingProblem], severity: Severity | None = None) -> list[str]:
    return [p.field for p in problems if severity is None or p.severity is severity]


def test_a_good_branding_has_no_problems(build: Build) -> None:
    assert validate_branding(*build()) == []


def test_every_problem_names_field_message_and_fix(build: Build) -> None:
    svg = LOGO_SVG.replace("</svg>", "<text>x</text><script>alert(1)</script></svg>")
    branding, assets = build(
        [config_map({"logo.svg": svg})], colours={"base": "#FFD400", "background": "#222222"}
    )
    problems = validate_branding(branding, assets)
    assert len(problems) >= 4
    for problem in problems:
        assert problem.field
        assert problem.message
        assert problem.fix
        assert str(problem).startswith(f"{problem.severity.value}: {problem.field}: ")
        assert "Fix: " in str(problem)


# --- images: bytes ---------------------------------------------------------------------------


def _noise_png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_logo_with_too_many_bytes(build: Build) -> None:
    heavy = _noise_png(336, 300)  # noise does not compress: ~300 KiB
    problems = validate_branding(
        *build([config_map(binary={"logo.png": heavy})], images=with_logo_ref("logo.png"))
    )
    [problem] = [p for p in problems if "fits in a Kubernetes ConfigMap" in p.message]
    assert problem.field == "spec.images.logo"
    assert "336x160" in problem.fix


def test_logo_within_the_byte_limit(build: Build) -> None:
    light = _noise_png(200, 100)
    problems = validate_branding(
        *build([config_map(binary={"logo.png": light})], images=with_logo_ref("logo.png"))
    )
    assert not [p for p in problems if "fits in a Kubernetes ConfigMap" in p.message]


# --- images: pixels --------------------------------------------------------------------------


def test_raster_logo_too_small(build: Build) -> None:
    problems = validate_branding(
        *build([config_map(binary={"logo.png": png(100, 40)})], images=with_logo_ref("logo.png"))
    )
    [problem] = problems
    assert problem.field == "spec.images.logo"
    assert "100x40 pixels" in problem.message
    assert "enlarged" in problem.message


@pytest.mark.parametrize("size", [(336, 160), (168, 60), (120, 80)])
def test_raster_logo_that_fills_the_slot_one_way_is_fine(build: Build, size: tuple[int, int]) -> None:
    problems = validate_branding(
        *build([config_map(binary={"logo.png": png(*size)})], images=with_logo_ref("logo.png"))
    )
    assert problems == []


def test_svg_logo_has_no_minimum_size(build: Build) -> None:
    tiny = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="5"><rect width="10" height="5"/></svg>'
    assert validate_branding(*build([config_map({"logo.svg": tiny})])) == []


def test_image_with_too_many_pixels(build: Build) -> None:
    huge = png(7000, 7000, mode="1")  # 49 megapixels, a few KiB
    objects = [config_map({"logo.svg": LOGO_SVG}, binary={"bg.png": huge})]
    problems = validate_branding(*build(objects, images=with_background("bg.png")))
    [problem] = [p for p in problems if "megapixels" in p.message]
    assert problem.field == "spec.images.background.source"


@pytest.mark.parametrize(
    ("size", "scaling", "too_small"),
    [
        ((800, 450), "Cover", True),
        ((1280, 720), "Cover", False),
        ((1920, 1080), "Contain", False),
        ((2400, 600), "Cover", True),  # wide strip: covering 1080 rows needs 1.8x
        ((2400, 600), "Contain", False),  # ... but showing all of it needs no enlargement
        ((8, 8), "Tile", True),
        ((64, 64), "Tile", False),
    ],
)
def test_background_size_depends_on_scaling(
    build: Build, size: tuple[int, int], scaling: str, too_small: bool
) -> None:
    objects = [config_map({"logo.svg": LOGO_SVG}, binary={"bg.png": png(*size, colour=(10, 10, 10))})]
    problems = validate_branding(*build(objects, images=with_background("bg.png", scaling)))
    found = [p for p in problems if p.field == "spec.images.background.source" and "pixels" in p.message]
    assert bool(found) is too_small, problems


def test_small_jumbotron(build: Build) -> None:
    objects = [config_map({"logo.svg": LOGO_SVG}, binary={"j.png": png(640, 360)})]
    images = {
        **with_logo_ref("logo.svg"),
        "jumbotron": {"configMapKeyRef": {"name": "cvi-assets", "key": "j.png"}},
    }
    problems = validate_branding(*build(objects, images=images))
    assert _fields(problems) == ["spec.images.jumbotron"]


# --- images: SVG content ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    ["<script>alert(1)</script>", '<rect onclick="x()" width="1" height="1"/>', '<a href="javascript:x()"/>'],
)
def test_svg_with_script_is_an_error(build: Build, payload: str) -> None:
    svg = LOGO_SVG.replace("</svg>", f"{payload}</svg>")
    problems = validate_branding(*build([config_map({"logo.svg": svg})]))
    [problem] = [p for p in problems if "must not be served" in p.message]
    assert problem.severity is Severity.ERROR
    assert problem.field == "spec.images.logo"


def test_svg_with_text_is_a_warning_and_an_external_image_an_error(build: Build) -> None:
    svg = LOGO_SVG.replace(
        "</svg>", '<text x="1" y="1">Region</text><image href="https://x.dk/a.png"/></svg>'
    )
    problems = validate_branding(*build([config_map({"logo.svg": svg})]))
    assert _fields(problems, Severity.WARNING) == ["spec.images.logo"]
    assert any("outlines" in p.fix for p in problems)
    [error] = [p for p in problems if p.severity is Severity.ERROR]
    assert "a reference to another document or server (href= on <image> at line" in error.message


# --- texts -----------------------------------------------------------------------------------


def test_danish_missing_where_english_is_set(build: Build) -> None:
    texts = {
        "da": {"appTitle": "Videomøde"},
        "en": {"appTitle": "Video meeting", "welcome": "Welcome", "joinInstructions": "Dial the number"},
    }
    problems = validate_branding(*build(texts=texts))
    assert _fields(problems, Severity.ERROR) == ["spec.texts.da.welcome", "spec.texts.da.joinInstructions"]
    assert "'Welcome'" in problems[0].fix


def test_no_welcome_at_all_is_a_warning(build: Build) -> None:
    texts = {"da": {"appTitle": "Videomøde"}, "en": {"appTitle": "Video meeting"}}
    problems = validate_branding(*build(texts=texts))
    assert [(p.field, p.severity) for p in problems] == [("spec.texts.da.welcome", Severity.WARNING)]


def test_untranslated_danish_is_a_warning(build: Build) -> None:
    texts = {
        "da": {"appTitle": "Region Test", "welcome": "Welcome to our meetings"},
        "en": {"appTitle": "Region Test", "welcome": "Welcome to our meetings"},
    }
    problems = validate_branding(*build(texts=texts))  # the title equals the brand name: not flagged
    assert [(p.field, p.severity) for p in problems] == [("spec.texts.da.welcome", Severity.WARNING)]


# --- colours ---------------------------------------------------------------------------------


def test_light_base_fails_white_button_text_and_gets_a_readable_suggestion(build: Build) -> None:
    problems = validate_branding(*build(colours={"base": "#FFD400", "background": "#FFFFFF"}))
    [problem] = [p for p in problems if "white text on #FFD400" in p.message]
    assert problem.field == "spec.colours.base"
    suggestion = problem.fix.rsplit(" ", 1)[-1]
    assert contrast_ratio("#FFFFFF", suggestion) >= 4.5


def test_base_as_link_colour_on_the_background(build: Build) -> None:
    # #00828C passes with white text (4.52:1) but not as text on a light grey page (4.29:1)
    failing = validate_branding(*build(colours={"base": "#00828C", "background": "#F7F7F7"}))
    assert _fields(failing) == ["spec.colours.base"]
    assert "link" in failing[0].message
    assert validate_branding(*build(colours={"base": "#00828C", "background": "#FFFFFF"})) == []


def test_dark_background_fails_body_text(build: Build) -> None:
    problems = validate_branding(*build(colours={"base": "#5B2C86", "background": "#303030"}))
    assert "spec.colours.background" in _fields(problems, Severity.ERROR)


def test_explicit_palette_with_light_shade_500(build: Build) -> None:
    palette = [
        "#FAFAFA",
        "#F0F0F0",
        "#E0E0E0",
        "#D0D0D0",
        "#C0C0C0",
        "#B0B0B0",
        "#707070",
        "#505050",
        "#404040",
        "#303030",
        "#101010",
    ]
    problems = validate_branding(
        *build(colours={"base": "#5B2C86", "background": "#FFFFFF", "palette": palette})
    )
    assert _fields(problems) == ["spec.colours.palette[5]"]


def test_explicit_palette_out_of_order(build: Build) -> None:
    palette = [
        "#FAFAFA",
        "#F0F0F0",
        "#101010",
        "#D0D0D0",
        "#C0C0C0",
        "#5B2C86",
        "#4A2470",
        "#3A1C58",
        "#2A1440",
        "#1E0E2E",
        "#12081C",
    ]
    problems = validate_branding(
        *build(colours={"base": "#5B2C86", "background": "#FFFFFF", "palette": palette})
    )
    assert _fields(problems) == ["spec.colours.palette[3]"]
    assert "lightest (50) to the darkest (950)" in problems[0].fix


def test_ordered_explicit_palette_is_fine(build: Build) -> None:
    palette = [
        "#FAFAFA",
        "#F0F0F0",
        "#E0E0E0",
        "#D0D0D0",
        "#C0C0C0",
        "#5B2C86",
        "#4A2470",
        "#3A1C58",
        "#2A1440",
        "#1E0E2E",
        "#12081C",
    ]
    assert (
        validate_branding(*build(colours={"base": "#5B2C86", "background": "#FFFFFF", "palette": palette}))
        == []
    )


# --- IVR splash ------------------------------------------------------------------------------


def test_light_background_image_warns_about_white_ivr_text(build: Build) -> None:
    objects = [config_map({"logo.svg": LOGO_SVG}, binary={"bg.png": png(1920, 1080, colour=(240, 240, 240))})]
    problems = validate_branding(*build(objects, images=with_background("bg.png")))
    [problem] = problems
    assert (problem.field, problem.severity) == ("spec.images.background.source", Severity.WARNING)
    assert "IVR splash" in problem.message


def test_dark_background_image_is_fine_for_ivr_text(build: Build) -> None:
    objects = [config_map({"logo.svg": LOGO_SVG}, binary={"bg.png": png(1920, 1080, colour=(30, 30, 60))})]
    assert validate_branding(*build(objects, images=with_background("bg.png"))) == []


def test_ivr_check_is_skipped_when_the_theme_is_disabled(build: Build) -> None:
    objects = [config_map({"logo.svg": LOGO_SVG}, binary={"bg.png": png(1920, 1080, colour=(240, 240, 240))})]
    problems = validate_branding(
        *build(objects, images=with_background("bg.png"), ivrTheme={"enabled": False})
    )
    assert problems == []

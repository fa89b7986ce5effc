from __future__ import annotations

import itertools

import pytest

from vdx.branding.colour import BASE_INDEX, derive_palette, lightness, palette_of, parse_hex, to_hex, to_oklch

BRAND_COLOURS = ["#5B2C86", "#C8102E", "#0B3C5D", "#00828C", "#006E3C", "#FFD400", "#3C5974", "#7A1E3A"]


@pytest.mark.parametrize("base", BRAND_COLOURS)
def test_palette_has_eleven_hex_shades_with_the_base_at_500(base: str) -> None:
    palette = derive_palette(base)
    assert len(palette) == 11
    assert all(len(c) == 7 and c.startswith("#") and c == c.upper() for c in palette)
    assert palette[BASE_INDEX] == base.upper()


@pytest.mark.parametrize("base", BRAND_COLOURS)
def test_palette_runs_strictly_from_light_to_dark(base: str) -> None:
    levels = [lightness(c) for c in derive_palette(base)]
    assert all(a > b for a, b in itertools.pairwise(levels)), levels
    assert levels[0] > 0.95  # shade 50 is a near-white tint
    assert levels[-1] < 0.3  # shade 950 is dark enough for body text


@pytest.mark.parametrize("base", ["#5B2C86", "#C8102E", "#00828C", "#006E3C"])
def test_palette_keeps_the_hue_of_the_base(base: str) -> None:
    hue = to_oklch(parse_hex(base)).hue
    for shade in derive_palette(base)[2:10]:  # the extreme tints carry too little chroma to measure a hue
        difference = abs((to_oklch(parse_hex(shade)).hue - hue + 180) % 360 - 180)
        assert difference < 12, (shade, difference)


def test_grey_base_gives_grey_shades() -> None:
    for shade in derive_palette("#777777"):
        r, g, b = parse_hex(shade)
        assert max(r, g, b) - min(r, g, b) < 2 / 255


def test_explicit_palette_wins_over_derivation() -> None:
    explicit = [f"#{v:02x}{v:02x}{v:02x}" for v in range(250, 8, -22)]
    assert len(explicit) == 11
    assert palette_of("#5B2C86", explicit) == [c.upper() for c in explicit]
    assert palette_of("#5B2C86", None) == derive_palette("#5B2C86")


def test_hex_round_trip_and_bad_input() -> None:
    assert to_hex(parse_hex("#5b2c86")) == "#5B2C86"
    with pytest.raises(ValueError, match="not a #RRGGBB"):
        parse_hex("#12345")

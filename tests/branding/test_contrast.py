"""Contrast against values published by WCAG checkers (WebAIM), to two decimals."""

from __future__ import annotations

import pytest

from vdx.branding.contrast import (
    contrast_ratio,
    darkened_until_readable,
    passes_aa,
    readable_text_on,
    relative_luminance,
)


@pytest.mark.parametrize(
    ("foreground", "background", "expected"),
    [
        ("#000000", "#FFFFFF", 21.0),
        ("#FFFFFF", "#FFFFFF", 1.0),
        ("#777777", "#FFFFFF", 4.48),  # the classic "just fails AA" grey
        ("#767676", "#FFFFFF", 4.54),  # ... and the one that just passes
        ("#0000FF", "#FFFFFF", 8.59),
        ("#FF0000", "#FFFFFF", 4.00),
    ],
)
def test_contrast_ratio_matches_published_values(foreground: str, background: str, expected: float) -> None:
    assert round(contrast_ratio(foreground, background), 2) == expected
    assert round(contrast_ratio(background, foreground), 2) == expected  # order does not matter


def test_relative_luminance_of_extremes() -> None:
    assert relative_luminance("#000000") == 0.0
    assert relative_luminance("#FFFFFF") == pytest.approx(1.0)


def test_aa_threshold_for_normal_and_large_text() -> None:
    assert not passes_aa("#777777", "#FFFFFF")
    assert passes_aa("#767676", "#FFFFFF")
    assert passes_aa("#FF0000", "#FFFFFF", large_text=True)
    assert not passes_aa("#FF0000", "#FFFFFF")


def test_readable_text_picks_white_on_dark_and_dark_on_light() -> None:
    assert readable_text_on("#5B2C86") == "#FFFFFF"
    assert readable_text_on("#FFD400") != "#FFFFFF"


@pytest.mark.parametrize("colour", ["#FFD400", "#00A3E0", "#8ED1FC"])
def test_darkened_suggestion_passes_and_keeps_the_colour_when_already_fine(colour: str) -> None:
    suggestion = darkened_until_readable(colour)
    assert contrast_ratio("#FFFFFF", suggestion) >= 4.5
    assert darkened_until_readable("#5B2C86") == "#5B2C86"

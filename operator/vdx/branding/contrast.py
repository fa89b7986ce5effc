"""WCAG 2.1 contrast, exactly as the standard defines it (so results match the checkers regions use).

Relative luminance uses WCAG 2.1's own sRGB threshold 0.03928 (not IEC's 0.04045); the difference
never changes a rounded ratio, but matching the text means our numbers equal those of the WebAIM
checker a region's web team will compare them with.
"""

from __future__ import annotations

from vdx.branding.colour import Oklch, from_oklch, parse_hex, to_hex, to_oklch

# WCAG 2.1 success criterion 1.4.3 (AA): normal text needs 4.5:1, large text (>= 18pt, or 14pt bold)
# 3:1. Join screens use normal-size text on buttons and in forms, so 4.5 is the bar.
AA_NORMAL_TEXT = 4.5
AA_LARGE_TEXT = 3.0


def _channel(c: float) -> float:
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    r, g, b = (_channel(c) for c in parse_hex(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05) with L1 the lighter; 1.0 (same colour) .. 21.0 (black on white)."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)


def passes_aa(foreground: str, background: str, large_text: bool = False) -> bool:
    return contrast_ratio(foreground, background) >= (AA_LARGE_TEXT if large_text else AA_NORMAL_TEXT)


def readable_text_on(background: str) -> str:
    """White or near-black, whichever reads better on `background` (used where we pick the colour)."""
    white, black = "#FFFFFF", "#1A1A1A"
    return white if contrast_ratio(white, background) >= contrast_ratio(black, background) else black


def darkened_until_readable(colour: str, text: str = "#FFFFFF", ratio: float = AA_NORMAL_TEXT) -> str:
    """The same hue made darker, step by step in OKLCH, until `text` on it reaches `ratio`.

    Offered in error messages so a region gets a concrete colour that is still recognisably theirs.
    """
    shade = to_oklch(parse_hex(colour))
    candidate = colour.upper()
    while contrast_ratio(text, candidate) < ratio and shade.lightness > 0:
        shade = Oklch(max(0.0, shade.lightness - 0.01), shade.chroma, shade.hue)
        candidate = to_hex(from_oklch(shade))
    return candidate

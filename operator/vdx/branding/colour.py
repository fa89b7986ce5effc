"""Colours: hex parsing and the 11-shade palette webapp3 wants, derived in OKLCH.

Why OKLCH and not HSL: HSL "lightness" is not what eyes see (a yellow and a blue with the same HSL
lightness differ hugely in perceived brightness), so an HSL ramp gives uneven steps and unreadable
mid shades for some hues. OKLCH (Björn Ottosson's OKLab in polar form) is perceptually uniform
enough that equal steps in L look like equal steps, and holding the hue angle keeps every shade
recognisably the brand's colour. The base colour itself is kept exactly, as shade 500, so the
brand colour the region asked for appears verbatim.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

RGB = tuple[float, float, float]

# Shade names of webapp3's colorPalette, light to dark.
SHADES: tuple[int, ...] = (50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 950)

# The base colour is shade 500, as in Pexip's own sample branding (its meta.baseColor is the 500
# shade), so webapp3's primary elements show exactly the colour the region asked for.
BASE_INDEX = 5

# Relative spacing of the shades, from a common design-system ramp in OKLCH lightness; only the
# proportions are used: the ramp is stretched between the base colour and the light/dark ends.
_RAMP: tuple[float, ...] = (0.975, 0.94, 0.885, 0.81, 0.71, 0.62, 0.54, 0.47, 0.40, 0.33, 0.25)


def parse_hex(colour: str) -> RGB:
    """'#5B2C86' -> sRGB channels in 0..1."""
    text = colour.removeprefix("#")
    if len(text) != 6 or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise ValueError(f"{colour!r} is not a #RRGGBB colour")
    return (int(text[0:2], 16) / 255, int(text[2:4], 16) / 255, int(text[4:6], 16) / 255)


def to_hex(rgb: RGB) -> str:
    return "#" + "".join(f"{round(min(1.0, max(0.0, c)) * 255):02X}" for c in rgb)


def to_rgb255(colour: str) -> tuple[int, int, int]:
    r, g, b = parse_hex(colour)
    return (round(r * 255), round(g * 255), round(b * 255))


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _gamma(c: float) -> float:
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


@dataclass(frozen=True)
class Oklch:
    lightness: float
    chroma: float
    hue: float  # degrees


def to_oklch(rgb: RGB) -> Oklch:
    r, g, b = (_linear(c) for c in rgb)
    l_ = math.cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b)
    m_ = math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b)
    s_ = math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b)
    lightness = 0.2104542553 * l_ + 0.7936177850 * m_ - 0.0040720468 * s_
    a = 1.9779984951 * l_ - 2.4285922050 * m_ + 0.4505937099 * s_
    bb = 0.0259040371 * l_ + 0.7827717662 * m_ - 0.8086757660 * s_
    return Oklch(lightness, math.hypot(a, bb), math.degrees(math.atan2(bb, a)) % 360)


def _oklch_to_linear(colour: Oklch) -> RGB:
    a = colour.chroma * math.cos(math.radians(colour.hue))
    b = colour.chroma * math.sin(math.radians(colour.hue))
    l_ = colour.lightness + 0.3963377774 * a + 0.2158037573 * b
    m_ = colour.lightness - 0.1055613458 * a - 0.0638541728 * b
    s_ = colour.lightness - 0.0894841775 * a - 1.2914855480 * b
    lc, mc, sc = l_**3, m_**3, s_**3
    return (
        4.0767416621 * lc - 3.3077115913 * mc + 0.2309699292 * sc,
        -1.2684380046 * lc + 2.6097574011 * mc - 0.3413193965 * sc,
        -0.0041960863 * lc - 0.7034186147 * mc + 1.7076147010 * sc,
    )


def from_oklch(colour: Oklch) -> RGB:
    """OKLCH -> sRGB, reducing chroma (never lightness or hue) until the colour fits the sRGB gamut.

    Keeping lightness is what keeps the shades' contrast predictable; a slightly less saturated
    shade is a far smaller change than a lighter or darker one.
    """

    def inside(c: Oklch) -> bool:
        return all(-1e-6 <= v <= 1 + 1e-6 for v in _oklch_to_linear(c))

    if not inside(colour):
        low, high = 0.0, colour.chroma
        for _ in range(30):
            mid = (low + high) / 2
            if inside(Oklch(colour.lightness, mid, colour.hue)):
                low = mid
            else:
                high = mid
        colour = Oklch(colour.lightness, low, colour.hue)
    r, g, b = (_gamma(min(1.0, max(0.0, v))) for v in _oklch_to_linear(colour))
    return (r, g, b)


def _lightness_ramp(base_lightness: float) -> list[float]:
    """OKLCH lightness of the 11 shades: the base at 500, the ends near white and near black.

    The ends move with the base so that even a very light or very dark brand colour gets five
    distinct steps on each side (a fixed end would squash them together).
    """
    light_end = max(_RAMP[0], base_lightness + (1 - base_lightness) / 2)
    dark_end = min(_RAMP[-1], base_lightness * 0.6)
    middle = _RAMP[BASE_INDEX]
    ramp: list[float] = []
    for i, standard in enumerate(_RAMP):
        if i < BASE_INDEX:
            t = (standard - middle) / (_RAMP[0] - middle)
            ramp.append(base_lightness + t * (light_end - base_lightness))
        elif i > BASE_INDEX:
            t = (middle - standard) / (middle - _RAMP[-1])
            ramp.append(base_lightness - t * (base_lightness - dark_end))
        else:
            ramp.append(base_lightness)
    return ramp


def derive_palette(base: str) -> list[str]:
    """11 shades (50..950, light to dark) of the base colour's hue, with the base itself at 500.

    Chroma falls off towards white and black the way printed tints do: light shades are tints
    (a whisper of the hue on white), dark shades are shades (the hue darkened), never neon.
    """
    origin = to_oklch(parse_hex(base))
    palette: list[str] = []
    for i, lightness in enumerate(_lightness_ramp(origin.lightness)):
        if i == BASE_INDEX:
            palette.append(to_hex(parse_hex(base)))
            continue
        if lightness > origin.lightness:
            share = (1 - lightness) / max(1e-9, 1 - origin.lightness)
            chroma = origin.chroma * share**0.6
        else:
            chroma = origin.chroma * (lightness / max(1e-9, origin.lightness)) ** 0.8
        palette.append(to_hex(from_oklch(Oklch(lightness, chroma, origin.hue))))
    return palette


def palette_of(base: str, explicit: list[str] | None) -> list[str]:
    """The palette a branding uses: the explicit one wins, upper-cased; otherwise derived."""
    if explicit:
        return [to_hex(parse_hex(c)) for c in explicit]
    return derive_palette(base)


def lightness(colour: str) -> float:
    """Perceived (OKLCH) lightness, 0 black .. 1 white; used to check a palette runs light to dark."""
    return to_oklch(parse_hex(colour)).lightness

"""The one font every picture we draw uses, found once per process.

SVG logos often carry their name as <text>, and the preview writes the Danish texts; both need a
font with æ, ø and å. resvg's default sans-serif is Arial, which Linux machines rarely have, so an
unconfigured render silently drops the text. We therefore pick one installed font by file name
(DejaVu Sans first: it is in every Debian/Ubuntu image) and give resvg only that file, which also
makes SVG text render identically on every machine that has the same font.

This module is the only place in vdx.branding that looks at the machine (the font directories).
Without any of the fonts, text falls back to Pillow's built-in font, whose small character set has
no æ/ø/å: drawn texts are then transliterated (æ→ae, ø→oe, å→aa, as Danish itself does) and SVG
text does not render at all; `font_note()` says so, and the preview prints it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from PIL import ImageFont

_REGULAR = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "NotoSans-Regular.ttf", "Arial.ttf", "arial.ttf")
_BOLD = (
    "DejaVuSans-Bold.ttf",
    "LiberationSans-Bold.ttf",
    "NotoSans-Bold.ttf",
    "Arial Bold.ttf",
    "arialbd.ttf",
)

_TRANSLITERATION = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class FontChoice:
    regular_path: str | None
    bold_path: str | None
    family: str | None


def _find(names: tuple[str, ...]) -> tuple[str | None, str | None]:
    for name in names:
        try:
            font = ImageFont.truetype(name, 12)
        except OSError:
            continue
        return str(font.path), font.getname()[0]
    return None, None


@functools.cache
def choice() -> FontChoice:
    regular, family = _find(_REGULAR)
    bold, _ = _find(_BOLD)
    return FontChoice(regular, bold or regular, family)


def font(size: int, bold: bool = False) -> Font:
    chosen = choice()
    path = chosen.bold_path if bold else chosen.regular_path
    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(path, size)


def drawable(text: str) -> str:
    """`text` as it can be drawn: unchanged with a real font, transliterated with the built-in one."""
    return text if choice().regular_path else text.translate(_TRANSLITERATION)


def font_note() -> str | None:
    """A sentence for the preview when text cannot look as it will in Pexip, else None."""
    if choice().regular_path:
        return None
    return (
        "No DejaVu/Liberation/Noto Sans font on this machine: texts show æ/ø/å as ae/oe/aa and text "
        "inside SVG logos is not drawn (install fonts-dejavu-core)"
    )


def font_files() -> list[str]:
    """The font files resvg may use: only the chosen ones, so SVG text renders alike everywhere."""
    chosen = choice()
    return sorted({p for p in (chosen.regular_path, chosen.bold_path) if p})

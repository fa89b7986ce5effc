"""A picture of the branding for a pull request: the web app's join screen and the IVR splash side by side.

It is an approximation drawn by us, not a screenshot of Pexip: it shows what the region controls
(logo, colours, background with its scaling, jumbotron, Danish texts) in a layout like webapp3's
landing page, next to the exact splash picture the IVR theme carries with a sample of the white
text Pexip writes on it. Below both: the palette, so reviewers see all 11 shades.

The checks come first, above everything (issue 21): a red banner listing each failed check (an
error blocks the branding, and a reviewer who only glances at the picture must not miss it), an
amber one for warnings, a slim green one when all passed. The join screen's card has a border and
a shadow, so a white card on a white page (the default colours) is still visible as a card.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter

from vdx.api.branding import BackgroundScaling, CviBranding
from vdx.branding import fonts
from vdx.branding.assets import BrandingAssets
from vdx.branding.colour import SHADES, palette_of, to_rgb255
from vdx.branding.ivr import render_splash
from vdx.branding.limits import Box
from vdx.branding.problems import BrandingProblem, Severity
from vdx.branding.raster import compose, encode_png, fitted
from vdx.branding.webapp import require_logo

PANEL = Box(960, 540)
_MARGIN = 24
_LABEL = 40
_FOOTER = 120
CANVAS = Box(3 * _MARGIN + 2 * PANEL.width, _MARGIN + _LABEL + PANEL.height + _FOOTER)
_PAGE = "#FFFFFF"
_INK = "#1A1A1A"
# The banner: white on red is 6.5:1 and dark on amber 12:1, so the checks are as readable as they
# are visible. At most this many problems are spelled out; the rest are counted.
ERROR_BANNER = "#B3261E"
WARNING_BANNER = "#FFE08A"
PASSED_BANNER = "#1E7B34"
_BANNER_TEXT = 17
_BANNER_LINE = 24
_BANNER_PADDING = 14
BANNER_MAX_PROBLEMS = 8
CARD_BORDER = "#C4C4C4"
CARD = (40, 40, 480, PANEL.height - 40)  # the join screen's card, in the panel
_SAMPLE_IVR_TEXT = "Venter på mødets vært …"  # what Pexip writes while waiting, for judging contrast

RGBA = tuple[int, int, int, int]


def _rgba(colour: str) -> RGBA:
    return (*to_rgb255(colour), 255)


def _wrap(text: str, font: fonts.Font, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and font.getlength(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line] if line else lines


def _paragraph(
    draw: ImageDraw.ImageDraw,
    xy: tuple[int, int],
    text: str,
    size: int,
    colour: str,
    width: int,
    bold: bool = False,
) -> int:
    """Draw wrapped text; return the y below it."""
    font = fonts.font(size, bold)
    x, y = xy
    for line in _wrap(fonts.drawable(text), font, width):
        draw.text((x, y), line, font=font, fill=_rgba(colour))
        y += round(size * 1.3)
    return y


def join_screen(branding: CviBranding, assets: BrandingAssets) -> Image.Image:
    spec = branding.spec
    palette = palette_of(spec.colours.base, spec.colours.palette)
    background = spec.colours.background
    if assets.background is not None and spec.images.background is not None:
        panel = compose(assets.background, PANEL, spec.images.background.scaling, background).convert("RGBA")
    else:
        panel = Image.new("RGBA", (PANEL.width, PANEL.height), _rgba(background))
    draw = ImageDraw.Draw(panel)

    card = CARD
    _shadow(panel, card)
    draw.rounded_rectangle(card, radius=16, fill=_rgba(background), outline=_rgba(CARD_BORDER), width=1)
    inner_left, inner_width = card[0] + 32, card[2] - card[0] - 64
    logo = fitted(require_logo(branding, assets), Box(210, 100), allow_upscale=True)
    panel.alpha_composite(logo, (inner_left, card[1] + 28))
    y = card[1] + 28 + logo.height + 24
    texts = spec.texts.da
    y = _paragraph(draw, (inner_left, y), texts.app_title, 26, palette[-1], inner_width, bold=True) + 8
    if texts.welcome:
        y = _paragraph(draw, (inner_left, y), texts.welcome, 18, palette[-1], inner_width) + 6
    if texts.join_instructions:
        y = _paragraph(draw, (inner_left, y), texts.join_instructions, 15, palette[-1], inner_width) + 6

    field_top = max(y + 8, card[3] - 124)
    draw.rounded_rectangle(
        (inner_left, field_top, inner_left + inner_width, field_top + 44),
        radius=8,
        fill=_rgba("#FFFFFF"),
        outline=_rgba(palette[3]),
        width=2,
    )
    placeholder = fonts.font(16)
    draw.text(
        (inner_left + 14, field_top + 12),
        fonts.drawable("Mødets adresse"),
        font=placeholder,
        fill=_rgba("#6B6B6B"),
    )
    button_top = field_top + 56
    draw.rounded_rectangle(
        (inner_left, button_top, inner_left + inner_width, button_top + 44), radius=22, fill=_rgba(palette[5])
    )
    draw.text(
        (inner_left + inner_width // 2, button_top + 22),
        "Deltag",
        font=fonts.font(18, bold=True),
        anchor="mm",
        fill=_rgba("#FFFFFF"),  # white, as the contrast check assumes: a failing colour must show
    )

    if assets.jumbotron is not None:
        slot = Box(PANEL.width - card[2] - 80, PANEL.height - 80)
        picture = compose(assets.jumbotron, slot, BackgroundScaling.COVER, background)
        mask = Image.new("L", (slot.width, slot.height), 0)
        ImageDraw.Draw(mask).rounded_rectangle((0, 0, slot.width - 1, slot.height - 1), radius=16, fill=255)
        panel.paste(picture, (card[2] + 40, 40), mask)
    return panel.convert("RGB")


def _shadow(panel: Image.Image, box: tuple[int, int, int, int]) -> None:
    """A soft shadow under the card: seen on any page colour, a white card on white included."""
    layer = Image.new("RGBA", panel.size, (0, 0, 0, 0))
    left, top, right, bottom = box
    ImageDraw.Draw(layer).rounded_rectangle((left, top + 4, right, bottom + 6), radius=16, fill=(0, 0, 0, 90))
    panel.alpha_composite(layer.filter(ImageFilter.GaussianBlur(8)))


@dataclass(frozen=True)
class Banner:
    """One coloured band at the top of the preview, with the lines written on it."""

    colour: str
    ink: str
    title: str
    lines: tuple[str, ...]

    @property
    def height(self) -> int:
        return 2 * _BANNER_PADDING + (1 + len(self.lines)) * _BANNER_LINE


def banners(problems: list[BrandingProblem], width: int = CANVAS.width - 2 * _MARGIN) -> list[Banner]:
    """What the preview says about the checks, top first: a red banner with each error, an amber one
    with each warning, or a green one when everything passed. Pure, so tests read the words."""
    errors = [p for p in problems if p.severity is Severity.ERROR]
    warnings = [p for p in problems if p.severity is Severity.WARNING]
    if not problems:
        return [Banner(PASSED_BANNER, "#FFFFFF", "All checks passed", ())]
    found: list[Banner] = []
    font = fonts.font(_BANNER_TEXT)
    for group, colour, ink, what in (
        (errors, ERROR_BANNER, "#FFFFFF", "FAILED: {n} check(s) to fix before this branding can go to Pexip"),
        (warnings, WARNING_BANNER, _INK, "{n} warning(s): look at them before approving"),
    ):
        if not group:
            continue
        lines: list[str] = []
        for problem in group[:BANNER_MAX_PROBLEMS]:
            text = fonts.drawable(f"{problem.field}: {problem.message}. Fix: {problem.fix}")
            wrapped = _wrap(text, font, width - 40)
            lines += [f"-  {wrapped[0]}", *(f"   {rest}" for rest in wrapped[1:])]
        if len(group) > BANNER_MAX_PROBLEMS:
            lines.append(f"... and {len(group) - BANNER_MAX_PROBLEMS} more: run vdx branding check FILE")
        found.append(Banner(colour, ink, what.format(n=len(group)), tuple(lines)))
    return found


def _draw_banners(canvas: Image.Image, shown: list[Banner]) -> None:
    draw = ImageDraw.Draw(canvas)
    top = 0
    for banner in shown:
        draw.rectangle((0, top, canvas.width, top + banner.height - 1), fill=_rgba(banner.colour))
        y = top + _BANNER_PADDING
        title = fonts.font(_BANNER_TEXT + 3, bold=True)
        draw.text((_MARGIN, y), banner.title, font=title, fill=_rgba(banner.ink))
        for line in banner.lines:
            y += _BANNER_LINE
            draw.text((_MARGIN, y), line, font=fonts.font(_BANNER_TEXT), fill=_rgba(banner.ink))
        top += banner.height


def _splash_screen(branding: CviBranding, assets: BrandingAssets) -> Image.Image:
    splash = render_splash(branding, assets, PANEL)
    draw = ImageDraw.Draw(splash)
    draw.text(
        (PANEL.width // 2, round(PANEL.height * 0.62)),
        fonts.drawable(_SAMPLE_IVR_TEXT),
        font=fonts.font(30),
        anchor="mm",
        fill=(255, 255, 255),
    )
    return splash


def _footer(
    draw: ImageDraw.ImageDraw, branding: CviBranding, problems: list[BrandingProblem], offset: int
) -> None:
    spec = branding.spec
    top = offset + _MARGIN + _LABEL + PANEL.height + 20
    palette = palette_of(spec.colours.base, spec.colours.palette)
    swatch = 44
    for index, (shade, colour) in enumerate(zip(SHADES, palette, strict=True)):
        left = _MARGIN + index * (swatch + 8)
        draw.rectangle((left, top, left + swatch, top + swatch), fill=_rgba(colour), outline=_rgba("#D0D0D0"))
        draw.text(
            (left + swatch // 2, top + swatch + 12),
            str(shade),
            font=fonts.font(12),
            anchor="mm",
            fill=_rgba(_INK),
        )
    notes_left = _MARGIN + 11 * (swatch + 8) + 24
    errors = sum(1 for p in problems if p.severity is Severity.ERROR)
    warnings = len(problems) - errors
    lines = [
        f"{spec.brand_name} · base {spec.colours.base.upper()} · background {spec.colours.background.upper()}"
        + (f" · background image: {spec.images.background.scaling.value}" if spec.images.background else ""),
        f"Checks: {errors} error(s), {warnings} warning(s)"
        + (" (run: vdx branding check FILE)" if problems else ""),
    ]
    note = fonts.font_note()
    if note:
        lines.append(note)
    for row, line in enumerate(lines):
        draw.text((notes_left, top + row * 24), fonts.drawable(line), font=fonts.font(16), fill=_rgba(_INK))


def render_preview(
    branding: CviBranding, assets: BrandingAssets, problems: list[BrandingProblem] | None = None
) -> bytes:
    """The preview PNG; `problems` (from validate_branding) head it, each failed check spelled out;
    with None (the checks were not run) there is no banner, rather than a green one."""
    shown = banners(problems) if problems is not None else []  # unchecked: claim nothing
    offset = sum(banner.height for banner in shown)
    canvas = Image.new("RGB", (CANVAS.width, offset + CANVAS.height), to_rgb255(_PAGE))
    _draw_banners(canvas, shown)
    draw = ImageDraw.Draw(canvas)
    web = branding.spec.web_app
    labels = (
        f"Web app join screen · https://{web.domain}/{web.slug}",
        "IVR splash screen (video systems over SIP/H.323) · sample Pexip text",
    )
    for index, (label, panel) in enumerate(
        zip(labels, (join_screen(branding, assets), _splash_screen(branding, assets)), strict=True)
    ):
        left = _MARGIN + index * (PANEL.width + _MARGIN)
        draw.text((left, offset + _MARGIN), label, font=fonts.font(20, bold=True), fill=_rgba(_INK))
        canvas.paste(panel, (left, offset + _MARGIN + _LABEL))
        top = offset + _MARGIN + _LABEL
        draw.rectangle((left - 1, top - 1, left + PANEL.width, top + PANEL.height), outline=_rgba("#C8C8C8"))
    _footer(draw, branding, problems or [], offset)
    return encode_png(canvas)

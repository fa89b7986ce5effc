"""The IVR theme: splash screens for people who join over SIP/H.323 (video systems, not browsers).

A new-style theme is a ZIP with `themeconfig.json` ("theme_version": 2) at its root and the files it
names (spec §2.11); everything not named keeps Pexip's base theme, including the voice prompts and
the text Pexip writes on the splash screens ("Waiting for the host..."). So the theme only
replaces the splash backgrounds, with one picture that carries the tenant's identity:
- the tenant's background image with its scaling mode, or else a gradient of the palette's dark
  shades (Pexip writes white text on splash screens, so the picture must stay dark);
- the logo on a card of the web app's background colour at the top (logos are designed for a light
  ground; the card keeps any logo legible on any picture), leaving the middle free for Pexip's text;
- a bar of the base colour along the bottom.
No text is drawn into the picture: Pexip writes the (translated) texts itself.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from vdx.api.branding import CviBranding
from vdx.branding.archive import RenderedPackage, deterministic_zip
from vdx.branding.assets import BrandingAssets
from vdx.branding.colour import palette_of, to_rgb255
from vdx.branding.limits import SCREEN, Box
from vdx.branding.raster import compose, encode_jpeg, fitted
from vdx.branding.templating import render_json
from vdx.branding.webapp import require_logo

THEMECONFIG = "themeconfig.json"
SPLASH_IMAGE = "splash_background.jpg"

# The splash screens whose background the theme replaces. The names must match the screen keys of
# Pexip's base theme (themeconfig.json, splash_screens.screens); they are not confirmed against a
# real Management Node yet, so they live here, in one place, to be corrected if Pexip disagrees.
SPLASH_SCREENS: tuple[str, ...] = (
    "welcome",
    "waiting_for_host",
    "other_participants_audio_only",
    "conference_locked",
)

_LOGO_BOX = Box(560, 240)  # the logo's area on the splash card (2x the web app's logo slot, roughly)
_CARD_PADDING = 48
_CARD_TOP = 96
_BAR_HEIGHT = 24


def _gradient(top: str, bottom: str, canvas: Box) -> Image.Image:
    # Computed one pixel wide and stretched: the same picture as at full width, without three
    # full-screen intermediates (about 14 MiB per render, in the operator's memory).
    mask = Image.linear_gradient("L").resize((1, canvas.height))
    column = Image.composite(
        Image.new("RGB", (1, canvas.height), to_rgb255(bottom)),
        Image.new("RGB", (1, canvas.height), to_rgb255(top)),
        mask,
    )
    return column.resize((canvas.width, canvas.height), Image.Resampling.NEAREST)


def render_splash(branding: CviBranding, assets: BrandingAssets, canvas: Box = SCREEN) -> Image.Image:
    """The splash picture (RGB) at `canvas` size; the preview draws it smaller with the same code."""
    spec = branding.spec
    palette = palette_of(spec.colours.base, spec.colours.palette)
    logo = require_logo(branding, assets)
    factor = canvas.width / SCREEN.width
    if assets.background is not None and spec.images.background is not None:
        picture = compose(
            assets.background, canvas, spec.images.background.scaling, palette[8], reference=SCREEN
        )
    else:
        picture = _gradient(palette[7], palette[10], canvas)

    logo_box = Box(round(_LOGO_BOX.width * factor), round(_LOGO_BOX.height * factor))
    logo_image = fitted(logo, logo_box, allow_upscale=True)
    padding = round(_CARD_PADDING * factor)
    card_w, card_h = logo_image.width + 2 * padding, logo_image.height + 2 * padding
    left, top = (canvas.width - card_w) // 2, round(_CARD_TOP * factor)
    # Drawn on the RGB picture itself (the card and the bar are opaque; the logo is pasted through
    # its own alpha), not on an RGBA copy converted back: two full-screen copies fewer.
    picture = picture if picture.mode == "RGB" else picture.convert("RGB")
    draw = ImageDraw.Draw(picture)
    draw.rounded_rectangle(
        (left, top, left + card_w - 1, top + card_h - 1),
        radius=round(24 * factor),
        fill=to_rgb255(spec.colours.background),
    )
    picture.paste(logo_image, (left + padding, top + padding), logo_image)
    bar = max(1, round(_BAR_HEIGHT * factor))
    draw.rectangle((0, canvas.height - bar, canvas.width, canvas.height), fill=to_rgb255(spec.colours.base))
    return picture


def render_ivr_theme(branding: CviBranding, assets: BrandingAssets) -> RenderedPackage:
    """Render the IVR theme ZIP for `branding`; the same inputs always give the same bytes."""
    files = {
        SPLASH_IMAGE: encode_jpeg(render_splash(branding, assets)),
        THEMECONFIG: render_json(
            "themeconfig.json.j2", screens=list(SPLASH_SCREENS), background=SPLASH_IMAGE
        ),
    }
    return deterministic_zip(files)

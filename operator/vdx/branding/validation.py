"""The checks a region's branding must pass, each phrased as field, problem and fix.

Which colour pairs are checked, and why (WCAG 2.1 AA, 4.5:1 for normal-size text):
- white text on the base colour (shade 500): webapp3's primary buttons ("Deltag") and the IVR
  splash bar use it; with an explicit palette, shade 500 is checked as well as the base;
- the base colour on the background colour: webapp3 uses the brand colour for links, icons and
  outlined buttons on the page background;
- the darkest shade (950) on the background colour: body text of the join screen;
- white text on the IVR splash picture (a warning): Pexip writes its own white texts in the middle
  of the splash screen; we check against the picture's average colour there, which is a good
  guide but not a guarantee on busy photos, hence a warning rather than an error.
Image limits and their reasons are in vdx.branding.limits.
"""

from __future__ import annotations

from PIL import ImageStat

from vdx.api.branding import BackgroundScaling, CviBranding, LocaleTexts
from vdx.branding import svgsafe
from vdx.branding.assets import BrandingAssets, ImageAsset
from vdx.branding.colour import BASE_INDEX, lightness, palette_of, to_hex
from vdx.branding.contrast import AA_NORMAL_TEXT, contrast_ratio, darkened_until_readable
from vdx.branding.imageformat import ImageDefect, ImageFormat
from vdx.branding.limits import (
    LOGO_MAX_BYTES,
    LOGO_MINIMUM,
    LOGO_RECOMMENDED,
    MAX_PIXELS,
    MAX_SIDE,
    SCREEN,
    SCREEN_IMAGE_MAX_BYTES,
    SCREEN_MINIMUM,
    TILE_MINIMUM,
    Box,
)
from vdx.branding.problems import BrandingProblem, Severity

WHITE = "#FFFFFF"
_MAX_ENLARGEMENT = SCREEN.width / SCREEN_MINIMUM.width  # 1.5


def validate_branding(branding: CviBranding, assets: BrandingAssets) -> list[BrandingProblem]:
    """Every problem found, errors and warnings, in the order a region would fix them."""
    problems = list(assets.problems)
    problems += _image_problems(branding, assets)
    problems += _text_problems(branding)
    problems += _colour_problems(branding)
    if branding.spec.ivr_theme.enabled and assets.logo is not None:
        try:
            problems += _splash_problems(branding, assets)
        except ImageDefect as exc:  # the renderer's own limits: a finding on the asset, never a crash
            problems.append(BrandingProblem(assets.logo.field, str(exc), exc.fix))
    return problems


def _kib(size: int) -> str:
    return f"{size / 1024:.0f} KiB"


def _image_problems(branding: CviBranding, assets: BrandingAssets) -> list[BrandingProblem]:
    problems: list[BrandingProblem] = []
    background = branding.spec.images.background
    scaling = background.scaling if background is not None else BackgroundScaling.COVER
    if assets.logo is not None:
        problems += _bytes(assets.logo, LOGO_MAX_BYTES, LOGO_RECOMMENDED)
        problems += _pixels(assets.logo)
        problems += _svg(assets.logo)
        if assets.logo.format is not ImageFormat.SVG:
            slot = min(LOGO_MINIMUM.width / assets.logo.width, LOGO_MINIMUM.height / assets.logo.height)
            if slot > 1:
                problems.append(
                    BrandingProblem(
                        assets.logo.field,
                        f"{assets.logo.origin} is {assets.logo.width}x{assets.logo.height} pixels; the web "
                        f"app shows logos in a {LOGO_MINIMUM} slot, so it would be enlarged {slot:.1f}x and "
                        f"blurred",
                        f"use a logo of {LOGO_RECOMMENDED} pixels (Pexip's recommendation) or an SVG",
                    )
                )
    for asset, mode in ((assets.background, scaling), (assets.jumbotron, BackgroundScaling.COVER)):
        if asset is None:
            continue
        problems += _bytes(asset, SCREEN_IMAGE_MAX_BYTES, SCREEN)
        problems += _pixels(asset)
        problems += _svg(asset)
        if asset.format is not ImageFormat.SVG:
            problems += _screen_size(asset, mode)
    return problems


def _bytes(asset: ImageAsset, limit: int, recommended: Box) -> list[BrandingProblem]:
    if asset.byte_size <= limit:
        return []
    return [
        BrandingProblem(
            asset.field,
            f"{asset.origin} is {_kib(asset.byte_size)}; at most {_kib(limit)} fits in a Kubernetes "
            f"ConfigMap next to the other images",
            f"export it at {recommended} pixels (larger is scaled down anyway), as JPEG for photos or "
            f"as PNG/SVG for graphics",
        )
    ]


def _pixels(asset: ImageAsset) -> list[BrandingProblem]:
    if asset.format is ImageFormat.SVG:
        return []  # vector: drawn at whatever size is needed, its declared size costs nothing
    if asset.width * asset.height <= MAX_PIXELS and max(asset.width, asset.height) <= MAX_SIDE:
        return []
    return [
        BrandingProblem(
            asset.field,
            f"{asset.origin} is {asset.width}x{asset.height} pixels, more than the {MAX_PIXELS // 1_000_000} "
            f"megapixels / {MAX_SIDE} pixels per side that are accepted",
            f"scale it down to {SCREEN} pixels before adding it",
        )
    ]


def _screen_size(asset: ImageAsset, mode: BackgroundScaling) -> list[BrandingProblem]:
    if mode is BackgroundScaling.TILE:
        if asset.width >= TILE_MINIMUM.width and asset.height >= TILE_MINIMUM.height:
            return []
        return [
            BrandingProblem(
                asset.field,
                f"{asset.origin} is {asset.width}x{asset.height} pixels, too small to tile",
                f"use a tile of at least {TILE_MINIMUM} pixels",
            )
        ]
    ratios = (SCREEN.width / asset.width, SCREEN.height / asset.height)
    factor = min(ratios) if mode is BackgroundScaling.CONTAIN else max(ratios)
    if factor <= _MAX_ENLARGEMENT:
        return []
    return [
        BrandingProblem(
            asset.field,
            f"{asset.origin} is {asset.width}x{asset.height} pixels; with {mode.value} on a {SCREEN} screen "
            f"it would be enlarged {factor:.1f}x and look blurred",
            f"use an image of at least {SCREEN_MINIMUM} pixels ({SCREEN} is best) or an SVG",
        )
    ]


def _svg(asset: ImageAsset) -> list[BrandingProblem]:
    """Judged on the parsed tree against an allowlist (vdx.branding.svgsafe), never by patterns."""
    if asset.format is not ImageFormat.SVG:
        return []
    try:
        found = svgsafe.inspect(asset.data)
    except svgsafe.SvgRefused as exc:
        return [BrandingProblem(asset.field, f"{asset.origin} {exc.message}", exc.fix)]
    problems: list[BrandingProblem] = []
    if found.unsafe:
        shown = "; ".join(found.unsafe[:5]) + (
            f"; and {len(found.unsafe) - 5} more" if len(found.unsafe) > 5 else ""
        )
        problems.append(
            BrandingProblem(
                asset.field,
                f"{asset.origin} contains what must not be served from the tenant's web app address, where "
                f"it could run as the web app: {shown}",
                "remove it (scripts, event handlers, links, animations, foreignObject, references to other "
                "servers), save as plain SVG with only drawing elements, or export the logo as PNG",
            )
        )
    if found.has_text:
        problems.append(
            BrandingProblem(
                asset.field,
                f"{asset.origin} contains <text>: browsers draw it with whatever fonts the device has, so "
                f"it may look different from your design",
                "convert the text to outlines (paths) in your drawing program before exporting the SVG",
                Severity.WARNING,
            )
        )
    return problems


def _text_problems(branding: CviBranding) -> list[BrandingProblem]:
    da: LocaleTexts = branding.spec.texts.da
    en: LocaleTexts = branding.spec.texts.en
    problems: list[BrandingProblem] = []
    fields = (("appTitle", "app_title"), ("welcome", "welcome"), ("joinInstructions", "join_instructions"))
    for wire, attribute in fields:
        danish = (getattr(da, attribute) or "").strip()
        english = (getattr(en, attribute) or "").strip()
        if not danish and english:
            problems.append(
                BrandingProblem(
                    f"spec.texts.da.{wire}",
                    f"is missing while spec.texts.en.{wire} is set; Danish is what most VDX users see",
                    f"add the Danish text of {english!r}",
                )
            )
        elif not danish and wire == "welcome":
            problems.append(
                BrandingProblem(
                    "spec.texts.da.welcome",
                    "is missing, so the landing page shows Pexip's standard text instead of yours",
                    "add a Danish welcome text (and spec.texts.en.welcome in English)",
                    Severity.WARNING,
                )
            )
        elif danish and danish == english and len(danish) > 3 and danish != branding.spec.brand_name:
            problems.append(
                BrandingProblem(
                    f"spec.texts.da.{wire}",
                    f"is the same as the English text ({english!r}); it looks untranslated",
                    "write the Danish text, or ignore this warning if the text is a name",
                    Severity.WARNING,
                )
            )
    return problems


def _colour_problems(branding: CviBranding) -> list[BrandingProblem]:
    colours = branding.spec.colours
    base, background = colours.base.upper(), colours.background.upper()
    palette = palette_of(base, colours.palette)
    problems: list[BrandingProblem] = []

    ratio = contrast_ratio(WHITE, base)
    if ratio < AA_NORMAL_TEXT:
        problems.append(
            BrandingProblem(
                "spec.colours.base",
                f"white text on {base} (buttons, the IVR bar) has contrast {ratio:.2f}:1; WCAG 2.1 AA needs "
                f"{AA_NORMAL_TEXT}:1",
                f"choose a darker base colour, for example {darkened_until_readable(base)}",
            )
        )
    if colours.palette and palette[BASE_INDEX] != base:
        shade = palette[BASE_INDEX]
        ratio = contrast_ratio(WHITE, shade)
        if ratio < AA_NORMAL_TEXT:
            problems.append(
                BrandingProblem(
                    f"spec.colours.palette[{BASE_INDEX}]",
                    f"white text on shade 500 ({shade}, the buttons) has contrast {ratio:.2f}:1; WCAG 2.1 AA "
                    f"needs {AA_NORMAL_TEXT}:1",
                    f"make shade 500 darker, for example {darkened_until_readable(shade)}",
                )
            )
    ratio = contrast_ratio(base, background)
    if ratio < AA_NORMAL_TEXT:
        problems.append(
            BrandingProblem(
                "spec.colours.base",
                f"the base colour {base} as link and icon colour on the background {background} has contrast "
                f"{ratio:.2f}:1; WCAG 2.1 AA needs {AA_NORMAL_TEXT}:1",
                # Never suggest what is already there: white cannot get lighter.
                f"choose a darker base colour, for example {darkened_until_readable(base, background)}"
                if background == WHITE
                else "choose a darker base colour or a lighter spec.colours.background",
            )
        )
    darkest = palette[-1]
    ratio = contrast_ratio(darkest, background)
    if ratio < AA_NORMAL_TEXT:
        problems.append(
            BrandingProblem(
                "spec.colours.background",
                f"body text (the darkest shade, {darkest}) on {background} has contrast {ratio:.2f}:1; "
                f"WCAG 2.1 AA needs {AA_NORMAL_TEXT}:1",
                "make the darkest shades of spec.colours.palette darker, or leave the palette out to derive "
                "it from the base colour"
                if background == WHITE
                else "choose a light background colour (white or a very light tint works with every brand)",
            )
        )
    if colours.palette:
        for index in range(1, len(palette)):
            if lightness(palette[index]) > lightness(palette[index - 1]) + 0.005:
                problems.append(
                    BrandingProblem(
                        f"spec.colours.palette[{index}]",
                        f"{palette[index]} is lighter than the shade before it ({palette[index - 1]})",
                        "list the 11 shades from the lightest (50) to the darkest (950), or leave the "
                        "palette out to derive it from the base colour",
                    )
                )
    return problems


def _splash_problems(branding: CviBranding, assets: BrandingAssets) -> list[BrandingProblem]:
    from vdx.branding.ivr import render_splash  # the renderer imports nothing from here; no cycle

    small = render_splash(branding, assets, Box(192, 108))
    middle = small.crop((0, 40, 192, 100))  # where Pexip writes its text, below the logo card
    mean = ImageStat.Stat(middle).mean
    average = to_hex((mean[0] / 255, mean[1] / 255, mean[2] / 255))
    ratio = contrast_ratio(WHITE, average)
    if ratio >= AA_NORMAL_TEXT:
        return []
    has_background = assets.background is not None
    return [
        BrandingProblem(
            "spec.images.background.source" if has_background else "spec.colours.base",
            f"Pexip writes white text on the IVR splash screen; the picture averages {average} there, "
            f"contrast {ratio:.2f}:1 (WCAG 2.1 AA needs {AA_NORMAL_TEXT}:1)",
            "use a darker background image" if has_background else "choose a darker base colour or palette",
            Severity.WARNING,
        )
    ]

"""The webapp3 branding package: webapp3/branding/manifest.json plus the files it names.

Layout and keys follow Pexip's webapp3 branding (spec §2.12). Choices made here, and why:
- the logo and jumbotron keep their format; SVG stays SVG (sharp on every screen, and its bytes
  stay the region's own), raster images larger than Pexip's recommended size are scaled down;
- the background is rendered to one 1920x1080 JPEG with the scaling mode (Cover, Contain, Stretch,
  Tile) already applied, because webapp3's manifest has no scaling setting of its own: the web app
  fills the screen with the picture, and the picture already is what the region chose;
- the favicon is a monogram (first letter of the brand on the base colour), because a 336x160 logo
  shrunk to 64x64 is unreadable; it is drawn with Pillow's built-in font so it looks the same on
  every machine;
- Danish is the first language, so it is the default for users whose browser asks for neither.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from vdx.api.branding import CviBranding
from vdx.branding.archive import RenderedPackage, deterministic_zip
from vdx.branding.assets import BrandingAssets, ImageAsset
from vdx.branding.colour import palette_of, to_rgb255
from vdx.branding.contrast import readable_text_on
from vdx.branding.limits import FAVICON, LOGO_RECOMMENDED, SCREEN
from vdx.branding.problems import BrandingError, BrandingProblem
from vdx.branding.raster import compose, encode_jpeg, encode_png, shrunk
from vdx.branding.templating import render_json

ROOT = "webapp3/branding"
MANIFEST = f"{ROOT}/manifest.json"
LANGUAGES = ("da", "en")


def resource_label(branding: CviBranding) -> str:
    meta = branding.metadata
    return f"{meta.namespace}/{meta.name}" if meta.namespace else meta.name


def require_logo(branding: CviBranding, assets: BrandingAssets) -> ImageAsset:
    """The logo, or a BrandingError carrying the reasons it could not be read."""
    if assets.logo is not None:
        return assets.logo
    reasons = [p for p in assets.problems if p.field.startswith("spec.images.logo")] or [
        BrandingProblem("spec.images.logo", "could not be read", "run vdx branding check for details")
    ]
    raise BrandingError(resource_label(branding), reasons)


def monogram(brand_name: str, base: str) -> bytes:
    """A 64x64 PNG favicon: the brand's first letter on a rounded square of the base colour."""
    letter = next((c for c in brand_name if c.isalnum()), "V").upper()
    letter = {"Æ": "A", "Ø": "O", "Å": "A"}.get(letter, letter)  # the built-in font lacks these
    scale = 4  # draw large, then shrink: smooth edges without depending on the renderer's AA
    size = FAVICON.width * scale
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 5, fill=(*to_rgb255(base), 255))
    font = ImageFont.load_default(size=size * 0.62)
    draw.text(
        (size / 2, size / 2), letter, font=font, anchor="mm", fill=(*to_rgb255(readable_text_on(base)), 255)
    )
    return encode_png(image.resize((FAVICON.width, FAVICON.height), Image.Resampling.LANCZOS))


def _content_version(values: Mapping[str, Any], files: Mapping[str, bytes]) -> str:
    """A short fingerprint of everything but the manifest itself (it cannot contain its own hash)."""
    digest = hashlib.sha256()
    digest.update(json.dumps(values, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    for path in sorted(files):
        digest.update(path.encode("utf-8") + b"\0" + hashlib.sha256(files[path]).digest())
    return digest.hexdigest()[:12]


def render_webapp_package(branding: CviBranding, assets: BrandingAssets) -> RenderedPackage:
    """Render the webapp3 branding ZIP for `branding`; the same inputs always give the same bytes.

    `spec.applicationConfig` becomes the manifest's applicationConfig (left out when not set).
    """
    spec = branding.spec
    application_config = (
        spec.application_config.model_dump(mode="json", by_alias=True)
        if spec.application_config is not None
        else None
    )
    logo = require_logo(branding, assets)
    files: dict[str, bytes] = {}
    images: list[tuple[str, str]] = []

    data, kind = shrunk(logo, LOGO_RECOMMENDED)
    files[f"{ROOT}/logo.{kind.extension}"] = data
    images.append(("logo", f"./logo.{kind.extension}"))
    if assets.jumbotron is not None:
        data, kind = shrunk(assets.jumbotron, SCREEN)
        files[f"{ROOT}/jumbotron.{kind.extension}"] = data
        images.append(("jumbotron", f"./jumbotron.{kind.extension}"))
    if assets.background is not None and spec.images.background is not None:
        picture = compose(assets.background, SCREEN, spec.images.background.scaling, spec.colours.background)
        files[f"{ROOT}/background.jpg"] = encode_jpeg(picture)
        images.append(("background", "./background.jpg"))
    files[f"{ROOT}/favicon.png"] = monogram(spec.brand_name, spec.colours.base)

    for language in LANGUAGES:
        texts = getattr(spec.texts, language)
        files[f"{ROOT}/{language}.json"] = render_json(
            "translation.json.j2", brand_name=spec.brand_name, texts=texts
        )

    values: dict[str, Any] = {
        "meta_name": resource_label(branding),
        "base_color": spec.colours.base.upper(),
        "brand_name": spec.brand_name,
        "app_title": spec.texts.da.app_title,
        "images": images,
        "favicon": {"href": "./favicon.png", "sizes": f"{FAVICON}", "type": "image/png"},
        "languages": list(LANGUAGES),
        "application_config": dict(application_config) if application_config is not None else None,
        "palette": palette_of(spec.colours.base, spec.colours.palette),
        "background_color": spec.colours.background.upper(),
    }
    files[MANIFEST] = render_json("manifest.json.j2", brand_version=_content_version(values, files), **values)
    return deterministic_zip(files)

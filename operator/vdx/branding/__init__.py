"""CVI branding: from a CviBranding and its images to Pexip's packages, checks and a preview.

Pure: callers pass the resource and the ConfigMaps/Secrets as data and get bytes back; no
Kubernetes, no HTTP, no files (vdx.branding.files is the CLI's file finder and the one exception).
The operator calls `render_branding(branding, load_assets(branding, objects))`: it refuses (with
BrandingError) what fails the checks, and otherwise returns both packages and one content hash to
compare with status.contentHash; `webapp.zip_bytes` goes to `webapp_branding.branding_file`,
`ivr_theme.zip_bytes` to `ivr_theme.package`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vdx.branding.archive import RenderedPackage
    from vdx.branding.assets import BrandingAssets, ImageAsset, load_assets
    from vdx.branding.bundle import RenderedBranding, render_branding
    from vdx.branding.colour import derive_palette, palette_of
    from vdx.branding.contrast import contrast_ratio
    from vdx.branding.imageformat import ImageFormat
    from vdx.branding.ivr import render_ivr_theme
    from vdx.branding.preview import render_preview
    from vdx.branding.problems import BrandingError, BrandingProblem, Severity
    from vdx.branding.validation import validate_branding
    from vdx.branding.webapp import render_webapp_package

# Imported on first use (PEP 562): rendering brings Pillow, resvg and jinja2, which `vdx check`,
# the CLI's help and an operator serving no CviBranding never need.
_LAZY = {
    "RenderedPackage": "vdx.branding.archive",
    "BrandingAssets": "vdx.branding.assets",
    "ImageAsset": "vdx.branding.assets",
    "load_assets": "vdx.branding.assets",
    "RenderedBranding": "vdx.branding.bundle",
    "render_branding": "vdx.branding.bundle",
    "derive_palette": "vdx.branding.colour",
    "palette_of": "vdx.branding.colour",
    "contrast_ratio": "vdx.branding.contrast",
    "ImageFormat": "vdx.branding.imageformat",
    "render_ivr_theme": "vdx.branding.ivr",
    "render_preview": "vdx.branding.preview",
    "BrandingError": "vdx.branding.problems",
    "BrandingProblem": "vdx.branding.problems",
    "Severity": "vdx.branding.problems",
    "validate_branding": "vdx.branding.validation",
    "render_webapp_package": "vdx.branding.webapp",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "BrandingAssets",
    "BrandingError",
    "BrandingProblem",
    "ImageAsset",
    "ImageFormat",
    "RenderedBranding",
    "RenderedPackage",
    "Severity",
    "contrast_ratio",
    "derive_palette",
    "load_assets",
    "palette_of",
    "render_branding",
    "render_ivr_theme",
    "render_preview",
    "render_webapp_package",
    "validate_branding",
]

"""CVI branding: from a CviBranding and its images to Pexip's packages, checks and a preview.

Pure: callers pass the resource and the ConfigMaps/Secrets as data and get bytes back; no
Kubernetes, no HTTP, no files (vdx.branding.files is the CLI's file finder and the one exception).
The operator calls `render_branding(branding, load_assets(branding, objects))`: it refuses (with
BrandingError) what fails the checks, and otherwise returns both packages and one content hash to
compare with status.contentHash; `webapp.zip_bytes` goes to `webapp_branding.branding_file`,
`ivr_theme.zip_bytes` to `ivr_theme.package`.
"""

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

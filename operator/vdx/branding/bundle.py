"""Everything the operator uploads for one CviBranding, in one call, with one hash for its status.

The operator needs three things per reconcile: are there errors (then upload nothing and say
why), the packages, and a single fingerprint to compare with status.contentHash. Asking for them
together keeps the rule "never upload a branding that fails its checks" in one place instead of
in every caller.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from vdx.api.branding import CviBranding
from vdx.branding.archive import RenderedPackage
from vdx.branding.assets import BrandingAssets
from vdx.branding.problems import BrandingError, BrandingProblem, Severity


@dataclass(frozen=True)
class RenderedBranding:
    webapp: RenderedPackage  # upload as webapp_branding.branding_file (webapp_type "webapp3")
    ivr_theme: RenderedPackage | None  # upload as ivr_theme.package; None when spec.ivrTheme.enabled is false
    warnings: tuple[BrandingProblem, ...]
    # SHA-256 over both packages' hashes: changes exactly when either package changes.
    content_hash: str


def render_branding(branding: CviBranding, assets: BrandingAssets) -> RenderedBranding:
    """Validate, then render both packages; raise BrandingError listing the errors if there are any.

    The renderers (Pillow, resvg, jinja2: about 9 MiB) are imported on the first rendering, so an
    operator process serving no CviBranding never holds them."""
    from vdx.branding.ivr import render_ivr_theme
    from vdx.branding.validation import validate_branding
    from vdx.branding.webapp import render_webapp_package, resource_label

    problems = validate_branding(branding, assets)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        raise BrandingError(resource_label(branding), errors)
    webapp = render_webapp_package(branding, assets)
    theme = render_ivr_theme(branding, assets) if branding.spec.ivr_theme.enabled else None
    return RenderedBranding(
        webapp=webapp,
        ivr_theme=theme,
        warnings=tuple(p for p in problems if p.severity is Severity.WARNING),
        content_hash=content_hash(webapp, theme),
    )


def content_hash(webapp: RenderedPackage, theme: RenderedPackage | None) -> str:
    """The one hash of both packages (status.contentHash); also worked out again by whoever receives
    a rendering from another process, rather than taking its word for it."""
    digest = hashlib.sha256(f"webapp3:{webapp.sha256}\nivr_theme:{theme.sha256 if theme else '-'}\n".encode())
    return digest.hexdigest()

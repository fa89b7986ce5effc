from __future__ import annotations

import pytest

from vdx.branding import BrandingError, Severity, render_branding, render_ivr_theme, render_webapp_package

from .conftest import LOGO_SVG, Build, config_map


def test_renders_both_packages_with_one_hash(build: Build) -> None:
    branding, assets = build()
    rendered = render_branding(branding, assets)
    assert rendered.webapp.zip_bytes == render_webapp_package(branding, assets).zip_bytes
    assert rendered.ivr_theme is not None
    assert rendered.ivr_theme.zip_bytes == render_ivr_theme(branding, assets).zip_bytes
    assert len(rendered.content_hash) == 64
    assert rendered.content_hash == render_branding(*build()).content_hash


def test_content_hash_follows_either_package(build: Build) -> None:
    base = render_branding(*build()).content_hash
    assert render_branding(*build(ivrTheme={"enabled": False})).content_hash != base
    assert render_branding(*build(brandName="Region Anden")).content_hash != base


def test_disabled_theme_is_not_rendered(build: Build) -> None:
    assert render_branding(*build(ivrTheme={"enabled": False})).ivr_theme is None


def test_errors_refuse_and_warnings_pass_through(build: Build) -> None:
    with pytest.raises(BrandingError, match=r"spec\.colours\.base") as caught:
        render_branding(*build(colours={"base": "#FFD400"}))
    assert all(p.severity is Severity.ERROR for p in caught.value.problems)
    svg = LOGO_SVG.replace("</svg>", '<text x="1" y="1">Region</text></svg>')
    rendered = render_branding(*build([config_map({"logo.svg": svg})]))
    assert [p.field for p in rendered.warnings] == ["spec.images.logo"]

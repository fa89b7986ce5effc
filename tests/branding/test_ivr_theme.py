from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from vdx.branding import render_ivr_theme
from vdx.branding.colour import to_rgb255

from .conftest import Build


def test_theme_layout(build: Build) -> None:
    theme = render_ivr_theme(*build())
    assert set(theme.files) == {"themeconfig.json", "splash_background.jpg"}
    config = json.loads(theme.files["themeconfig.json"])
    assert config["theme_version"] == 2
    screens = config["splash_screens"]["screens"]
    assert screens, "at least one splash screen"
    for screen in screens.values():
        assert screen["background"]["path"] in theme.files


def test_splash_is_full_hd_and_carries_the_brand_colour(build: Build) -> None:
    branding, assets = build(colours={"base": "#C8102E", "background": "#FFFFFF"})
    splash = Image.open(
        io.BytesIO(render_ivr_theme(branding, assets).files["splash_background.jpg"])
    ).convert("RGB")
    assert splash.size == (1920, 1080)
    bar = splash.getpixel((960, 1075))  # the bar along the bottom
    assert all(abs(a - b) < 16 for a, b in zip(bar, to_rgb255("#C8102E"), strict=True))  # type: ignore[arg-type]
    card = splash.getpixel((960, 110))  # the logo card, in the web app's background colour
    assert all(c > 240 for c in card)  # type: ignore[union-attr]


def test_theme_is_deterministic_and_changes_with_the_brand(build: Build) -> None:
    assert render_ivr_theme(*build()).zip_bytes == render_ivr_theme(*build()).zip_bytes
    assert render_ivr_theme(*build()).sha256 != render_ivr_theme(*build(colours={"base": "#0B3C5D"})).sha256


def test_pexip_simulator_accepts_the_theme(build: Build) -> None:
    packages = pytest.importorskip("vdx.pexip.simulator.packages")
    assert packages.validate_theme(render_ivr_theme(*build()).zip_bytes) is not None

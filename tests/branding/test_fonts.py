"""On a machine without fonts the preview still renders, and says what it could not draw."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from vdx.branding import fonts, render_ivr_theme, render_preview
from vdx.branding.preview import CANVAS

from .conftest import Build


@pytest.fixture
def no_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "choice", lambda: fonts.FontChoice(None, None, None))


@pytest.mark.usefixtures("no_fonts")
def test_without_fonts_texts_are_transliterated_and_the_preview_says_so(build: Build) -> None:
    assert fonts.drawable("Københavns Kommune, Århus, Ærø") == "Koebenhavns Kommune, Aarhus, Aeroe"
    assert fonts.font_note() is not None
    image = Image.open(io.BytesIO(render_preview(*build())))
    assert image.size == (CANVAS.width, CANVAS.height)
    assert render_ivr_theme(*build()).files["themeconfig.json"]


def test_with_a_font_texts_are_kept() -> None:
    if fonts.choice().regular_path is None:
        pytest.skip("this machine has none of the fonts vdx.branding looks for")
    assert fonts.drawable("Ærø") == "Ærø"
    assert fonts.font_note() is None

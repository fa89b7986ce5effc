"""Builders for CviBrandings and images, so each test states only what it is about."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from vdx.api.branding import CviBranding
from vdx.branding.assets import BrandingAssets, load_assets

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="336" height="160" viewBox="0 0 336 160">'
    '<rect width="336" height="160" rx="16" fill="#5B2C86"/></svg>'
)


def png(width: int, height: int, colour: tuple[int, int, int] = (91, 44, 134), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), colour if mode != "1" else 1).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg(width: int, height: int, colour: tuple[int, int, int] = (20, 20, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def gif(width: int = 10, height: int = 10) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (1, 2, 3)).save(buffer, format="GIF")
    return buffer.getvalue()


def spec_document(**spec_overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "brandName": "Region Test",
        "colours": {"base": "#5B2C86", "background": "#FFFFFF"},
        "images": {"logo": {"configMapKeyRef": {"name": "cvi-assets", "key": "logo.svg"}}},
        "texts": {
            "da": {"appTitle": "Region Test videomøde", "welcome": "Velkommen til Region Test"},
            "en": {"appTitle": "Region Test video meeting", "welcome": "Welcome to Region Test"},
        },
        "webApp": {"domain": "vdx.test.dk", "slug": "test"},
    }
    spec.update(spec_overrides)
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "CviBranding",
        "metadata": {"name": "test", "namespace": "vdx-test"},
        "spec": spec,
    }


def config_map(
    data: dict[str, str] | None = None, binary: dict[str, bytes] | None = None, name: str = "cvi-assets"
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "vdx-test"},
    }
    if data:
        obj["data"] = data
    if binary:
        obj["binaryData"] = {k: base64.b64encode(v).decode("ascii") for k, v in binary.items()}
    return obj


Build = Callable[..., tuple[CviBranding, BrandingAssets]]


@pytest.fixture
def build() -> Build:
    """build(objects=[...], **spec overrides) -> (branding, assets); default: the SVG logo ConfigMap."""

    def _build(
        objects: list[dict[str, Any]] | None = None, **spec: Any
    ) -> tuple[CviBranding, BrandingAssets]:
        branding = CviBranding.model_validate(spec_document(**spec))
        if objects is None:
            objects = [config_map({"logo.svg": LOGO_SVG})]
        return branding, load_assets(branding, objects)

    return _build


def with_logo_ref(key: str) -> dict[str, Any]:
    return {"logo": {"configMapKeyRef": {"name": "cvi-assets", "key": key}}}


def with_background(key: str, scaling: str = "Cover") -> dict[str, Any]:
    return {
        "logo": {"configMapKeyRef": {"name": "cvi-assets", "key": "logo.svg"}},
        "background": {"source": {"configMapKeyRef": {"name": "cvi-assets", "key": key}}, "scaling": scaling},
    }

from __future__ import annotations

import io
import json
import zipfile

import pytest
from PIL import Image

from vdx.branding import BrandingError, render_webapp_package
from vdx.branding.colour import derive_palette

from .conftest import LOGO_SVG, Build, config_map, png, with_background, with_logo_ref

ROOT = "webapp3/branding"


def _manifest(files: dict[str, bytes] | object) -> dict[str, object]:
    assert isinstance(files, dict)
    result: dict[str, object] = json.loads(files[f"{ROOT}/manifest.json"])
    return result


def test_package_layout_and_manifest(build: Build) -> None:
    package = render_webapp_package(*build())
    assert set(package.files) == {
        f"{ROOT}/manifest.json",
        f"{ROOT}/da.json",
        f"{ROOT}/en.json",
        f"{ROOT}/logo.svg",
        f"{ROOT}/favicon.png",
    }
    manifest = _manifest(dict(package.files))
    assert manifest["version"] == 0
    assert manifest["meta"] == {
        "name": "vdx-test/test",
        "brandVersion": manifest["meta"]["brandVersion"],
        "baseColor": "#5B2C86",
    }  # type: ignore[index]
    assert manifest["brandName"] == "Region Test"
    assert manifest["appTitle"] == "Region Test videomøde"
    assert manifest["images"] == {"logo": "./logo.svg"}
    assert manifest["favicon"] == {"href": "./favicon.png", "sizes": "64x64", "type": "image/png"}
    assert manifest["translations"] == {"da": "./da.json", "en": "./en.json"}
    assert manifest["availableLanguages"] == ["da", "en"]
    assert manifest["colorPalette"] == derive_palette("#5B2C86")
    assert manifest["backgroundColor"] == "#FFFFFF"
    assert "applicationConfig" not in manifest


def test_zip_itself_holds_the_manifest_where_pexip_looks(build: Build) -> None:
    package = render_webapp_package(*build())
    names = zipfile.ZipFile(io.BytesIO(package.zip_bytes)).namelist()
    assert "webapp3/branding/manifest.json" in names
    assert names == sorted(names)


def test_every_manifest_path_exists_in_the_package(build: Build) -> None:
    images = {
        **with_background("bg.png"),
        "jumbotron": {"configMapKeyRef": {"name": "cvi-assets", "key": "j.jpg"}},
    }
    objects = [
        config_map({"logo.svg": LOGO_SVG}, binary={"bg.png": png(1920, 1080), "j.jpg": png(1920, 1080)})
    ]
    package = render_webapp_package(*build(objects, images=images))
    manifest = _manifest(dict(package.files))
    paths = [*manifest["images"].values(), manifest["favicon"]["href"], *manifest["translations"].values()]  # type: ignore[union-attr,index]
    for path in paths:
        assert f"{ROOT}/{path.removeprefix('./')}" in package.files, path
    assert set(manifest["images"]) == {"logo", "background", "jumbotron"}  # type: ignore[arg-type]


def test_translations_carry_brand_name_and_texts(build: Build) -> None:
    package = render_webapp_package(*build())
    da = json.loads(package.files[f"{ROOT}/da.json"])
    en = json.loads(package.files[f"{ROOT}/en.json"])
    assert da["brandName"] == en["brandName"] == "Region Test"
    assert da["home"]["welcome"] == "Velkommen til Region Test"
    assert en["home"]["welcome"] == "Welcome to Region Test"
    assert "videomøde" in package.files[f"{ROOT}/da.json"].decode("utf-8")  # readable UTF-8, not \u escapes


def test_explicit_palette_and_application_config(build: Build) -> None:
    palette = [
        "#FAFAFA",
        "#F0F0F0",
        "#E0E0E0",
        "#D0D0D0",
        "#C0C0C0",
        "#5B2C86",
        "#4A2470",
        "#3A1C58",
        "#2A1440",
        "#1E0E2E",
        "#12081C",
    ]
    branding, assets = build(
        colours={"base": "#5B2C86", "palette": palette}, applicationConfig={"hiddenFunctionality": ["chat"]}
    )
    package = render_webapp_package(branding, assets)
    manifest = _manifest(dict(package.files))
    assert manifest["colorPalette"] == palette
    assert manifest["applicationConfig"] == {"hiddenFunctionality": ["chat"]}


def test_same_input_gives_same_bytes_and_hash(build: Build) -> None:
    first = render_webapp_package(*build())
    second = render_webapp_package(*build())
    assert first.zip_bytes == second.zip_bytes
    assert first.sha256 == second.sha256
    assert len(first.sha256) == 64


@pytest.mark.parametrize(
    "change",
    [
        {"colours": {"base": "#5B2C87", "background": "#FFFFFF"}},
        {"brandName": "Region Test 2"},
        {"texts": {"da": {"appTitle": "Andet"}, "en": {"appTitle": "Other"}}},
    ],
)
def test_any_change_gives_a_new_hash(build: Build, change: dict[str, object]) -> None:
    assert render_webapp_package(*build()).sha256 != render_webapp_package(*build(**change)).sha256


def test_a_changed_image_gives_a_new_hash(build: Build) -> None:
    other = LOGO_SVG.replace("#5B2C86", "#5B2C87")
    assert (
        render_webapp_package(*build()).sha256
        != render_webapp_package(*build([config_map({"logo.svg": other})])).sha256
    )


def test_zip_entries_have_fixed_dates_and_permissions(build: Build) -> None:
    archive = zipfile.ZipFile(io.BytesIO(render_webapp_package(*build()).zip_bytes))
    for info in archive.infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert (info.external_attr >> 16) & 0o777 == 0o644
        assert info.compress_type == zipfile.ZIP_DEFLATED


def test_large_raster_logo_is_scaled_down_small_one_kept(build: Build) -> None:
    big = png(1344, 640)
    package = render_webapp_package(
        *build([config_map(binary={"logo.png": big})], images=with_logo_ref("logo.png"))
    )
    logo = Image.open(io.BytesIO(package.files[f"{ROOT}/logo.png"]))
    assert logo.size == (336, 160)
    small = png(300, 100)
    package = render_webapp_package(
        *build([config_map(binary={"logo.png": small})], images=with_logo_ref("logo.png"))
    )
    assert package.files[f"{ROOT}/logo.png"] == small  # untouched: the region's own bytes


def _background(build: Build, image: bytes, scaling: str) -> Image.Image:
    objects = [config_map({"logo.svg": LOGO_SVG}, binary={"bg.png": image})]
    branding, assets = build(
        objects,
        images=with_background("bg.png", scaling),
        colours={"base": "#5B2C86", "background": "#00FF00"},
    )
    picture = Image.open(io.BytesIO(render_webapp_package(branding, assets).files[f"{ROOT}/background.jpg"]))
    assert picture.size == (1920, 1080)
    return picture.convert("RGB")


def _close(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 24 for a, b in zip(pixel, colour, strict=False))


def test_background_contain_shows_bars_of_the_background_colour(build: Build) -> None:
    picture = _background(
        build, png(2000, 500, colour=(200, 0, 0)), "Contain"
    )  # 4:1, so bars above and below
    assert _close(picture.getpixel((960, 20)), (0, 255, 0))  # type: ignore[arg-type]
    assert _close(picture.getpixel((960, 540)), (200, 0, 0))  # type: ignore[arg-type]


def test_background_cover_and_stretch_fill_the_screen(build: Build) -> None:
    for scaling in ("Cover", "Stretch"):
        picture = _background(build, png(2000, 500, colour=(200, 0, 0)), scaling)
        for xy in ((5, 5), (960, 540), (1914, 1074)):
            assert _close(picture.getpixel(xy), (200, 0, 0)), (scaling, xy)  # type: ignore[arg-type]


def test_background_tile_repeats_the_image(build: Build) -> None:
    tile = Image.new("RGB", (200, 200), (0, 0, 200))
    tile.paste((255, 255, 255), (0, 0, 100, 200))  # left half white, right half blue
    buffer = io.BytesIO()
    tile.save(buffer, format="PNG")
    picture = _background(build, buffer.getvalue(), "Tile")
    for left in (0, 200, 1600):
        assert _close(picture.getpixel((left + 50, 100)), (255, 255, 255))  # type: ignore[arg-type]
        assert _close(picture.getpixel((left + 150, 900)), (0, 0, 200))  # type: ignore[arg-type]


def test_missing_logo_is_a_branding_error(build: Build) -> None:
    with pytest.raises(BrandingError, match=r"spec\.images\.logo"):
        render_webapp_package(*build([]))


def test_pexip_simulator_accepts_the_package(build: Build) -> None:
    packages = pytest.importorskip("vdx.pexip.simulator.packages")
    images = {**with_background("bg.png")}
    objects = [config_map({"logo.svg": LOGO_SVG}, binary={"bg.png": png(1920, 1080)})]
    manifest = packages.validate_branding(
        render_webapp_package(*build(objects, images=images)).zip_bytes, "webapp3"
    )
    assert manifest["brandName"] == "Region Test"

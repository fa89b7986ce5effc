from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from vdx.api.branding import CviBranding
from vdx.branding.assets import KUBERNETES_OBJECT_LIMIT, AssetFile, load_assets
from vdx.branding.files import read_asset_files
from vdx.branding.imageformat import ImageFormat
from vdx.branding.limits import IMAGE_READ_LIMIT
from vdx.branding.validation import validate_branding

from .conftest import LOGO_SVG, Build, config_map, gif, png, spec_document, with_background, with_logo_ref


def _secret(key: str, data: bytes, string: bool = False) -> dict[str, Any]:
    section = (
        {"stringData": {key: data.decode()}} if string else {"data": {key: base64.b64encode(data).decode()}}
    )
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "cvi-secret"}, **section}


def test_reads_svg_from_configmap_data(build: Build) -> None:
    _, assets = build()
    assert assets.problems == ()
    assert assets.logo is not None
    assert (assets.logo.format, assets.logo.width, assets.logo.height) == (ImageFormat.SVG, 336, 160)
    assert assets.logo.field == "spec.images.logo"


def test_reads_png_from_configmap_binary_data(build: Build) -> None:
    _, assets = build([config_map(binary={"logo.png": png(336, 160)})], images=with_logo_ref("logo.png"))
    assert assets.problems == ()
    assert assets.logo is not None
    assert assets.logo.format is ImageFormat.PNG


def test_reads_secrets_data_and_string_data(build: Build) -> None:
    images = {"logo": {"secretKeyRef": {"name": "cvi-secret", "key": "logo.png"}}}
    _, assets = build([_secret("logo.png", png(336, 160))], images=images)
    assert assets.logo is not None
    assert assets.logo.format is ImageFormat.PNG
    images = {"logo": {"secretKeyRef": {"name": "cvi-secret", "key": "logo.svg"}}}
    _, assets = build([_secret("logo.svg", LOGO_SVG.encode(), string=True)], images=images)
    assert assets.logo is not None
    assert assets.logo.format is ImageFormat.SVG


def test_missing_configmap_names_it_and_says_where_to_put_it(build: Build) -> None:
    _, assets = build([])
    [problem] = assets.problems
    assert problem.field == "spec.images.logo.configMapKeyRef.name"
    assert "ConfigMap cvi-assets in namespace vdx-test was not found" in problem.message
    assert "add a ConfigMap named cvi-assets" in problem.fix
    assert assets.logo is None


def test_configmap_in_another_namespace_does_not_count(build: Build) -> None:
    other = config_map({"logo.svg": LOGO_SVG})
    other["metadata"]["namespace"] = "vdx-elsewhere"
    _, assets = build([other])
    assert assets.logo is None
    assert "was not found" in assets.problems[0].message


def test_missing_key_lists_the_keys_there_are(build: Build) -> None:
    _, assets = build([config_map({"logo.svg": LOGO_SVG})], images=with_logo_ref("logo.png"))
    [problem] = assets.problems
    assert problem.field == "spec.images.logo.configMapKeyRef.key"
    assert "has no key logo.png (it has: logo.svg)" in problem.message


def test_bad_base64_in_binary_data(build: Build) -> None:
    broken = config_map()
    broken["binaryData"] = {"logo.png": "not base64 at all!"}
    _, assets = build([broken], images=with_logo_ref("logo.png"))
    [problem] = assets.problems
    assert "not valid base64" in problem.message
    assert "base64" in problem.fix


def test_base64_png_in_text_data_points_at_binary_data(build: Build) -> None:
    cm = config_map({"logo.png": base64.b64encode(png(336, 160)).decode()})
    _, assets = build([cm], images=with_logo_ref("logo.png"))
    [problem] = assets.problems
    assert "base64 text in data" in problem.message
    assert "binaryData" in problem.fix


def test_unsupported_format_is_named(build: Build) -> None:
    _, assets = build([config_map(binary={"logo.gif": gif()})], images=with_logo_ref("logo.gif"))
    [problem] = assets.problems
    assert problem.field == "spec.images.logo"
    assert "is a GIF file; Pexip only takes PNG, JPEG and SVG" in problem.message
    assert "convert it to PNG" in problem.fix


def test_garbage_is_not_an_image(build: Build) -> None:
    _, assets = build([config_map({"logo.svg": "just some text"})])
    [problem] = assets.problems
    assert "is not a PNG, JPEG or SVG image" in problem.message


def test_configmap_over_the_kubernetes_limit(build: Build) -> None:
    filler = "x" * (KUBERNETES_OBJECT_LIMIT + 10)
    _, assets = build([config_map({"logo.svg": LOGO_SVG, "notes.txt": filler})])
    [problem] = assets.problems
    assert problem.field == "ConfigMap cvi-assets"
    assert "Kubernetes refuses" in problem.message
    assert assets.logo is not None  # the image itself was fine


def test_configmap_under_the_limit_is_fine(build: Build) -> None:
    _, assets = build([config_map({"logo.svg": LOGO_SVG, "notes.txt": "x" * 1000})])
    assert assets.problems == ()


def _files(**named: bytes) -> dict[str, AssetFile]:
    """Image files as `vdx check` reads them, keyed by file name (logo_png: logo.png)."""
    files = {key.replace("_", "."): data for key, data in named.items()}
    return {key: AssetFile(f"prod/test/{key}", data, len(data)) for key, data in files.items()}


def test_an_image_file_wins_over_the_configmap_and_is_named_as_the_file() -> None:
    branding = CviBranding.model_validate(spec_document(images=with_logo_ref("logo.png")))
    stale = config_map(binary={"logo.png": png(336, 160)})
    assets = load_assets(branding, [stale], _files(logo_png=png(100, 40)))
    assert assets.logo is not None
    assert (assets.logo.width, assets.logo.origin) == (100, "file prod/test/logo.png")
    [problem] = validate_branding(branding, assets)
    assert problem.message.startswith("file prod/test/logo.png is 100x40 pixels")


def test_an_image_file_that_is_not_an_image_says_so_without_talking_of_base64() -> None:
    branding = CviBranding.model_validate(spec_document())
    assets = load_assets(branding, [], _files(logo_svg=base64.b64encode(png(336, 160))))
    [problem] = assets.problems
    assert problem.message == "file prod/test/logo.svg is not a PNG, JPEG or SVG image"


def test_a_file_too_large_to_read_is_refused_by_its_size() -> None:
    branding = CviBranding.model_validate(spec_document())
    huge = {"logo.svg": AssetFile("prod/test/logo.svg", b"", 20 * 1024 * 1024)}
    [problem] = load_assets(branding, [], huge).problems
    assert problem.message == "file prod/test/logo.svg is 20,480 KiB, far more than an image may be"


def test_files_whose_configmap_would_be_too_large_are_refused_as_the_configmap() -> None:
    branding = CviBranding.model_validate(
        spec_document(
            images={
                **with_background("background.jpg"),
                "jumbotron": {"configMapKeyRef": {"name": "cvi-assets", "key": "jumbotron.jpg"}},
            }
        )
    )
    half = bytes(KUBERNETES_OBJECT_LIMIT // 2)
    files = _files(logo_svg=LOGO_SVG.encode(), background_jpg=half, jumbotron_jpg=half)
    problems = load_assets(branding, [], files).problems
    assert [p.field for p in problems if "Kubernetes refuses" in p.message] == ["ConfigMap cvi-assets"]


def test_reading_image_files_is_bounded_and_never_follows_a_link(tmp_path: Path) -> None:
    (tmp_path / "logo.svg").write_text(LOGO_SVG, encoding="utf-8")
    (tmp_path / "big.jpg").write_bytes(bytes(IMAGE_READ_LIMIT + 1))
    (tmp_path / "link.svg").symlink_to(tmp_path / "logo.svg")
    (tmp_path / "folder.svg").mkdir()
    found = read_asset_files(tmp_path, ["logo.svg", "big.jpg", "link.svg", "folder.svg", "absent.png", ".."])
    assert sorted(found) == ["big.jpg", "logo.svg"]
    assert found["logo.svg"].data == LOGO_SVG.encode()
    big = found["big.jpg"]
    assert (big.data, big.size, big.complete) == (b"", IMAGE_READ_LIMIT + 1, False)

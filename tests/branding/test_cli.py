from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import yaml
from click.testing import CliRunner
from PIL import Image

from vdx.cli.branding import command

from .conftest import EXAMPLES, LOGO_SVG, config_map, spec_document


def _write(path: Path, *documents: dict[str, object]) -> Path:
    path.write_text(yaml.safe_dump_all(documents, allow_unicode=True), encoding="utf-8")
    return path


def test_check_passes_a_good_example_and_fails_a_bad_one(tmp_path: Path) -> None:
    runner = CliRunner()
    good = runner.invoke(command, ["check", str(EXAMPLES / "prod" / "rm" / "branding.yaml")])
    assert good.exit_code == 0, good.output
    bad = _write(
        tmp_path / "b.yaml", config_map({"logo.svg": LOGO_SVG}), spec_document(colours={"base": "#FFD400"})
    )
    result = runner.invoke(command, ["check", str(bad)])
    assert result.exit_code == 1
    assert "error: spec.colours.base" in result.output
    assert "Fix:" in result.output


def test_package_writes_both_zips_deterministically(tmp_path: Path) -> None:
    source = EXAMPLES / "prod" / "rm" / "branding.yaml"
    runner = CliRunner()
    args = ["package", str(source), "--out", str(tmp_path / "a.zip"), "--ivr-theme", str(tmp_path / "t.zip")]
    result = runner.invoke(command, args)
    assert result.exit_code == 0, result.output
    assert "sha256=" in result.output
    runner.invoke(command, ["package", str(source), "--out", str(tmp_path / "b.zip")])
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    manifest = json.loads(zipfile.ZipFile(tmp_path / "a.zip").read("webapp3/branding/manifest.json"))
    assert manifest["brandName"] == "Region Midtjylland"
    assert "themeconfig.json" in zipfile.ZipFile(tmp_path / "t.zip").namelist()


def test_package_refuses_errors_unless_told(tmp_path: Path) -> None:
    bad = _write(
        tmp_path / "b.yaml", config_map({"logo.svg": LOGO_SVG}), spec_document(colours={"base": "#FFD400"})
    )
    runner = CliRunner()
    refused = runner.invoke(command, ["package", str(bad), "--out", str(tmp_path / "x.zip")])
    assert refused.exit_code != 0
    assert not (tmp_path / "x.zip").exists()
    forced = runner.invoke(
        command, ["package", str(bad), "--out", str(tmp_path / "x.zip"), "--ignore-checks"]
    )
    assert forced.exit_code == 0
    assert (tmp_path / "x.zip").exists()


def test_preview_writes_a_png(tmp_path: Path) -> None:
    out = tmp_path / "preview.png"
    result = CliRunner().invoke(
        command, ["preview", str(EXAMPLES / "prod" / "kk" / "branding.yaml"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert Image.open(out).format == "PNG"


def test_the_old_dash_o_for_the_file_still_works_with_a_note(tmp_path: Path) -> None:
    out = tmp_path / "old.png"
    source = str(EXAMPLES / "prod" / "kk" / "branding.yaml")
    result = CliRunner().invoke(command, ["preview", source, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "-o/--output is deprecated" in result.stderr
    assert "use --out" in result.stderr
    assert Image.open(out).format == "PNG"
    both = CliRunner().invoke(command, ["preview", source, "-o", str(out), "--out", str(out)])
    assert both.exit_code == 2


def test_assets_found_in_the_same_folder(tmp_path: Path) -> None:
    _write(tmp_path / "assets.yaml", config_map({"logo.svg": LOGO_SVG}))
    branding = _write(tmp_path / "branding.yaml", spec_document())
    result = CliRunner().invoke(command, ["check", str(branding)])
    assert result.exit_code == 0, result.output


def _png_file(path: Path, size: tuple[int, int], colour: tuple[int, int, int]) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_assets_given_as_bare_image_files(tmp_path: Path) -> None:
    (tmp_path / "drafts").mkdir()
    logo = _png_file(tmp_path / "drafts" / "logo.png", (336, 160), (91, 44, 134))
    background = _png_file(tmp_path / "drafts" / "bg.png", (1920, 1080), (20, 20, 40))
    images = {
        "logo": {"configMapKeyRef": {"name": "cvi-assets", "key": "logo.png"}},
        "background": {"source": {"configMapKeyRef": {"name": "cvi-assets", "key": "bg.png"}}},
    }
    branding = _write(tmp_path / "branding.yaml", spec_document(images=images))
    runner = CliRunner()
    assert runner.invoke(command, ["check", str(branding)]).exit_code == 1  # not found without --assets
    # both files stand in for keys of the same ConfigMap
    result = runner.invoke(
        command, ["check", str(branding), "--assets", str(logo), "--assets", str(background)]
    )
    assert result.exit_code == 0, result.output


def test_several_brandings_need_a_name(tmp_path: Path) -> None:
    second = spec_document()
    second["metadata"] = {"name": "other", "namespace": "vdx-test"}
    path = _write(tmp_path / "two.yaml", config_map({"logo.svg": LOGO_SVG}), spec_document(), second)
    runner = CliRunner()
    result = runner.invoke(command, ["preview", str(path), "--out", str(tmp_path / "p.png")])
    assert result.exit_code != 0
    assert "--name" in result.output
    result = runner.invoke(
        command, ["preview", str(path), "--out", str(tmp_path / "p.png"), "--name", "other"]
    )
    assert result.exit_code == 0, result.output


def test_file_without_branding_is_explained(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "prod" / "rm" / "tenant.yaml", tmp_path / "tenant.yaml")
    result = CliRunner().invoke(command, ["check", str(tmp_path / "tenant.yaml")])
    assert result.exit_code != 0
    assert "holds no CviBranding" in result.output


def test_check_a_whole_folder(tmp_path: Path) -> None:
    (tmp_path / "good").mkdir()
    _write(tmp_path / "good" / "branding.yaml", config_map({"logo.svg": LOGO_SVG}), spec_document())
    runner = CliRunner()
    assert runner.invoke(command, ["check", str(tmp_path)]).exit_code == 0
    (tmp_path / "bad").mkdir()
    bad = spec_document(colours={"base": "#FFD400"})
    bad["metadata"] = {"name": "bad", "namespace": "vdx-bad"}
    bad_assets = config_map({"logo.svg": LOGO_SVG})
    bad_assets["metadata"]["namespace"] = "vdx-bad"
    _write(tmp_path / "bad" / "branding.yaml", bad_assets, bad)
    result = runner.invoke(command, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert "vdx-bad/bad: error: spec.colours.base" in result.output
    assert "vdx-test/test: all checks passed" in result.output

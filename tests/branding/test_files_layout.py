"""Images kept as files next to the CviBranding: `vdx branding update` writes their ConfigMap, and
`vdx check` fails a pull request that changed a file but not the ConfigMap, naming the command."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from vdx.cli.branding import command
from vdx.policies.engine import check_workspace
from vdx.policies.findings import Finding
from vdx.policies.source import read_paths

from .conftest import EXAMPLES, LOGO_SVG, config_map, png, spec_document, with_background

RULE = "branding-configmap-current"


def _folder(tmp_path: Path, logo: bytes | None = None, background: bytes | None = None) -> Path:
    """A region's folder: branding.yaml with only the CviBranding, and the image files."""
    folder = tmp_path / "prod" / "test"
    folder.mkdir(parents=True)
    images = with_background("background.png") if background is not None else None
    document = spec_document(images=images) if images else spec_document()
    (folder / "branding.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    (folder / "logo.svg").write_bytes(logo if logo is not None else LOGO_SVG.encode())
    if background is not None:
        (folder / "background.png").write_bytes(background)
    return folder


def _findings(path: Path, rule: str) -> list[Finding]:
    return [f for f in check_workspace(read_paths([path])) if f.rule == rule]


def test_update_writes_the_configmap_and_the_check_is_then_clean(tmp_path: Path) -> None:
    folder = _folder(tmp_path, background=png(1920, 1080))
    [missing] = _findings(folder, RULE)
    assert "ConfigMap vdx-test/cvi-assets is not in the tree" in missing.message
    assert f"vdx branding update {folder.as_posix()}" in missing.fix
    result = CliRunner().invoke(command, ["update", str(folder)])
    assert result.exit_code == 0, result.output
    assert f"wrote {folder / 'cvi-assets.yaml'} from background.png, logo.svg" in result.output
    written = yaml.safe_load((folder / "cvi-assets.yaml").read_text(encoding="utf-8"))
    assert set(written["data"]) == {"logo.svg"}
    assert set(written["binaryData"]) == {"background.png"}
    assert _findings(folder, RULE) == []
    assert [f for f in check_workspace(read_paths([folder])) if f.rule.startswith("branding")] == []
    again = CliRunner().invoke(command, ["update", str(folder), "--check"])
    assert again.exit_code == 0, again.output
    assert "up to date" in again.output


def test_a_changed_logo_without_update_fails_the_check_with_the_command(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    assert CliRunner().invoke(command, ["update", str(folder)]).exit_code == 0
    (folder / "logo.svg").write_text(LOGO_SVG.replace("#5B2C86", "#0B3C5D"), encoding="utf-8")
    [stale] = _findings(folder, RULE)
    assert stale.resource is not None
    assert stale.resource.name == "cvi-assets"
    assert stale.location is not None
    assert stale.location.file.endswith("cvi-assets.yaml")
    assert f"{(folder / 'logo.svg').as_posix()} has changed since it was written" in stale.message
    assert stale.fix == f"run `vdx branding update {folder.as_posix()}` and commit the result"
    check = CliRunner().invoke(command, ["update", str(folder), "--check"])
    assert check.exit_code == 1
    assert "out of date with logo.svg" in check.output
    assert CliRunner().invoke(command, ["update", str(folder)]).exit_code == 0
    assert _findings(folder, RULE) == []


def test_the_images_are_judged_as_files_and_the_errors_name_the_file(tmp_path: Path) -> None:
    folder = _folder(tmp_path, background=png(640, 360))
    result = CliRunner().invoke(command, ["update", str(folder)])
    assert result.exit_code == 1  # written, but the checks failed: said at once
    assert (folder / "cvi-assets.yaml").exists()
    assert f"file {(folder / 'background.png').as_posix()} is 640x360 pixels" in result.output
    [small] = [f for f in _findings(folder, "branding-assets") if f.is_error]
    assert small.field == "spec.images.background.source"
    assert f"file {(folder / 'background.png').as_posix()} is 640x360 pixels" in small.message
    # The same finding before the ConfigMap exists: the files are what is judged.
    (folder / "cvi-assets.yaml").unlink()
    assert any("640x360" in f.message for f in _findings(folder, "branding-assets"))
    checked = CliRunner().invoke(command, ["check", str(folder / "branding.yaml")])
    assert checked.exit_code == 1
    assert f"file {(folder / 'background.png').as_posix()} is 640x360" in checked.output


def test_update_refuses_a_configmap_written_by_hand_in_another_file(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "assets.yaml").write_text(yaml.safe_dump(config_map({"logo.svg": LOGO_SVG})), encoding="utf-8")
    result = CliRunner().invoke(command, ["update", str(folder)])
    assert result.exit_code == 1
    assert "assets.yaml: ConfigMap cvi-assets is written by hand there" in result.output
    assert "delete it from that file" in result.output
    assert not (folder / "cvi-assets.yaml").exists()


def test_update_refuses_an_image_named_but_not_in_the_folder(tmp_path: Path) -> None:
    folder = _folder(tmp_path, background=png(1920, 1080))
    (folder / "background.png").unlink()
    result = CliRunner().invoke(command, ["update", str(folder)])
    assert result.exit_code == 1
    assert "names background.png in ConfigMap cvi-assets, but there is no such file" in result.output


def test_files_the_branding_does_not_name_never_reach_the_configmap(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "draft-logo.png").write_bytes(png(10, 10))
    assert CliRunner().invoke(command, ["update", str(folder)]).exit_code == 0
    written = yaml.safe_load((folder / "cvi-assets.yaml").read_text(encoding="utf-8"))
    assert set(written.get("data", {})) | set(written.get("binaryData", {})) == {"logo.svg"}


def test_the_converted_example_is_current_and_a_changed_copy_is_not(tmp_path: Path) -> None:
    assert CliRunner().invoke(command, ["update", str(EXAMPLES), "--check"]).exit_code == 0
    copy = tmp_path / "rm"
    shutil.copytree(EXAMPLES / "prod" / "rm", copy)
    assert (copy / "logo.svg").exists()
    assert (copy / "cvi-assets.yaml").exists()
    assert _findings(copy, RULE) == []
    changed = "<svg xmlns='http://www.w3.org/2000/svg' width='1920' height='1080'/>"
    (copy / "background.svg").write_text(changed, encoding="utf-8")
    [stale] = _findings(copy, RULE)
    assert "background.svg has changed since it was written" in stale.message


def test_a_symbolic_link_is_never_read_as_a_picture(tmp_path: Path) -> None:
    outside = tmp_path / "outside.svg"
    outside.write_text(LOGO_SVG, encoding="utf-8")
    folder = _folder(tmp_path)
    (folder / "logo.svg").unlink()
    (folder / "logo.svg").symlink_to(outside)
    result = CliRunner().invoke(command, ["update", str(folder)])
    assert result.exit_code == 0, result.output
    assert "symbolic links are not followed" in result.output
    assert not (folder / "cvi-assets.yaml").exists()
    assert _findings(folder, RULE) == []  # no file: the ConfigMap is whatever the tree says


def test_the_branding_file_checked_alone_warns_rather_than_call_the_configmap_missing(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    assert CliRunner().invoke(command, ["update", str(folder)]).exit_code == 0
    [alone] = _findings(folder / "branding.yaml", RULE)
    assert alone.severity.value == "warning"
    assert f"is in {(folder / 'cvi-assets.yaml').as_posix()}, which this check was not given" in alone.message
    assert alone.fix == f"check the whole folder: vdx check {folder.as_posix()}"
    (folder / "cvi-assets.yaml").unlink()
    [missing] = _findings(folder / "branding.yaml", RULE)
    assert missing.is_error


def test_vdx_check_reads_images_within_a_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import vdx.policies.source

    logo = (LOGO_SVG + "<!--" + "x" * 20_000 + "-->").encode()  # larger than both manifests
    first = _folder(tmp_path / "a", logo=logo)
    second = _folder(tmp_path / "b", logo=logo)
    monkeypatch.setattr(vdx.policies.source, "MAX_TREE_BYTES", len(logo))  # room for one logo
    workspace = read_paths([first, second])
    assert len(workspace.branding_files) == 1
    [unread] = [f for f in workspace.findings if f.rule == "file-too-large"]
    assert unread.location is not None
    assert unread.location.file == (second / "branding.yaml").as_posix()
    assert "the images next to it were not read" in unread.message

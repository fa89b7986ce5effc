"""The Pulumi toolchain build: pins, cache key, the provider's embedded files, the no-op rebuild."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from vdx.infra.toolchain import build as build_module
from vdx.infra.toolchain.binaries import ENV_BIN, PulumiNotFoundError, locate_pulumi
from vdx.infra.toolchain.build import BINARIES, build_pulumi, write_embedded_files
from vdx.infra.toolchain.versions import pinned, pulumi_cache_root, source_dir


@pytest.fixture(autouse=True)
def empty_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ENV_BIN, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_pins_come_from_the_wrapper_modules() -> None:
    pins = pinned()
    assert pins.cli.startswith("v3.")
    assert pins.provider_commit is not None, "the provider is pinned as a pseudo-version of a commit"
    assert pins.provider_version == pins.provider.removeprefix("v")
    assert pins.key.startswith(f"pulumi-{pins.cli}_k8s-{pins.provider_version}_")
    assert pulumi_cache_root().parent.name == "vdx-operator"


def test_cache_key_changes_with_go_sum(tmp_path: Path) -> None:
    copy = tmp_path / "pulumi"
    shutil.copytree(source_dir(), copy, ignore=shutil.ignore_patterns("*-embed.json"))
    before = pinned(copy).key
    with (copy / "kubernetes" / "go.sum").open("a") as handle:
        handle.write("example.com/x v1.0.0 h1:AAAA=\n")
    assert pinned(copy).key != before


def test_embedded_schema_carries_the_version(tmp_path: Path) -> None:
    source = tmp_path / "provider" / "cmd" / "pulumi-resource-kubernetes"
    source.mkdir(parents=True)
    (source / "schema.json").write_text(json.dumps({"name": "kubernetes", "version": ""}, indent=4))
    (source / "terraform-mapping.json").write_text(json.dumps({"a": [1, 2]}, indent=4))
    write_embedded_files(tmp_path / "provider", tmp_path, "4.0.0-20260115033456-f47bc2d6f199")
    assert (
        json.loads((tmp_path / "schema-embed.json").read_text())["version"]
        == "4.0.0-20260115033456-f47bc2d6f199"
    )
    assert (tmp_path / "terraform-mapping-embed.json").read_text() == '{"a":[1,2]}'


def test_a_second_build_is_a_no_op_without_go(monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = pulumi_cache_root() / pinned().key / "bin"
    bin_dir.mkdir(parents=True)
    for name in BINARIES:
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    (bin_dir / "versions.json").write_text(json.dumps({"pulumi": "v3"}))
    monkeypatch.setenv("PATH", "")  # no Go: the cache hit must not need it

    def no_go() -> str:
        raise AssertionError("a cached build must not look for Go")

    monkeypatch.setattr(build_module, "_find_go", no_go)
    result = build_pulumi()
    assert not result.built
    assert result.bin_dir == bin_dir
    assert locate_pulumi().directory == bin_dir


def test_missing_binaries_name_the_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(PulumiNotFoundError, match="vdx stacks build"):
        locate_pulumi()
    monkeypatch.setenv(ENV_BIN, str(tmp_path))
    with pytest.raises(PulumiNotFoundError, match=ENV_BIN):
        locate_pulumi()


def test_cli_reports_a_cached_build_without_building(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from vdx.cli.main import cli

    bin_dir = pulumi_cache_root() / pinned().key / "bin"
    bin_dir.mkdir(parents=True)
    for name in BINARIES:
        (bin_dir / name).write_text("#!/bin/sh\necho v3.274.1\n")
        (bin_dir / name).chmod(0o755)
    (bin_dir / "versions.json").write_text(json.dumps({"pulumi": "v3.274.1"}))
    monkeypatch.setattr(build_module, "_find_go", lambda: pytest.fail("must not build"))
    result = CliRunner().invoke(cli, ["stacks", "build"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("already built")
    assert "pulumi: v3.274.1" in result.output

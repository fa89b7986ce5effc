"""Locating and building the binaries: environment variables, cache, and helpful failures.

None of these start a control plane, so they run everywhere (no `kube` marker).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from vdx.controlplane import build as build_module
from vdx.controlplane.binaries import BinariesNotFoundError, locate_binaries
from vdx.controlplane.build import BuildError, build_binaries
from vdx.controlplane.versions import cache_root, pinned_versions

NAMES = ("etcd", "kube-apiserver", "kubectl")
ENV = ("KUBEBUILDER_ASSETS", "TEST_ASSET_ETCD", "TEST_ASSET_KUBE_APISERVER", "TEST_ASSET_KUBECTL")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No envtest variables and an empty cache unless a test sets them."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def fake_binary(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\necho fake\n")
    path.chmod(0o755)
    return path


def test_kubebuilder_assets_directory_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assets = tmp_path / "assets"
    for name in NAMES:
        fake_binary(assets / name)
    monkeypatch.setenv("KUBEBUILDER_ASSETS", str(assets))
    binaries = locate_binaries()
    assert binaries.etcd == assets / "etcd"
    assert binaries.kube_apiserver == assets / "kube-apiserver"
    assert binaries.kubectl == assets / "kubectl"
    assert binaries.origin == "KUBEBUILDER_ASSETS"


def test_single_test_asset_variables_win_over_the_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assets = tmp_path / "assets"
    for name in NAMES:
        fake_binary(assets / name)
    own_etcd = fake_binary(tmp_path / "elsewhere" / "my-etcd")
    monkeypatch.setenv("KUBEBUILDER_ASSETS", str(assets))
    monkeypatch.setenv("TEST_ASSET_ETCD", str(own_etcd))
    binaries = locate_binaries()
    assert binaries.etcd == own_etcd
    assert binaries.kube_apiserver == assets / "kube-apiserver"
    assert "TEST_ASSET_ETCD" in binaries.origin


def test_test_asset_variables_alone_are_enough(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TEST_ASSET_ETCD", str(fake_binary(tmp_path / "e")))
    monkeypatch.setenv("TEST_ASSET_KUBE_APISERVER", str(fake_binary(tmp_path / "a")))
    binaries = locate_binaries()
    assert binaries.kubectl is None  # optional: only kubectl-based helpers need it


def test_assets_directory_without_binaries_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KUBEBUILDER_ASSETS", str(tmp_path))
    with pytest.raises(BinariesNotFoundError, match=r"KUBEBUILDER_ASSETS=.*etcd or kube-apiserver"):
        locate_binaries()


def test_non_executable_test_asset_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "etcd"
    path.write_text("not a program")
    monkeypatch.setenv("TEST_ASSET_ETCD", str(path))
    with pytest.raises(BinariesNotFoundError, match=r"TEST_ASSET_ETCD=.* is not an executable"):
        locate_binaries()


def test_nothing_found_says_what_to_do() -> None:
    with pytest.raises(BinariesNotFoundError) as caught:
        locate_binaries()
    message = str(caught.value)
    assert "vdx controlplane build" in message
    assert "KUBEBUILDER_ASSETS" in message


def test_build_without_go_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(BuildError, match=r"install Go >= 1\.26.*KUBEBUILDER_ASSETS"):
        build_binaries()


def test_cache_is_keyed_by_pinned_versions() -> None:
    pins = pinned_versions()
    assert re.fullmatch(r"v1\.\d+\.\d+", pins.kubernetes)
    assert re.fullmatch(r"v3\.6\.\d+", pins.etcd)
    assert pins.kubernetes in pins.key
    assert pins.etcd in pins.key
    assert cache_root().parts[-2:] == ("vdx-operator", "controlplane")


def test_every_staging_module_is_replaced_at_the_matching_release() -> None:
    """The replace block follows the pinned release (sync-replaces.sh derives it from its go.mod)."""
    pins = pinned_versions()
    go_mod = (pins.kubernetes_module_dir / "go.mod").read_text()
    replaces = dict(re.findall(r"^replace (k8s\.io/\S+) => k8s\.io/\S+ (v\S+)$", go_mod, re.MULTILINE))
    expected = "v0." + pins.kubernetes.removeprefix("v1.")
    for module in ("k8s.io/api", "k8s.io/apiserver", "k8s.io/client-go", "k8s.io/kubectl"):
        assert module in replaces
    assert len(replaces) >= 31
    assert set(replaces.values()) == {expected}


def test_kube_ldflags_stamp_the_real_version() -> None:
    flags = build_module._kube_ldflags("v1.37.2", "2026-01-01T00:00:00Z")
    assert "-X=k8s.io/component-base/version.gitVersion=v1.37.2" in flags
    assert "-X=k8s.io/component-base/version.gitMinor=37" in flags


def test_second_build_is_a_quick_no_op(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With the binaries already in the cache, `build` only checks and returns."""
    monkeypatch.setenv("PATH", str(tmp_path / "no-go-needed"))
    bin_dir = cache_root() / pinned_versions().key / "bin"
    for name in NAMES:
        fake_binary(bin_dir / name)
    (bin_dir / "versions.json").write_text('{"kube-apiserver": "Kubernetes v0"}')
    started = time.monotonic()
    result = build_binaries()
    assert not result.built
    assert result.bin_dir == bin_dir
    assert time.monotonic() - started < 5
    assert locate_binaries().origin == "cache"


def test_cache_key_ignores_layout_but_not_content(tmp_path: Path) -> None:
    """`go mod tidy` may move blocks around; that must not force a rebuild, a version change must."""
    source = pinned_versions().source_dir
    copy = tmp_path / "controlplane"
    for module in ("kubernetes", "etcd"):
        (copy / module).mkdir(parents=True)
        for name in ("go.mod", "go.sum"):
            (copy / module / name).write_text((source / module / name).read_text())
    original = pinned_versions(copy).key
    go_mod = copy / "kubernetes" / "go.mod"
    lines = go_mod.read_text().splitlines()
    replaces = [line for line in lines if line.startswith("replace ")]
    others = [line for line in lines if not line.startswith("replace ")]
    go_mod.write_text("\n".join(["// moved around", *reversed(replaces), *others]) + "\n")
    assert pinned_versions(copy).key == original
    go_mod.write_text(go_mod.read_text().replace("k8s.io/api v0.", "k8s.io/api v9.", 1))
    assert pinned_versions(copy).key != original

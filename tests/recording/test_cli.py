"""`vdx recorder nginx-config` from a small GitOps tree; the stream key never shows in messages."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from tests.recording.nginxconf import parse
from tests.recording.support import KEY, recorder_body, tenant_body
from vdx.cli.main import cli
from vdx.recording.files import KEY_ENV


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    folder = tmp_path / "tree"
    folder.mkdir()
    documents = [tenant_body(recording=True), recorder_body()]
    (folder / "regionh.yaml").write_text(yaml.safe_dump_all(documents, allow_unicode=True), encoding="utf-8")
    return folder


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["recorder", "nginx-config", *args], env={KEY_ENV: "", **(env or {})})


def application_of(config: str) -> list[str]:
    return parse(config).one("rtmp").one("server").one("application").args


def test_key_from_a_file_with_a_trailing_newline(tree: Path, tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n", encoding="utf-8")
    result = run(str(tree), "--recorder", "vdx-regionh/recorder", "--stream-key-file", str(key_file))
    assert result.exit_code == 0, result.output
    assert application_of(result.stdout) == [f"vdx-{KEY}"]
    assert result.stderr == ""
    assert KEY not in result.stderr


def test_key_from_the_environment(tree: Path) -> None:
    result = run(str(tree), "--recorder", "vdx-regionh/recorder", env={KEY_ENV: KEY})
    assert result.exit_code == 0, result.output
    assert application_of(result.stdout) == [f"vdx-{KEY}"]


def test_no_key_renders_the_placeholder_and_warns(tree: Path) -> None:
    result = run(str(tree), "--recorder", "vdx-regionh/recorder")
    assert result.exit_code == 0, result.output
    assert application_of(result.stdout) == ["vdx-__STREAM_KEY__"]
    assert "warning: no stream key given" in result.stderr


@pytest.mark.parametrize("bad", ["TooShort1", "has-a-dash-1234567890", "Æbleskiver1234567890"])
def test_a_bad_key_is_refused_and_never_printed(tree: Path, tmp_path: Path, bad: str) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(bad, encoding="utf-8")
    for args, env in (
        (["--stream-key-file", str(key_file)], None),
        ([], {KEY_ENV: bad}),
    ):
        result = run(str(tree), "--recorder", "vdx-regionh/recorder", *args, env=env)
        assert result.exit_code == 1
        assert "stream key" in result.stderr
        assert bad not in result.output
        assert bad not in result.stderr
    assert (
        "--stream-key-file"
        in run(str(tree), "--recorder", "vdx-regionh/recorder", "--stream-key-file", str(key_file)).stderr
    )


def test_out_is_private_and_bundle_writes_every_file(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "vdx-recorder.conf"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o644)
    bundle = tmp_path / "bundle"
    result = run(
        str(tree),
        "--recorder",
        "vdx-regionh/recorder",
        "--out",
        str(out),
        "--bundle",
        str(bundle),
        env={KEY_ENV: KEY},
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert application_of(out.read_text(encoding="utf-8")) == [f"vdx-{KEY}"]
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in bundle.iterdir()}
    assert modes == {
        "vdx-recorder.conf": 0o600,
        "record-done.sh": 0o755,
        "cleanup.sh": 0o755,
        "vdx-recordings-cleanup.service": 0o644,
        "vdx-recordings-cleanup.timer": 0o644,
    }
    # Only the NGINX configuration carries the key.
    assert [name for name in modes if KEY in (bundle / name).read_text(encoding="utf-8")] == [
        "vdx-recorder.conf"
    ]


def test_recording_switched_off_renders_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        yaml.safe_dump_all([tenant_body(recording=False), recorder_body()], allow_unicode=True),
        encoding="utf-8",
    )
    result = run(str(tmp_path), "--recorder", "vdx-regionh/recorder", env={KEY_ENV: KEY})
    assert result.exit_code == 0, result.output
    assert "warning: Tenant regionh has spec.recording.enabled false" in result.stderr


def test_unknown_recorder_names_the_known_ones(tree: Path) -> None:
    result = run(str(tree), "--recorder", "vdx-regionh/other")
    assert result.exit_code == 1
    assert "no Recorder vdx-regionh/other in the tree (Recorders: vdx-regionh/recorder)" in result.stderr
    result = run(str(tree), "--recorder", "recorder")
    assert result.exit_code == 2
    assert "NAMESPACE/NAME" in result.stderr


def test_loader_problems_are_listed(tmp_path: Path) -> None:
    body = recorder_body(retentionDays=0)
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(body), encoding="utf-8")
    result = run(str(tmp_path), "--recorder", "vdx-regionh/recorder")
    assert result.exit_code == 1
    assert "does not load" in result.stderr
    assert "Recorder vdx-regionh/recorder, field spec.retentionDays" in result.stderr

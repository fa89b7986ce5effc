"""The rendered recorder configuration, read back structurally; injection attempts; the scripts."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.recording.nginxconf import Directive, parse
from tests.recording.support import KEY, recorder, tenant
from vdx.api.recorder import Recorder
from vdx.recording.nginx import RecorderConfigError, RecorderFiles, RenderOptions, comment_lines, render
from vdx.recording.urls import PLACEHOLDER, room_stream_name


def application(files: RecorderFiles) -> Directive:
    root = parse(files.config)
    assert [d.name for d in root.block or []] == ["rtmp"]
    server = root.one("rtmp").one("server")
    return server.one("application")


def unchecked(base: Recorder, **spec: Any) -> Recorder:
    """A Recorder with values the model would refuse: the renderer must refuse them on its own."""
    return base.model_copy(update={"spec": base.spec.model_copy(update=spec)})


def test_structure_of_the_rtmp_application() -> None:
    files = render(recorder(), tenant(), KEY)
    root = parse(files.config)
    server = root.one("rtmp").one("server")
    assert server.one("listen").args == ["1935"]
    assert server.one("access_log").args == ["/var/log/nginx/vdx-rtmp-access.log", "vdx"]
    log_format = root.one("rtmp").one("log_format")
    assert log_format.args[0] == "vdx"
    # The application name holds the stream key: nothing that carries it is logged.
    for variable in ("$app", "$tcurl", "$args", "$pageurl", "$swfurl"):
        assert variable not in log_format.args[1]
    assert "$remote_addr" in log_format.args[1]
    app = server.one("application")
    assert app.args == [f"vdx-{KEY}"]
    assert app.block is not None
    lines = [(d.name, d.args) for d in app.block]
    assert ("live", ["on"]) in lines
    assert ("record", ["all"]) in lines
    assert ("record_path", ["/var/lib/vdx-recordings/incoming"]) in lines
    assert ("record_unique", ["on"]) in lines
    assert ("record_suffix", ["-%Y-%m-%d-%H%M%S.flv"]) in lines
    assert ("exec_record_done", ["/usr/local/lib/vdx-recorder/record-done.sh", "$path", "$name"]) in lines
    access = [(d.name, d.args) for d in app.block if d.name in ("allow", "deny")]
    assert access == [
        ("allow", ["publish", "10.20.0.0/16"]),
        ("allow", ["publish", "192.0.2.7"]),
        ("deny", ["publish", "all"]),
        ("deny", ["play", "all"]),
    ]
    assert files.warnings == ()


def test_without_allowed_publishers_anyone_with_the_key_may_publish() -> None:
    app = application(render(recorder(allowedPublishers=[]), tenant(), KEY))
    access = [(d.name, d.args) for d in app.block or [] if d.name in ("allow", "deny")]
    assert access == [("allow", ["publish", "all"]), ("deny", ["play", "all"])]


def test_port_and_names_from_the_spec() -> None:
    files = render(
        recorder(url="rtmp://rec.regionh.dk:19350", application="optag", storagePath="/srv/optagelser"),
        tenant(),
        KEY,
        RenderOptions(script_dir="/opt/vdx", log_dir="/var/log/rtmp"),
    )
    server = parse(files.config).one("rtmp").one("server")
    assert server.one("listen").args == ["19350"]
    app = server.one("application")
    assert app.args == [f"optag-{KEY}"]
    assert app.one("record_path").args == ["/srv/optagelser/incoming"]
    assert app.one("exec_record_done").args[0] == "/opt/vdx/record-done.sh"
    assert "storage='/srv/optagelser'" in files.record_done
    assert "ExecStart=/opt/vdx/cleanup.sh" in files.cleanup_service


def test_rtmps_listens_on_loopback_behind_a_tls_terminator() -> None:
    files = render(recorder(url="rtmps://rec.regionh.dk"), tenant(), KEY)
    server = parse(files.config).one("rtmp").one("server")
    assert server.one("listen").args == ["127.0.0.1:1935"]
    access = [(d.name, d.args) for d in server.one("application").block or [] if d.name in ("allow", "deny")]
    assert access[:2] == [("allow", ["publish", "127.0.0.1"]), ("deny", ["publish", "all"])]
    assert "# Allowed sender, to be enforced at the TLS terminator: 10.20.0.0/16" in files.config
    assert any("rtmps" in w and "port 443" in w for w in files.warnings)


def test_retention_in_the_clean_up_job() -> None:
    for days in (1, 30, 3650):
        files = render(recorder(retentionDays=days), tenant(), KEY)
        commands = [line for line in files.cleanup.splitlines() if line.startswith("find ")]
        assert commands[0] == (
            f"find \"$storage\" -xdev -type f -name '*.flv' -mmin +{days * 1440} -print -delete"
        )
        assert "-empty" in commands[1]
        assert '! -path "$storage/incoming"' in commands[1]
        assert f"Retention: {days} days" in files.config
        assert f"older than {days} days" in files.cleanup_service
    timer = render(recorder(), tenant(), KEY).cleanup_timer
    assert "OnCalendar=hourly" in timer
    assert "Persistent=true" in timer


def test_header_names_tenant_controller_retention_and_consent() -> None:
    files = render(recorder(), tenant(), KEY)
    header = [line for line in files.config.splitlines() if line.startswith("#")]
    text = "\n".join(header)
    assert "vdx-regionh/recorder of Tenant regionh" in text
    assert "Region Hovedstaden, Databeskyttelse - dpo@regionh.dk" in text
    assert "Retention: 30 days" in text
    assert "Mødet optages. Optagelsen gemmes i 30 dage og slettes derefter." in text
    assert "(Tenant spec.recording.enabled): yes" in text
    for script in (files.record_done, files.cleanup):
        assert script.startswith("#!/bin/sh\n# VDX recorder vdx-regionh/recorder")
        assert "dpo@regionh.dk" in script


INJECTIONS = [
    "Samtykke.\n}\nrtmp { server { listen 80; application x { live on; allow play all; } } }\n#",
    "Samtykke.\r\nallow play all;\rdeny publish all;",
    "Samtykke.\u2028allow play all;\u2029deny publish all;\x85listen 81;",
    "Samtykke \"quoted\" 'single' ; { } $(rm -rf /) `id` \\\nlisten 82;",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_free_text_cannot_inject_directives_or_commands(text: str) -> None:
    controller = {"name": text, "email": "dpo@regionh.dk", "phone": "1\nlisten 83;"}
    base = recorder(consentNotice="Mødet optages, og alle giver samtykke. " + text, visibleLabel="Optages\n}")
    base = unchecked(base, data_controller=base.spec.data_controller.model_validate(controller))
    hostile_tenant = tenant()
    hostile_tenant = hostile_tenant.model_copy(
        update={
            "spec": hostile_tenant.spec.model_copy(update={"display_name": "Region\n} rtmp {\nlisten 84;"})
        }
    )
    files = render(base, hostile_tenant, KEY)
    root = parse(files.config)  # balanced: nothing closed the rtmp block early
    assert [d.name for d in root.block or []] == ["rtmp"]
    server = root.one("rtmp").one("server")
    assert server.one("listen").args == ["1935"]
    assert len(server.all("application")) == 1
    assert not any(
        d.args == ["play", "all"] and d.name == "allow" for d in server.one("application").block or []
    )
    for content in (
        files.config,
        files.record_done,
        files.cleanup,
        files.cleanup_service,
        files.cleanup_timer,
    ):
        for line in content.splitlines():
            if any(marker in line for marker in ("listen 8", "allow play", "rm -rf", "`id`", "} rtmp")):
                assert line.lstrip().startswith("#"), line
    # Free text stays out of systemd units altogether.
    assert "Samtykke" not in files.cleanup_service + files.cleanup_timer


def test_comment_lines_flatten_every_line_break() -> None:
    lines = comment_lines("a\nb\rc\u2028d\u2029e\x85f\x0bg\x0ch\ti")
    assert lines == ["a b c d e f g h i"]
    assert all(len(line) <= 96 for line in comment_lines("ord " * 200))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("storage_path", "/var/lib/x; deny all", "spec.storagePath"),
        ("storage_path", "/", "spec.storagePath"),
        ("storage_path", "/recordings", "at least two levels"),
        ("storage_path", "/var/lib/../../etc/x", "no '.' or '..' parts"),
        ("storage_path", "/etc/nginx", "system directory"),
        ("storage_path", "/var/lib", "system directory"),
        ("storage_path", "/usr/local/rec", "system directory"),
        ("application", "vdx { }", "spec.application"),
        ("application", "vdx\nallow", "spec.application"),
        ("url", "rtmp://rec.regionh.dk:1935/x; listen 80", "spec.url"),
        ("allowed_publishers", ["rec.pexip.regionh.dk"], "spec.allowedPublishers[0]"),
        ("allowed_publishers", ["10.0.0.1", "10.0.0.2; allow play all"], "spec.allowedPublishers[1]"),
    ],
)
def test_values_that_become_directives_are_checked_again(field: str, value: Any, message: str) -> None:
    with pytest.raises(RecorderConfigError) as caught:
        render(unchecked(recorder(), **{field: value}), tenant(), KEY)
    assert "Recorder vdx-regionh/recorder" in str(caught.value)
    assert message in str(caught.value)


def test_render_options_must_be_plain_paths() -> None:
    with pytest.raises(RecorderConfigError, match="script directory"):
        render(recorder(), tenant(), KEY, RenderOptions(script_dir="/opt/x; rm"))


def test_placeholder_without_a_key() -> None:
    files = render(recorder(), tenant(), None)
    assert application(files).args == [f"vdx-{PLACEHOLDER}"]
    assert "# PLACEHOLDER: replace __STREAM_KEY__" in files.config
    assert any("placeholder" in w and "recorder-key" in w and "streamKey" in w for w in files.warnings)


def test_recording_switched_off_or_no_tenant_only_warns() -> None:
    off = render(recorder(), tenant(recording=False), KEY)
    assert application(off).args == [f"vdx-{KEY}"]
    assert any("spec.recording.enabled false" in w for w in off.warnings)
    assert "(Tenant spec.recording.enabled): NO" in off.config
    orphan = render(recorder(), None, KEY)
    assert any("no Tenant has spec.namespace vdx-regionh" in w for w in orphan.warnings)


def test_a_bad_key_is_refused_without_showing_it() -> None:
    with pytest.raises(ValueError, match="shorter than 16") as caught:
        render(recorder(), tenant(), "Secret99")
    assert "Secret99" not in str(caught.value)


# ---------------------------------------------------------------- the scripts, run for real


def rendered_for(storage: Path) -> RecorderFiles:
    return render(unchecked(recorder(), storage_path=str(storage)), tenant(), KEY)


def run_script(tmp_path: Path, name: str, content: str, *args: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / name
    script.write_text(content, encoding="utf-8")
    return subprocess.run(["sh", str(script), *args], capture_output=True, text=True, timeout=30, check=False)


def test_record_done_moves_a_recording_into_room_and_date(tmp_path: Path) -> None:
    storage = tmp_path / "recordings"
    (storage / "incoming").mkdir(parents=True)
    room = room_stream_name("vdx-regionh", "akut")
    recording = storage / "incoming" / f"{room}-1795000000-2026-11-26-101500.flv"
    recording.write_bytes(b"FLV")
    result = run_script(tmp_path, "record-done.sh", rendered_for(storage).record_done, str(recording), room)
    assert result.returncode == 0, result.stderr
    assert (storage / room / "2026-11-26" / recording.name).read_bytes() == b"FLV"
    assert not recording.exists()


@pytest.mark.parametrize("name", ["../../etc", "Room", "a/b", "-x", "x-", "", "room\n../../etc", "a" * 201])
def test_record_done_refuses_a_stream_name_that_is_not_a_room_token(tmp_path: Path, name: str) -> None:
    storage = tmp_path / "recordings"
    (storage / "incoming").mkdir(parents=True)
    recording = storage / "incoming" / "x-2026-11-26-101500.flv"
    recording.write_bytes(b"FLV")
    result = run_script(tmp_path, "record-done.sh", rendered_for(storage).record_done, str(recording), name)
    assert result.returncode != 0
    assert recording.exists()
    assert sorted(p.name for p in storage.iterdir()) == ["incoming"]


def test_cleanup_deletes_only_recordings_older_than_the_retention(tmp_path: Path) -> None:
    storage = tmp_path / "recordings"
    old_day = storage / "room-1" / "2026-10-01"
    new_day = storage / "room-1" / "2026-11-25"
    for folder in (storage / "incoming", old_day, new_day):
        folder.mkdir(parents=True)
    old, new, other = old_day / "a.flv", new_day / "b.flv", old_day / "notes.txt"
    for path in (old, new, other):
        path.write_bytes(b"x")
    thirty_one_days_ago = time.time() - 31 * 86400
    os.utime(old, (thirty_one_days_ago, thirty_one_days_ago))
    os.utime(other, (thirty_one_days_ago, thirty_one_days_ago))
    result = run_script(tmp_path, "cleanup.sh", rendered_for(storage).cleanup)
    assert result.returncode == 0, result.stderr
    assert not old.exists()
    assert new.exists()
    assert other.exists()  # only recordings (*.flv) are ever deleted
    assert (storage / "incoming").is_dir()
    assert str(old) in result.stdout  # the deletion is logged


def test_cleanup_removes_emptied_folders_but_keeps_incoming(tmp_path: Path) -> None:
    storage = tmp_path / "recordings"
    day = storage / "room-2" / "2026-10-01"
    (storage / "incoming").mkdir(parents=True)
    day.mkdir(parents=True)
    old = day / "a.flv"
    old.write_bytes(b"x")
    os.utime(old, (time.time() - 40 * 86400,) * 2)
    result = run_script(tmp_path, "cleanup.sh", rendered_for(storage).cleanup)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in storage.iterdir()) == ["incoming"]

"""`nginx -t` on the rendered configuration, with Debian's nginx and RTMP module when available.

`scripts/fetch-nginx-rtmp` unpacks them (no root, nothing installed) into the user cache; a
system nginx with /usr/lib/nginx/modules/ngx_rtmp_module.so works too. Otherwise the test skips
and says how to get them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.recording.nginxconf import parse
from tests.recording.support import KEY, recorder, tenant
from vdx.recording.nginx import RenderOptions, render

MODULE = "usr/lib/nginx/modules/ngx_rtmp_module.so"


def _found() -> tuple[Path, Path] | None:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vdx-operator" / "nginx-rtmp"
    roots = [Path(os.environ["VDX_NGINX_ROOT"])] if os.environ.get("VDX_NGINX_ROOT") else []
    for root in [*roots, cache / "root"]:
        if (root / "usr/sbin/nginx").is_file() and (root / MODULE).is_file():
            return root / "usr/sbin/nginx", root / MODULE
    system = shutil.which("nginx")
    if system and (Path("/") / MODULE).is_file():
        return Path(system), Path("/") / MODULE
    return None


FOUND = _found()
pytestmark = pytest.mark.skipif(
    FOUND is None,
    reason="no nginx with the RTMP module: run scripts/fetch-nginx-rtmp (Debian's nginx and "
    "libnginx-mod-rtmp, unpacked into the user cache) or set VDX_NGINX_ROOT",
)


def nginx_test(tmp_path: Path, config: str) -> subprocess.CompletedProcess[str]:
    assert FOUND is not None
    binary, module = FOUND
    (tmp_path / "vdx-recorder.conf").write_text(config, encoding="utf-8")
    # The host's nginx.conf, reduced to what the recorder needs: the module, and the include in
    # the main context, as docs/recording.md tells the organisation to do.
    (tmp_path / "nginx.conf").write_text(
        f"load_module {module};\n"
        f"pid {tmp_path}/nginx.pid;\n"
        "error_log stderr;\n"
        "events {}\n"
        f"include {tmp_path}/vdx-recorder.conf;\n",
        encoding="utf-8",
    )
    return subprocess.run(
        [str(binary), "-t", "-q", "-p", f"{tmp_path}/", "-e", "stderr", "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize(
    "spec",
    [
        {},
        {"allowedPublishers": []},
        {"url": "rtmps://rec.regionh.dk:8443"},
        {"consentNotice": "Samtykke.\n}\nrtmp { server { listen 80; } }", "retentionDays": 1},
    ],
    ids=["allow-list", "open", "rtmps", "hostile-text"],
)
def test_nginx_accepts_the_configuration(tmp_path: Path, spec: dict[str, object]) -> None:
    (tmp_path / "logs").mkdir()
    files = render(recorder(**spec), tenant(), KEY, RenderOptions(log_dir=str(tmp_path / "logs")))
    result = nginx_test(tmp_path, files.config)
    assert result.returncode == 0, result.stderr


def test_nginx_accepts_the_placeholder_too(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    result = nginx_test(
        tmp_path, render(recorder(), tenant(), None, RenderOptions(log_dir=str(tmp_path / "logs"))).config
    )
    assert result.returncode == 0, result.stderr


def test_nginx_refuses_a_broken_configuration(tmp_path: Path) -> None:
    """The check above can fail: a directive NGINX does not know is reported."""
    (tmp_path / "logs").mkdir()
    config = render(recorder(), tenant(), KEY, RenderOptions(log_dir=str(tmp_path / "logs"))).config
    broken = config.replace("record all;", "record all;\n            no_such_directive on;")
    parse(broken)  # still balanced: only NGINX can tell
    result = nginx_test(tmp_path, broken)
    assert result.returncode != 0
    assert "no_such_directive" in result.stderr

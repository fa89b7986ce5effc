"""What the operator process holds before it reconciles anything, and the tool to find where its
memory goes. Checked through `sys.modules` in a fresh interpreter, not a clock or an RSS figure,
so load on the machine cannot make these flaky."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tracemalloc

import pytest

from vdx.controller.memory import log_allocations_on_signal, top_allocations

# What the operator never needs before a CviBranding is rendered, or never at all.
NOT_IN_THE_OPERATOR = (
    "PIL",
    "resvg_py",
    "jinja2",
    "pygments",
    "openpyxl",
    "pulumi",
    "vdx.infra",
    "vdx.pexip.simulator",
    "vdx.controlplane",
    "vdx.gitops",
    "vdx.bench",
    "vdx.branding.ivr",
    "vdx.branding.webapp",
    # PyJWT signs the OAuth2 client assertion only (0.7 MiB beside cryptography); Basic auth never loads it.
    "jwt",
    # The generated API classes: 23 and 4 MiB of signatures and models for eight calls (controller.kube).
    "kubernetes.client.api.core_v1_api",
    "kubernetes.client.api.custom_objects_api",
)

_PROBE = """
import json, sys
from vdx.controller.memory import prepare_operator_process
prepare_operator_process()
import vdx.cli.operator, vdx.controller.run
import httpx
from kubernetes import client
from vdx.controller.kube import Kube
Kube(client.ApiClient())
print(json.dumps({"modules": sorted(sys.modules), "httpx_main": callable(httpx.main)}))
"""


def test_the_operator_process_imports_only_what_it_uses() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    loaded = [
        m for m in found["modules"] if any(m == h or m.startswith(h + ".") for h in NOT_IN_THE_OPERATOR)
    ]
    assert loaded == []
    assert found["httpx_main"]  # httpx went on with its stand-in for the command-line client
    assert "kopf" in found["modules"]  # the probe did load the operator


_RENDER_PROBE = """
import asyncio, json, sys
from vdx.controller.memory import prepare_operator_process
prepare_operator_process()
import vdx.cli.operator, vdx.controller.run
from vdx.api.branding import CviBranding
from vdx.controller import render_process
logo = ('<svg xmlns="http://www.w3.org/2000/svg" width="336" height="160">'
        '<rect width="336" height="160"/></svg>')
branding = CviBranding.model_validate({
    "apiVersion": "vdx.medcom.dk/v1alpha1", "kind": "CviBranding",
    "metadata": {"name": "cvi", "namespace": "vdx-test"},
    "spec": {"brandName": "Region Test", "colours": {"base": "#5B2C86", "background": "#FFFFFF"},
             "images": {"logo": {"configMapKeyRef": {"name": "cvi-assets", "key": "logo.svg"}}},
             "texts": {"da": {"appTitle": "Test"}, "en": {"appTitle": "Test"}},
             "webApp": {"domain": "vdx.test.dk", "slug": "test"}}})
objects = [{"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "cvi-assets", "namespace": "vdx-test"}, "data": {"logo.svg": logo}}]
rendered = asyncio.run(render_process.render(branding, objects))
assert rendered.ivr_theme is not None
print(json.dumps({"modules": sorted(sys.modules), "starts": render_process.figures().starts}))
"""


def test_rendering_a_branding_leaves_the_renderers_out_of_the_operator() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _RENDER_PROBE], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    loaded = [m for m in found["modules"] if m.split(".")[0] in ("PIL", "resvg_py", "jinja2")]
    assert loaded == []
    assert found["starts"] == 1  # it was rendered, in the child


def test_rendering_still_loads_its_libraries_when_needed() -> None:
    probe = (
        "import sys\n"
        "from vdx.controller.memory import prepare_operator_process\n"
        "prepare_operator_process()\n"
        "from vdx.branding import render_branding\n"
        "assert 'PIL.ImageDraw' not in sys.modules\n"
        "from vdx.branding import render_ivr_theme\n"
        "assert 'PIL.ImageDraw' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=120)


def test_top_allocations_is_empty_without_tracing() -> None:
    if tracemalloc.is_tracing():
        pytest.skip("tracemalloc is tracing this test run")
    assert top_allocations() == []


def test_sigusr2_logs_where_traced_memory_is(caplog: pytest.LogCaptureFixture) -> None:
    if tracemalloc.is_tracing():
        pytest.skip("tracemalloc is tracing this test run")
    previous = signal.getsignal(signal.SIGUSR2)
    tracemalloc.start()
    try:
        held = [bytearray(1024) for _ in range(4096)]  # 4 MiB from one line of this file
        log_allocations_on_signal()
        with caplog.at_level(logging.WARNING, logger="vdx.memory"):
            os.kill(os.getpid(), signal.SIGUSR2)
        assert held
        lines = [r.getMessage() for r in caplog.records if r.name == "vdx.memory"]
        assert lines[0].startswith("traced Python memory: ")
        assert any("test_operator_footprint.py" in line for line in lines[1:4])
    finally:
        tracemalloc.stop()
        signal.signal(signal.SIGUSR2, previous)


def test_without_tracing_the_signal_is_left_alone() -> None:
    if tracemalloc.is_tracing():
        pytest.skip("tracemalloc is tracing this test run")
    previous = signal.getsignal(signal.SIGUSR2)
    log_allocations_on_signal()
    assert signal.getsignal(signal.SIGUSR2) is previous

"""The branding renderer's child process: answers, idle exit, and every way a child can fail."""

from __future__ import annotations

import asyncio
import io
import os
import struct
import sys
import time

import pytest

from vdx.api.branding import CviBranding
from vdx.branding import BrandingError, load_assets, render_branding
from vdx.branding.wire import RenderFailed, decode_result, encode_request
from vdx.controller import render_process
from vdx.controller.render_process import RenderProcess, RenderProcessFailed, failure_message, serve

LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="336" height="160" viewBox="0 0 336 160">'
    '<rect width="336" height="160" rx="16" fill="#5B2C86"/></svg>'
)


def branding(base: str = "#5B2C86") -> CviBranding:
    return CviBranding.model_validate(
        {
            "apiVersion": "vdx.medcom.dk/v1alpha1",
            "kind": "CviBranding",
            "metadata": {"name": "cvi", "namespace": "vdx-test"},
            "spec": {
                "brandName": "Region Test",
                "colours": {"base": base, "background": "#FFFFFF"},
                "images": {"logo": {"configMapKeyRef": {"name": "cvi-assets", "key": "logo.svg"}}},
                "texts": {"da": {"appTitle": "Region Test"}, "en": {"appTitle": "Region Test"}},
                "webApp": {"domain": "vdx.test.dk", "slug": "test"},
            },
        }
    )


OBJECTS = [
    {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cvi-assets", "namespace": "vdx-test"},
        "data": {"logo.svg": LOGO},
    }
]


def child(code: str) -> list[str]:
    """A stand-in child that reads one request and then does what `code` says."""
    reads = "import os, struct, sys, time; h = sys.stdin.buffer.read(8); "
    reads += "sys.stdin.buffer.read(struct.unpack('>Q', h)[0]); "
    return [sys.executable, "-c", reads + code]


def wait_until(predicate: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_the_child_renders_what_the_operator_would() -> None:
    process = RenderProcess()
    try:
        answer = decode_result(process.call(encode_request(branding(), OBJECTS)))
        assert answer == render_branding(branding(), load_assets(branding(), OBJECTS))
        again = decode_result(process.call(encode_request(branding(), OBJECTS)))
        assert again.content_hash == answer.content_hash
        assert process.starts == 1  # one child served both
    finally:
        process.close()
    assert not process.running
    assert process.cpu_seconds > 0
    assert process.peak_rss_bytes > 10 * 2**20  # its own peak: at least an interpreter's
    assert process.last_end == "exit status 0"  # asked to go by closing its stdin


def test_a_refusal_comes_back_as_the_same_error() -> None:
    process = RenderProcess()
    try:
        with pytest.raises(BrandingError) as expected:
            render_branding(branding("#FFD400"), load_assets(branding("#FFD400"), OBJECTS))
        with pytest.raises(BrandingError) as received:
            decode_result(process.call(encode_request(branding("#FFD400"), OBJECTS)))
        assert received.value.problems == expected.value.problems
    finally:
        process.close()


def test_an_idle_child_goes_and_the_next_rendering_starts_another() -> None:
    # Long enough that the child cannot idle out between the call and reading its pid.
    process = RenderProcess(idle_seconds=1.0)
    try:
        decode_result(process.call(encode_request(branding(), OBJECTS)))
        first = process.pid
        assert first is not None
        wait_until(lambda: process.last_end is not None)
        assert not process.running
        with pytest.raises(ChildProcessError):
            os.waitpid(first, os.WNOHANG)  # reaped: no zombie left behind
        decode_result(process.call(encode_request(branding(), OBJECTS)))
        assert process.starts == 2
        assert process.pid != first
    finally:
        process.close()


def test_a_child_that_dies_is_an_error_and_the_next_call_starts_afresh() -> None:
    process = RenderProcess(command=child("sys.exit(3)"))
    with pytest.raises(RenderProcessFailed, match=r"ended without an answer \(exit status 3\)"):
        process.call(encode_request(branding(), OBJECTS))
    assert not process.running
    process.command = child("os.kill(os.getpid(), 9)")
    with pytest.raises(RenderProcessFailed, match="killed by signal 9"):
        process.call(encode_request(branding(), OBJECTS))
    assert process.starts == 2


def test_a_rendering_that_takes_too_long_is_stopped() -> None:
    process = RenderProcess(command=child("time.sleep(60)"), timeout_seconds=1.0)
    started = time.monotonic()
    with pytest.raises(RenderProcessFailed, match=r"longer than 1 s and was stopped \(killed by signal 9\)"):
        process.call(encode_request(branding(), OBJECTS))
    assert time.monotonic() - started < 10
    assert not process.running


def test_an_answer_too_large_to_take_is_refused() -> None:
    announce = (
        "sys.stdout.buffer.write(struct.pack('>Q', 1 << 40)); sys.stdout.buffer.flush(); time.sleep(60)"
    )
    process = RenderProcess(command=child(announce))
    with pytest.raises(RenderProcessFailed, match="announced an answer of 1099511627776 bytes"):
        process.call(encode_request(branding(), OBJECTS))
    assert not process.running


def test_a_child_that_cannot_start_says_so() -> None:
    process = RenderProcess(command=["/nonexistent/vdx-render"])
    with pytest.raises(RenderProcessFailed, match="could not start"):
        process.call(b"{}")


def test_a_failure_in_the_child_never_quotes_the_request() -> None:
    secret = "s3cret-logo-bytes"
    request = b'{"branding": {"metadata": {"name": "' + secret.encode() + b'"}}, "objects": []}'
    answers = io.BytesIO()
    read, write = os.pipe()
    os.write(write, struct.pack(">Q", len(request)) + request)
    os.close(write)
    with os.fdopen(read, "rb") as requests:
        serve(requests, answers)
    with pytest.raises(RenderFailed) as failed:
        decode_result(answers.getvalue()[8:])
    assert str(failed.value).startswith("ValidationError: ")
    assert secret not in str(failed.value)


def test_failure_messages_keep_the_first_line_only() -> None:
    assert failure_message(ValueError("first\nsecond s3cret")) == "ValueError: first"
    assert failure_message(MemoryError()) == "MemoryError"
    assert len(failure_message(OSError("x" * 1000))) <= len("OSError: ") + 200


def test_the_operator_renders_through_one_shared_child(monkeypatch: pytest.MonkeyPatch) -> None:
    shared = RenderProcess()
    monkeypatch.setattr(render_process, "_SHARED", shared)
    try:
        rendered = asyncio.run(render_process.render(branding(), OBJECTS))
        assert (
            rendered.content_hash
            == render_branding(branding(), load_assets(branding(), OBJECTS)).content_hash
        )
        figures = render_process.figures()
        assert figures.starts == 1
        assert figures.running
    finally:
        shared.close()
    assert render_process.figures().peak_rss_bytes == shared.peak_rss_bytes > 0

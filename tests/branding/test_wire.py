"""The rendering child's messages: what the operator accepts from the process that decoded images."""

from __future__ import annotations

import base64
import json

import pytest

from vdx.branding import BrandingError, render_branding
from vdx.branding.wire import (
    MalformedMessage,
    RenderFailed,
    decode_request,
    decode_result,
    encode_request,
    encode_result,
)

from .conftest import LOGO_SVG, Build, config_map


def test_a_rendering_arrives_whole(build: Build) -> None:
    svg = LOGO_SVG.replace("</svg>", '<text x="1" y="1">Region</text></svg>')
    rendered = render_branding(*build([config_map({"logo.svg": svg})]))
    assert rendered.warnings  # a warning travels too
    received = decode_result(encode_result(rendered))
    assert received == rendered


def test_a_request_arrives_whole(build: Build) -> None:
    branding, _ = build()
    objects = [config_map({"logo.svg": LOGO_SVG})]
    assert decode_request(encode_request(branding, objects)) == (branding, objects)


def test_a_refusal_keeps_every_problem(build: Build) -> None:
    with pytest.raises(BrandingError) as refused:
        render_branding(*build(colours={"base": "#FFD400"}))
    with pytest.raises(BrandingError) as received:
        decode_result(encode_result(refused.value))
    assert received.value.resource == refused.value.resource
    assert received.value.problems == refused.value.problems
    assert str(received.value) == str(refused.value)


def test_a_failure_is_its_message() -> None:
    with pytest.raises(RenderFailed, match="MemoryError: out of memory"):
        decode_result(encode_result(RenderFailed("MemoryError: out of memory")))


def test_package_bytes_must_match_their_hash(build: Build) -> None:
    document = json.loads(encode_result(render_branding(*build())))
    zipped = base64.b64decode(document["rendered"]["webapp"]["zip"])
    middle = len(zipped) // 2
    tampered = zipped[:middle] + bytes([zipped[middle] ^ 0xFF]) + zipped[middle + 1 :]
    document["rendered"]["webapp"]["zip"] = base64.b64encode(tampered).decode()
    with pytest.raises(MalformedMessage, match="do not match its SHA-256"):
        decode_result(json.dumps(document).encode())


def test_the_content_hash_is_worked_out_by_the_receiver(build: Build) -> None:
    rendered = render_branding(*build())
    document = json.loads(encode_result(rendered))
    document["rendered"]["contentHash"] = "0" * 64  # not read: the receiver works it out
    assert decode_result(json.dumps(document).encode()).content_hash == rendered.content_hash


@pytest.mark.parametrize(
    ("answer", "complaint"),
    [
        (b"\xff not json", "not JSON"),
        (b"[]", "not an object"),
        (b"{}", "no rendering"),
        (b'{"refused": {"resource": "x"}}', "without its problems"),
        (b'{"refused": {"resource": "x", "problems": [{"field": 1}]}}', "not text"),
        (
            b'{"refused": {"resource": "x", "problems": '
            b'[{"field": "f", "message": "m", "fix": "x", "severity": "fatal"}]}}',
            "unknown severity",
        ),
        (
            b'{"rendered": {"warnings": [], "webapp": {"zip": "%%%", "sha256": "", "files": {}}}}',
            "not base64",
        ),
        (b'{"rendered": {"warnings": [], "webapp": []}}', "not a package"),
        (b'{"failed": 7}', "not text"),
    ],
)
def test_anything_else_is_malformed(answer: bytes, complaint: str) -> None:
    with pytest.raises(MalformedMessage, match=complaint):
        decode_result(answer)

"""The address a room's recording is sent to, and the stream key rule."""

from __future__ import annotations

import re

import pytest

from tests.recording.support import KEY, recorder
from vdx.recording.urls import (
    STREAM_NAME,
    StreamKeyError,
    check_stream_key,
    room_stream_name,
    stream_url,
)


def test_stream_url_from_the_model_and_from_a_plain_spec() -> None:
    name = room_stream_name("vdx-regionh", "akut")
    expected = f"rtmp://rec.regionh.dk:1935/vdx-{KEY}/{name}"
    assert stream_url(recorder().spec, KEY, name) == expected
    assert stream_url({"url": "rtmp://rec.regionh.dk:1935"}, KEY, name) == expected  # application defaults
    assert stream_url({"url": "rtmps://rec.regionh.dk", "application": "rec"}, KEY, name) == (
        f"rtmps://rec.regionh.dk/rec-{KEY}/{name}"
    )


def test_room_stream_names_are_safe_tokens_and_distinct() -> None:
    pairs = [
        ("a-b", "c"),
        ("a", "b-c"),
        ("vdx-regionh", "akut.rum"),
        ("vdx-regionh", "akut-rum"),
        ("x", "y" * 253),
    ]
    names = [room_stream_name(ns, n) for ns, n in pairs]
    assert len(set(names)) == len(names)
    for name in names:
        assert STREAM_NAME.fullmatch(name), name
        assert re.fullmatch(r"[a-z0-9-]+", name)
        assert len(name) <= 110
    assert room_stream_name("vdx-regionh", "akut") == room_stream_name("vdx-regionh", "akut")
    assert room_stream_name("vdx-regionh", "akut").startswith("vdx-regionh-akut-")


def test_stream_url_refuses_an_unsafe_stream_name() -> None:
    with pytest.raises(ValueError, match="stream name"):
        stream_url(recorder().spec, KEY, "../etc")


@pytest.mark.parametrize("key", ["a" * 16, "Z9" * 32, KEY])
def test_good_stream_keys(key: str) -> None:
    assert check_stream_key(key) == key


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "is empty"),
        ("Short1Key", "shorter than 16"),
        ("A" * 65, "longer than 64"),
        ("Secret-with-dash-123", "other than letters and digits"),
        ("Hemmeligøæå12345678", "other than letters and digits"),
        ("Secret key with spaces 1", "other than letters and digits"),
        ("Secret123456789\n;deny", "other than letters and digits"),
    ],
)
def test_bad_stream_keys_say_why_without_the_key(key: str, problem: str) -> None:
    with pytest.raises(StreamKeyError) as caught:
        check_stream_key(key)
    message = str(caught.value)
    assert problem in message
    if key:
        assert key not in message
        assert key[:8] not in message


def test_stream_url_checks_the_key_without_printing_it() -> None:
    with pytest.raises(StreamKeyError) as caught:
        stream_url(recorder().spec, "NotLongEnough", "room")
    assert "NotLongEnough" not in str(caught.value)


def test_stream_url_fits_pexips_alias_field_or_says_so_without_the_key() -> None:
    long_host = "rtmp://" + ".".join(["recorder-host-name"] * 12) + ".dk:1935"
    with pytest.raises(ValueError, match="more than the 250") as caught:
        stream_url({"url": long_host}, KEY, room_stream_name("vdx-regionh", "akut"))
    assert KEY not in str(caught.value)

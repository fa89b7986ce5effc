"""The RTMP address of a room's recording, shared by the operator and the recorder's configuration.

    rtmp(s)://<host[:port]>/<application>-<stream key>/<room stream name>

The stream key sits in the application name, so a sender that does not know it reaches no
application at all (nginx-rtmp answers "application not found"); the room's stream name becomes
the recording's file and folder name on the recorder. The key is a secret: nothing here puts it
in an error message.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from vdx.api.recorder import RecorderSpec

STREAM_KEY = re.compile(r"[A-Za-z0-9]{16,64}")
STREAM_KEY_RULE = "16 to 64 letters (A-Z, a-z) and digits"
STREAM_NAME_MAX = 200
STREAM_NAME = re.compile(rf"[a-z0-9]([a-z0-9-]{{0,{STREAM_NAME_MAX - 2}}}[a-z0-9])?")
# What a rendered configuration carries when no key was given; never a valid key (underscores).
PLACEHOLDER = "__STREAM_KEY__"
DEFAULT_APPLICATION = "vdx"
# Pexip's automatic_participant.alias holds at most this many characters.
PEXIP_ALIAS_MAX = 250
_READABLE_MAX = 100


class StreamKeyError(ValueError):
    """The stream key breaks the rule. The message says which part, never the key."""


def check_stream_key(key: str) -> str:
    """`key` if it is 16-64 letters and digits; StreamKeyError (without the key) otherwise."""
    if STREAM_KEY.fullmatch(key):
        return key
    if not key:
        problem = "is empty"
    elif not key.isascii() or not key.isalnum():
        problem = "contains characters other than letters and digits"
    elif len(key) < 16:
        problem = "is shorter than 16 characters"
    else:
        problem = "is longer than 64 characters"
    raise StreamKeyError(f"the stream key {problem}; it must be {STREAM_KEY_RULE}")


def room_stream_name(namespace: str, room_name: str) -> str:
    """A token of lower-case letters, digits and '-' naming a room's recordings, unique per room.

    The readable part (namespace and name, '.' and anything else turned into '-') can collide
    ("a-b"/"c" and "a"/"b-c"), so a short hash of the exact namespace and name follows it.
    """
    readable = re.sub(r"[^a-z0-9]+", "-", f"{namespace}-{room_name}".lower()).strip("-")
    readable = readable[:_READABLE_MAX].rstrip("-") or "room"
    digest = hashlib.sha256(f"{namespace}/{room_name}".encode()).hexdigest()[:8]
    return f"{readable}-{digest}"


def application_name(application: str, stream_key: str) -> str:
    return f"{application}-{stream_key}"


def stream_url(
    recorder_spec: RecorderSpec | Mapping[str, Any], stream_key: str, room_stream_name: str
) -> str:
    """The address the room's automatic participant dials (rtmp:// or rtmps://, as the Recorder says).

    `recorder_spec` is the model or the plain camelCase spec the operator's watch holds.
    """
    if isinstance(recorder_spec, RecorderSpec):
        base, application = recorder_spec.url, recorder_spec.application
    else:
        base = str(recorder_spec["url"])
        application = str(recorder_spec.get("application") or DEFAULT_APPLICATION)
    check_stream_key(stream_key)
    if not STREAM_NAME.fullmatch(room_stream_name):
        raise ValueError(f"stream name {room_stream_name!r} is not lower-case letters, digits and '-'")
    url = f"{base.rstrip('/')}/{application_name(application, stream_key)}/{room_stream_name}"
    if len(url) > PEXIP_ALIAS_MAX:
        # The length only: the URL holds the key.
        raise ValueError(
            f"the recording address would be {len(url)} characters, more than the {PEXIP_ALIAS_MAX} "
            "Pexip's automatic participant alias holds; shorten the Recorder's url or application"
        )
    return url

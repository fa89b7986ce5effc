"""The operator's log lines (`--log-format`): JSON lines that parse and name the resource, and no
secret in either format, in a message or in a traceback."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from vdx import logsetup
from vdx.tls.issue import LocalCA

TURN_SECRET = "s3cr3t-turn-shared"


@pytest.fixture
def lines() -> Iterator[tuple[logging.Logger, io.StringIO, logging.Handler]]:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logsetup.JsonFormatter())
    logger = logging.getLogger("vdx.test.logsetup")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logsetup.SECRETS.clear()
    yield logger, buffer, handler
    logger.removeHandler(handler)
    logsetup.SECRETS.clear()


def _parsed(buffer: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_a_json_line_parses_and_carries_the_resource(
    lines: tuple[logging.Logger, io.StringIO, logging.Handler],
) -> None:
    logger, buffer, _ = lines
    logger.info("outside any reconcile")
    with logsetup.about("Domain", "vdx-aarhus", "aarhus"):
        logger.warning("Domain %s/%s: %s", "vdx-aarhus", "aarhus", "waiting for TurnService")
    first, second = _parsed(buffer)
    assert set(first) == {"time", "level", "logger", "message"}
    assert first["level"] == "INFO"
    assert first["logger"] == "vdx.test.logsetup"
    assert first["time"].endswith("Z")
    assert second["message"] == "Domain vdx-aarhus/aarhus: waiting for TurnService"
    assert (second["kind"], second["namespace"], second["name"]) == ("Domain", "vdx-aarhus", "aarhus")
    assert second["level"] == "WARNING"


def test_the_resource_follows_the_reconcile_into_its_tasks_and_not_beyond(
    lines: tuple[logging.Logger, io.StringIO, logging.Handler],
) -> None:
    logger, buffer, _ = lines

    async def write() -> None:
        logger.info("in a task it started")

    async def reconcile() -> None:
        with logsetup.about("TurnService", "vdx-rm", "turn"):
            await asyncio.create_task(write())

    async def scenario() -> None:
        await reconcile()
        logger.info("the resync, after it")

    asyncio.run(scenario())
    inside, after = _parsed(buffer)
    assert inside["kind"] == "TurnService"
    assert "kind" not in after


def test_kopfs_object_reference_names_the_resource(
    lines: tuple[logging.Logger, io.StringIO, logging.Handler],
) -> None:
    logger, buffer, _ = lines
    ref = {"apiVersion": "vdx.medcom.dk/v1alpha1", "kind": "Tenant", "name": "aarhus", "uid": "u"}
    logger.info("Handler 'resume' succeeded.", extra={"k8s_ref": ref, "k8s_skip": False})
    (line,) = _parsed(buffer)
    assert (line["kind"], line["name"]) == ("Tenant", "aarhus")
    assert "namespace" not in line  # cluster-scoped


def test_secret_values_never_appear(lines: tuple[logging.Logger, io.StringIO, logging.Handler]) -> None:
    logger, buffer, handler = lines
    logsetup.remember_secrets({"secret": TURN_SECRET, "username": "turnuser", "pin": "1234"})
    key_pem = LocalCA().issue(["vdx.aarhus.dk"]).key_pem.decode()  # a private key never seen as a Secret
    logger.warning("PATCH turn_server: shared_secret=%s refused", TURN_SECRET)
    logger.info("key material: %s", key_pem)
    try:
        raise RuntimeError(f"upload failed with {TURN_SECRET}")
    except RuntimeError:
        logger.exception("reconcile failed")
    text = buffer.getvalue()
    assert TURN_SECRET not in text
    assert "BEGIN PRIVATE KEY" not in text
    assert key_pem.splitlines()[1] not in text
    parsed = _parsed(buffer)
    assert parsed[0]["message"] == "PATCH turn_server: shared_secret=*** refused"
    assert "***" in parsed[2]["exception"]
    assert "turnuser" not in logsetup.SECRETS.snapshot()  # a username is shown anyway: not a secret
    assert "1234" not in logsetup.SECRETS.snapshot()  # too short to scrub (see below)
    # The text format scrubs the same way.
    handler.setFormatter(logsetup.TextFormatter())
    logger.warning("again %s", TURN_SECRET)
    assert TURN_SECRET not in buffer.getvalue()
    assert buffer.getvalue().splitlines()[-1].endswith("WARNING vdx.test.logsetup: again ***")


def test_short_values_are_not_scrubbed_from_every_line(
    lines: tuple[logging.Logger, io.StringIO, logging.Handler],
) -> None:
    """A 4-digit PIN would blank out port numbers and counts everywhere."""
    logger, buffer, _ = lines
    logsetup.remember_secrets({"pin": "8080"})
    logger.info("listening on :8080")
    assert _parsed(buffer)[0]["message"] == "listening on :8080"


def test_configure_routes_the_root_logger(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    try:
        logsetup.configure("info", "json")
        logging.getLogger("kopf.objects").info("hello")
        (line,) = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x.startswith("{")]
        assert (line["logger"], line["message"]) == ("kopf.objects", "hello")
        with pytest.raises(ValueError, match="text, json"):
            logsetup.configure("info", "xml")
    finally:
        root.handlers[:] = saved
        root.setLevel(level)


def test_a_secret_read_later_is_scrubbed_in_every_form_it_may_be_quoted_in(
    lines: tuple[logging.Logger, io.StringIO, logging.Handler],
) -> None:
    """The log works out a Secret's forms when it is read (`forms_of`), not for each line."""
    logger, buffer, _ = lines
    stream = "rtmps://live.vdx.dk/app/vdx-Q2hhbmdlTWVTdHJlYW1LZXk/room-1"
    logsetup.remember_secrets({"secret": TURN_SECRET})
    logsetup.remember_secrets({"url": stream})
    logger.warning("sent %s", json.dumps({"u": stream}).replace("/", "\\/"))
    logger.warning("publisher at live.vdx.dk refused the key vdx-Q2hhbmdlTWVTdHJlYW1LZXk")
    logger.warning("the TURN secret was %s", json.dumps(TURN_SECRET))
    shown = buffer.getvalue()
    assert "Q2hhbmdlTWVTdHJlYW1LZXk" not in shown
    assert "live.vdx.dk" in shown  # the host of an address is no secret
    assert TURN_SECRET not in shown
    assert set(logsetup.SECRETS.forms()) >= {TURN_SECRET, stream}


def test_a_secret_is_scrubbed_from_hex_dumps_and_double_encodings_and_ids_stay(
    lines: tuple[logging.Logger, io.StringIO, logging.Handler],
) -> None:
    """Proxies log bodies as hex; a URL carried in another URL's query is percent-encoded twice; a
    JSON body logged inside a JSON message is escaped twice. Resource UIDs and digests stay."""
    logger, buffer, _ = lines
    secret = 'cl1ent-"s3cret"/x'
    logsetup.remember_secrets({"client_secret": secret})
    body = json.dumps({"client_secret": secret}).encode()
    callback = "https://idp.example.dk/cb?s=" + quote(secret, safe="")
    logger.debug("proxy sent %s", body.hex())
    logger.debug("proxy sent %s", body.hex().upper())
    logger.info("redirect to https://login.example.dk/?next=%s", quote(callback, safe=""))
    logger.warning("upstream said %s", json.dumps({"error": body.decode()}))
    # Secrets of 6 characters (the shortest the log scrubs) and 7, whose hex is a UID's last group
    # and part of an etag: were their hex a form (a floor below `HEX_MIN_BYTES`), it would mask them.
    logsetup.remember_secrets({"six": "l1ent-", "seven": "cl1ent!"})
    uid = "0f8c3a52-1b2d-4c6e-9a0b-6c31656e742d"
    etag = "0a636c31656e7421ff"
    assert uid.endswith(b"l1ent-".hex())
    assert b"cl1ent!".hex() in etag
    logger.info("Secret uid %s, digest %s", uid, hashlib.sha256(body).hexdigest())
    logger.info("etag %s unchanged", etag)
    messages = [line["message"] for line in _parsed(buffer)]
    before, after = b'{"client_secret": "'.hex(), b'"}'.hex()
    assert messages[:4] == [
        f"proxy sent {before}***{after}",
        f"proxy sent {before.upper()}***{after.upper()}",
        "redirect to https://login.example.dk/?next=https%3A%2F%2Fidp.example.dk%2Fcb%3Fs%3D***",
        'upstream said {"error": "{\\"client_secret\\": \\"***\\"}"}',
    ]
    assert messages[4:] == [
        f"Secret uid {uid}, digest {hashlib.sha256(body).hexdigest()}",
        f"etag {etag} unchanged",
    ]

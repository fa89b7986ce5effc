"""Pure pieces of the client: error parsing, retry schedule, token bucket, parameters."""

from __future__ import annotations

import base64
import html
import json
import random
import re
import string
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, quote_plus

import pytest

from vdx.pexip import PlatformLimiter, RetryPolicy, TokenBucket, build_params, id_from_location
from vdx.pexip.errors import (
    _API_PATH,
    HEX_AND_TWICE_MAX_BYTES,
    HEX_MIN_BYTES,
    INDEXED_FORMS,
    AuthenticationError,
    Forms,
    RateLimitedError,
    ServerError,
    ValidationError,
    forms_of,
    http_error,
    parse_error_body,
    scrub,
    secret_forms,
)
from vdx.pexip.retry import parse_retry_after


def test_parse_the_three_error_shapes() -> None:
    assert parse_error_body(b'{"conference": {"name": ["taken"]}}') == (
        "validation failed",
        "conference",
        {"name": ["taken"]},
    )
    assert parse_error_body(b'{"error": "bad filter"}') == ("bad filter", None, {})
    assert parse_error_body(b'{"branding_file": ["No branding files found"]}') == (
        "validation failed",
        None,
        {"branding_file": ["No branding files found"]},
    )
    assert parse_error_body(b'{"error_message": "Sorry"}')[0] == "Sorry"
    assert parse_error_body(b"") == ("", None, {})
    assert parse_error_body(b"<html>oops</html>")[0] == "<html>oops</html>"


@pytest.mark.parametrize(
    ("status", "cls"),
    [(400, ValidationError), (401, AuthenticationError), (429, RateLimitedError), (503, ServerError)],
)
def test_http_error_types(status: int, cls: type[Exception]) -> None:
    err = http_error(status, b"", method="GET", path="/x/")
    assert type(err) is cls
    assert str(err) == f"GET /x/ -> {status}"


def test_scrub_replaces_longest_secret_first() -> None:
    assert scrub("pw=abc123 and abc", ["abc", "abc123"]) == "pw=*** and ***"
    assert scrub("nothing", [""]) == "nothing"


def test_scrub_leaves_api_paths_alone_when_a_password_equals_one_of_their_words() -> None:
    # The simulator's and a fresh node's default credentials are admin/admin.
    text = "GET /api/admin/configuration/v1/global/: ConnectError: login admin refused"
    assert (
        scrub(text, ["admin"]) == "GET /api/admin/configuration/v1/global/: ConnectError: login *** refused"
    )
    uri = "/api/admin/configuration/v1/conference/12/"
    assert scrub(f"{uri} and {uri}: conference", ["conference"]) == f"{uri} and {uri}: ***"
    # A secret outside a path is still scrubbed, also right after one.
    assert scrub("/api/admin/status/v1/alarm/s3cret", ["s3cret"]) == "/api/admin/status/v1/alarm/***"


PASSWORD = 'Pa55/w\u00f8rd "quoted" & more+plus'
PEM = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"
STREAM_URL = "rtmps://rec.example.dk:443/vdx-Q2hhbmdlTWVTdHJlYW1LZXk/vdx-rm-akut-1a2b3c4d"


@pytest.mark.parametrize(
    ("secret", "encode"),
    [
        (PASSWORD, lambda v: json.dumps(v)[1:-1]),  # JSON, non-ASCII escaped
        (PASSWORD, lambda v: json.dumps(v, ensure_ascii=False)[1:-1]),
        (PEM, lambda v: json.dumps(v)[1:-1]),  # a key's line breaks as \n
        (STREAM_URL, lambda v: json.dumps(v)[1:-1].replace("/", "\\/")),  # slashes escaped too
        (PASSWORD, lambda v: quote(v, safe="")),
        (STREAM_URL, lambda v: quote(v)),  # slashes kept
        (PASSWORD, quote_plus),  # a form-encoded body
        (PASSWORD, html.escape),  # an HTML error page
        (PASSWORD, lambda v: _lower_hex(quote(v, safe=""))),  # percent-encoding in lower case
        (PASSWORD, lambda v: _lower_hex(quote_plus(v))),
        (PEM, lambda v: repr(v)[1:-1]),  # a Python message that shows the value with !r
        ("it's a \\ secret", lambda v: repr(v)[1:-1]),
        (PASSWORD, lambda v: ascii(v)[1:-1]),
        (PASSWORD, lambda v: base64.b64encode(v.encode()).decode()),
        ("s3cret?>?>-Passw0rd", lambda v: base64.urlsafe_b64encode(v.encode()).decode()),
        (PASSWORD, lambda v: v.encode().hex()),  # a body logged as a hex dump
        (PASSWORD, lambda v: v.encode().hex().upper()),
        (PASSWORD, lambda v: quote(quote(v, safe=""), safe="")),  # percent-encoded twice
        (PASSWORD, lambda v: _lower_hex(quote(_lower_hex(quote_plus(v)), safe=""))),
        (PASSWORD, lambda v: quote_plus(quote_plus(v))),  # a form body encoded again
        (STREAM_URL, lambda v: quote(quote(v, safe=""), safe="")),  # a URL in a URL's query
        (STREAM_URL, lambda v: quote(quote(v), safe="")),  # a path in a URL's query
        (STREAM_URL, lambda v: _lower_hex(quote(_lower_hex(quote(v)), safe=""))),
        (STREAM_URL, lambda v: quote(v).replace("/", "\\/")),  # percent-encoded, then in JSON
        (PASSWORD, lambda v: json.dumps(json.dumps(v)[1:-1])[1:-1]),  # JSON-escaped twice
        (PASSWORD, lambda v: json.dumps(json.dumps(v, ensure_ascii=False)[1:-1], ensure_ascii=False)[1:-1]),
        (STREAM_URL, lambda v: json.dumps(json.dumps(v)[1:-1].replace("/", "\\/"))[1:-1].replace("/", "\\/")),
    ],
    ids=[
        "json",
        "json-unicode",
        "json-pem",
        "json-slashes",
        "percent",
        "percent-path",
        "form",
        "html",
        "percent-lower",
        "form-lower",
        "repr",
        "repr-quote-backslash",
        "ascii",
        "base64",
        "base64-urlsafe",
        "hex",
        "hex-upper",
        "percent-twice",
        "percent-twice-lower",
        "form-twice",
        "url-in-query",
        "path-in-query",
        "path-in-query-lower",
        "percent-in-json-slashes",
        "json-twice",
        "json-twice-unicode",
        "json-twice-slashes",
    ],
)
def test_scrub_covers_the_usual_encodings_of_a_secret(secret: str, encode: Callable[[str], str]) -> None:
    quoted = encode(secret)
    assert quoted != secret  # else the case would test nothing
    assert scrub(f"refused: {quoted}.", [secret]) == "refused: ***."


@pytest.mark.parametrize(("before", "after"), [("user:", ""), ("us:", ":tail"), ("u:", "")])
def test_scrub_covers_a_secret_inside_longer_base64(before: str, after: str) -> None:
    """An echoed `Authorization: Basic` header: the password starts at any of the three positions
    of base64's 3-byte groups. What stays is its neighbours' characters and the one group on each
    side that mixes their bytes with the secret's, from which the secret cannot be read back."""
    encoded = base64.b64encode(f"{before}{PASSWORD}{after}".encode()).decode()
    left = scrub(f"Authorization: Basic {encoded}", [PASSWORD]).removeprefix("Authorization: Basic ")
    assert left.count("***") == 1
    neighbours = 4 * (len(before) // 3 + len(after) // 3 + 2)
    assert len(left.replace("***", "")) <= neighbours < len(encoded) / 2


def test_scrub_covers_a_secret_inside_a_hex_dump() -> None:
    """Hex keeps each byte in its own two digits: the secret's hex is the same wherever it stands,
    and the rest of the dump stays readable."""
    before, after = b'{"name": "room-17", "pin": "', b'"}'
    for ensure_ascii in (True, False):  # a JSON body holds the value as JSON escaped it
        body = json.dumps({"name": "room-17", "pin": PASSWORD}, ensure_ascii=ensure_ascii).encode()
        for case in (str.lower, str.upper):
            left = scrub(f"upstream body: {case(body.hex())}", [PASSWORD])
            assert left == f"upstream body: {case(before.hex())}***{case(after.hex())}"
    assert scrub(f"form {PASSWORD.encode().hex()}", [PASSWORD]) == "form ***"
    # An encoder that escapes slashes (PHP, some Java ones) writes the body that is dumped.
    escaped = json.dumps({"url": STREAM_URL}).replace("/", "\\/").encode()
    before, after = b'{"url": "', b'"}'
    for case in (str.lower, str.upper):
        left = scrub(f"upstream body: {case(escaped.hex())}", [STREAM_URL])
        assert left == f"upstream body: {case(before.hex())}***{case(after.hex())}"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        # A 6-character password's hex is as long as a UID's last group.
        ("uid 0f8c3a52-1b2d-4c6e-9a0b-733363723374 not found", "s3cr3t"),
        ("etag 733363723374a1b2c3 unchanged", "s3cr3t"),
        # A PIN's hex is an ordinary number.
        ("resourceVersion 34373131 and 1234373131", "4711"),
        # One byte short of the floor: 14 hex digits stay.
        ("digest 0a73336372337421ff", "s3cr3t!"),
        # Other text encoded twice.
        ('next=https%253A%252F%252Fapp.example.dk%252Fcb%253Fs%253D1 and {\\"a\\": 1}', PASSWORD),
    ],
)
def test_the_new_forms_leave_ordinary_hex_and_escapes_readable(text: str, secret: str) -> None:
    assert scrub(text, [secret]) == text


def test_encoding_twice_adds_no_form_to_a_value_that_encoding_leaves_alone() -> None:
    key = "Q2hhbmdlTWVTdHJlYW1LZXk"
    assert not any("%" in form or "\\" in form for form in secret_forms(key))


def test_a_secret_of_eight_bytes_is_scrubbed_from_a_hex_dump() -> None:
    """The floor of `HEX_MIN_BYTES`: from 8 bytes (16 hex digits) the hex is a form, as a
    numeric password's 16 digits are, inside longer hex or digits too."""
    assert len(b"s3cr3t!?") == HEX_MIN_BYTES
    assert scrub("digest 0a733363723374213fff", ["s3cr3t!?"]) == "digest 0a***ff"
    assert scrub("dump 3132333435363738 and 931323334353637389", ["12345678"]) == "dump *** and 9***9"


def test_a_long_value_has_no_hex_nor_forms_encoded_twice() -> None:
    """Hex dumps and double encodings carry tokens, passwords and URLs; a private key's hex and
    double encodings more than doubled its forms (a log learns hundreds of keys), and the log
    removes a PEM private key block whole anyway (`logsetup`)."""
    rng = random.Random(11)
    body = base64.b64encode(rng.randbytes(1218)).decode()  # an RSA 2048 key's PKCS#8 DER
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    key = "-----BEGIN PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END PRIVATE KEY-----\n"
    assert 1650 < len(key) < 1750
    assert sum(len(form) for form in secret_forms(key)) < 30_000
    assert scrub(json.dumps(key)[1:-1], [key]) == "***"  # once-encoded forms stay
    for size, has_hex in ((100, True), (HEX_AND_TWICE_MAX_BYTES, True), (600, False)):
        value = "".join(rng.choices(string.ascii_letters + "/+", k=size - 1)) + "/"
        forms = secret_forms(value)
        assert (value.encode().hex() in forms) is has_hex
        assert (quote(quote(value, safe=""), safe="") in forms) is has_hex
        assert (json.dumps(json.dumps(value)[1:-1].replace("/", "\\/"))[1:-1] in forms) is has_hex
        assert quote(value, safe="") in forms


def test_a_pins_hex_and_double_encodings_do_not_mask_numbers_inside_longer_ones() -> None:
    """A short number (a room's PIN) is masked only where it stands alone; its hex and double
    encodings would be masked anywhere: `1234#` percent-encoded twice is `1234%2523`, which a
    longer number's encoding holds, and a 7-digit PIN with its # is 8 bytes whose hex is a number."""
    # The 1234 that stands alone is the PIN, masked as before.
    text = "pin 91234%2523 and 1234%252345"
    assert scrub(text, ["1234#"]) == "pin 91234%2523 and ***%252345"
    assert scrub("order 51234%252345", ["1234#"]) == "order 51234%252345"
    for text in ("id 3132333435363723", "ts 931323334353637230", "id 3132333435363723".upper()):
        assert scrub(text, ["1234567#"]) == text
    assert not any("%25" in form or len(form) > 12 for form in secret_forms("1234567#"))
    # From 8 digits a number is masked anywhere, as its hex and double encodings are.
    assert scrub("a 93132333435363738230 b 912345678%25239", ["12345678#"]) == "a 9***0 b 9***9"


def _by_trying_every_form(text: str, forms: list[str]) -> str:
    parts = _API_PATH.split(text)
    paths = _API_PATH.findall(text)
    for index, part in enumerate(parts):
        for form in forms:
            part = part.replace(form, "***")
        parts[index] = part
    return "".join(piece for pair in zip(parts, [*paths, ""], strict=True) for piece in pair)


def _lower_hex(text: str) -> str:
    lowered = re.sub("%[0-9A-F]{2}", lambda m: m[0].lower(), text)
    assert lowered != text
    return lowered


def test_scrubbing_many_secrets_finds_each_form_as_trying_every_form_does() -> None:
    """Past `INDEXED_FORMS` a text is searched for the forms' first characters first: the result
    must be what trying every form on it gives (longest first), overlaps and API paths included."""
    rng = random.Random(5)
    alphabet = "abcdefghij/:+ %&\"'"
    secrets = ["".join(rng.choice(alphabet) for _ in range(rng.randint(5, 14))) for _ in range(40)]
    secrets += ["admin", "abcdefghij", "abcdefghijkl"]  # a path's word; one secret inside another
    forms = forms_of(secrets)
    assert len(forms) > INDEXED_FORMS
    one_by_one = Forms()  # as the log learns them, a Secret at a time
    for secret in secrets:
        one_by_one.add(secret_forms(secret))
    assert sorted(one_by_one) == sorted(forms)
    assert len(one_by_one) == len(forms)
    everything = sorted(forms, key=len, reverse=True)
    for _ in range(300):
        pieces = [
            rng.choice([rng.choice(secrets), rng.choice(everything), "x" * rng.randint(0, 5)])
            for _ in range(4)
        ]
        text = " ".join(pieces) + " GET /api/admin/configuration/v1/conference/12/"
        expected = _by_trying_every_form(text, everything)
        assert forms.scrub(text) == expected
        assert one_by_one.scrub(text) == expected
        assert scrub(text, secrets) == expected


def test_forms_that_start_alike_are_not_all_tried_on_a_text_holding_their_start() -> None:
    """Every stream URL of a recorder starts alike, and so do their hex and encodings: a log line
    that names the recorder, or one of its rooms, must not be searched for all of them (the cost
    of a line grew with the number of rooms), whether they were learnt at once or one by one."""
    rng = random.Random(3)
    keys = ["".join(rng.choices(string.ascii_letters + string.digits, k=22)) for _ in range(2000)]
    urls = [f"rtmps://rec.example.dk:443/vdx-{key}/vdx-rm-room-{n}" for n, key in enumerate(keys)]
    bulk = forms_of(urls)
    one_by_one = Forms()
    for url in urls:
        one_by_one.add(secret_forms(url))
    text = "publisher rtmps://rec.example.dk:443/vdx-unknown refused, hex 72746d70733a2f2f7265632e"
    for forms in (bulk, one_by_one):
        assert len(forms) > 10 * len(urls)
        assert len(forms.present(text)) < len(urls) / 10
        assert forms.scrub(text) == text
        assert forms.scrub(f"sent {quote(urls[7], safe='')}") == "sent ***"
    # One recorder, one key, rooms that differ only at their end: a line naming a room is searched
    # for that room's forms and a few more, not for every form sharing the recorder's address.
    rooms = [
        f"rtmps://rec.example.dk:443/vdx-Q2hhbmdlTWVTdHJlYW1LZXk/vdx-rm-akut-{n:08x}" for n in range(400)
    ]
    bulk = forms_of(rooms)
    one_by_one = Forms()
    for url in rooms:
        one_by_one.add(secret_forms(url))
    for forms in (bulk, one_by_one):
        assert len(forms) > 10 * len(rooms)
        for n in (0, 17, 255, 399):
            line = f"publisher refused {rooms[n]}"
            assert len(forms.present(line)) < 100
            assert forms.scrub(line) == "publisher refused ***"
        assert len(forms.present(text)) < 100


def test_scrub_covers_the_parts_of_a_secret_url_that_carry_its_key() -> None:
    key = "Q2hhbmdlTWVTdHJlYW1LZXk"
    for quoted in (key, f"vdx-{key}", f"/vdx-{key}/vdx-rm-akut-1a2b3c4d"):
        assert key not in scrub(f"no application {quoted} here", [STREAM_URL])


def test_scrub_leaves_short_parts_of_a_secret_url_and_parts_of_other_secrets() -> None:
    # Host, port, the scheme and short words are what other messages are made of.
    text = "rtmps rec.example.dk 443 vdx rm akut 1a2b3c4d"
    assert scrub(text, [STREAM_URL]) == text
    # Only a URL has parts: a password's pieces are not secrets on their own.
    assert scrub("word longenoughpiece0123", ["x-longenoughpiece0123-y"]) == "word longenoughpiece0123"


def test_retry_after_parsing() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 25 Nov 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("garbage") is None
    assert parse_retry_after(None) is None


def test_backoff_schedule_is_exponential_capped_and_jittered() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=8, jitter=0.1)
    rng = random.Random(0)
    delays = [policy.backoff(n, rng) for n in range(1, 7)]
    for got, nominal in zip(delays, (1, 2, 4, 8, 8, 8), strict=True):
        assert nominal * 0.9 <= got <= nominal * 1.1
    assert len(set(delays[3:])) == 3  # jitter spreads the capped delays
    assert policy.delay(1, 20.0, rng) == 20.0


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_token_bucket_paces_requests() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=10, burst=5, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        await bucket.acquire()
    assert clock.now == 0.0  # the burst is free
    for _ in range(10):
        await bucket.acquire()
    assert clock.now == pytest.approx(1.0)


async def test_limiter_pause_holds_new_requests() -> None:
    clock = Clock()
    limiter = PlatformLimiter(max_in_flight=2, rate=1000, clock=clock, sleep=clock.sleep)
    limiter.pause(3)
    async with limiter.slot():
        assert clock.now >= 3


def test_query_parameters() -> None:
    params = build_params(
        {
            "name__startswith": "rm-",
            "is_enabled": True,
            "end_time__gte": datetime(2026, 10, 1, 8, 0, tzinfo=UTC),
        },
        ["-name", "id"],
        500,
    )
    assert params == [
        ("name__startswith", "rm-"),
        ("is_enabled", "true"),
        ("end_time__gte", "2026-10-01T08:00:00"),
        ("order_by", "-name"),
        ("order_by", "id"),
        ("limit", "500"),
    ]
    aware = datetime(2026, 10, 1, 10, 0, tzinfo=UTC) + timedelta(0)
    assert build_params({"t": aware}, None, None) == [("t", "2026-10-01T10:00:00")]


def test_location_header_forms() -> None:
    assert id_from_location("/api/admin/configuration/v1/conference/12/") == "12"
    assert (
        id_from_location("https://mgr.example/api/admin/configuration/v1/webapp_branding/abc-1/") == "abc-1"
    )


async def test_a_limiter_can_be_shared_across_event_loops() -> None:
    import asyncio
    import threading

    limiter = PlatformLimiter(max_in_flight=1, rate=1000)

    async def use() -> None:
        for _ in range(3):
            async with limiter.slot():
                await asyncio.sleep(0.001)

    errors: list[BaseException] = []

    def other_loop() -> None:
        try:
            asyncio.run(use())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=other_loop)
    thread.start()
    await use()
    await asyncio.to_thread(thread.join)
    assert errors == []


def test_benchmark_runs_and_reports(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from vdx.pexip.simulator import bench

    bench.main(["--objects", "30", "--page-size", "10", "--latency-ms", "1", "--rate", "1000"])
    report = json.loads(capsys.readouterr().out)
    assert report["objects"] == 30
    assert report["client_counters"]["GET/configuration/conference/200"] >= 3 + 30
    assert report["server_peak_in_flight"] <= 5


@pytest.mark.parametrize(
    "shape",
    [
        lambda secret: ("<html>" + "x" * 150 + secret + "</html>").encode(),  # straddles the cut
        lambda secret: json.dumps(["echo", "y" * 140 + secret]).encode(),  # not a dict, cut too
        lambda secret: json.dumps(["it's", secret]).encode(),  # escaped by JSON and by repr
        # A field's errors as objects (embedded aliases), turned into text by repr.
        lambda secret: json.dumps({"conference": {"aliases": [{"alias": [f"bad: {secret}"]}]}}).encode(),
    ],
)
def test_an_error_body_is_scrubbed_before_it_is_cut(shape: Callable[[str], bytes]) -> None:
    """A proxy's error page or a bare JSON list that echoes the request: no part of a secret
    survives, wherever the cut to the first 200 characters falls, whatever quoting it had."""
    secret = "s3cr3t-'quoted'-\\back-" + "k" * 60
    err = http_error(502, shape(secret), method="PATCH", path="/api/admin/x/", secrets=[secret])
    for part in (secret, secret[:12], secret[:40], secret[-12:]):
        assert part not in str(err)
        assert part not in str(err.field_errors)


@pytest.mark.parametrize(
    ("quoted", "scrubbed"),
    [
        ("PIN 4711 refused", "PIN *** refused"),
        ("PIN 4711# refused", "PIN ***# refused"),
        ("port 47110 and 14711 stay", "port 47110 and 14711 stay"),  # numbers that hold the digits
        ("q=%224711%22", "q=%22***%22"),  # an escape's hex digits do not run into it
        ("PIN%204711", "PIN%20***"),
        ("\\u00224711\\u0022", "\\u0022***\\u0022"),
        ("b'\\x004711'", "b'\\x00***'"),
    ],
)
def test_a_short_number_is_scrubbed_where_it_stands_alone(quoted: str, scrubbed: str) -> None:
    assert scrub(quoted, ["4711"]) == scrubbed


@pytest.mark.parametrize(
    "quoted",
    ["q=%2283749201556%22", "PIN%2083749201556", "\\u002283749201556", "id 983749201556", "x83749201556y"],
)
def test_a_long_number_is_scrubbed_wherever_it_occurs(quoted: str) -> None:
    """A numeric password or TURN secret of 8 digits or more is no ordinary count: masked as any
    other secret, inside other digits and escapes too."""
    assert "83749201556" not in scrub(quoted, ["83749201556"])


def test_many_pins_are_found_in_one_pass() -> None:
    pins = [f"{n:06d}" for n in range(0, 30000, 7)]
    forms = forms_of(pins)
    text = f"refused: guest PIN {pins[-1]} must differ from {pins[3]}, at 1{pins[5]}"
    assert forms.scrub(text) == f"refused: guest PIN *** must differ from ***, at 1{pins[5]}"

"""Typed errors of the Pexip client, built from the three error shapes of spec §1.11.

Messages are assembled here, and every message passes through `scrub` with the secret values of
the request that failed, so a server that echoes a value cannot leak it into logs or tracebacks.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote, quote_plus


@dataclass(frozen=True)
class Attempt:
    """The write an error answered, as people know it: set by whoever planned the write (the client
    sees only a path), so a refusal can say which of several changes failed."""

    action: str  # create, update, delete
    resource: str  # Pexip resource type
    label: str  # the object's name, or its URI


class PexipError(Exception):
    """Base of every error the client raises."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str = "",
        path: str = "",
        resource: str | None = None,
        field_errors: Mapping[str, list[str]] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.method = method
        self.path = path
        self.resource = resource
        self.field_errors: dict[str, list[str]] = dict(field_errors or {})
        self.retry_after = retry_after
        self.attempted: Attempt | None = None


class PexipTransportError(PexipError):
    """The platform could not be reached, or the connection broke, after all retries."""


class PexipProtocolError(PexipError):
    """The platform answered something the client cannot interpret (bad JSON, no Location)."""


class AmbiguousCreateError(PexipError):
    """A create may or may not have committed and there is no unique key to find out safely."""


class PexipHTTPError(PexipError):
    """A non-success HTTP status."""


class ValidationError(PexipHTTPError):
    """400: field errors (`field_errors`) or a framework error (`message`)."""


class AuthenticationError(PexipHTTPError):
    """401: missing or wrong credentials, or an expired token."""


class PermissionDeniedError(PexipHTTPError):
    """403: authenticated, but the admin role lacks a permission."""


class NotFoundError(PexipHTTPError):
    """404: no such object or path."""


class MethodNotAllowedError(PexipHTTPError):
    """405: e.g. POST to a singleton or a status resource."""


class RateLimitedError(PexipHTTPError):
    """429 after retries were exhausted (or `Retry-After` was beyond the policy's patience)."""


class ServerError(PexipHTTPError):
    """5xx after retries were exhausted."""


_BY_STATUS: dict[int, type[PexipHTTPError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    429: RateLimitedError,
}

REDACTED = "***"


# Management API paths (`/api/admin/configuration/v1/global/`, `.../conference/12/`) are fixed text
# the client builds, never a secret: a password that happens to equal one of their words (the
# default `admin`) must not turn `GET /api/admin/...` into `GET /api/***/...`.
_API_PATH = re.compile(r"/api/admin/(?:configuration|status|history|command)/v1/[a-z_]+/(?:\d+/)?")


# Parts of a secret URL that are scrubbed alone (see `secret_forms`) have at least this many
# characters: a stream key has 16 or more, while shorter parts (`live`, `app`, a port, a word of a
# room's name) are ordinary words of other messages, which must stay readable.
URL_PART_MIN_LENGTH = 16
_URL = re.compile(
    r"[a-z][a-z0-9+.-]*://(?:(?P<user>[^/?#@]*)@)?[^/?#]*(?P<rest>(?P<path>[^?#]*)(?P<after>.*))",
    re.IGNORECASE | re.DOTALL,
)
_URL_SEPARATORS = re.compile(r"[/?#&=;:]+")
_WORD_SEPARATORS = re.compile(r"[-_.~]+")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-F]{2}")
_NUMBER = re.compile(r"[0-9]+#?")  # a PIN
# A secret number shorter than this (a room's PIN) is masked only where it stands alone: `1234`
# must not mask part of `12345`. A longer one is masked wherever it occurs, as any other secret.
SHORT_NUMBER_DIGITS = 8
_SHORT_NUMBER = re.compile(rf"[0-9]{{1,{SHORT_NUMBER_DIGITS - 1}}}#?")
# Where a number may start: after a non-digit, or right after an escape whose hex digits would
# otherwise run into it (`%22`, `\x00`, `\u0022`). The lookahead captures the whole run.
_NUMBER_START = re.compile(
    r"(?:(?<![0-9])|(?<=%[0-9A-Fa-f]{2})|(?<=\\x[0-9A-Fa-f]{2})|(?<=\\u[0-9A-Fa-f]{4}))(?=([0-9]+#?))"
)

# A secret's base64 inside a longer base64 text (an echoed `Authorization: Basic` header, a data
# URL) is scrubbed by the characters that its bytes alone decide; at least this many of them, so
# that a short secret's few characters do not mask pieces of unrelated base64 text.
BASE64_CORE_MIN_LENGTH = 8


# A secret's hex (of its UTF-8 bytes) is scrubbed only from this many bytes: see `_hex_forms`.
HEX_MIN_BYTES = 8
# A secret's hex and its encodings applied twice (percent twice, JSON twice, percent and then JSON's
# escaped slashes) are forms only up to this many bytes (UTF-8): see `_has_hex_and_twice_forms`.
# Hex dumps and double encodings carry what is short: tokens, passwords, URLs. A longer value is a
# private key or a certificate bundle, whose forms are as long as it is: these forms more than
# doubled a 1 700-character PEM key's (from 23 000 characters to 60 000), and a national cluster's
# log learns hundreds of keys. The log removes a PEM private key block whole anyway, from its BEGIN
# line to its END line, whether raw, JSON-escaped (once or twice) or shown by `repr`
# (`logsetup._PEM_PRIVATE_KEY`); its percent-encoded forms stay forms, as every value's do.
HEX_AND_TWICE_MAX_BYTES = 512


@lru_cache(maxsize=4096)
def secret_forms(value: str) -> frozenset[str]:
    """Every text a secret value may show up as: the value, its usual encodings, and of a URL the
    parts that can carry a credential alone.

    A server, a proxy or a log pipeline quotes what it was sent in its own way: in JSON (escaped,
    maybe with `\\/`, maybe twice when a JSON body is logged inside JSON), percent-encoded (once in
    a form, twice for a URL in a query string inside another URL), as a hex dump of a body, or in
    an HTML error page; and a refusal may name only part of an address, such as an RTMP path whose
    application holds the stream key (`rtmps://host/vdx-<key>/room`). Scrubbing the value alone
    misses all of them. Cached: a log line scrubs every known secret.
    """
    parts = {part for part in _url_parts(value) if len(part) >= URL_PART_MIN_LENGTH}
    # A PIN's digits are the secret with or without the # that ends the entry.
    digits = {value[:-1]} if _NUMBER.fullmatch(value) and value.endswith("#") else set()
    return frozenset(form for form in {value, *_encodings(value), *parts, *digits} if form)


def _encodings(value: str) -> set[str]:
    json_escaped = json.dumps(value)[1:-1]
    json_unicode = json.dumps(value, ensure_ascii=False)[1:-1]
    json_forms = {
        json_escaped,
        json_unicode,
        json_escaped.replace("/", "\\/"),  # encoders that escape slashes (PHP, some Java ones)
    }
    percent_upper = {
        quote(value, safe=""),
        quote(value),  # slashes kept, as in a path
        quote_plus(value),  # a form-encoded body
    }
    # RFC 3986 makes the hex digits' case free; some encoders write them in lower case.
    percent_lower = {_lower_escapes(form) for form in percent_upper}
    percent = percent_upper | percent_lower
    forms = {
        *json_forms,
        *percent,
        html.escape(value),
        repr(value)[1:-1],  # a Python exception or log line that shows a value with `!r`
        ascii(value)[1:-1],
        *_base64_cores(value),
    }
    if _has_hex_and_twice_forms(value):
        forms |= _json_escaped_again(json_forms)
        forms |= _percent_encoded_again(percent_upper, percent_lower)
        # JSON leaves percent-encoded text as it is, but for the slashes some encoders escape.
        forms.update(form.replace("/", "\\/") for form in percent)
        # A dump of a JSON body holds the value as JSON escaped it, slashes maybe escaped too.
        forms.update(form for text in {value, *json_forms} for form in _hex_forms(text))
    return forms


def _has_hex_and_twice_forms(value: str) -> bool:
    """Whether the value's hex and its encodings applied twice (percent, JSON, or percent and then
    JSON's escaped slashes) are forms: not for a long value (`HEX_AND_TWICE_MAX_BYTES`), nor for a
    short number (a room's PIN). A PIN is masked only where it stands alone
    (`Forms._number_spans`), but these forms are masked anywhere, and they look like ordinary
    text: `1234#` percent-encoded twice is `1234%2523`, which a longer number's encoding holds
    (`91234%2523`), and a 7-digit PIN with its # is 8 bytes, whose hex is a 16-digit number
    (`3132333435363723`)."""
    return len(value.encode()) <= HEX_AND_TWICE_MAX_BYTES and not _SHORT_NUMBER.fullmatch(value)


def _lower_escapes(text: str) -> str:
    """Percent-encoded text with its escapes' hex digits in lower case (only the outer layer's, in
    text encoded twice: `%252F` stays, as its `2F` follows no `%`)."""
    return _PERCENT_ESCAPE.sub(lambda m: m[0].lower(), text)


def _percent_encoded_again(upper: set[str], lower: set[str]) -> set[str]:
    """Each percent-encoded form encoded once more, whole (`%` becoming `%25`, `/` `%2F`): a value
    or a URL in a query string, itself in another URL's query (a redirect), or a form body that a
    proxy encodes again. Both layers in upper case or both in lower case: a form for each mix of
    cases would double their number, and a long value (a private key) has long forms. Nothing new
    for a value that percent-encoding leaves as it is."""
    return {quote(form, safe="") for form in upper} | {_lower_escapes(quote(form, safe="")) for form in lower}


def _json_escaped_again(json_forms: set[str]) -> set[str]:
    """Each JSON-escaped form escaped once more (`\\"` becoming `\\\\\\"`): a JSON body logged as a
    string inside a JSON log line, or a JSON document carried in a JSON field. Nothing new for a
    value JSON leaves as it is."""
    again = {json.dumps(form)[1:-1] for form in json_forms}
    again |= {json.dumps(form, ensure_ascii=False)[1:-1] for form in json_forms}
    return again | {form.replace("/", "\\/") for form in again}


def _hex_forms(value: str) -> set[str]:
    """The hex of the value's UTF-8 bytes, in lower and upper case: servers and proxies that log a
    body as a hex dump (`_encodings` passes the value's JSON forms too, with or without escaped
    slashes, as a JSON body holds them).
    Hex keeps each byte in its own two digits, so the value's hex is the same wherever it stands in
    a longer dump.

    Only from `HEX_MIN_BYTES` bytes (16 hex digits), the floor of base64's cores too. A shorter
    value's hex looks like ordinary text and would mask it: a 4-digit PIN's is an 8-digit number
    (`4711` is `34373131`), which counts and timestamps may hold, and a 6-character password's is
    12 hex digits, as many as a resource UID's last group, in logs full of UIDs, etags and digests.
    No run of a UID has 16 hex digits, and a given 16 occur by chance in a digest once in 16**16."""
    raw = value.encode()
    if len(raw) < HEX_MIN_BYTES:
        return set()
    return {raw.hex(), raw.hex().upper()}


def _base64_cores(value: str) -> set[str]:
    """The value's base64 (standard and URL-safe, with its padding), and for each of the three
    positions it can start at inside longer base64 text the characters its bytes alone decide.

    Base64 turns each 3 bytes into 4 characters, so the secret's characters inside `Basic
    base64(user:password)` depend on where the password starts; the groups that hold only the
    secret's bytes are the same in any text that carries it at that position."""
    raw = value.encode()
    forms = {base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()}
    for shift in range(3):
        # Groups that start at or after the secret's first byte and end within its bytes.
        first_group = (shift + 2) // 3
        last_group = (shift + len(raw)) // 3
        if last_group <= first_group:
            continue
        encoded = base64.b64encode(b"\0" * shift + raw)
        core = encoded[4 * first_group : 4 * last_group].decode()
        if len(core) >= BASE64_CORE_MIN_LENGTH:
            forms.add(core)
            forms.add(core.translate(_URLSAFE))
    return forms


_URLSAFE = str.maketrans("+/", "-_")


def _url_parts(value: str) -> set[str]:
    """Of a URL (nothing of anything else): its user info, what follows its host, its path, its
    query and fragment; their pieces between separators, and those pieces' words (the key in
    `vdx-<key>`)."""
    match = _URL.fullmatch(value)
    if match is None:
        return set()
    pieces = [match[name] for name in ("user", "rest", "path", "after") if match[name]]
    parts = set(pieces)
    for segment in (s for piece in pieces for s in _URL_SEPARATORS.split(piece)):
        parts.add(segment)
        parts.update(_WORD_SEPARATORS.split(segment))
    return parts


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Replace every form of a secret value (`secret_forms`; longest first, so overlaps are
    covered), except inside Management API paths, which are the client's own fixed text.

    The one scrubbing of the project: Pexip's errors (operator and `vdx apply`), log lines and
    `vdx plan`'s output all come through here."""
    return _all_forms(secrets if isinstance(secrets, tuple) else tuple(secrets)).scrub(text)


# Below this many forms, every one is tried on a text; from it, the text is first searched for a
# piece of each form. A secret has up to about forty forms, and trying every one on every log line
# (thousands of Secrets in a national cluster) cost more than a millisecond a line.
INDEXED_FORMS = 64
_ANCHOR = 4
# Every piece of `_ANCHOR` characters of a form up to this long is considered for its key; of a
# longer one (a hex dump, a URL encoded twice), this many spread over it, and its last.
_ANCHOR_EVERY_PIECE_UP_TO = 128
_ANCHOR_CHOICES = 8
# A form is keyed by its last piece while fewer than this many forms are: about as many as one secret
# has. A secret's forms mostly end alike (its encodings differ in escapes, not in its last characters),
# and a text that holds the piece is searched for no more than them.
_SHARED_END = 32


class Forms:
    """Every form of a set of secret values (`secret_forms`), grown as secrets are learnt: the log
    adds each Secret's as it is read, rather than work them all out again for every line.

    Indexed by a piece of each (`_key`), so a text is searched once for the forms that can occur in
    it, however many there are. Safe to read while another thread adds: the sets and tuples a
    reader holds are replaced on `add`, never changed in place, and the index only gains keys."""

    def __init__(self, forms: Iterable[str] = ()) -> None:
        # Too short to index, or holding the mark a replacement leaves: tried on every text.
        self._always: frozenset[str] = frozenset()
        self._by_anchor: dict[str, frozenset[str]] = {}
        # Every form but the numbers, longest first, while there are few; None once they are indexed
        # (kept, each new form would copy them all).
        self._few: tuple[str, ...] | None = ()
        self._size = 0
        self._known: set[str] = set()  # read by `add` only
        # Short numbers (a room's PIN): masked only where they stand alone (`_number_spans`).
        self._numbers: frozenset[str] = frozenset()
        self.add(forms)

    def add(self, forms: Iterable[str]) -> None:
        new = {form for form in forms if form} - self._known
        if not new:
            return
        self._known |= new
        numbers = {form for form in new if _SHORT_NUMBER.fullmatch(form)}
        if numbers:
            self._numbers = self._numbers | numbers
            new -= numbers
        # Grouped first, so that each of the index's sets is copied once per call, not once per form.
        always: set[str] = set()
        grown: dict[str, set[str]] = {}
        for form in new:
            if len(form) < _ANCHOR or REDACTED[0] in form:
                always.add(form)
            else:
                grown.setdefault(self._key(form, grown), set()).add(form)
        if always:
            self._always = self._always | always
        for anchor, forms in grown.items():
            self._by_anchor[anchor] = self._by_anchor.get(anchor, frozenset()) | forms
        self._size += len(new)
        if self._few is not None:
            few = (*self._few, *new)
            self._few = tuple(sorted(few, key=len, reverse=True)) if len(few) <= INDEXED_FORMS else None

    def _key(self, form: str, grown: Mapping[str, set[str]]) -> str:
        """The form's last piece of `_ANCHOR` characters while fewer than `_SHARED_END` forms are
        keyed by it; else, of its pieces (`_key_starts`), the first that no form is keyed by yet,
        or the one the fewest are.

        Forms often start alike (every stream URL of a recorder, the hex of every value starting
        `vdx-`) and differ only at their end (the rooms of one recorder): keyed by a piece they
        share, a text holding it would be searched for all of them, and each new one would copy
        them all. The last piece comes first: while few forms are known, the pieces they will share
        are free, and a room's forms taking them one after another would key the later rooms'
        forms by the recorder's address, while a room's last piece is its own. Any piece will do,
        as a text that holds a form holds each of its pieces."""
        last = form[-_ANCHOR:]
        if self._count(last, grown) < _SHARED_END:
            return last
        best, fewest = form[:_ANCHOR], -1
        for start in _key_starts(len(form)):
            piece = form[start : start + _ANCHOR]
            count = self._count(piece, grown)
            if count == 0:
                return piece
            if fewest < 0 or count < fewest:
                best, fewest = piece, count
        return best

    def _count(self, piece: str, grown: Mapping[str, set[str]]) -> int:
        """How many forms are keyed by the piece, those being added included."""
        return len(self._by_anchor.get(piece, ())) + len(grown.get(piece, ()))

    def __iter__(self) -> Iterator[str]:
        buckets = list(self._by_anchor.values())  # one copy: another thread's `add` may grow it
        return iter((*self._always, *(form for forms in buckets for form in forms), *self._numbers))

    def __len__(self) -> int:
        return self._size + len(self._numbers)

    def present(self, text: str) -> list[str]:
        """The forms that may occur in `text`, longest first (so a longer one is replaced before
        its parts); short numbers aside."""
        few = self._few  # once: another thread's `add` may replace it meanwhile
        if few is not None:
            return list(few)
        anchors = self._by_anchor
        found = set(self._always)
        for start in range(len(text) - _ANCHOR + 1):
            hit = anchors.get(text[start : start + _ANCHOR])
            if hit is not None:
                found |= hit
        return sorted(found, key=len, reverse=True)

    def _number_spans(self, text: str, numbers: frozenset[str]) -> list[tuple[int, int]]:
        """Where a short number of the set stands alone in `text`: the whole run of digits (with a
        final #) that starts after a non-digit or an escape (`%22`, `\\x00`, `\\u0022`), or the
        run without its #. One pass, whatever the number of PINs."""
        spans: list[tuple[int, int]] = []
        for found in _NUMBER_START.finditer(text):
            start, run = found.start(), found[1]
            if run in numbers:
                end = start + len(run)
            elif run.endswith("#") and run[:-1] in numbers:
                end = start + len(run) - 1
            else:
                continue
            if not spans or start >= spans[-1][1]:
                spans.append((start, end))
        return spans

    def scrub(self, text: str) -> str:
        values = self.present(text)
        numbers = self._numbers
        if not values and not numbers:
            return text
        parts = _API_PATH.split(text)
        paths = _API_PATH.findall(text)
        for index, part in enumerate(parts):
            for value in values:
                part = part.replace(value, REDACTED)
            if numbers:
                spans = self._number_spans(part, numbers)
                for start, end in reversed(spans):
                    part = part[:start] + REDACTED + part[end:]
            parts[index] = part
        return "".join(piece for pair in zip(parts, [*paths, ""], strict=True) for piece in pair)


@lru_cache(maxsize=1024)
def _key_starts(length: int) -> tuple[int, ...]:
    """Where the pieces `Forms._key` considers for a form of this length start: the last one, then
    every other one of a form up to `_ANCHOR_EVERY_PIECE_UP_TO` characters, or `_ANCHOR_CHOICES`
    spread over a longer one (a few dictionary look-ups a form, however long: a Secret's forms are
    learnt as it is read, and a long one's pieces are many)."""
    last = length - _ANCHOR
    step = 1 if length <= _ANCHOR_EVERY_PIECE_UP_TO else last // _ANCHOR_CHOICES + 1
    return (last, *range(0, last, step))


@lru_cache(maxsize=2)  # `vdx plan` scrubs every line of its output with the same values
def _all_forms(secrets: tuple[str, ...]) -> Forms:
    """`forms_of`, cached by the tuple of values: a caller that scrubs many texts with the same
    values works out and indexes their forms once."""
    return forms_of(secrets)


def forms_of(secrets: Iterable[str]) -> Forms:
    """Every form of every secret."""
    return Forms(form for s in secrets if s for form in secret_forms(s))


# How much of an error body that is not one of the API's shapes (a proxy's error page) is kept.
RAW_BODY_LIMIT = 200


def parse_error_body(
    body: bytes, secrets: Iterable[str] = ()
) -> tuple[str, str | None, dict[str, list[str]]]:
    """(message, resource, field_errors) from any of the three shapes; tolerant of anything else.

    A body that is none of them is kept as its first `RAW_BODY_LIMIT` characters, scrubbed of
    `secrets` before it is cut: cut first, a secret straddling the cut would keep its first part."""
    if not body.strip():
        return "", None, {}
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return scrub(body.decode("utf-8", "replace"), secrets)[:RAW_BODY_LIMIT], None, {}
    # Scrubbed as decoded, before any quoting: a secret with a quote or a backslash in it no
    # longer matches once Python's repr (of a nested value) or JSON has escaped it.
    data = _scrubbed(data, list(secrets))
    if not isinstance(data, dict):
        return json.dumps(data, ensure_ascii=False)[:RAW_BODY_LIMIT], None, {}
    for key in ("error", "error_message", "message", "detail"):
        if isinstance(data.get(key), str):
            return data[key], None, {}
    if len(data) == 1:
        ((resource, inner),) = data.items()
        if isinstance(inner, dict) and all(isinstance(v, list | str) for v in inner.values()):
            return "validation failed", resource, {k: _as_list(v) for k, v in inner.items()}
    if all(isinstance(v, list | str) for v in data.values()):
        return "validation failed", None, {k: _as_list(v) for k, v in data.items()}
    return "unrecognised error body", None, {}


def _scrubbed(value: Any, secrets: list[str]) -> Any:
    """A decoded JSON value with every string scrubbed of `secrets`."""
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, list):
        return [_scrubbed(v, secrets) for v in value]
    if isinstance(value, dict):
        return {scrub(str(k), secrets): _scrubbed(v, secrets) for k, v in value.items()}
    return value


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def http_error(
    status: int,
    body: bytes,
    *,
    method: str,
    path: str,
    secrets: Iterable[str] = (),
    retry_after: float | None = None,
) -> PexipHTTPError:
    secret_list = list(secrets)
    message, resource, fields = parse_error_body(body, secret_list)
    message = scrub(message, secret_list)
    fields = {k: [scrub(m, secret_list) for m in v] for k, v in fields.items()}
    summary = message
    if fields:
        summary = "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items())
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else PexipHTTPError)
    text = f"{method} {path} -> {status}" + (f": {summary}" if summary else "")
    return cls(
        text,
        status=status,
        method=method,
        path=path,
        resource=resource,
        field_errors=fields,
        retry_after=retry_after,
    )

"""Pexip responses fuzzed at the client: anything the server says becomes a typed PexipError.

A loopback HTTP server answers each request with generated garbage: malformed or truncated JSON,
valid objects with fields missing, added or of the wrong type, envelopes of the wrong shape, any
status code, lying headers. Every client operation the operator uses must either return a model
or raise an error from `vdx.pexip.errors`, and no error (message, repr, args, chained causes) may
carry a secret the request held, even when the server echoes the request back.
"""

from __future__ import annotations

import asyncio
import json
import traceback
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.reliability.fuzzserver import FuzzServer, Responder, http_response, running
from vdx.pexip.client import PexipClient
from vdx.pexip.errors import PexipError
from vdx.pexip.limits import PlatformLimiter
from vdx.pexip.resources import CONFERENCE, TURN_SERVER
from vdx.pexip.retry import RetryPolicy

PASSWORD = "canary-pexip-password-7f3a9c"
TURN_SECRET = "canary-turn-secret-4be1d2"
SECRETS = (PASSWORD, TURN_SECRET)

VALID_CONFERENCE: dict[str, Any] = {
    "id": 7,
    "name": "rm-room",
    "resource_uri": "/api/admin/configuration/v1/conference/7/",
    "aliases": [{"id": 1, "alias": "room@vdx.rm.dk"}],
}
VALID_TURN: dict[str, Any] = {
    "id": 3,
    "name": "vdx-rm/turn",
    "address": "turn.rm.dk",
    "resource_uri": "/api/admin/configuration/v1/turn_server/3/",
}

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)


def _wrong(value: Any) -> st.SearchStrategy[Any]:
    return JSON.filter(lambda v: type(v) is not type(value))


@st.composite
def objects(draw: st.DrawFn, valid: dict[str, Any]) -> Any:
    """A valid object with one field removed, retyped or added; or anything at all."""
    obj = dict(valid)
    action = draw(st.sampled_from(["missing", "wrong", "extra", "anything", "valid"]))
    key = draw(st.sampled_from(sorted(obj)))
    if action == "missing":
        del obj[key]
    elif action == "wrong":
        obj[key] = draw(_wrong(obj[key]) | st.just("echo"))
    elif action == "extra":
        obj[draw(st.text(max_size=10))] = draw(JSON)
    elif action == "anything":
        return draw(JSON)
    return obj


METAS: list[Any] = [{"next": None}, {"next": 5}, {"next": ["a"]}, [], [1], "x", None, {"next": "?offset=0"}]


@st.composite
def bodies(draw: st.DrawFn, valid: dict[str, Any]) -> bytes:
    """Response body: an object, a list envelope, malformed JSON, raw bytes, or deep nesting."""
    shape = draw(st.sampled_from(["object", "envelope", "malformed", "bytes", "deep", "empty"]))
    if shape == "object":
        return json.dumps(draw(objects(valid))).encode()
    if shape == "envelope":
        envelope: dict[str, Any] = {
            "meta": draw(st.sampled_from(METAS)),
            "objects": draw(st.lists(st.just(valid) | objects(valid), max_size=3) | JSON),
        }
        if draw(st.booleans()):
            del envelope[draw(st.sampled_from(["meta", "objects"]))]
        return json.dumps(envelope).encode()
    if shape == "malformed":
        text = json.dumps(draw(objects(valid)))
        return text[: draw(st.integers(0, max(0, len(text) - 1)))].encode() + draw(
            st.sampled_from([b"", b"}", b",", b"\xff"])
        )
    if shape == "bytes":
        return draw(st.binary(max_size=60))
    if shape == "deep":
        depth = draw(st.sampled_from([10, 5000, 100000]))
        return b"[" * depth + b"]" * depth
    return b""


STATUSES = st.sampled_from(
    [200, 201, 202, 204, 301, 302, 304, 400, 401, 403, 404, 405, 409, 418, 429, 500, 502, 503, 504, 599]
)


@st.composite
def responses(draw: st.DrawFn, valid: dict[str, Any]) -> Responder:
    """A responder: per request, status + body + headers, optionally truncated or echoing secrets."""
    plan = draw(
        st.lists(
            st.tuples(
                STATUSES,
                bodies(valid),
                st.sampled_from(["none", "location", "bad-location", "retry-after", "retry-huge"]),
                st.booleans(),  # truncate
                st.booleans(),  # echo the request body and the auth header into the answer
            ),
            min_size=1,
            max_size=4,
        )
    )
    calls = iter(range(10**6))

    def respond(method: str, path: str, headers: dict[str, str], request_body: bytes) -> bytes:
        status, body, header, truncate, echo = plan[min(next(calls), len(plan) - 1)]
        if echo:
            echoed = request_body.decode("utf-8", "replace") + PASSWORD
            body = json.dumps({"error": echoed, "turn_server": {"secret_key": [echoed]}}).encode()
        headers = {
            "none": {},
            "location": {"Location": "/api/admin/configuration/v1/conference/7/"},
            "bad-location": {"Location": "/"},
            "retry-after": {"Retry-After": "0"},
            "retry-huge": {"Retry-After": "999999"},
        }[header]
        return http_response(status, body, headers, truncate=len(body) // 2 if truncate and body else None)

    return respond


Operation = Callable[[PexipClient], Awaitable[Any]]
OPERATIONS: dict[str, tuple[Operation, dict[str, Any]]] = {
    "list": (lambda c: c.list(CONFERENCE), VALID_CONFERENCE),
    "get": (lambda c: c.get(CONFERENCE, 7), VALID_CONFERENCE),
    "find": (lambda c: c.find(TURN_SERVER, name="vdx-rm/turn"), VALID_TURN),
    "create": (
        lambda c: c.create(TURN_SERVER, {"name": "vdx-rm/turn", "secret_key": TURN_SECRET}),
        VALID_TURN,
    ),
    "update": (lambda c: c.update(TURN_SERVER, 3, {"secret_key": TURN_SECRET}), VALID_TURN),
    "delete": (lambda c: c.delete(TURN_SERVER, 3), VALID_TURN),
    "version": (lambda c: c.version(), {"id": 1, "version": "38.0", "primary": True}),
}


@pytest.fixture(scope="module")
def server() -> Iterator[FuzzServer]:
    with running(FuzzServer()) as srv:
        yield srv


async def _no_sleep(_: float) -> None:
    return None


def _run(server: FuzzServer, operation: Operation) -> BaseException | None:
    async def go() -> None:
        async with PexipClient(
            server.url,
            auth=("admin", PASSWORD),
            timeout=5.0,
            limiter=PlatformLimiter(max_in_flight=5, rate=10_000.0),
            retry=RetryPolicy(max_attempts=3, base_delay=0.0),
            sleep=_no_sleep,
        ) as client:
            await operation(client)

    try:
        asyncio.run(go())
    except BaseException as exc:
        return exc
    return None


def _leaks(exc: BaseException) -> list[str]:
    """Where a secret shows (never the secret itself, so a failure prints nothing sensitive)."""
    text = "".join(traceback.format_exception(exc)) + repr(exc.args) + repr(vars(exc))
    return [f"secret #{i} in the error's text" for i, s in enumerate(SECRETS) if s in text]


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_any_response_is_a_model_or_a_typed_error(server: FuzzServer, name: str) -> None:
    operation, valid = OPERATIONS[name]

    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @seed(12)
    @given(responses(valid))
    def check(respond: Responder) -> None:
        server.respond = respond
        outcome = _run(server, operation)
        if outcome is None:
            return
        assert isinstance(outcome, PexipError), f"{name}: {type(outcome).__name__} escaped, not a PexipError"
        leaks = _leaks(outcome)
        assert not leaks, f"{name}: {leaks} ({type(outcome).__name__})"

    check()


@pytest.mark.timeout(30)
@pytest.mark.parametrize("meta", METAS, ids=repr)
def test_a_list_envelope_of_any_meta_is_a_list_or_a_typed_error(server: FuzzServer, meta: Any) -> None:
    """Found by the properties: a `meta` that is not a mapping, or a `next` that is not a string,
    escaped as AttributeError/TypeError; a `next` pointing back at the same page looped forever."""
    page = json.dumps({"meta": meta, "objects": [VALID_CONFERENCE]}).encode()
    server.respond = lambda method, path, headers, body: http_response(200, page)
    outcome = _run(server, OPERATIONS["list"][0])
    assert outcome is None or isinstance(outcome, PexipError)


def test_a_wrongly_typed_field_names_the_field_but_not_its_value(server: FuzzServer) -> None:
    """pydantic quotes input values; the client's error names only the field."""
    obj = {**VALID_CONFERENCE, "name": {"x": PASSWORD}}
    server.respond = lambda method, path, headers, body: http_response(200, json.dumps(obj).encode())
    outcome = _run(server, OPERATIONS["get"][0])
    assert isinstance(outcome, PexipError)
    assert "name" in str(outcome)
    assert not _leaks(outcome)

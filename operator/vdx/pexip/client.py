"""Async client for the Pexip Infinity Management API.

Built for a reconciling operator: lists follow `meta.next`, and the transport is wrapped in the
platform's shared limits and a retry policy that never duplicates a create. Pexip answers writes with
empty bodies, so there are two ways to write: `create`/`update` read the object back (one GET more,
for callers without a copy of their own), `post`/`patch` only write and say where the object is
(for the operator, which keeps its own observed copy and re-lists on every resync). Nothing here
knows about the simulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import ssl
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx
from pydantic import ValidationError as PydanticValidationError

from vdx.pexip import models
from vdx.pexip.auth import BasicAuth
from vdx.pexip.errors import (
    AmbiguousCreateError,
    NotFoundError,
    PexipError,
    PexipHTTPError,
    PexipProtocolError,
    PexipTransportError,
    http_error,
    scrub,
)
from vdx.pexip.limits import PlatformLimiter, shared_limiter
from vdx.pexip.metrics import RequestCounters
from vdx.pexip.resources import GLOBAL, HISTORY_PARTICIPANT, MANAGEMENT_VM, SECRET_FIELDS, Kind
from vdx.pexip.retry import RetryPolicy, parse_retry_after

M = TypeVar("M", bound=models.PexipModel)
Sleep = Callable[[float], Awaitable[None]]
FileUpload = tuple[str, bytes]  # (filename, content)

# httpx logs every request's full URL at INFO, query string included; this client logs paths only
# (see `_send_once`), so httpx is kept to warnings: a filter value must never reach a log.
logging.getLogger("httpx").setLevel(logging.WARNING)
logger = logging.getLogger("vdx.pexip")

# Set by `one_attempt()`: the idempotent requests of this task are sent once, not retried.
_ONE_ATTEMPT: ContextVar[bool] = ContextVar("vdx_pexip_one_attempt", default=False)


@contextlib.contextmanager
def one_attempt() -> Iterator[None]:
    """Send this task's reads once: a health probe reports an outage at once instead of retrying
    through it (its caller probes again soon), so the platform's status shows the outage."""
    token = _ONE_ATTEMPT.set(True)
    try:
        yield
    finally:
        _ONE_ATTEMPT.reset(token)


# Failures where the request certainly never reached the server: safe to resend even a POST.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _secret_values(payload: Any) -> list[str]:
    """Every value under a secret-named key, at any depth."""
    found: list[str] = []
    if isinstance(payload, Mapping):
        for key, value in payload.items():
            if key in SECRET_FIELDS and isinstance(value, str) and value:
                found.append(value)
            else:
                found.extend(_secret_values(value))
    elif isinstance(payload, list | tuple):
        for item in payload:
            found.extend(_secret_values(item))
    return found


def _format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return str(value.isoformat(timespec="seconds"))
    if isinstance(value, list | tuple | set):
        return ",".join(_format_value(v) for v in value)
    return str(value)


def build_params(
    filters: Mapping[str, Any] | None, order_by: str | Sequence[str] | None, limit: int | None
) -> list[tuple[str, str]]:
    """Query parameters: `field[__lookup]=value`, `order_by` (repeatable), `limit`."""
    params = [(k, _format_value(v)) for k, v in (filters or {}).items()]
    if isinstance(order_by, str):
        params.append(("order_by", order_by))
    elif order_by:
        params.extend(("order_by", o) for o in order_by)
    if limit is not None:
        params.append(("limit", str(limit)))
    return params


def id_from_location(location: str) -> str:
    """The trailing id/UUID of a `Location` header (absolute URL or host-relative path)."""
    path = urlsplit(location).path
    parts = [p for p in path.split("/") if p]
    if not parts:
        raise PexipProtocolError("Location header has no object id")
    return str(parts[-1])


@dataclass(frozen=True)
class Created(Generic[M]):
    """Where a POST put the new object.

    `uri` is the object's resource URI (from `Location`, in the host-relative form GETs use).
    `found` is set only when the outcome of the POST was unknown and the lookup found the object:
    then it is exactly what Pexip holds, and nothing needs to be derived from the payload.
    """

    uri: str
    object_id: str
    found: M | None = None


def _ssl_context(verify: bool | str | ssl.SSLContext) -> bool | ssl.SSLContext:
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    return verify


class PexipClient:
    """One platform's Management API.

    `auth` is an httpx auth (see `vdx.pexip.auth`) or a (username, password) pair. `verify` is
    True (system trust), a CA bundle path, or an `ssl.SSLContext`; False only for experiments.
    The limiter defaults to the one shared by every client of the same base URL.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | tuple[str, str] | None = None,
        verify: bool | str | ssl.SSLContext = True,
        timeout: float = 30.0,
        page_size: int = 500,
        limiter: PlatformLimiter | None = None,
        retry: RetryPolicy | None = None,
        counters: RequestCounters | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        if isinstance(auth, tuple):
            auth = BasicAuth(*auth)
        self._auth_secrets: tuple[str, ...] = tuple(getattr(auth, "secret_values", ()))
        self._auth = auth
        self.page_size = page_size
        self.limiter = limiter or shared_limiter(self.base_url)
        self.retry = retry or RetryPolicy()
        self.counters = counters or RequestCounters()
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self.timeout = timeout
        # Per type: when a POST last had an unknown outcome that no lookup has settled since
        # (`creates_in_doubt`).
        self._in_doubt: dict[str, float] = {}
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            auth=auth,
            verify=_ssl_context(verify),
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def __repr__(self) -> str:
        return f"PexipClient({self.base_url!r})"

    # ------------------------------------------------------------------ transport
    def _secrets(self, payload: Any) -> list[str]:
        auth_secrets = tuple(getattr(self._auth, "secret_values", ())) or self._auth_secrets
        if isinstance(payload, _Payload):
            return [*_secret_values(payload.body), *payload.secrets, *auth_secrets]
        return [*_secret_values(payload), *auth_secrets]

    async def _send_once(
        self,
        method: str,
        url: str,
        label: str,
        *,
        params: Sequence[tuple[str, str]] | None = None,
        json_body: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, FileUpload] | None = None,
    ) -> httpx.Response:
        """One attempt through the platform limiter, counted and logged without bodies."""
        async with self.limiter.slot() as ticket:
            started = time.monotonic()
            try:
                response = await self._http.request(
                    method,
                    url,
                    params=list(params) if params else None,
                    json=json_body if json_body is not None else None,
                    data=data,
                    files={k: (name, content) for k, (name, content) in files.items()} if files else None,
                )
            except httpx.TransportError as exc:
                self.counters.record(method, label, "error", time.monotonic() - started)
                logger.info("pexip %s %s failed: %s", method, urlsplit(url).path, type(exc).__name__)
                raise
            if response.status_code == 429:
                # Before the slot is given back: the next request must already see the pause and
                # the lowered rate.
                pause = parse_retry_after(response.headers.get("Retry-After"))
                self.limiter.throttled(ticket, min(pause, self.retry.max_retry_after) if pause else None)
        elapsed = time.monotonic() - started
        self.counters.record(method, label, response.status_code, elapsed)
        logger.debug("pexip %s %s -> %d in %.3fs", method, urlsplit(url).path, response.status_code, elapsed)
        return response

    def _error(self, response: httpx.Response, method: str, url: str, payload: Any) -> PexipHTTPError:
        return http_error(
            response.status_code,
            response.content,
            method=method,
            path=urlsplit(url).path,
            secrets=self._secrets(payload),
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )

    def _transport_error(self, exc: httpx.TransportError, method: str, url: str, payload: Any) -> PexipError:
        text = scrub(f"{method} {urlsplit(url).path}: {type(exc).__name__}: {exc}", self._secrets(payload))
        return PexipTransportError(text, method=method, path=urlsplit(url).path)

    async def _wait(
        self, attempt: int, retry_after: float | None, method: str, label: str, reason: str
    ) -> None:
        self.counters.record_retry(method, label, reason)
        await self._sleep(self.retry.delay(attempt, retry_after, self._rng))

    async def request(
        self,
        method: str,
        url: str,
        label: str = "",
        *,
        params: Sequence[tuple[str, str]] | None = None,
        json_body: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, FileUpload] | None = None,
        expect: Iterable[int] = (200,),
        secrets: Iterable[str] = (),
    ) -> httpx.Response:
        """An idempotent request with retries on 429, 5xx and network errors (never other 4xx).

        Do not use for POST creates: see `create`, which checks before it resends. `secrets`: values
        the payload carries under a name that is not secret everywhere (a streaming participant's
        alias holds its stream key), scrubbed from errors like the secret-named fields.
        """
        label = label or urlsplit(url).path
        payload = _Payload(json_body if json_body is not None else data, tuple(secrets))
        expected = set(expect)
        attempts = 1 if _ONE_ATTEMPT.get() else self.retry.max_attempts
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._send_once(
                    method, url, label, params=params, json_body=json_body, data=data, files=files
                )
            except httpx.TransportError as exc:
                if attempt >= attempts:
                    raise self._transport_error(exc, method, url, payload) from None
                await self._wait(attempt, None, method, label, "network")
                continue
            if response.status_code in expected:
                return response
            error = self._error(response, method, url, payload)
            if response.status_code not in self.retry.statuses or attempt >= attempts:
                raise error
            if error.retry_after is not None and error.retry_after > self.retry.max_retry_after:
                raise error
            await self._wait(attempt, error.retry_after, method, label, str(response.status_code))

    def _json(
        self, response: httpx.Response, object_hook: Callable[[dict[str, Any]], Any] | None = None
    ) -> Any:
        try:
            return json.loads(response.content, object_hook=object_hook)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise PexipProtocolError(
                f"{response.request.method} {response.request.url.path}: response is not JSON",
                status=response.status_code,
            ) from None

    # ------------------------------------------------------------------ reads
    async def iter_raw(
        self,
        path: str,
        *,
        filters: Mapping[str, Any] | None = None,
        order_by: str | Sequence[str] | None = None,
        page_size: int | None = None,
        label: str = "",
        object_hook: Callable[[dict[str, Any]], Any] | None = None,
        pages_in_flight: int = 1,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every object of a list endpoint, page by page.

        `object_hook` goes to `json.loads` (it sees every JSON object of a page as it is decoded,
        innermost first): a caller that keeps only part of each object can drop the rest before a
        whole page of it exists.

        With `pages_in_flight` 1 the pages are read one after another, following `meta.next`. With
        more, the first page's `total_count` says how many pages there are and up to that many of
        the rest are requested at once by offset (each still through the platform's in-flight cap
        and token bucket, so the requests are the same, only sooner). Objects come in list order.
        Objects created during the listing land after the last counted page (the default order
        is by primary key), so the last page's `meta.next` is followed from there; an object seen
        twice (a deletion shifting the offsets) is given once. Like any offset paging, an object
        shifted onto a page already read by a deletion may be missed until the next listing.
        """
        if pages_in_flight < 1:
            raise ValueError(f"pages_in_flight must be at least 1, not {pages_in_flight}")
        label = label or path
        params = build_params(filters, order_by, page_size or self.page_size)
        body = await self._page(path, label, params, object_hook)
        if pages_in_flight == 1:
            async for obj in self._follow(path, label, body, object_hook):
                yield obj
            return
        meta = body.get("meta")
        total, limit = (
            (meta.get("total_count"), meta.get("limit")) if isinstance(meta, dict) else (None, None)
        )
        if not body["objects"] or not isinstance(total, int) or not isinstance(limit, int) or limit < 1:
            async for obj in self._follow(path, label, body, object_hook):
                yield obj
            return
        offsets = iter(range(limit, total, limit))
        pending: deque[asyncio.Task[dict[str, Any]]] = deque()

        def start_next() -> None:
            offset = next(offsets, None)
            if offset is not None:
                paged = [*params, ("offset", str(offset))]
                pending.append(asyncio.create_task(self._page(path, label, paged, object_hook)))

        seen: set[Any] = set()
        try:
            for _ in range(pages_in_flight):
                start_next()  # before the caller sees the first page: the slots fill at once
            for obj in self._fresh(body, seen):
                yield obj
            while pending:
                body = await pending.popleft()
                start_next()
                for obj in self._fresh(body, seen):
                    yield obj
            # Objects created since the first page: after the counted pages, in the default order.
            async for obj in self._follow(path, label, body, object_hook, first_yielded=True):
                if _identity(obj) not in seen:
                    yield obj
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    async def _page(
        self,
        path: str,
        label: str,
        params: Sequence[tuple[str, str]] | None,
        object_hook: Callable[[dict[str, Any]], Any] | None,
        url: str | None = None,
    ) -> dict[str, Any]:
        """One list page, decoded; its bytes (several MiB for rooms that embed their theme) are
        dropped as soon as it is decoded."""
        response = await self.request("GET", url or path, label, params=params)
        body = self._json(response, object_hook)
        del response
        if not isinstance(body, dict) or not isinstance(body.get("objects"), list):
            raise PexipProtocolError(f"GET {path}: not a list envelope")
        return body

    def _fresh(self, body: dict[str, Any], seen: set[Any]) -> list[dict[str, Any]]:
        """The page's objects not given before (noting them)."""
        fresh = []
        for obj in body["objects"]:
            key = _identity(obj)
            if key is None or key not in seen:
                if key is not None:
                    seen.add(key)
                fresh.append(obj)
        return fresh

    async def _follow(
        self,
        path: str,
        label: str,
        body: dict[str, Any],
        object_hook: Callable[[dict[str, Any]], Any] | None,
        *,
        first_yielded: bool = False,
    ) -> AsyncIterator[dict[str, Any]]:
        """The objects of `body` (unless already given) and of every page its `meta.next` leads to."""
        visited: set[str] = set()
        while True:
            if not first_yielded:
                for obj in body["objects"]:
                    yield obj
            first_yielded = False
            meta = body.get("meta")
            nxt = meta.get("next") if isinstance(meta, dict) else None
            if not nxt or not body["objects"]:
                return
            if not isinstance(nxt, str):
                raise PexipProtocolError(f"GET {path}: meta.next is not a URL")
            url = urljoin(self.base_url + "/", nxt)
            if url in visited:
                # A server that points back at a page already read would keep a reconcile forever.
                raise PexipProtocolError(f"GET {path}: meta.next points back at a page already read")
            visited.add(url)
            # `next` already carries the filters, limit and offset.
            body = await self._page(path, label, None, object_hook, url=url)

    async def iterate(
        self,
        kind: Kind[M],
        *,
        filters: Mapping[str, Any] | None = None,
        order_by: str | Sequence[str] | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[M]:
        async for obj in self.iter_raw(
            kind.path, filters=filters, order_by=order_by, page_size=page_size, label=kind.label
        ):
            yield _model(kind, obj)

    async def list(
        self,
        kind: Kind[M],
        *,
        filters: Mapping[str, Any] | None = None,
        order_by: str | Sequence[str] | None = None,
        page_size: int | None = None,
    ) -> list[M]:
        """All objects of `kind` matching `filters` (e.g. `{"name__startswith": "rm-"}`)."""
        return [o async for o in self.iterate(kind, filters=filters, order_by=order_by, page_size=page_size)]

    async def get(self, kind: Kind[M], object_id: int | str) -> M:
        response = await self.request("GET", kind.uri(object_id), kind.label)
        return _model(kind, self._json(response))

    async def get_by_uri(self, kind: Kind[M], uri: str) -> M:
        response = await self.request("GET", uri, kind.label)
        return _model(kind, self._json(response))

    async def find(self, kind: Kind[M], **filters: Any) -> M | None:
        """The one object matching `filters`, None if there is none; PexipError if several."""
        found = await self.list(kind, filters=filters, page_size=2)
        if len(found) > 1:
            raise PexipError(f"{kind.name}: more than one object matches {sorted(filters)}")
        return found[0] if found else None

    async def schema(self, kind: Kind[Any]) -> dict[str, Any]:
        response = await self.request("GET", f"{kind.path}schema/", kind.label)
        body = self._json(response)
        assert isinstance(body, dict)
        return body

    async def version(self) -> str:
        """The running Infinity version, from `status/v1/management_vm/`."""
        vms = await self.list(MANAGEMENT_VM)
        primary = next((vm for vm in vms if vm.primary), vms[0] if vms else None)
        if primary is None:
            raise PexipProtocolError("no management node in status/v1/management_vm/")
        return primary.version

    async def get_singleton(self, kind: Kind[M]) -> M:
        return await self.get(kind, 1)

    async def global_settings(self) -> models.GlobalSettings:
        return await self.get(GLOBAL, 1)

    # ------------------------------------------------------------------ writes
    async def _lookup(
        self, kind: Kind[M], data: Mapping[str, Any], lookup: Mapping[str, Any] | None
    ) -> tuple[bool, M | None]:
        """(possible, found): search for an object a failed create may have made."""
        filters = dict(lookup) if lookup is not None else {k: data[k] for k in kind.unique_key if k in data}
        if lookup is None and kind.unique_key and len(filters) != len(kind.unique_key):
            filters = {}
        if not filters and kind.matcher is None:
            return False, None
        candidates = await self.list(kind, filters=filters)
        if kind.matcher is not None:
            candidates = [c for c in candidates if kind.matcher(data, c)]
        return True, candidates[0] if candidates else None

    async def create(
        self,
        kind: Kind[M],
        data: Mapping[str, Any],
        *,
        lookup: Mapping[str, Any] | None = None,
        file: FileUpload | None = None,
        secrets: Iterable[str] = (),
    ) -> M:
        """POST (see `post`), then read the new object back from `Location`."""
        created = await self.post(kind, data, lookup=lookup, file=file, secrets=secrets)
        if created.found is not None:
            return created.found
        return await self.get(kind, created.object_id)

    async def post(
        self,
        kind: Kind[M],
        data: Mapping[str, Any],
        *,
        lookup: Mapping[str, Any] | None = None,
        file: FileUpload | None = None,
        secrets: Iterable[str] = (),
    ) -> Created[M]:
        """POST without reading back: where the new object is, from `Location`.

        When the outcome is unknown (5xx, or the connection broke after sending), the object is
        searched for by `lookup` (default: the kind's unique key) before any retry, so the create
        is never duplicated; without any way to look it up, `AmbiguousCreateError` is raised.
        With `file`, the body is sent as multipart (`kind.file_field` carries the file).
        `secrets` as in `request`.
        """
        payload = dict(data)
        scrubbed = _Payload(payload, tuple(secrets))
        form: dict[str, Any] | None = None
        files: dict[str, FileUpload] | None = None
        if file is not None:
            if kind.file_field is None:
                raise ValueError(f"{kind.name} takes no file upload")
            form, files = _multipart_fields(payload), {kind.file_field: file}
        attempt = 0
        while True:
            attempt += 1
            unknown_outcome: PexipError | None = None
            try:
                response = await self._send_once(
                    "POST",
                    kind.path,
                    kind.label,
                    json_body=None if form is not None else payload,
                    data=form,
                    files=files,
                )
            except _NOT_SENT as exc:
                if attempt >= self.retry.max_attempts:
                    raise self._transport_error(exc, "POST", kind.path, scrubbed) from None
                await self._wait(attempt, None, "POST", kind.label, "network")
                continue
            except httpx.TransportError as exc:
                unknown_outcome = self._transport_error(exc, "POST", kind.path, scrubbed)
            else:
                if response.status_code in (200, 201):
                    location = response.headers.get("Location")
                    if not location:
                        raise PexipProtocolError(f"POST {kind.path}: no Location header", status=201)
                    object_id = id_from_location(location)
                    return Created(kind.uri(object_id), object_id)
                error = self._error(response, "POST", kind.path, scrubbed)
                if response.status_code not in self.retry.statuses:
                    raise error
                if response.status_code == 429:
                    # Refused before processing: nothing was created, resending is safe.
                    if attempt >= self.retry.max_attempts or (
                        error.retry_after is not None and error.retry_after > self.retry.max_retry_after
                    ):
                        raise error
                    await self._wait(attempt, error.retry_after, "POST", kind.label, "429")
                    continue
                unknown_outcome = error
            self._in_doubt[kind.label] = time.monotonic()
            possible, existing = await self._lookup(kind, payload, lookup)
            if existing is not None:
                logger.info("pexip POST %s: outcome was unknown, found the object already created", kind.path)
                self._in_doubt.pop(kind.label, None)
                return Created(existing.resource_uri, str(kind.object_id(existing)), existing)
            if not possible:
                raise AmbiguousCreateError(
                    f"POST {kind.path}: outcome unknown ({unknown_outcome.message});"
                    " no unique key to check before resending",
                    status=unknown_outcome.status,
                    method="POST",
                    path=kind.path,
                )
            if attempt >= self.retry.max_attempts:
                raise unknown_outcome
            await self._wait(attempt, unknown_outcome.retry_after, "POST", kind.label, "unknown_outcome")

    @property
    def in_doubt_seconds(self) -> float:
        """How long after its last unknown outcome a create may still be committing: the node
        received it and may finish it after the client stopped waiting (a timeout, a dropped
        connection). Twice the request timeout, at least 10 s."""
        return max(10.0, 2 * self.timeout)

    def creates_in_doubt(self, labels: Iterable[str], now: float | None = None) -> dict[str, float]:
        """The types among `labels` (`configuration/turn_server`) with a create whose outcome is
        unknown and may still commit: label -> seconds since. Whoever concludes from "not found"
        that there is nothing to delete (a finalizer) must wait these out, or a create that
        commits afterwards is left behind with nobody to delete it."""
        now = time.monotonic() if now is None else now
        found = {}
        for label in labels:
            since = self._in_doubt.get(label)
            if since is None:
                continue
            if now - since >= self.in_doubt_seconds:
                del self._in_doubt[label]
                continue
            found[label] = now - since
        return found

    async def update(
        self,
        kind: Kind[M],
        object_id: int | str,
        changes: Mapping[str, Any],
        *,
        file: FileUpload | None = None,
        secrets: Iterable[str] = (),
    ) -> M:
        """PATCH (see `patch`), then read the object back."""
        await self.patch(kind, object_id, changes, file=file, secrets=secrets)
        return await self.get(kind, object_id)

    async def patch(
        self,
        kind: Kind[Any],
        object_id: int | str,
        changes: Mapping[str, Any],
        *,
        file: FileUpload | None = None,
        secrets: Iterable[str] = (),
    ) -> None:
        """PATCH without reading back: the server merges `changes` over the object and re-validates
        the whole, answering 202/204 with no body; a refusal raises, so returning means accepted."""
        payload = dict(changes)
        if file is not None:
            if kind.file_field is None:
                raise ValueError(f"{kind.name} takes no file upload")
            await self.request(
                "PATCH",
                kind.uri(object_id),
                kind.label,
                data=_multipart_fields(payload),
                files={kind.file_field: file},
                expect=(200, 202, 204),
                secrets=secrets,
            )
        else:
            await self.request(
                "PATCH",
                kind.uri(object_id),
                kind.label,
                json_body=payload,
                expect=(200, 202, 204),
                secrets=secrets,
            )

    async def delete(self, kind: Kind[Any], object_id: int | str, *, missing_ok: bool = True) -> bool:
        """DELETE one object; True if it was deleted, False if it was already gone (`missing_ok`)."""
        try:
            await self.request("DELETE", kind.uri(object_id), kind.label, expect=(200, 202, 204))
        except NotFoundError:
            if missing_ok:
                return False
            raise
        return True

    # ------------------------------------------------------------------ history helpers
    def history_participants(
        self, start: datetime, end: datetime, *, page_size: int = 1000, **filters: Any
    ) -> AsyncIterator[models.HistoryParticipant]:
        """Participants whose call ended in [start, end) (naive UTC), the usual export window."""
        window = {"end_time__gte": start, "end_time__lt": end, **filters}
        return self.iterate(HISTORY_PARTICIPANT, filters=window, order_by="end_time", page_size=page_size)


@dataclass(frozen=True)
class _Payload:
    """A request's body with the values to scrub from its errors beyond its secret-named fields."""

    body: Any
    secrets: tuple[str, ...] = ()


def _model(kind: Kind[M], data: Any) -> M:
    """`data` as the kind's model, or a PexipProtocolError naming only the fields that were wrong.

    pydantic's own error quotes the input values; an object can hold a value the operator must not
    log (a misbehaving server may echo a secret), and callers handle PexipError, not pydantic's.
    """
    try:
        return kind.model.model_validate(data)
    except PydanticValidationError as exc:
        wrong = sorted({".".join(str(p) for p in e["loc"]) or "<object>" for e in exc.errors()})
        raise PexipProtocolError(
            f"{kind.label}: unexpected object shape (fields: {', '.join(wrong[:10])})"
        ) from None


def _multipart_fields(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Multipart text parts: booleans as `true`/`false`, lists as repeated parts, None omitted."""
    out: dict[str, Any] = {}
    for key, value in payload.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            out[key] = [_format_value(v) for v in value]
        else:
            out[key] = _format_value(value)
    return out


__all__ = ["Created", "PexipClient", "build_params", "id_from_location"]


def _identity(obj: Any) -> Any:
    """What tells two listed objects apart: their `resource_uri` (or `id`), when they have one."""
    if isinstance(obj, dict):
        return obj.get("resource_uri") or obj.get("id")
    return getattr(obj, "resource_uri", None) or getattr(obj, "id", None)

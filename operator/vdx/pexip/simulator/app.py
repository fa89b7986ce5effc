"""The ASGI application: Pexip's HTTP surface in front of the engine, plus a separate control surface.

The emulated Management API lives under `/api/admin/` and `/oauth/token/`; everything the tests
and benchmarks drive (faults, accounting, state) lives under `/_simulator/` and in the Python API
of `Simulator`, so nothing in the emulated API exists only to help a client.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from vdx.pexip.simulator import state as state_io
from vdx.pexip.simulator.accounting import Accounting
from vdx.pexip.simulator.engine import ApiError, Engine, EngineOptions, UploadedFile
from vdx.pexip.simulator.faults import Decision, FaultConfig, FaultInjector
from vdx.pexip.simulator.pacing import TIMER
from vdx.pexip.simulator.schema_doc import api_index, schema_document
from vdx.pexip.simulator.seed import SeedOptions, seed_fresh_node
from vdx.pexip.simulator.spec import ALL_SPECS, ResourceSpec, unknown_fields

API_RE = re.compile(
    r"^/api/admin/(configuration|status|history)/v1/(?:([a-z_]+)/(?:([^/]+)/(?:([a-z_]+)/)?)?)?$"
)
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
SERVER_ERROR = {"error_message": "Sorry, this request could not be processed. Please try again later."}


@dataclass
class SimulatorConfig:
    username: str = "admin"
    password: str = "admin"  # noqa: S105 - the documented default of a local simulator
    engine: EngineOptions = field(default_factory=EngineOptions)
    seed: SeedOptions = field(default_factory=SeedOptions)
    faults: FaultConfig = field(default_factory=FaultConfig)
    # OAuth2 clients allowed to use the client-credentials grant: client id -> public key PEM.
    oauth_clients: dict[str, str] = field(default_factory=dict)
    token_lifetime_s: int = 3600
    state_file: str | None = None


class SimulatedDrop(httpx.RemoteProtocolError):
    """Raised after a committed write to cut the response off, as a lost connection would."""


class _DroppedResponse(Response):
    """Starts a response and then breaks the connection: the write is committed, the answer lost."""

    def __init__(self) -> None:
        super().__init__(status_code=202)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 202, "headers": [(b"content-length", b"64")]})
        raise SimulatedDrop("simulated: response lost after the write committed")


class Simulator:
    """A Pexip Management Node in a box; an ASGI callable, so `httpx.ASGITransport(app=sim)` works."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        self.faults = FaultInjector(self.config.faults)
        self.accounting = Accounting()
        self._tokens: dict[str, float] = {}
        self.engine = self._fresh_engine()
        if self.config.state_file and Path(self.config.state_file).exists():
            self.load(self.config.state_file)
        self.app = Starlette(
            routes=[
                Route("/_simulator/{rest:path}", self._control, methods=ALL_METHODS),
                Route("/{rest:path}", self._api, methods=ALL_METHODS),
            ]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    # ---------------------------------------------------------------- Python control API
    def _fresh_engine(self) -> Engine:
        engine = Engine(options=self.config.engine)
        seed_fresh_node(engine, self.config.seed)
        return engine

    def reset(self) -> None:
        """Back to a freshly installed node; faults and accounting are reset too."""
        self.engine = self._fresh_engine()
        self.faults.set(FaultConfig(seed=self.faults.config.seed))
        self.accounting.reset()

    def set_faults(self, config: FaultConfig | None = None, **changes: Any) -> FaultConfig:
        if config is not None:
            self.faults.set(config)
            return config
        return self.faults.update(**changes)

    def register_oauth_client(self, client_id: str, public_key_pem: str) -> None:
        self.config.oauth_clients[client_id] = public_key_pem

    def revoke_tokens(self) -> None:
        """Forget every issued bearer token, as a restarted node would."""
        self._tokens.clear()

    def save(self, path: str | None = None) -> None:
        target = path or self.config.state_file
        if target:
            state_io.save(self.engine, Path(target))

    def load(self, path: str) -> None:
        state_io.load(self.engine, Path(path))

    # ---------------------------------------------------------------- auth
    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return False
            return hmac.compare_digest(user.encode(), self.config.username.encode()) and hmac.compare_digest(
                password.encode(), self.config.password.encode()
            )
        if scheme.lower() == "bearer":
            expiry = self._tokens.get(value)
            return expiry is not None and expiry > time.monotonic()
        return False

    async def _token(self, request: Request) -> Response:
        if request.method != "POST":
            return Response(status_code=405, headers={"Allow": "POST"})
        form = await request.form()
        if form.get("grant_type") != "client_credentials" or form.get("client_assertion_type") != (
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        assertion = str(form.get("client_assertion") or "")
        try:
            claims = jwt.decode(assertion, options={"verify_signature": False})
            client_id = str(claims.get("iss", ""))
            key = self.config.oauth_clients.get(client_id)
            if key is None or claims.get("sub") != client_id:
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            claims = jwt.decode(
                assertion,
                key,
                algorithms=["ES256", "RS256"],
                options={"require": ["exp", "iat", "jti", "aud"], "verify_aud": False},
            )
        except jwt.PyJWTError:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if not str(claims.get("aud", "")).endswith("/oauth/token/"):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        token = secrets.token_urlsafe(32)
        self._tokens[token] = time.monotonic() + self.config.token_lifetime_s
        return JSONResponse(
            {"access_token": token, "expires_in": self.config.token_lifetime_s, "token_type": "Bearer"}
        )

    # ---------------------------------------------------------------- emulated API
    async def _api(self, request: Request) -> Response:
        path = request.url.path
        method = request.method
        resource_label = _classify(path)
        body, uploads = await _read_body(request)
        logged = dict(body) if isinstance(body, dict) else None
        if uploads:
            logged = (logged or {}) | {k: f"<file {len(v.data)} bytes>" for k, v in uploads.items()}
        entry = self.accounting.start(
            method, path, request.url.query, resource_label, logged, _ignored(path, method, body)
        )
        status: int | None = None
        fault = ""
        try:
            decision = self.faults.decide(method, is_read=method in ("GET", "HEAD"))
            if decision.delay_s:
                await TIMER.sleep(decision.delay_s)
            if decision.status is not None:
                fault = decision.reason
                response = _fault_response(decision)
            elif path == "/oauth/token/":
                response = await self._token(request)
            elif not self._authorised(request):
                response = Response(status_code=401, headers={"WWW-Authenticate": 'Basic realm="Pexip"'})
            else:
                response = self._dispatch(request, path, method, body, uploads)
                if 200 <= response.status_code < 300 and method not in ("GET", "HEAD"):
                    if decision.after_commit == "drop":
                        fault = "dropped_after_commit"
                        return _DroppedResponse()
                    if decision.after_commit == "error_after_commit":
                        fault = "error_after_commit"
                        response = JSONResponse(SERVER_ERROR, status_code=500)
            status = None if isinstance(response, _DroppedResponse) else response.status_code
            return response
        finally:
            self.accounting.finish(entry, status, fault)

    def _dispatch(
        self, request: Request, path: str, method: str, body: Any, uploads: Mapping[str, UploadedFile]
    ) -> Response:
        m = API_RE.match(path)
        if not m:
            return Response(status_code=404)
        api, name, object_id, sub = m.groups()
        if name is None:
            return JSONResponse(api_index(api)) if method == "GET" else Response(status_code=405)
        key = name if api == "configuration" else f"{api}/{name}"
        spec = ALL_SPECS.get(key)
        if spec is None:
            return Response(status_code=404)
        try:
            if object_id == "schema" and sub is None:
                return (
                    JSONResponse(schema_document(spec, self.engine.options))
                    if method == "GET"
                    else (Response(status_code=405, headers={"Allow": "GET"}))
                )
            if object_id is None:
                return self._collection(request, spec, key, method, body, uploads)
            oid: Any = object_id
            if spec.id_kind == "int":
                if not object_id.isdigit():
                    return Response(status_code=404)
                oid = int(object_id)
            if sub is not None:
                if sub == "download" and key in ("webapp_branding", "ivr_theme") and method == "GET":
                    data = self.engine.files.get(f"{key}/{oid}")
                    if data is None:
                        return Response(status_code=404)
                    return Response(data, media_type="application/zip")
                return Response(status_code=404)
            return self._detail(spec, key, oid, method, body, uploads)
        except ApiError as exc:
            if exc.body is None:
                return Response(status_code=exc.status)
            return JSONResponse(exc.body, status_code=exc.status)

    def _not_allowed(self, allowed: tuple[str, ...]) -> Response:
        return Response(status_code=405, headers={"Allow": ", ".join(m.upper() for m in allowed)})

    def _collection(
        self,
        request: Request,
        spec: ResourceSpec,
        key: str,
        method: str,
        body: Any,
        uploads: Mapping[str, UploadedFile],
    ) -> Response:
        verb = "get" if method == "HEAD" else method.lower()
        if verb not in spec.list_methods:
            return self._not_allowed(spec.list_methods)
        if verb == "get":
            params = list(request.query_params.multi_items())
            return JSONResponse(self.engine.list_objects(key, params, request.url.path))
        if verb == "delete":
            self.engine.delete_all(key)
            return Response(status_code=204)
        payload = _require_object(body)
        if verb == "post":
            oid = self.engine.create(key, payload, uploads)
            return Response(status_code=201, headers={"Location": spec.uri(oid)})
        # Bulk PATCH: objects with a resource_uri are updated, others created; deleted_objects go.
        with self.engine.lock:
            for item in payload.get("objects") or []:
                item = _require_object(item)
                uri = item.get("resource_uri")
                if uri:
                    self.engine.update(key, _id_from_uri(spec, uri), item, {})
                else:
                    self.engine.create(key, item, {})
            for uri in payload.get("deleted_objects") or []:
                self.engine.delete(key, _id_from_uri(spec, str(uri)))
        return Response(status_code=202)

    def _detail(
        self,
        spec: ResourceSpec,
        key: str,
        oid: Any,
        method: str,
        body: Any,
        uploads: Mapping[str, UploadedFile],
    ) -> Response:
        verb = "get" if method == "HEAD" else method.lower()
        if verb not in spec.detail_methods:
            return self._not_allowed(spec.detail_methods)
        if verb == "get":
            return JSONResponse(self.engine.get(key, oid))
        if verb == "delete":
            self.engine.delete(key, oid)
            return Response(status_code=204)
        self.engine.update(key, oid, _require_object(body), uploads)
        return Response(status_code=202 if verb == "patch" else 204)

    # ---------------------------------------------------------------- control surface
    async def _control(self, request: Request) -> Response:
        if not self._authorised_basic_only(request):
            return Response(status_code=401, headers={"WWW-Authenticate": 'Basic realm="simulator"'})
        what = request.path_params["rest"].strip("/")
        method = request.method
        if what == "faults":
            if method == "GET":
                return JSONResponse(self.faults.config.model_dump(mode="json"))
            payload = await request.json()
            try:
                if method == "PUT":
                    config = self.set_faults(FaultConfig.model_validate(payload))
                elif method == "PATCH":
                    config = self.set_faults(**payload)
                else:
                    return Response(status_code=405)
            except ValueError as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            return JSONResponse(config.model_dump(mode="json"))
        if what == "accounting":
            if method == "GET":
                return JSONResponse(self.accounting.snapshot())
            if method == "DELETE":
                self.accounting.reset()
                return Response(status_code=204)
        if what == "reset" and method == "POST":
            self.reset()
            return Response(status_code=204)
        if what == "save" and method == "POST":
            self.save()
            return Response(status_code=204)
        return Response(status_code=404)

    def _authorised_basic_only(self, request: Request) -> bool:
        return request.headers.get("authorization", "").lower().startswith("basic ") and self._authorised(
            request
        )


def _classify(path: str) -> str:
    """The accounting label of a request: `<api>/<resource>` or the raw path for anything else."""
    m = API_RE.match(path)
    if m and m.group(2):
        return f"{m.group(1)}/{m.group(2)}"
    if path == "/oauth/token/":
        return "oauth/token"
    return path


def _ignored(path: str, method: str, body: Any) -> list[str]:
    """Fields of a write that its resource does not have (a bulk PATCH: of each object in it)."""
    m = API_RE.match(path)
    if method not in ("POST", "PUT", "PATCH") or not m or not m.group(2) or not isinstance(body, dict):
        return []
    api, name, object_id = m.group(1), m.group(2), m.group(3)
    spec = ALL_SPECS.get(name if api == "configuration" else f"{api}/{name}")
    if spec is None:
        return []
    if method == "PATCH" and object_id is None:
        items = [o for o in body.get("objects") or [] if isinstance(o, dict)]
        return sorted({n for item in items for n in unknown_fields(spec, item)})
    return unknown_fields(spec, body)


def _fault_response(decision: Decision) -> Response:
    headers = {"Retry-After": str(decision.retry_after)} if decision.retry_after is not None else {}
    if decision.status == 500:
        return JSONResponse(SERVER_ERROR, status_code=500, headers=headers)
    if decision.status == 429:
        return JSONResponse({"error": "Too many requests."}, status_code=429, headers=headers)
    if decision.status is not None and 400 <= decision.status < 500:
        return JSONResponse({"error": "Injected fault."}, status_code=decision.status, headers=headers)
    return Response(status_code=decision.status or 503, headers=headers)


async def _read_body(request: Request) -> tuple[Any, dict[str, UploadedFile]]:
    if request.method in ("GET", "HEAD", "DELETE", "OPTIONS") or request.url.path == "/oauth/token/":
        return None, {}
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        body: dict[str, Any] = {}
        uploads: dict[str, UploadedFile] = {}
        for name in form:
            values = form.getlist(name)
            first = values[0]
            if hasattr(first, "read"):
                uploads[name] = UploadedFile(getattr(first, "filename", None) or name, await first.read())
            elif name in ("conference", "gateway_routing_rule"):
                body[name] = [str(v) for v in values if str(v)]
            else:
                body[name] = str(first)
        return body, uploads
    raw = await request.body()
    if not raw.strip():
        return {}, {}
    try:
        return json.loads(raw), {}
    except (ValueError, UnicodeDecodeError):
        return _MALFORMED, {}


_MALFORMED = object()


def _require_object(body: Any) -> dict[str, Any]:
    if body is _MALFORMED:
        raise ApiError(400, {"error": "The request body could not be parsed as JSON."})
    if not isinstance(body, dict):
        raise ApiError(400, {"error": "The request body must be a JSON object."})
    return body


def _id_from_uri(spec: ResourceSpec, uri: str) -> Any:
    raw = uri.rstrip("/").rsplit("/", 1)[-1]
    if spec.id_kind == "int":
        if not raw.isdigit():
            raise ApiError(400, {"error": f"Invalid resource URI '{uri}'."})
        return int(raw)
    return raw

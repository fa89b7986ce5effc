"""Liveness, readiness, Prometheus metrics and the phone book over HTTP.

Probes and metrics are for the kubelet and Prometheus; the phone book (docs/phonebook.md) is for
video endpoints and people. The phone book's data comes from a callable, so this module knows
nothing of how the operator keeps its state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from vdx.controller.metrics import OperatorMetrics
from vdx.phonebook.book import PhoneBook, UnknownTenant, view
from vdx.phonebook.formats import FORMATS, MEDIA_TYPES, render


def health_app(
    metrics: OperatorMetrics,
    ready: Callable[[], bool],
    phonebook: Callable[[], PhoneBook | None] | None = None,
) -> Starlette:
    """`/healthz` answers while the event loop runs; `/readyz` once leading or standing by cleanly.

    With `phonebook`, also `/phonebook.json`, `/phonebook.csv` and `/phonebook.xml`, optionally
    `?tenant=NAME` (that tenant's view) and `?platform=NAME`. `phonebook` returning None means this
    instance has no phone book to give (a standby): 503, so a client retries or asks the leader.
    """

    async def healthz(_: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_: Request) -> Response:
        return PlainTextResponse("ready") if ready() else PlainTextResponse("not ready", status_code=503)

    async def metrics_endpoint(_: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    routes = [Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics_endpoint)]
    if phonebook is not None:
        routes.append(Route("/phonebook.{fmt}", _phonebook_endpoint(phonebook)))
    return Starlette(routes=routes)


def phonebook_app(phonebook: Callable[[], PhoneBook | None]) -> Starlette:
    """The phone book alone, for its own listener (`vdx operator run --phonebook-bind-address`).

    Video endpoints and people need the phone book from outside the cluster; probes and metrics
    should stay inside it. On a listener of its own the phone book can be exposed (a Service, an
    Ingress) without exposing `/metrics`, and a NetworkPolicy can tell the two apart by port.
    """
    return Starlette(routes=[Route("/phonebook.{fmt}", _phonebook_endpoint(phonebook))])


def _phonebook_endpoint(
    phonebook: Callable[[], PhoneBook | None],
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in FORMATS:
            return PlainTextResponse(
                f"no phone book in format {fmt!r}; use /phonebook.json, /phonebook.csv or /phonebook.xml",
                status_code=404,
            )
        tenant = request.query_params.get("tenant") or None
        platform = request.query_params.get("platform") or None
        book = phonebook()
        if book is None:
            return PlainTextResponse(
                "the phone book is served by the leading operator instance; try again",
                status_code=503,
                headers={"Retry-After": "5"},
            )
        try:
            entries = view(book, tenant, platform)
        except UnknownTenant as error:
            # The known tenants are not listed: this port may be reachable from outside the cluster.
            return PlainTextResponse(
                f"no Tenant named {error.name!r}; ?tenant= takes a Tenant's metadata.name", status_code=404
            )
        body = render(entries, fmt, tenant=tenant, states=book.states)
        return Response(body, media_type=MEDIA_TYPES[fmt], headers={"Cache-Control": "no-cache"})

    return endpoint

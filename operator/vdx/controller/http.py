"""Liveness, readiness and Prometheus metrics over HTTP, for the kubelet and for Prometheus."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from vdx.controller.metrics import OperatorMetrics


def health_app(metrics: OperatorMetrics, ready: Callable[[], bool]) -> Starlette:
    """`/healthz` answers while the event loop runs; `/readyz` once leading or standing by cleanly."""

    async def healthz(_: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_: Request) -> Response:
        return PlainTextResponse("ready") if ready() else PlainTextResponse("not ready", status_code=503)

    async def metrics_endpoint(_: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics_endpoint)]
    )

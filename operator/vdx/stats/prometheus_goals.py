"""Service-goal figures that live in Prometheus, for the monthly report.

The operator counts what it writes to Pexip, the drift it corrects and each certificate's notAfter;
Prometheus keeps them over the month and knows which alerts fired. Queried once each at the end of
the month (the `@` modifier) over the month's range. The queries are built here without I/O;
`fetch` runs them against the Prometheus HTTP API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import httpx

from vdx.controller.metrics import OperatorMetrics, sample_name


@dataclass(frozen=True)
class GoalQuery:
    label: str
    expr: str


class PrometheusError(Exception):
    """The Prometheus API refused or failed a query; the message names the query and the fix."""


def goal_queries(platform: str, first: datetime, end: datetime) -> list[GoalQuery]:
    """The month's counts, evaluated at `end` over [first, end)."""
    m = OperatorMetrics()
    seconds = max(1, int((end - first).total_seconds()))
    at = f"[{seconds}s] @ {int(end.timestamp())}"
    return [
        GoalQuery(
            "Changes written to Pexip",
            f'sum(increase({sample_name(m.pexip_writes)}{{platform="{platform}"}}{at}))',
        ),
        GoalQuery(
            "Drift corrections (all platforms)", f"sum(increase({sample_name(m.drift_corrections)}{at}))"
        ),
        # A renewal changes the certificate's notAfter.
        GoalQuery(
            "Certificate renewals (all platforms)", f"sum(changes({sample_name(m.certificate_expiry)}{at}))"
        ),
        # Distinct alerts (name and labels) that fired at least once.
        GoalQuery(
            "Alerts fired",
            f'count(max_over_time(ALERTS{{alertstate="firing",alertname=~"Vdx.*"}}{at}))',
        ),
    ]


def fetch(
    url: str, queries: Sequence[GoalQuery], client: httpx.Client | None = None
) -> list[tuple[str, str]]:
    """(label, value) for each query; an empty result is 0 (nothing happened)."""
    http = client or httpx.Client(timeout=30)
    figures = []
    try:
        for query in queries:
            try:
                response = http.get(f"{url.rstrip('/')}/api/v1/query", params={"query": query.expr})
                body = response.json()
            except (httpx.HTTPError, ValueError) as error:
                raise PrometheusError(f"{url}: {error}; check --prometheus (the server's base URL)") from None
            if body.get("status") != "success":
                raise PrometheusError(
                    f"{url} refused {query.expr!r}: {body.get('error', response.status_code)}"
                )
            result = body["data"]["result"]
            value = float(result[0]["value"][1]) if result else 0.0
            figures.append((query.label, f"{round(value):d}"))
    finally:
        if client is None:
            http.close()
    return figures

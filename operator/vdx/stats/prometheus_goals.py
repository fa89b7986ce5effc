"""Service-goal figures that live in Prometheus, for the monthly report.

The operator counts what it writes to Pexip, the drift it corrects and each certificate's notAfter;
Prometheus keeps them over the month and knows which alerts fired. Queried once each at the end of
the month (the `@` modifier) over the month's range. The queries are built here without I/O;
`fetch` runs them against the Prometheus HTTP API.

Two sorts of figure: goals (a key of `vdx.stats.goals`, held to a target) and counts of events
(no target). A drift correction is an event: one Pexip object put back in line with Git. A drift
*incident* is an episode of the VdxDriftCorrectionsHigh alert (corrections kept coming for an
hour: someone edits Pexip by hand), counted as the times the alert started firing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import httpx

from vdx.controller.metrics import TENANT_INFO, OperatorMetrics, sample_name
from vdx.stats.goals import CERTIFICATE_DAYS, CHANGES, CRITICAL_ALERTS, DRIFT_INCIDENTS

DRIFT_ALERT = "VdxDriftCorrectionsHigh"


@dataclass(frozen=True)
class GoalQuery:
    # A goal's key (vdx.stats.goals), or "" for a count of events shown without a target.
    key: str
    label: str
    expr: str
    # The figure when Prometheus returns no series: 0 for a count (nothing happened); None for a
    # ratio or a minimum over nothing (the goal was not measured, for the reason `empty_why`).
    empty: float | None = 0.0
    empty_why: str = ""


@dataclass(frozen=True)
class Figure:
    query: GoalQuery
    value: float | None


class PrometheusError(Exception):
    """The Prometheus API refused or failed a query; the message names the query and the fix."""


def _alerts(platform: str, extra: str = "") -> str:
    # Alerts about the platform, and those about no platform in particular (operator down, no leader).
    return f'ALERTS{{alertstate="firing",alertname=~"Vdx.*",platform=~"{platform}|"{extra}}}'


def goal_queries(platform: str, first: datetime, end: datetime) -> list[GoalQuery]:
    """The month's figures, evaluated at `end` over [first, end)."""
    m = OperatorMetrics()
    seconds = max(1, int((end - first).total_seconds()))
    at = f"@ {int(end.timestamp())}"
    window = f"[{seconds}s] {at}"
    on = f'platform="{platform}"'
    requests = sample_name(m.pexip_requests)
    writes = f'{on},method!="GET"'
    critical = _alerts(platform, ',severity="critical"')
    drift = f'ALERTS{{alertstate="firing",alertname="{DRIFT_ALERT}",{on}}}'
    return [
        GoalQuery(
            CHANGES,
            "Write requests to Pexip that succeeded",
            # None succeeded is 0, not nothing; no write at all is no figure (0/0).
            f'(sum(increase({requests}{{{writes},status=~"2.."}}{window})) or vector(0)) '
            f"/ sum(increase({requests}{{{writes}}}{window}))",
            empty=None,
            empty_why="no write requests to Pexip this month",
        ),
        GoalQuery(
            DRIFT_INCIDENTS,
            "Drift incidents",
            # Each minute the alert fires and did not the minute before starts an episode.
            f"sum_over_time(clamp_min((max({drift}) or vector(0)) - (max({drift} offset 1m) or vector(0)), 0)"
            f"[{seconds}s:1m] {at})",
        ),
        GoalQuery(
            CERTIFICATE_DAYS,
            "Fewest days left on a certificate",
            f"min(min_over_time(vdx:certificate_expiry:days{{{on}}}{window}))",
            empty=None,
            empty_why="no certificate on the platform this month",
        ),
        GoalQuery(
            CRITICAL_ALERTS,
            "Critical alerts fired (distinct)",
            f"count(max_over_time({critical}{window}))",
        ),
        GoalQuery(
            "",
            "Changes written to Pexip",
            f"sum(increase({sample_name(m.pexip_writes)}{{{on}}}{window}))",
        ),
        GoalQuery(
            "",
            "Drift corrections (events: objects put back in line with Git)",
            f"sum(increase({sample_name(m.drift_corrections)}{{{on}}}{window}))",
        ),
        # A renewal changes the certificate's notAfter; the namespace's Tenant says the platform.
        GoalQuery(
            "",
            "Certificate renewals",
            f"sum(changes({sample_name(m.certificate_expiry)}{window}) * on (namespace) group_left () "
            f"({TENANT_INFO}{{{on}}} {at}))",
        ),
        # Distinct alerts (name and labels) that fired at least once.
        GoalQuery(
            "",
            "Alerts fired (distinct, all severities)",
            f"count(max_over_time({_alerts(platform)}{window}))",
        ),
    ]


def fetch(url: str, queries: Sequence[GoalQuery], client: httpx.Client | None = None) -> list[Figure]:
    """Each query's figure; an empty result is the query's `empty` value."""
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
            value = float(result[0]["value"][1]) if result else query.empty
            if value is not None and value != value:  # NaN: 0/0, nothing to divide
                value = query.empty
            figures.append(Figure(query, value))
    finally:
        if client is None:
            http.close()
    return figures

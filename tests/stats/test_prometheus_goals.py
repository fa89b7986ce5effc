"""The service-goal queries to Prometheus: built for the month, named metrics exported, answers read."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from tests.monitoring.promql import metric_names
from vdx.controller.metrics import OperatorMetrics, exposed_names
from vdx.stats.prometheus_goals import PrometheusError, fetch, goal_queries

FIRST = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)


def test_queries_cover_the_month_at_its_end_and_name_exported_metrics() -> None:
    queries = goal_queries("prod", FIRST, END)
    assert [q.label for q in queries] == [
        "Changes written to Pexip",
        "Drift corrections (all platforms)",
        "Certificate renewals (all platforms)",
        "Alerts fired",
    ]
    exported = exposed_names(OperatorMetrics().registry) | {"ALERTS"}
    for query in queries:
        assert f"[2592000s] @ {int(END.timestamp())}" in query.expr
        assert metric_names(query.expr) <= exported, query.expr
    assert 'platform="prod"' in queries[0].expr


def prometheus(answers: dict[str, object]) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        query = request.url.params["query"]
        for needle, answer in answers.items():
            if needle in query:
                return httpx.Response(200, content=json.dumps(answer))
        return httpx.Response(200, json={"status": "success", "data": {"resultType": "vector", "result": []}})

    return httpx.Client(transport=httpx.MockTransport(handle))


def vector(value: float) -> dict[str, object]:
    return {
        "status": "success",
        "data": {"resultType": "vector", "result": [{"metric": {}, "value": [0, str(value)]}]},
    }


def test_answers_are_read_and_nothing_is_zero() -> None:
    client = prometheus({"vdx_pexip_writes_total": vector(41.97), "ALERTS": vector(3)})
    figures = fetch("http://prom:9090", goal_queries("prod", FIRST, END), client)
    assert figures == [
        ("Changes written to Pexip", "42"),
        ("Drift corrections (all platforms)", "0"),
        ("Certificate renewals (all platforms)", "0"),
        ("Alerts fired", "3"),
    ]


def test_a_refused_query_names_it() -> None:
    client = prometheus({"changes(": {"status": "error", "error": "parse error"}})
    with pytest.raises(PrometheusError, match=r"refused 'sum\(changes\(.*parse error"):
        fetch("http://prom:9090", goal_queries("prod", FIRST, END), client)


def test_an_unreachable_server_says_which_option() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    client = httpx.Client(transport=httpx.MockTransport(down))
    with pytest.raises(PrometheusError, match="check --prometheus"):
        fetch("http://prom:9090", goal_queries("prod", FIRST, END), client)

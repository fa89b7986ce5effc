"""The service-goal queries to Prometheus: built for the month, named metrics exported, answers read."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from tests.monitoring.promql import metric_names
from vdx.controller.alerts import rule_groups
from vdx.controller.metrics import OperatorMetrics, exposed_names
from vdx.stats.goals import CERTIFICATE_DAYS, CHANGES, CRITICAL_ALERTS, DRIFT_INCIDENTS
from vdx.stats.prometheus_goals import PrometheusError, fetch, goal_queries

FIRST = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)


def test_queries_cover_the_month_at_its_end_and_name_exported_metrics() -> None:
    queries = goal_queries("prod", FIRST, END)
    assert [q.key for q in queries] == [
        CHANGES,
        DRIFT_INCIDENTS,
        CERTIFICATE_DAYS,
        CRITICAL_ALERTS,
        "",
        "",
        "",
        "",
    ]
    assert [q.label for q in queries if not q.key] == [
        "Changes written to Pexip",
        "Drift corrections (events: objects put back in line with Git)",
        "Certificate renewals",
        "Alerts fired (distinct, all severities)",
    ]
    recorded = {r["record"] for r in rule_groups()["groups"][0]["rules"] if "record" in r}
    exported = exposed_names(OperatorMetrics().registry) | {"ALERTS"} | recorded
    for query in queries:
        assert f"@ {int(END.timestamp())}" in query.expr
        assert "2592000s" in query.expr
        assert metric_names(query.expr) <= exported, query.expr
        assert 'platform="prod"' in query.expr or 'platform=~"prod|"' in query.expr, query.expr


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


def test_answers_are_read_an_empty_count_is_zero_and_an_empty_ratio_not_measured() -> None:
    client = prometheus(
        {
            "vdx_pexip_writes_total": vector(41.97),
            'alertname=~"Vdx.*",platform=~"prod|"}': vector(3),
            "min_over_time": vector(12.5),
            "vdx_pexip_requests_total": {"status": "success", "data": {"result": [{"value": [0, "NaN"]}]}},
        }
    )
    figures = {
        f.query.label: f.value for f in fetch("http://prom:9090", goal_queries("prod", FIRST, END), client)
    }
    assert figures == {
        "Write requests to Pexip that succeeded": None,  # 0/0: no writes, nothing to hold to a target
        "Drift incidents": 0.0,
        "Fewest days left on a certificate": 12.5,
        "Critical alerts fired (distinct)": 0.0,
        "Changes written to Pexip": 41.97,
        "Drift corrections (events: objects put back in line with Git)": 0.0,
        "Certificate renewals": 0.0,
        "Alerts fired (distinct, all severities)": 3.0,
    }


def test_a_refused_query_names_it() -> None:
    client = prometheus({"vdx_pexip_requests_total": {"status": "error", "error": "parse error"}})
    with pytest.raises(PrometheusError, match=r"refused '\(sum\(increase\(.*parse error"):
        fetch("http://prom:9090", goal_queries("prod", FIRST, END), client)


def test_an_unreachable_server_says_which_option() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    client = httpx.Client(transport=httpx.MockTransport(down))
    with pytest.raises(PrometheusError, match="check --prometheus"):
        fetch("http://prom:9090", goal_queries("prod", FIRST, END), client)

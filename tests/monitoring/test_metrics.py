"""The operator's metrics that the rules and dashboard read: the request counter, reachability
from every request, the condition series, and the exposition linted by `promtool check metrics`."""

from __future__ import annotations

import asyncio
import subprocess
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.monitoring.prom import PROMTOOL, needs_promtool
from tests.monitoring.promql import PROMETHEUS_SERIES, metric_names
from vdx.controller.alerts import rule_groups
from vdx.controller.breaker import CircuitBreaker
from vdx.controller.cache import PexipCache
from vdx.controller.http import health_app
from vdx.controller.metrics import OperatorMetrics, exposed_names
from vdx.controller.platforms import PlatformRuntime
from vdx.pexip.client import PexipClient
from vdx.pexip.errors import PexipError
from vdx.pexip.retry import RetryPolicy
from vdx.pexip.simulator import Simulator, serve
from vdx.pexip.simulator.faults import FaultConfig, Outage


def body(
    kind: str, name: str, ns: str | None, conditions: list[tuple[str, str, str]], **spec: Any
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if ns:
        meta["namespace"] = ns
    return {
        "kind": kind,
        "metadata": meta,
        "spec": spec,
        "status": {"conditions": [{"type": t, "status": s, "reason": r} for t, s, r in conditions]},
    }


RESOURCES = [
    body("PexipPlatform", "prod", None, [("Ready", "True", "Connected")]),
    body(
        "Tenant",
        "region-h",
        None,
        [("Ready", "True", "Available")],
        namespace="region-h",
        platformRef={"name": "prod"},
    ),
    body(
        "Domain",
        "vdx-regionh-dk",
        "region-h",
        [("Ready", "False", "DomainClaimedElsewhere"), ("Stalled", "True", "DomainClaimedElsewhere")],
    ),
    body("Domain", "orphan", "nobody", [("Ready", "Unknown", "")]),
]


def samples(metrics: OperatorMetrics, name: str) -> list[dict[str, str]]:
    from prometheus_client import generate_latest

    text = generate_latest(metrics.registry).decode()
    return [dict(s.labels) for f in text_string_to_metric_families(text) for s in f.samples if s.name == name]


def test_conditions_are_exposed_per_resource_with_tenant_and_platform() -> None:
    metrics = OperatorMetrics()
    metrics.watch_state(lambda: RESOURCES, lambda: {"prod": True, "stage": False})
    conditions = samples(metrics, "vdx_resource_condition")
    assert {
        "kind": "Domain", "namespace": "region-h", "name": "vdx-regionh-dk", "tenant": "region-h",
        "platform": "prod", "condition": "Stalled", "status": "true", "reason": "DomainClaimedElsewhere",
    } in conditions  # fmt: skip
    assert {
        "kind": "PexipPlatform",
        "name": "prod",
        "platform": "prod",
        "tenant": "",
        "status": "true",
    }.items() <= conditions[0].items()
    orphan = next(c for c in conditions if c["name"] == "orphan")
    assert (orphan["status"], orphan["tenant"], orphan["platform"]) == ("unknown", "", "")
    assert len(conditions) == 5
    assert samples(metrics, "vdx_tenant_info") == [
        {"tenant": "region-h", "namespace": "region-h", "platform": "prod"}
    ]
    breakers = {s["platform"] for s in samples(metrics, "vdx_pexip_circuit_open")}
    assert breakers == {"prod", "stage"}


def test_conditions_follow_the_state_at_each_scrape() -> None:
    """A resource deleted (or a condition changed) since the last scrape leaves no stale series."""
    state = list(RESOURCES)
    metrics = OperatorMetrics()
    metrics.watch_state(lambda: state, dict)
    assert any(c["name"] == "vdx-regionh-dk" for c in samples(metrics, "vdx_resource_condition"))
    state.pop(2)
    assert not any(c["name"] == "vdx-regionh-dk" for c in samples(metrics, "vdx_resource_condition"))


def _platform(url: str, metrics: OperatorMetrics) -> PlatformRuntime:
    client = PexipClient(
        url, auth=("admin", "admin"), retry=RetryPolicy(max_attempts=1, base_delay=0.01, max_delay=0.01)
    )
    return PlatformRuntime("prod", "f", client, PexipCache(client), metrics, breaker=CircuitBreaker())


def _value(metrics: OperatorMetrics, name: str, **labels: str) -> float:
    got = metrics.registry.get_sample_value(name, labels)
    return 0.0 if got is None else got


def test_requests_are_counted_and_reachability_follows_every_answer() -> None:
    """`vdx_pexip_requests_total` grows with each request (a counter, not a copied gauge), and
    `vdx_platform_up` drops on the first request of an outage and comes back on the first answer."""
    simulator = Simulator()
    metrics = OperatorMetrics()
    with serve(simulator) as running:
        platform = _platform(running.base_url, metrics)

        async def scenario() -> None:
            await platform.client.version()
            version = {"platform": "prod", "method": "GET", "resource": "status/management_vm"}
            assert _value(metrics, "vdx_pexip_requests_total", **version, status="200") == 1
            assert _value(metrics, "vdx_platform_up", platform="prod") == 1
            before = sum(platform.client.counters.snapshot().values())
            simulator.set_faults(FaultConfig(outage=Outage(duration_s=60, status=503)))
            with pytest.raises(PexipError):
                await platform.client.version()
            assert _value(metrics, "vdx_pexip_requests_total", **version, status="503") == 1
            assert _value(metrics, "vdx_platform_up", platform="prod") == 0
            simulator.set_faults(FaultConfig())
            await platform.client.version()
            assert _value(metrics, "vdx_platform_up", platform="prod") == 1
            assert _value(metrics, "vdx_pexip_requests_total", **version, status="200") == 2
            # Every attempt timed, the failed one included.
            timed = {"platform": "prod", "method": "GET"}
            assert _value(metrics, "vdx_pexip_request_duration_seconds_count", **timed) == 3
            assert 0 < _value(metrics, "vdx_pexip_request_duration_seconds_sum", **timed) < 30
            total = sum(
                s.value
                for f in metrics.registry.collect()
                if f.name == "vdx_pexip_requests"
                for s in f.samples
                if s.name.endswith("_total")
            )
            assert total == sum(platform.client.counters.snapshot().values()) == before + 2
            await platform.close()

        asyncio.run(scenario())


def test_counts_made_before_the_runtime_are_kept() -> None:
    """A client that already sent requests (the probe before the runtime was built) keeps them."""
    metrics = OperatorMetrics()
    client = PexipClient("http://127.0.0.1:9", auth=("a", "b"))
    client.counters.record("GET", "status/system_summary", 200)
    client.counters.record("GET", "status/system_summary", 200)
    PlatformRuntime("prod", "f", client, PexipCache(client), metrics)
    assert (
        _value(
            metrics,
            "vdx_pexip_requests_total",
            platform="prod",
            method="GET",
            resource="status/system_summary",
            status="200",
        )
        == 2
    )


def test_the_name_parser_finds_what_it_should() -> None:
    assert metric_names(
        'sum by (platform) (rate(vdx_x_total{status=~"5..|error"}[5m])) / on (platform) vdx:y'
    ) == {"vdx_x_total", "vdx:y"}
    assert metric_names('max by (job) (up{job="a"}) < 1 or absent(up{job="a"})') == {"up"}


def test_every_metric_named_in_a_rule_is_exported_or_recorded() -> None:
    """A renamed or removed metric fails here (and `vdx monitoring --check` fails on the file)."""
    groups = rule_groups()["groups"]
    recorded = {r["record"] for g in groups for r in g["rules"] if "record" in r}
    exported = exposed_names(OperatorMetrics().registry)
    named = {name for g in groups for r in g["rules"] for name in metric_names(r["expr"])}
    assert named - exported - recorded - PROMETHEUS_SERIES == set()
    assert {"vdx_pexip_requests_total", "vdx_resource_condition"} <= named
    # Every recording rule is used by an alert or is there for the dashboard (checked there).
    assert recorded


@needs_promtool
def test_promtool_lints_the_real_exposition() -> None:
    """`/metrics` as the operator serves it, with series in every family, passes `promtool check metrics`."""
    simulator = Simulator()
    metrics = OperatorMetrics()
    metrics.watch_state(lambda: RESOURCES, lambda: {"prod": False})
    with serve(simulator) as running:
        platform = _platform(running.base_url, metrics)

        async def scenario() -> str:
            await platform.client.version()
            metrics.reconciles.labels("Domain", "prod", "ready").inc()
            metrics.reconcile_seconds.labels("Domain", "prod").observe(0.2)
            metrics.drift_corrections.labels("Tenant", "prod", "conference").inc()
            metrics.certificate_expiry.labels("region-h", "cert").set(1.9e9)
            app = health_app(metrics, lambda: True)
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://op"
            ) as http:
                response = await http.get("/metrics")
            await platform.close()
            return response.text

        text = asyncio.run(scenario())
    assert "vdx_pexip_requests_total{" in text
    assert "vdx_resource_condition{" in text
    assert PROMTOOL is not None
    result = subprocess.run(
        [str(PROMTOOL), "check", "metrics"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

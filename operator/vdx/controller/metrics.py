"""Prometheus metrics of one operator instance (its own registry, so two can share a process).

The alerting and recording rules (`vdx.controller.alerts`) and the Grafana dashboard
(`vdx.controller.dashboard`) name metrics through the objects here, so a renamed metric changes
the generated files (and `vdx alerts --check` fails) rather than leaving a rule that never fires.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from vdx.controller import collector, render_process

# Families the state collector writes at scrape time (see StateCollector).
RESOURCE_CONDITION = "vdx_resource_condition"
TENANT_INFO = "vdx_tenant_info"
CIRCUIT_OPEN = "vdx_pexip_circuit_open"

# kube-state-metrics' spelling of a condition's status in its `status` label.
_STATUS_LABEL = {"True": "true", "False": "false"}

Resources = Callable[[], Iterable[Mapping[str, Any]]]
Breakers = Callable[[], Mapping[str, bool]]


class StateCollector(Collector):
    """Series read from the operator's state when Prometheus scrapes, not kept in the registry.

    `vdx_resource_condition` is kube-state-metrics' condition metric for the vdx kinds (labels
    kind, namespace, name, condition, status, reason; value 1), plus the resource's `tenant` and
    `platform`, so an alert about a Stalled Domain names both without a join. Unlike
    kube-state-metrics it writes one series per condition, carrying the current status, not three
    (true/false/unknown with 0/1): at national scale (25 000 rooms, four conditions each) the
    three-series form would triple 100 000 series for no query it makes easier. Computing them at
    scrape time means a deleted resource's series go with it: nothing to forget.

    `vdx_tenant_info` (tenant, namespace, platform; value 1) joins metrics that only carry a
    namespace (certificate expiry) to their tenant and platform. `vdx_pexip_circuit_open` is 1
    while a platform's circuit breaker fails requests fast.
    """

    def __init__(self) -> None:
        self.resources: Resources = list
        self.breakers: Breakers = dict

    def describe(self) -> Iterator[Metric]:
        yield from self._families()

    def _families(self) -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                RESOURCE_CONDITION,
                "Conditions of every vdx resource (value 1; status true/false/unknown), with the "
                "resource's tenant and platform.",
                labels=["kind", "namespace", "name", "tenant", "platform", "condition", "status", "reason"],
            ),
            GaugeMetricFamily(
                TENANT_INFO,
                "One series per Tenant (value 1): its namespace and platform, for joins on namespace.",
                labels=["tenant", "namespace", "platform"],
            ),
            GaugeMetricFamily(
                CIRCUIT_OPEN,
                "1 while the platform's circuit breaker fails requests fast (the node kept failing).",
                labels=["platform"],
            ),
        )

    def collect(self) -> Iterator[Metric]:
        conditions, tenants, breakers = self._families()
        bodies = list(self.resources())
        by_namespace: dict[str, tuple[str, str]] = {}
        for body in bodies:
            if body.get("kind") == "Tenant":
                spec = body.get("spec") or {}
                tenant = str(body["metadata"]["name"])
                platform = str((spec.get("platformRef") or {}).get("name") or "")
                namespace = str(spec.get("namespace") or "")
                by_namespace[namespace] = (tenant, platform)
                tenants.add_metric([tenant, namespace, platform], 1)
        for body in bodies:
            kind, meta = str(body.get("kind") or ""), body.get("metadata") or {}
            namespace, name = str(meta.get("namespace") or ""), str(meta.get("name") or "")
            tenant, platform = owner_of(kind, name, body, by_namespace)
            for condition in (body.get("status") or {}).get("conditions") or []:
                status = _STATUS_LABEL.get(str(condition.get("status")), "unknown")
                labels = [kind, namespace, name, tenant, platform, str(condition.get("type") or "")]
                conditions.add_metric([*labels, status, str(condition.get("reason") or "")], 1)
        for platform, is_open in sorted(self.breakers().items()):
            breakers.add_metric([platform], 1 if is_open else 0)
        yield conditions
        yield tenants
        yield breakers


class RenderProcessCollector(Collector):
    """The branding renderer's child process (`vdx.controller.render_process`), read at scrape
    time: the container's memory limit must hold the child's peak beside the operator's own RSS,
    and the child may have come and gone between two samples of the container's memory."""

    def __init__(self, figures: Callable[[], render_process.Figures]) -> None:
        self.figures = figures

    def describe(self) -> Iterator[Metric]:
        yield from self._families(None)

    def _families(self, figures: render_process.Figures | None) -> list[Metric]:
        starts = CounterMetricFamily(
            "vdx_render_process_starts", "Rendering child processes started (one per burst of brandings)."
        )
        cpu = CounterMetricFamily(
            "vdx_render_process_cpu_seconds", "CPU seconds of the rendering children that have ended."
        )
        peak = GaugeMetricFamily(
            "vdx_render_process_peak_rss_bytes", "The largest peak RSS of a rendering child that has ended."
        )
        running = GaugeMetricFamily("vdx_render_process_running", "1 while a rendering child process exists.")
        if figures is not None:
            starts.add_metric([], figures.starts)
            cpu.add_metric([], figures.cpu_seconds)
            peak.add_metric([], figures.peak_rss_bytes)
            running.add_metric([], 1 if figures.running else 0)
        return [starts, cpu, peak, running]

    def collect(self) -> Iterator[Metric]:
        yield from self._families(self.figures())


class GarbageCollectorCollector(Collector):
    """Time the event loop spent in Python's cyclic garbage collector, per generation, and what is
    frozen (`vdx.controller.collector`): a full collection stops every reconcile and the Pexip
    requests' next sends for as long as it lasts, which prometheus_client's own `python_gc_*`
    series (counts only) do not show."""

    def __init__(self, figures: Callable[[], collector.Figures]) -> None:
        self.figures = figures

    def describe(self) -> Iterator[Metric]:
        yield from self._families(None)

    def _families(self, figures: collector.Figures | None) -> list[Metric]:
        seconds = CounterMetricFamily(
            "vdx_gc_collection_seconds",
            "Seconds spent in cyclic garbage collections, by generation (2: full).",
            labels=["generation"],
        )
        collections = CounterMetricFamily(
            "vdx_gc_collections",
            "Cyclic garbage collections, by generation (2: full).",
            labels=["generation"],
        )
        frozen = GaugeMetricFamily(
            "vdx_gc_frozen_objects",
            "Objects the last full collection of the whole heap froze (not walked by the next ones); "
            "0 while the heap is too small to freeze.",
        )
        rescans = CounterMetricFamily(
            "vdx_gc_rescans",
            "Full collections that began by unfreezing a frozen heap, 10 minutes after it was frozen whole.",
        )
        if figures is not None:
            for generation, spent in enumerate(figures.seconds):
                seconds.add_metric([str(generation)], spent)
                collections.add_metric([str(generation)], figures.collections[generation])
            frozen.add_metric([], figures.frozen)
            rescans.add_metric([], figures.rescans)
        return [seconds, collections, frozen, rescans]

    def collect(self) -> Iterator[Metric]:
        yield from self._families(self.figures())


def owner_of(
    kind: str, name: str, body: Mapping[str, Any], by_namespace: Mapping[str, tuple[str, str]]
) -> tuple[str, str]:
    """(tenant, platform) of a resource: itself for a Tenant or PexipPlatform, else its namespace's."""
    if kind == "PexipPlatform":
        return "", name
    if kind == "Tenant":
        return name, str(((body.get("spec") or {}).get("platformRef") or {}).get("name") or "")
    namespace = str((body.get("metadata") or {}).get("namespace") or "")
    return by_namespace.get(namespace, ("", ""))


class OperatorMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.reconciles = Counter(
            "vdx_reconciles",
            "Reconciles by kind, platform (empty for a resource of no Tenant) and result (ready, "
            "progressing, failed, stalled).",
            ["kind", "platform", "result"],
            registry=self.registry,
        )
        self.reconcile_seconds = Histogram(
            "vdx_reconcile_duration_seconds",
            "Duration of one reconcile, by kind and platform.",
            ["kind", "platform"],
            registry=self.registry,
        )
        self.pexip_writes = Counter(
            "vdx_pexip_writes",
            "Writes to Pexip by platform, resource and action.",
            ["platform", "resource", "action"],
            registry=self.registry,
        )
        self.pexip_requests = Counter(
            "vdx_pexip_requests",
            "Requests sent to Pexip by platform, method, resource and status (the HTTP code, or "
            "`error` when no answer came), every attempt counted.",
            ["platform", "method", "resource", "status"],
            registry=self.registry,
        )
        self.pexip_request_seconds = Histogram(
            "vdx_pexip_request_duration_seconds",
            "Time from sending a request to Pexip to its answer (or failure), by platform and method; "
            "the wait for the platform's budget is not included.",
            ["platform", "method"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
            registry=self.registry,
        )
        self.pexip_rate = Gauge(
            "vdx_pexip_rate_limit_requests_per_second",
            "Request rate the operator allows itself on each platform now: the budget's sustained "
            "rate, lower for a while after the node answered 429.",
            ["platform"],
            registry=self.registry,
        )
        self.pexip_rate_budget = Gauge(
            "vdx_pexip_rate_limit_budget_requests_per_second",
            "The sustained rate of each platform's configured budget (the ceiling of the rate above).",
            ["platform"],
            registry=self.registry,
        )
        self.pexip_throttled = Counter(
            "vdx_pexip_throttled",
            "429 answers (request budget exceeded) from each platform's management node.",
            ["platform"],
            registry=self.registry,
        )
        self.pexip_waiting = Gauge(
            "vdx_pexip_requests_waiting",
            "Requests waiting for the platform's budget, by priority (interactive: a change a person "
            "just made; bulk: a Tenant's defaults written onto rooms other systems made; normal: "
            "everything else).",
            ["platform", "priority"],
            registry=self.registry,
        )
        self.drift_corrections = Counter(
            "vdx_drift_corrections",
            "Pexip objects brought back in line after a change made outside Git, by kind, platform "
            "and Pexip resource.",
            ["kind", "platform", "resource"],
            registry=self.registry,
        )
        self.watch_missed = Counter(
            "vdx_watch_missed",
            "Resources the watch never delivered, found and reconciled by the periodic list, by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.managed_objects = Gauge(
            "vdx_managed_objects", "Pexip objects owned, by kind.", ["kind"], registry=self.registry
        )
        self.certificate_expiry = Gauge(
            "vdx_certificate_expiry_timestamp_seconds",
            "notAfter of each tenant certificate, as a Unix timestamp.",
            ["namespace", "name"],
            registry=self.registry,
        )
        self.platform_up = Gauge(
            "vdx_platform_up",
            "1 when the management node answered the last request (0: no answer, or 502/503/504).",
            ["platform"],
            registry=self.registry,
        )
        self.leader = Gauge(
            "vdx_leader", "1 while this instance holds the leader lease.", registry=self.registry
        )
        self.state = StateCollector()
        self.registry.register(self.state)
        self.registry.register(RenderProcessCollector(render_process.figures))
        self.registry.register(GarbageCollectorCollector(collector.figures))

    def forget_certificate(self, namespace: str, name: str) -> None:
        """Drop a deleted TlsCertificate's expiry series. Left in place, its last notAfter would
        count down to VdxCertificateExpired for a certificate nobody uses any more (and a rename,
        being a delete and a create, would show both)."""
        self.certificate_expiry.remove(namespace, name)

    def watch_state(self, resources: Resources, breakers: Breakers) -> None:
        """Read conditions, tenants and breakers from these callables at every scrape."""
        self.state.resources = resources
        self.state.breakers = breakers


def exposed_names(registry: CollectorRegistry) -> set[str]:
    """Every sample name the registry can expose, including those of labelled metrics with no
    series yet (a rule or panel may name a metric before its first sample exists)."""
    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
        "summary": ("", "_sum", "_count", "_created"),
        "info": ("_info",),
    }
    names: set[str] = set()
    for family in registry.collect():
        names.update(family.name + suffix for suffix in suffixes.get(family.type, ("",)))
    return names


def sample_name(metric: Counter | Gauge | Histogram, suffix: str = "") -> str:
    """The name a metric object's samples have in the exposition (`_total` for a counter)."""
    family = next(iter(metric.describe()))
    if family.type == "counter":
        return f"{family.name}_total{suffix}"
    return family.name + suffix

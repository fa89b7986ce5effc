"""Prometheus metrics of one operator instance (its own registry, so two can share a process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class OperatorMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.reconciles = Counter(
            "vdx_reconciles",
            "Reconciles by kind and result (ready, progressing, failed, stalled).",
            ["kind", "result"],
            registry=self.registry,
        )
        self.reconcile_seconds = Histogram(
            "vdx_reconcile_duration_seconds",
            "Duration of one reconcile, by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.pexip_writes = Counter(
            "vdx_pexip_writes",
            "Writes to Pexip by platform, resource and action.",
            ["platform", "resource", "action"],
            registry=self.registry,
        )
        self.pexip_requests = Gauge(
            "vdx_pexip_requests",
            "Requests sent to Pexip by platform, method, resource and status (client counters).",
            ["platform", "method", "resource", "status"],
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
            "just made; normal: everything else).",
            ["platform", "priority"],
            registry=self.registry,
        )
        self.drift_corrections = Counter(
            "vdx_drift_corrections",
            "Pexip objects brought back in line after a change made outside Git.",
            ["kind", "resource"],
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
            "1 when the management node answered the last request.",
            ["platform"],
            registry=self.registry,
        )
        self.leader = Gauge(
            "vdx_leader", "1 while this instance holds the leader lease.", registry=self.registry
        )

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

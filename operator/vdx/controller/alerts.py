"""The Prometheus alerting and recording rules for the operator's metrics, as data.

One source for `schemas/prometheus/vdx-rules.yaml` (written by `vdx alerts`, checked current in
`make test`), the stacks' PrometheusRule or ConfigMap, and the promtool tests. Every metric is named
through its object in `vdx.controller.metrics` (`sample_name`), so renaming one rewrites the rules
and `vdx alerts --check` fails until the file is regenerated; a test also parses every expression
and looks each name up in the registry.

Pure: no I/O. The `for` durations and evaluation interval come from `RuleSettings`, so the
end-to-end test can run the very same rules with seconds instead of minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vdx.controller.metrics import (
    CIRCUIT_OPEN,
    RESOURCE_CONDITION,
    TENANT_INFO,
    OperatorMetrics,
    sample_name,
)

# The section of docs/operations.md every alert's runbook_url points into.
RUNBOOK_DOC = "docs/operations.md"

# Severities, as Alertmanager routes usually spell them.
CRITICAL, WARNING, INFO = "critical", "warning", "info"

# Certificate expiry bands in days: each alert covers [low, high), so one certificate fires one.
CERTIFICATE_BANDS = ((14, 30, INFO), (7, 14, WARNING), (0, 7, CRITICAL))


@dataclass(frozen=True)
class RuleSettings:
    """What a deployment or a test may change; the defaults are what ships."""

    # The scrape job's name (`up{job=...}`): the stacks' ServiceMonitor and the documented scrape
    # config both use it.
    job: str = "vdx-operator"
    # Where the runbook is read; `runbook_url` is this + `#` + the alert's section anchor.
    runbook_base: str = RUNBOOK_DOC
    interval: str = "1m"
    # Alert name -> `for` duration, replacing the default (tests use seconds).
    durations: dict[str, str] = field(default_factory=dict)
    # Range of rate()/increase() windows; tests shorten it with the scrape interval.
    rate_window: str = "5m"


@dataclass(frozen=True)
class Alert:
    name: str
    expr: str
    duration: str
    severity: str
    summary: str
    description: str

    @property
    def anchor(self) -> str:
        """The runbook section's anchor: GitHub's slug of the heading `### <name>`."""
        return self.name.lower()


def _records(m: OperatorMetrics, s: RuleSettings) -> list[dict[str, str]]:
    w = s.rate_window
    requests = sample_name(m.pexip_requests)
    reconciles = sample_name(m.reconciles)
    return [
        {
            "record": "vdx:pexip_requests:rate",
            "expr": f"sum by (platform) (rate({requests}[{w}]))",
        },
        {
            "record": "vdx:pexip_request_errors:rate",
            "expr": f'sum by (platform) (rate({requests}{{status=~"5..|error"}}[{w}]))',
        },
        {
            # Share of the platform's sustained budget the operator used over the window.
            "record": "vdx:pexip_budget:utilisation",
            "expr": (
                f"vdx:pexip_requests:rate / on (platform) "
                f"max by (platform) ({sample_name(m.pexip_rate_budget)})"
            ),
        },
        {
            "record": "vdx:pexip_request_duration_seconds:p95",
            "expr": (
                "histogram_quantile(0.95, sum by (platform, le) "
                f"(rate({sample_name(m.pexip_request_seconds, '_bucket')}[{w}])))"
            ),
        },
        {
            "record": "vdx:reconciles:rate",
            "expr": f"sum by (platform, kind, result) (rate({reconciles}[{w}]))",
        },
        {
            "record": "vdx:reconcile_failures:ratio",
            "expr": (
                'sum by (platform, kind) (vdx:reconciles:rate{result="failed"}) '
                "/ sum by (platform, kind) (vdx:reconciles:rate)"
            ),
        },
        {
            "record": "vdx:reconcile_duration_seconds:p95",
            "expr": (
                "histogram_quantile(0.95, sum by (platform, kind, le) "
                f"(rate({sample_name(m.reconcile_seconds, '_bucket')}[{w}])))"
            ),
        },
        {
            "record": "vdx:resources_stalled:count",
            "expr": (
                "count by (platform, kind, reason) "
                f'({RESOURCE_CONDITION}{{condition="Stalled",status="true"}})'
            ),
        },
        {
            # Days left on each certificate, with its tenant and platform (from the Tenant owning
            # the namespace); a certificate in a namespace no Tenant owns keeps its own labels.
            "record": "vdx:certificate_expiry:days",
            "expr": _certificate_days(m),
        },
    ]


def _certificate_days(m: OperatorMetrics) -> str:
    days = f"(({sample_name(m.certificate_expiry)} - time()) / 86400)"
    joined = f"{days} * on (namespace) group_left (tenant, platform) {TENANT_INFO}"
    return f"{joined} or on (namespace, name) {days}"


def _alerts(m: OperatorMetrics, s: RuleSettings) -> list[Alert]:
    resource = "{{ $labels.kind }} {{ $labels.namespace }}/{{ $labels.name }}"
    owner = (
        "{{ if $labels.tenant }}tenant {{ $labels.tenant }} on platform {{ $labels.platform }}"
        "{{ else }}no Tenant (namespace {{ $labels.namespace }}){{ end }}"
    )
    cert = "TlsCertificate {{ $labels.namespace }}/{{ $labels.name }}"
    alerts = [
        Alert(
            "VdxPexipUnreachable",
            f"{sample_name(m.platform_up)} == 0",
            "5m",
            CRITICAL,
            "Pexip management node of platform {{ $labels.platform }} is unreachable",
            "The operator has had no answer (or only 502/503/504) from the management node of "
            "platform {{ $labels.platform }} for {for}. Changes from Git wait for it, for every "
            "tenant on the platform; meetings themselves run on the conferencing nodes.",
        ),
        Alert(
            "VdxCircuitBreakerOpen",
            f"{CIRCUIT_OPEN} == 1",
            "10m",
            WARNING,
            "Requests to platform {{ $labels.platform }} fail fast (circuit breaker open)",
            "The circuit breaker of platform {{ $labels.platform }} has been open for {for}: the "
            "node kept failing, so reconciles of every tenant on it fail at once and retry after a "
            "growing cool-down.",
        ),
        Alert(
            "VdxReconcileErrorsRising",
            "vdx:reconcile_failures:ratio > 0.25",
            "15m",
            WARNING,
            "{{ $value | humanizePercentage }} of {{ $labels.kind }} reconciles on platform "
            "{{ $labels.platform }} fail",
            "For {for} more than a quarter of the {{ $labels.kind }} reconciles on platform "
            "{{ $labels.platform }} ended Failed (transient: Pexip or Kubernetes unavailable). "
            "The resources' Synced condition and Warning events name the cause.",
        ),
        Alert(
            "VdxResourceStalled",
            f'{RESOURCE_CONDITION}{{condition="Stalled",status="true"}} == 1',
            "10m",
            WARNING,
            f"{resource} is Stalled ({{{{ $labels.reason }}}})",
            f"{resource} of {owner} has been Stalled for {{for}} with reason "
            "{{ $labels.reason }}: it cannot progress until a person changes something. "
            "`kubectl describe` shows the condition's message with the fix.",
        ),
        Alert(
            "VdxDriftCorrectionsHigh",
            f"sum by (platform, kind, resource) (increase({sample_name(m.drift_corrections)}[1h])) > 5",
            "0m",
            WARNING,
            '{{ $value | printf "%.0f" }} {{ $labels.kind }} drift corrections on platform '
            "{{ $labels.platform }} in the last hour",
            'In the last hour the operator put {{ $value | printf "%.0f" }} Pexip '
            "{{ $labels.resource }} objects of "
            "{{ $labels.kind }} resources on platform {{ $labels.platform }} back in line with Git: "
            "someone or something is editing Pexip by hand. The DriftCorrected events name the "
            "tenants and resources.",
        ),
    ]
    for low, high, severity in CERTIFICATE_BANDS:
        alerts.append(
            Alert(
                f"VdxCertificateExpiresIn{high}Days",
                f"vdx:certificate_expiry:days < {high} and vdx:certificate_expiry:days >= {low}",
                "0m",
                severity,
                f"{cert} expires in {{{{ $value | humanize }}}} days",
                f"{cert} of {owner} expires in less than {high} days "
                "({{ $value | humanize }} days left). Renew it (cert-manager, or a new Secret); the "
                "operator uploads the new one to Pexip when the Secret changes.",
            )
        )
    alerts += [
        Alert(
            "VdxCertificateExpired",
            "-vdx:certificate_expiry:days > 0",
            "0m",
            CRITICAL,
            f"{cert} has expired",
            f"{cert} of {owner} expired {{{{ $value | humanize }}}} days ago: calls to the tenant's "
            "domains fail TLS. Renew it now.",
        ),
        Alert(
            "VdxWatchEventsMissed",
            f"sum by (kind) (increase({sample_name(m.watch_missed)}[1h])) > 0",
            "0m",
            WARNING,
            "The watch missed {{ $labels.kind }} changes in the last hour",
            "The periodic list found {{ $labels.kind }} changes that the Kubernetes watch never "
            "delivered (they were reconciled late, from the list). Once after an API server "
            "restart is expected; repeatedly means the watch connection is unhealthy.",
        ),
        Alert(
            "VdxNoLeader",
            f'max by (job) ({sample_name(m.leader)}{{job="{s.job}"}}) < 1',
            "2m",
            CRITICAL,
            "No vdx-operator instance holds the leader lease",
            "Instances of job {{ $labels.job }} run but none has led for {for}: nothing reconciles "
            "on any platform, for any tenant.",
        ),
        Alert(
            "VdxOperatorDown",
            # Every instance down, or none scraped at all (absent keeps the job label either way).
            f'max by (job) (up{{job="{s.job}"}}) < 1 or absent(up{{job="{s.job}"}})',
            "5m",
            CRITICAL,
            "The vdx-operator is down (no instance scraped)",
            f"Prometheus has scraped no running instance of job {s.job} for {{for}}: changes in "
            "Git reach no platform and no tenant, and drift goes uncorrected.",
        ),
        Alert(
            "VdxPexipBudgetNearLimit",
            "vdx:pexip_budget:utilisation > 0.9",
            "15m",
            WARNING,
            "The operator uses {{ $value | humanizePercentage }} of platform {{ $labels.platform }}'s "
            "request budget",
            "For {for} the operator's requests to platform {{ $labels.platform }} ran at more "
            "than 90 % of the configured budget: changes queue behind each other for every tenant "
            "on the platform.",
        ),
        Alert(
            "VdxPexipThrottled",
            f"sum by (platform) (increase({sample_name(m.pexip_throttled)}[15m])) > 0",
            "0m",
            WARNING,
            "The management node of platform {{ $labels.platform }} answered 429 (budget exceeded)",
            'Platform {{ $labels.platform }}\'s node refused {{ $value | printf "%.0f" }} requests '
            "in 15 minutes as over "
            "its limit: it enforces less than the PexipPlatform's rateLimit says, or another client "
            "shares the budget. The operator slows down on its own.",
        ),
        Alert(
            "VdxTenantServiceNotReady",
            f'{RESOURCE_CONDITION}{{kind=~"TurnService|CviBranding",condition="Ready",status!="true"}} == 1',
            "30m",
            WARNING,
            f"{resource} of tenant {{{{ $labels.tenant }}}} not Ready for {{for}}",
            f"{resource} of {owner} has not been Ready for {{for}} (reason {{{{ $labels.reason }}}}): "
            "the tenant's meetings lack their TURN relay or their branding.",
        ),
    ]
    return alerts


def alerts(metrics: OperatorMetrics | None = None, settings: RuleSettings | None = None) -> list[Alert]:
    return _alerts(metrics or OperatorMetrics(), settings or RuleSettings())


def rule_groups(
    metrics: OperatorMetrics | None = None, settings: RuleSettings | None = None
) -> dict[str, Any]:
    """The rule file's document: the recording rules, then the alerts that read them."""
    m, s = metrics or OperatorMetrics(), settings or RuleSettings()
    alerting = []
    for alert in _alerts(m, s):
        duration = s.durations.get(alert.name, alert.duration)
        alerting.append(
            {
                "alert": alert.name,
                "expr": alert.expr,
                "for": duration,
                "labels": {"severity": alert.severity},
                "annotations": {
                    "summary": alert.summary.replace("{for}", duration),
                    "description": alert.description.replace("{for}", duration),
                    "runbook_url": f"{s.runbook_base}#{alert.anchor}",
                },
            }
        )
    # One group: its rules run in order at each evaluation, so an alert reads the records of the
    # same evaluation (two groups run concurrently, and an alert read the previous minute's days).
    return {
        "groups": [{"name": "vdx-operator", "interval": s.interval, "rules": [*_records(m, s), *alerting]}]
    }

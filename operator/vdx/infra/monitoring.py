"""What the stacks deploy for monitoring, as plain manifests (pure; `program` wraps them).

Two shapes, chosen by the stack setting `prometheusOperator`:

- the cluster runs the Prometheus Operator (kube-prometheus-stack): a `PrometheusRule` with the
  rules and a `ServiceMonitor` scraping the operator's metrics Service;
- it does not: a ConfigMap holding the rule file (`vdx-rules.yaml`), to mount into Prometheus'
  `rule_files`, and the pods' `prometheus.io/*` annotations for an annotation-based scrape.

Either way the Grafana dashboard is a ConfigMap labelled `grafana_dashboard: "1"`, the label
Grafana's dashboard sidecar looks for by default. The rules come from `vdx.controller.alerts`
with the stack's scrape job name, the dashboard from `vdx.controller.dashboard`: the very files
`vdx monitoring` writes (with the default job name) and the tests check.
"""

from __future__ import annotations

from typing import Any

from vdx.controller.alerts import RuleSettings, rule_groups
from vdx.controller.dashboard import dashboard_json
from vdx.controller.monitoring import DASHBOARD_FILE, RULES_FILE, rules_yaml
from vdx.infra.manifests import APP, PORT_NAME, selector_labels
from vdx.infra.settings import StackSettings

Manifest = dict[str, Any]

MONITORING_API = "monitoring.coreos.com/v1"
METRICS_SERVICE = APP  # Prometheus Operator names the scrape job after the Service: `vdx-operator`
RULES_NAME = f"{APP}-rules"
DASHBOARD_NAME = f"{APP}-dashboard"
#: The label Grafana's sidecar (grafana/helm-charts, kube-prometheus-stack) selects dashboards by.
DASHBOARD_LABEL = ("grafana_dashboard", "1")


def rule_settings(settings: StackSettings) -> RuleSettings:
    return RuleSettings(job=settings.monitoring_job)


def metrics_service_spec(settings: StackSettings) -> Manifest:
    """A ClusterIP Service in front of the operator pods' metrics port (what a ServiceMonitor selects)."""
    return {
        "selector": selector_labels(),
        "ports": [
            {"name": PORT_NAME, "port": settings.http_port, "targetPort": PORT_NAME, "protocol": "TCP"}
        ],
    }


def service_monitor_spec(settings: StackSettings) -> Manifest:
    return {
        "selector": {"matchLabels": selector_labels()},
        "namespaceSelector": {"matchNames": [settings.namespace]},
        "endpoints": [
            {
                "port": PORT_NAME,
                "path": "/metrics",
                "interval": "30s",
                # The job label the rules match (`up{job=...}`), whatever the Service is called.
                "relabelings": [{"targetLabel": "job", "replacement": settings.monitoring_job}],
            }
        ],
    }


def prometheus_rule_spec(settings: StackSettings) -> Manifest:
    groups: Manifest = rule_groups(settings=rule_settings(settings))
    return groups


def rules_config_map_data(settings: StackSettings) -> dict[str, str]:
    return {RULES_FILE: rules_yaml(rule_settings(settings))}


def dashboard_config_map_data() -> dict[str, str]:
    return {DASHBOARD_FILE: dashboard_json()}

"""The stacks' monitoring: PrometheusRule + ServiceMonitor where the cluster has the Prometheus
Operator (prod's config), ConfigMaps otherwise (stage's), the dashboard ConfigMap for Grafana's
sidecar either way, and the CrossGuard rule that production has all three."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

import pytest
import yaml
from pulumi_policy import PolicyResource, StackValidationArgs, StackValidationPolicy

from tests.stacks.conftest import PASSWORD
from tests.stacks.mocked import Run, run_program
from tests.stacks.stackconfig import stack_config
from tests.stacks.test_policy import OPTIONS, policy
from vdx.controller.alerts import alerts
from vdx.controller.dashboard import dashboard_json
from vdx.controller.monitoring import rules_yaml
from vdx.infra.settings import SettingsError, parse_settings

NS = "vdx-system"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
SERVICE = "kubernetes:core/v1:Service"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"
ALERTS = {alert.name for alert in alerts()}


def monitoring_policy(resources: list[tuple[str, Mapping[str, Any]]]) -> list[str]:
    found: list[str] = []
    chosen = policy("monitoring-in-prod")
    assert isinstance(chosen, StackValidationPolicy)
    items = [
        PolicyResource(typ, props, f"urn:{i}", f"r{i}", OPTIONS, None, None, [], {})
        for i, (typ, props) in enumerate(resources)
    ]
    chosen.validate(StackValidationArgs(items), lambda message, urn=None: found.append(message))
    return found


def test_prod_deploys_a_prometheus_rule_and_a_service_monitor(prod_run: Run) -> None:
    (rule,) = prod_run.of_type(PROMETHEUS_RULE)
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["metadata"]["namespace"] == NS
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    names = {r["alert"] for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r}
    assert names == ALERTS
    (monitor,) = prod_run.of_type(SERVICE_MONITOR)
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    (service,) = prod_run.of_type(SERVICE)
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [NS]}
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] == service["spec"]["ports"][0]["name"] == "http"
    assert endpoint["relabelings"] == [{"targetLabel": "job", "replacement": "vdx-operator"}]
    deployment = prod_run.named(DEPLOYMENT, f"{NS}/vdx-operator")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert not [c for c in prod_run.of_type(CONFIG_MAP) if "vdx-rules.yaml" in (c.get("data") or {})]


def test_stage_without_the_prometheus_operator_gets_config_maps(stage_run: Run) -> None:
    assert stage_run.of_type(PROMETHEUS_RULE) == []
    assert stage_run.of_type(SERVICE_MONITOR) == []
    rules = stage_run.named(CONFIG_MAP, f"{NS}/vdx-operator-rules")
    assert rules["data"] == {"vdx-rules.yaml": rules_yaml()}
    deployment = stage_run.named(DEPLOYMENT, f"{NS}/vdx-operator")
    assert deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/scrape"] == "true"


@pytest.mark.parametrize("stack", ["stage", "prod"])
def test_the_dashboard_is_a_config_map_for_grafanas_sidecar(
    stack: str, stage_run: Run, prod_run: Run
) -> None:
    run = stage_run if stack == "stage" else prod_run
    dashboard = run.named(CONFIG_MAP, f"{NS}/vdx-operator-dashboard")
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert dashboard["data"] == {"vdx-dashboard.json": dashboard_json()}


def test_the_scrape_job_name_follows_the_setting() -> None:
    config = {**stack_config("stage"), "monitoringJob": "kubernetes-pods"}
    run = run_program("stage", config, {"stage": {"username": "vdx-operator", "password": PASSWORD}})
    rules = yaml.safe_load(run.named(CONFIG_MAP, f"{NS}/vdx-operator-rules")["data"]["vdx-rules.yaml"])
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    assert any('up{job="kubernetes-pods"}' in e for e in exprs)
    assert not any('job="vdx-operator"' in e for e in exprs)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("prometheusOperator", "yes", "config prometheusOperator: true when the cluster has"),
        ("monitoringLabels", {"release": 3}, "config monitoringLabels: an object of label names"),
        ("monitoringJob", "Not A Label", "config monitoringJob"),
    ],
)
def test_bad_monitoring_settings_are_refused(key: str, value: Any, expected: str) -> None:
    with pytest.raises(SettingsError, match=expected):
        parse_settings({**stack_config("stage"), key: value}, stack="stage")


def test_both_stacks_pass_the_monitoring_rule(stage_run: Run, prod_run: Run) -> None:
    assert monitoring_policy(prod_run.pairs()) == []
    assert monitoring_policy(stage_run.pairs()) == []


def _without(resources: list[tuple[str, dict[str, Any]]], typ: str) -> list[tuple[str, dict[str, Any]]]:
    return [(t, p) for t, p in resources if t != typ]


def test_prod_without_rules_scrape_or_dashboard_is_refused(prod_run: Run) -> None:
    resources = prod_run.pairs()
    problems = monitoring_policy(_without(resources, PROMETHEUS_RULE))
    assert len(problems) == 1
    assert "VdxPexipUnreachable" in problems[0]
    assert "no alert rules" in problems[0]
    no_scrape = copy.deepcopy(_without(resources, SERVICE_MONITOR))
    for typ, props in no_scrape:
        if typ == DEPLOYMENT:
            props["spec"]["template"]["metadata"]["annotations"].pop("prometheus.io/scrape")
    assert monitoring_policy(no_scrape) == [
        "production declares no scrape of the operator: a ServiceMonitor (prometheusOperator: true) "
        "or the Deployment's prometheus.io/scrape annotation"
    ]
    no_board = [(t, p) for t, p in resources if "grafana_dashboard" not in p["metadata"].get("labels", {})]
    (problem,) = monitoring_policy(no_board)
    assert "no Grafana dashboard" in problem


def test_a_partial_rule_set_names_what_is_missing(prod_run: Run) -> None:
    resources = copy.deepcopy(prod_run.pairs())
    for typ, props in resources:
        if typ == PROMETHEUS_RULE:
            for group in props["spec"]["groups"]:
                group["rules"] = [r for r in group["rules"] if r.get("alert") != "VdxCertificateExpired"]
    (problem,) = monitoring_policy(resources)
    assert "for VdxCertificateExpired:" in problem


def test_a_rules_config_map_counts_in_prod(stage_run: Run) -> None:
    """Prod on a cluster without the Prometheus Operator: the ConfigMap and annotations satisfy it."""
    resources = copy.deepcopy(stage_run.pairs())
    for _, props in resources:
        labels = props.get("metadata", {}).get("labels")
        if isinstance(labels, dict) and "vdx.medcom.dk/environment" in labels:
            labels["vdx.medcom.dk/environment"] = "prod"
    assert monitoring_policy(resources) == []
    broken = [
        (t, {**p, "data": {"vdx-rules.yaml": "not: [rules"}})
        if t == CONFIG_MAP and "vdx-rules.yaml" in (p.get("data") or {})
        else (t, p)
        for t, p in resources
    ]
    (problem,) = monitoring_policy(broken)
    assert "no alert rules" in problem
    assert json.loads(dashboard_json())["uid"] == "vdx-operator"

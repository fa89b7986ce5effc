"""The Grafana dashboard: valid for the SDK's types, every query on a metric the operator exports
(or a recording rule the shipped rules define), every template variable defined and answerable."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.models import dashboard as model
from grafana_foundation_sdk.models import prometheus as prom_model

from tests.monitoring.promql import metric_names
from vdx.controller.alerts import rule_groups
from vdx.controller.dashboard import dashboard_json
from vdx.controller.metrics import OperatorMetrics, exposed_names
from vdx.controller.monitoring import DASHBOARD_FILE
from vdx.paths import SCHEMAS_DIR

SHIPPED = SCHEMAS_DIR / "monitoring" / DASHBOARD_FILE
# Grafana's own variables, always defined.
BUILTIN = {"__rate_interval", "__interval", "__range"}
LABEL_VALUES = re.compile(r"^label_values\((?P<series>.+),\s*(?P<label>\w+)\)$")


def shipped() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SHIPPED.read_text())
    return loaded


def typed() -> model.Dashboard:
    """The shipped JSON decoded into the SDK's models, panel options and queries included (the
    plugins registered, so a Prometheus target decodes as one, not as an unknown query)."""
    register_default_plugins()
    return model.Dashboard.from_json(shipped())


def queries(dashboard: model.Dashboard) -> list[tuple[str, prom_model.Dataquery]]:
    found = []
    for panel in dashboard.panels or []:
        if isinstance(panel, model.Panel):
            for target in panel.targets or []:
                found.append((panel.title or "", target))
    return found


def test_the_shipped_file_is_what_the_code_builds() -> None:
    assert SHIPPED.read_text() == dashboard_json()


def test_the_json_round_trips_through_the_sdk_types() -> None:
    """Decoded into the SDK's typed models and encoded again, nothing is lost or added: every key
    is one the types know (an unknown or misspelt one would be dropped)."""
    again = json.loads(json.dumps(typed(), cls=JSONEncoder))
    assert again == shipped()


def test_every_target_is_a_typed_prometheus_query() -> None:
    found = queries(typed())
    assert len(found) >= 15
    for title, query in found:
        assert isinstance(query, prom_model.Dataquery), title
        assert query.expr, title


def test_panels_have_unique_ids_and_the_sections_the_on_call_reads() -> None:
    panels = typed().panels or []
    ids = [p.id_val for p in panels]
    assert len(set(ids)) == len(ids)
    titles = {p.title for p in panels}
    for wanted in (
        "Management node reachable",
        "Resources by kind and condition",
        "Stalled, with reasons",
        "Certificates, soonest expiry first",
        "Requests and errors per second",
        "Request latency",
        "Request budget used",
        "Drift corrections (changes made outside Git)",
        "Reconcile duration, 95th percentile",
    ):
        assert wanted in titles


def test_every_query_names_a_metric_the_operator_exports_or_a_shipped_record() -> None:
    exported = exposed_names(OperatorMetrics().registry)
    recorded = {r["record"] for g in rule_groups()["groups"] for r in g["rules"] if "record" in r}
    for title, query in queries(typed()):
        names = metric_names(str(query.expr))
        assert names, title
        assert names <= exported | recorded, f"{title}: {names - exported - recorded}"


def _variables() -> dict[str, model.VariableModel]:
    templating = typed().templating
    assert templating is not None
    return {v.name: v for v in templating.list_val or []}


def test_template_variables_resolve() -> None:
    """Each `$var` a query or datasource uses is defined; each variable's label_values names a
    metric the operator exports and a label that metric has, filtered only by defined variables."""
    variables = _variables()
    assert set(variables) == {"datasource", "platform", "tenant"}
    used = set()
    for _, query in queries(typed()):
        used |= set(re.findall(r"\$\{?(\w+)", str(query.expr)))
    used |= set(re.findall(r"\$\{?(\w+)", json.dumps(shipped()["panels"])))
    assert used - BUILTIN <= set(variables)
    assert {"platform", "tenant", "datasource"} <= used
    for name in ("platform", "tenant"):
        match = LABEL_VALUES.match(str(variables[name].query))
        assert match, variables[name].query
        (series,) = metric_names(match["series"])
        assert match["label"] in label_names(series), f"{series} has no label {match['label']}"
        assert set(re.findall(r"\$(\w+)", match["series"])) <= set(variables) - {name}


def label_names(family: str) -> set[str]:
    """The label names a family's series carry, from a registry with one series in each."""
    metrics = OperatorMetrics()
    metrics.platform_up.labels("prod").set(1)
    tenant = {
        "kind": "Tenant",
        "metadata": {"name": "t"},
        "spec": {"namespace": "t", "platformRef": {"name": "prod"}},
    }
    metrics.watch_state(lambda: [tenant], dict)
    return {
        label for f in metrics.registry.collect() if f.name == family for s in f.samples for label in s.labels
    }


@pytest.mark.parametrize("name", ["platform", "tenant"])
def test_variables_take_every_value_and_all(name: str) -> None:
    variable = _variables()[name]
    assert variable.multi
    assert variable.include_all
    assert variable.all_value == ".*"

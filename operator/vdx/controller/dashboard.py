"""The Grafana dashboard for the on-call, built with Grafana's typed builders (grafana-foundation-sdk).

Written by `vdx monitoring` to `schemas/monitoring/vdx-dashboard.json` and deployed by the stacks
as a ConfigMap Grafana's sidecar picks up. Metrics are named through their objects in
`vdx.controller.metrics` and the recording rules of `vdx.controller.alerts`, so a renamed metric
changes the file (and fails `vdx monitoring --check`); a test parses every query and looks each
name up in the registry. Pure: builds a model, no I/O.
"""

from __future__ import annotations

import json
from typing import Any

from grafana_foundation_sdk.builders import common as cb
from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.builders import prometheus, stat, table, timeseries
from grafana_foundation_sdk.builders.common import TableSortByFieldState
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as model
from grafana_foundation_sdk.models import prometheus as prom_model

from vdx.controller.metrics import RESOURCE_CONDITION, TENANT_INFO, OperatorMetrics, sample_name

UID = "vdx-operator"
# The datasource variable: every panel reads the Prometheus the user picks (none is hard-wired).
DATASOURCE = model.DataSourceRef(type_val="prometheus", uid="${datasource}")
PLATFORM = 'platform=~"$platform"'
TENANT = 'tenant=~"$tenant"'


def _query(expr: str, legend: str = "", *, instant: bool = False) -> prometheus.Dataquery:
    query = prometheus.Dataquery().expr(expr).datasource(DATASOURCE)
    if legend:
        query = query.legend_format(legend)
    if instant:
        query = query.instant().format(prom_model.PromQueryFormat.TABLE)
    return query


def _stat(title: str) -> stat.Panel:
    """A big number: the last value, coloured by its thresholds or mappings."""
    return (
        stat.Panel()
        .title(title)
        .datasource(DATASOURCE)
        .reduce_options(cb.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .graph_mode(common.BigValueGraphMode.NONE)
        .color_mode(common.BigValueColorMode.BACKGROUND)
    )


def _table(title: str) -> table.Panel:
    return table.Panel().title(title).datasource(DATASOURCE).show_header(True)


def _series(title: str) -> timeseries.Panel:
    return (
        timeseries.Panel()
        .title(title)
        .datasource(DATASOURCE)
        .legend(
            cb.VizLegendOptions()
            .display_mode(common.LegendDisplayMode.LIST)
            .placement(common.LegendPlacement.BOTTOM)
            .show_legend(True)
        )
        .tooltip(
            cb.VizTooltipOptions().mode(common.TooltipDisplayMode.MULTI).sort(common.SortOrder.DESCENDING)
        )
        .line_width(1)
        .fill_opacity(10)
    )


def _hide(*columns: str) -> model.DataTransformerConfig:
    """Grafana's `organize` transformation: drop columns a table need not show."""
    return model.DataTransformerConfig(
        id_val="organize", options={"excludeByName": dict.fromkeys(columns, True)}
    )


def _variables(m: OperatorMetrics) -> list[Any]:
    return [
        dash.DatasourceVariable("datasource").label("Prometheus").type("prometheus"),
        dash.QueryVariable("platform")
        .label("Platform")
        .datasource(DATASOURCE)
        .query(f"label_values({sample_name(m.platform_up)}, platform)")
        .refresh(model.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(model.VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*"),
        dash.QueryVariable("tenant")
        .label("Tenant")
        .datasource(DATASOURCE)
        .query(f"label_values({TENANT_INFO}{{{PLATFORM}}}, tenant)")
        .refresh(model.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(model.VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*"),
    ]


def build(metrics: OperatorMetrics | None = None) -> model.Dashboard:
    m = metrics or OperatorMetrics()
    stalled = f'{RESOURCE_CONDITION}{{condition="Stalled",status="true",{PLATFORM},{TENANT}}}'
    builder = (
        dash.Dashboard("VDX operator")
        .uid(UID)
        .description("Health of the VDX platforms as the vdx-operator sees them (docs/operations.md).")
        .tags(["vdx", "pexip"])
        .refresh("1m")
        .time("now-6h", "now")
        .timezone("browser")
        .editable()
        .tooltip(model.DashboardCursorSync.CROSSHAIR)
        .variables(_variables(m))
        .with_row(dash.Row("Health"))
        .with_panel(
            _stat("Management node reachable")
            .description("1: the node answered the operator's last request (vdx_platform_up).")
            .with_target(_query(f"{sample_name(m.platform_up)}{{{PLATFORM}}}", "{{platform}}"))
            .mappings(
                [
                    model.ValueMap(
                        options={
                            "0": model.ValueMappingResult(text="DOWN", color="red"),
                            "1": model.ValueMappingResult(text="up", color="green"),
                        }
                    )
                ]
            )
            .height(4)
            .span(8)
        )
        .with_panel(
            _stat("Circuit breaker open")
            .with_target(_query(f"vdx_pexip_circuit_open{{{PLATFORM}}}", "{{platform}}"))
            .height(4)
            .span(4)
        )
        .with_panel(
            _stat("Leader")
            .description("Instances holding the leader lease (1 is right).")
            .with_target(_query(f"sum({sample_name(m.leader)})"))
            .height(4)
            .span(4)
        )
        .with_panel(
            _stat("Stalled resources")
            .description("Resources that need a person: the table below names them.")
            .with_target(_query(f"count({stalled}) or vector(0)"))
            .height(4)
            .span(8)
        )
        .with_row(dash.Row("Resources"))
        .with_panel(
            _table("Resources by kind and condition")
            .with_target(
                _query(
                    f"count by (kind, condition, status) ({RESOURCE_CONDITION}{{{PLATFORM},{TENANT}}})",
                    instant=True,
                )
            )
            .with_transformation(_hide("Time"))
            .height(8)
            .span(12)
        )
        .with_panel(
            _table("Stalled, with reasons")
            .description(
                "Each resource that cannot progress until someone changes it; "
                "`kubectl describe` shows the fix."
            )
            .with_target(_query(stalled, instant=True))
            .with_transformation(_hide("Time", "Value", "__name__", "condition", "status"))
            .height(8)
            .span(12)
        )
        .with_panel(
            _table("Certificates, soonest expiry first")
            .with_target(_query(f"sort(vdx:certificate_expiry:days{{{PLATFORM},{TENANT}}})", instant=True))
            .with_transformation(_hide("Time", "__name__"))
            .sort_by([TableSortByFieldState().display_name("Value").desc(False)])
            .decimals(1)
            .thresholds(
                dash.ThresholdsConfig()
                .mode(model.ThresholdsMode.ABSOLUTE)
                .steps(
                    [
                        model.Threshold(value=None, color="red"),
                        model.Threshold(value=7, color="orange"),
                        model.Threshold(value=30, color="green"),
                    ]
                )
            )
            .height(8)
            .span(24)
        )
        .with_row(dash.Row("Pexip Management API"))
        .with_panel(
            _series("Requests and errors per second")
            .with_target(_query(f"vdx:pexip_requests:rate{{{PLATFORM}}}", "{{platform}} requests"))
            .with_target(_query(f"vdx:pexip_request_errors:rate{{{PLATFORM}}}", "{{platform}} errors"))
            .unit("reqps")
            .height(8)
            .span(6)
        )
        .with_panel(
            _series("Request latency")
            .description("Time to the node's answer, without the wait for the budget.")
            .with_target(_query(f"vdx:pexip_request_duration_seconds:p95{{{PLATFORM}}}", "{{platform}} p95"))
            .with_target(
                _query(
                    "histogram_quantile(0.5, sum by (platform, le) (rate("
                    f"{sample_name(m.pexip_request_seconds, '_bucket')}{{{PLATFORM}}}[$__rate_interval])))",
                    "{{platform}} median",
                )
            )
            .unit("s")
            .height(8)
            .span(6)
        )
        .with_panel(
            _series("Request budget used")
            .description("Share of the platform's sustained budget; the alert fires above 90 %.")
            .with_target(_query(f"vdx:pexip_budget:utilisation{{{PLATFORM}}}", "{{platform}}"))
            .with_target(
                _query(
                    f"{sample_name(m.pexip_rate)}{{{PLATFORM}}} / on (platform) "
                    f"{sample_name(m.pexip_rate_budget)}{{{PLATFORM}}}",
                    "{{platform}} allowed now",
                )
            )
            .unit("percentunit")
            .min(0)
            .height(8)
            .span(6)
        )
        .with_panel(
            _series("Requests waiting for the budget, 429s")
            .with_target(
                _query(f"{sample_name(m.pexip_waiting)}{{{PLATFORM}}}", "{{platform}} {{priority}} waiting")
            )
            .with_target(
                _query(
                    f"increase({sample_name(m.pexip_throttled)}{{{PLATFORM}}}[$__rate_interval])",
                    "{{platform}} 429s",
                )
            )
            .height(8)
            .span(6)
        )
        .with_row(dash.Row("Reconciles and drift"))
        .with_panel(
            _series("Drift corrections (changes made outside Git)")
            .with_target(
                _query(
                    f"sum by (platform, kind) (increase({sample_name(m.drift_corrections)}"
                    f"{{{PLATFORM}}}[$__rate_interval]))",
                    "{{platform}} {{kind}}",
                )
            )
            .height(8)
            .span(8)
        )
        .with_panel(
            _series("Reconcile duration, 95th percentile")
            .with_target(_query(f"vdx:reconcile_duration_seconds:p95{{{PLATFORM}}}", "{{platform}} {{kind}}"))
            .unit("s")
            .height(8)
            .span(8)
        )
        .with_panel(
            _series("Reconciles per second by result")
            .with_target(_query(f"sum by (result) (vdx:reconciles:rate{{{PLATFORM}}})", "{{result}}"))
            .with_target(
                _query(
                    f"sum by (kind) (increase({sample_name(m.watch_missed)}[$__rate_interval]))",
                    "{{kind}} watch missed",
                )
            )
            .unit("ops")
            .height(8)
            .span(8)
        )
    )
    built = builder.build()
    # Grafana keys panel state (links, edits, the sidecar's reloads) by id; the builders leave
    # them unset (0 for rows), so number them in reading order.
    for number, panel in enumerate(built.panels or [], start=1):
        panel.id_val = number
    return built


def dashboard_json(metrics: OperatorMetrics | None = None) -> str:
    """The dashboard as Grafana imports it (and the sidecar loads it)."""
    return json.dumps(build(metrics), cls=JSONEncoder, indent=2, sort_keys=True) + "\n"

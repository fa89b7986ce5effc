"""A real Prometheus server scrapes the operator during a Pexip outage: the unreachable alert fires,
then resolves once the node answers again.

The server runs the shipped rules, generated with seconds instead of minutes (`RuleSettings`):
the same expressions, labels and annotations, only the timing shortened. Needs Debian's
prometheus (scripts/fetch-prometheus) and the control plane.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner
from kubernetes import client

from tests.e2e.harness import Harness, wait_for, wait_ready
from tests.e2e.test_lifecycle import DOMAIN
from tests.monitoring.prom import PROMETHEUS, PROMTOOL, needs_prometheus
from vdx.cli.main import cli
from vdx.controller.alerts import RuleSettings
from vdx.controller.dashboard import dashboard_json
from vdx.controller.incident_store import CONFIG_MAP, KEY
from vdx.controller.incidents import IncidentLog
from vdx.controller.monitoring import rules_yaml
from vdx.pexip.simulator import FaultConfig, Outage

pytestmark = [needs_prometheus, pytest.mark.timeout(180)]

JOB = "vdx-operator"
FAST_RULES = RuleSettings(job=JOB, interval="1s", rate_window="10s", durations={"VdxPexipUnreachable": "3s"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Prometheus:
    def __init__(self, url: str) -> None:
        self.url = url

    def get(self, path: str, **params: str) -> Any:
        response = httpx.get(f"{self.url}{path}", params=params, timeout=5)
        response.raise_for_status()
        return response.json()["data"]

    def alerts(self, name: str, platform: str | None = None) -> list[dict[str, Any]]:
        """Active alerts of `name`; of one platform only when given (the operator also serves
        what earlier tests left behind, whose simulators are gone: their platforms alert too)."""
        return [
            a
            for a in self.get("/api/v1/alerts")["alerts"]
            if a["labels"]["alertname"] == name and platform in (None, a["labels"].get("platform"))
        ]

    def value(self, query: str) -> float | None:
        result = self.get("/api/v1/query", query=query)["result"]
        return float(result[0]["value"][1]) if result else None


@pytest.fixture
def prometheus_for(tmp_path: Path) -> Iterator[Any]:
    """Start a Prometheus scraping 127.0.0.1:<port> every second with the fast rules."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(target_port: int) -> Prometheus:
        assert PROMETHEUS is not None
        (tmp_path / "rules.yaml").write_text(rules_yaml(FAST_RULES))
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(tmp_path / "rules.yaml")],
            "scrape_configs": [
                {"job_name": JOB, "static_configs": [{"targets": [f"127.0.0.1:{target_port}"]}]}
            ],
        }
        (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
        port = free_port()
        log = (tmp_path / "prometheus.log").open("wb")
        processes.append(
            subprocess.Popen(
                [
                    str(PROMETHEUS),
                    f"--config.file={tmp_path / 'prometheus.yml'}",
                    f"--storage.tsdb.path={tmp_path / 'data'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        server = Prometheus(f"http://127.0.0.1:{port}")

        def ready() -> bool:
            try:
                return httpx.get(f"{server.url}/-/ready", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(ready, 30, "Prometheus ready")
        return server

    yield start
    for process in processes:
        process.terminate()
        process.wait(10)


def dashboard_resolves(prometheus: Prometheus, h: Harness) -> None:
    """The dashboard's variables find this platform and tenant, and every panel query is one this
    Prometheus accepts, with the variables put in as Grafana would."""
    board = json.loads(dashboard_json())
    variables = {v["name"]: v["query"] for v in board["templating"]["list"]}
    platforms = prometheus.get("/api/v1/label/platform/values", **{"match[]": "vdx_platform_up"})
    assert variables["platform"] == "label_values(vdx_platform_up, platform)"
    assert h.platform in platforms

    def tenants() -> Any:
        match = f'vdx_tenant_info{{platform=~"{h.platform}"}}'
        return h.tenant in prometheus.get("/api/v1/label/tenant/values", **{"match[]": match})

    wait_for(tenants, 20, "the tenant variable's value")
    values = {"$platform": h.platform, "$tenant": ".*", "$__rate_interval": "1m"}
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            for variable, value in values.items():
                expr = expr.replace(variable, value)
            assert prometheus.get("/api/v1/query", query=expr)["resultType"] in ("vector", "scalar"), expr


def test_unreachable_alert_fires_during_an_outage_and_resolves_after(
    kube_api_client: client.ApiClient,
    operator_namespace: str,
    h: Harness,
    prometheus_for: Any,
    tmp_path: Path,
) -> None:
    from tests.e2e.conftest import start_operator

    port = free_port()
    operator = start_operator(
        kube_api_client,
        identity="alerts-operator",
        http_port=port,
        http_host="127.0.0.1",
        incident_interval_seconds=0.5,
    )
    try:
        h.platform_and_tenant([DOMAIN])
        wait_ready(h, "pexipplatforms", h.platform, namespaced=False)
        prometheus = prometheus_for(port)
        platform = f'platform="{h.platform}"'
        wait_for(lambda: prometheus.value(f"vdx_platform_up{{{platform}}}") == 1, 30, "up scraped")
        wait_for(lambda: prometheus.value(f'up{{job="{JOB}"}}') == 1, 10, "the scrape")
        assert prometheus.alerts("VdxPexipUnreachable", h.platform) == []

        # The real exposition, as scraped, passes promtool's lint.
        exposition = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert 'vdx_resource_condition{condition="Ready",kind="Tenant"' in exposition
        if PROMTOOL is not None:
            lint = subprocess.run(
                [str(PROMTOOL), "check", "metrics"],
                input=exposition,
                capture_output=True,
                text=True,
                check=False,
            )
            assert lint.returncode == 0, lint.stdout + lint.stderr

        dashboard_resolves(prometheus, h)

        h.sim.simulator.set_faults(FaultConfig(outage=Outage(duration_s=120, status=503, retry_after_s=1)))
        started = time.monotonic()

        def firing() -> dict[str, Any] | None:
            found = [
                a for a in prometheus.alerts("VdxPexipUnreachable", h.platform) if a["state"] == "firing"
            ]
            return found[0] if found else None

        alert = wait_for(firing, 40, "VdxPexipUnreachable firing")
        # Pending first: the alert needs its `for` (3 s here) of the node being down.
        assert time.monotonic() - started >= 3
        assert alert["labels"] == {
            "alertname": "VdxPexipUnreachable",
            "platform": h.platform,
            "severity": "critical",
            "job": JOB,
            "instance": f"127.0.0.1:{port}",
        }
        assert h.platform in alert["annotations"]["summary"]
        assert alert["annotations"]["runbook_url"] == "docs/operations.md#vdxpexipunreachable"

        h.sim.simulator.set_faults(FaultConfig())
        wait_for(
            lambda: prometheus.alerts("VdxPexipUnreachable", h.platform) == [],
            45,
            "VdxPexipUnreachable resolved",
        )
        assert prometheus.value(f"vdx_platform_up{{{platform}}}") == 1

        # The incident record kept the outage: one closed incident, its tenant and cause.
        def recorded() -> list[dict[str, Any]] | None:
            found = client.CoreV1Api(kube_api_client).read_namespaced_config_map(
                CONFIG_MAP, operator_namespace
            )
            log = IncidentLog.from_text((found.data or {}).get(KEY))
            mine = [i.to_json() for i in log.incidents if i.platform == h.platform]
            return mine if mine and all(i["end"] for i in mine) else None

        (incident,) = wait_for(recorded, 20, "the closed incident in the record")
        assert incident["kind"] == "PlatformUnreachable"
        assert incident["tenants"] == [h.tenant]
        assert incident["cause"] == "the management node answered 503"

        # The month's report from that record and this Prometheus: the incident, and the alert fired.
        found = client.CoreV1Api(kube_api_client).read_namespaced_config_map(CONFIG_MAP, operator_namespace)
        record = tmp_path / "incidents.json"
        record.write_text((found.data or {})[KEY])
        month = str(incident["start"])[:7]  # the incident's own month, even across a month's end
        args = ["stats", "incidents", "--platform", h.platform, "--month", month, "--from-file", str(record)]
        report = CliRunner().invoke(cli, [*args, "--prometheus", prometheus.url])
        assert report.exit_code == 0, report.output
        assert f"| PlatformUnreachable | {h.tenant} | the management node answered 503 |" in report.output
        lines = report.output.splitlines()
        (fired,) = [line for line in lines if line.startswith("| Alerts fired (distinct, all severities) |")]
        assert int(fired.split("|")[2]) >= 1
        # VdxPexipUnreachable is critical: the goal of none is missed, from this Prometheus' ALERTS.
        (critical,) = [line for line in lines if line.startswith("| Critical alerts fired (distinct) |")]
        assert critical.endswith("| missed |"), critical
    finally:
        h.sim.simulator.set_faults(FaultConfig())
        h.cleanup()
        operator.stop()

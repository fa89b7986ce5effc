"""Every shipped alert through `promtool test rules`: firing and not firing, `for` durations,
labels and annotations (rendered by Prometheus' own templating), on the generated rule file.

Each case names its alert; the expected annotations are the rule's templates with the case's
labels and value put in by `render` below, so the test holds Prometheus' rendering to the
wording the rules carry, and a separate test holds that wording to naming platform, tenant and
resource.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.monitoring.prom import PROMTOOL, needs_promtool
from vdx.controller.alerts import alerts
from vdx.controller.monitoring import RULES_FILE
from vdx.paths import SCHEMAS_DIR

RULES = SCHEMAS_DIR / "monitoring" / RULES_FILE
SHIPPED = {
    rule["alert"]: rule
    for group in yaml.safe_load(RULES.read_text())["groups"]
    for rule in group["rules"]
    if "alert" in rule
}

DAY = 86400


@dataclass
class Fired:
    labels: dict[str, str]
    value: str = ""  # how the case's $value reads in the templates


@dataclass
class Case:
    alert: str
    series: dict[str, str]
    at: str
    fired: list[Fired] = field(default_factory=list)


def cond(
    kind: str, ns: str, name: str, condition: str, status: str, reason: str, tenant: str = "region-h"
) -> str:
    return (
        f'vdx_resource_condition{{kind="{kind}",namespace="{ns}",name="{name}",tenant="{tenant}",'
        f'platform="prod",condition="{condition}",status="{status}",reason="{reason}"}}'
    )


STALLED = cond("Domain", "region-h", "vdx-regionh-dk", "Stalled", "true", "DomainClaimedElsewhere")
STALLED_LABELS = {
    "kind": "Domain",
    "namespace": "region-h",
    "name": "vdx-regionh-dk",
    "tenant": "region-h",
    "platform": "prod",
    "condition": "Stalled",
    "status": "true",
    "reason": "DomainClaimedElsewhere",
}
TURN = cond("TurnService", "region-h", "turn", "Ready", "false", "PexipUnavailable")
TURN_LABELS = {
    **STALLED_LABELS,
    "kind": "TurnService",
    "name": "turn",
    "condition": "Ready",
    "status": "false",
    "reason": "PexipUnavailable",
}
REQUESTS = 'vdx_pexip_requests_total{{platform="{p}",method="GET",resource="conference",status="200"}}'
DRIFT = 'vdx_drift_corrections_total{{kind="{kind}",platform="{p}",resource="{r}"}}'
INFO = 'vdx_tenant_info{tenant="region-h",namespace="region-h",platform="prod"}'


def cert(ns: str, name: str, days: float, at_minutes: int) -> tuple[str, str]:
    """A certificate series whose notAfter is `days` after the evaluation time (time() = at)."""
    return (
        f'vdx_certificate_expiry_timestamp_seconds{{namespace="{ns}",name="{name}"}}',
        f"{int(at_minutes * 60 + days * DAY)}x20",
    )


CERTS = dict(
    [
        cert("region-h", "in20", 20, 10),
        cert("region-h", "in10", 10, 10),
        cert("region-h", "in3", 3, 10),
        cert("region-h", "gone", -2, 10),
        cert("region-h", "in60", 60, 10),
        cert("stray", "in5", 5, 10),
        (INFO, "1x20"),
    ]
)
HERE = {"tenant": "region-h", "platform": "prod", "namespace": "region-h"}

CASES = [
    # Unreachable: prod down from minute 2; stage up. Pending at 6m (4m < 5m), firing at 8m, resolved
    # once it answers again.
    Case(
        "VdxPexipUnreachable",
        {'vdx_platform_up{platform="prod"}': "1 1 0x10", 'vdx_platform_up{platform="stage"}': "1x12"},
        "6m",
    ),
    Case(
        "VdxPexipUnreachable",
        {'vdx_platform_up{platform="prod"}': "1 1 0x10", 'vdx_platform_up{platform="stage"}': "1x12"},
        "8m",
        [Fired({"platform": "prod"})],
    ),
    Case("VdxPexipUnreachable", {'vdx_platform_up{platform="prod"}': "1 1 0x6 1x6"}, "12m"),
    Case("VdxCircuitBreakerOpen", {'vdx_pexip_circuit_open{platform="prod"}': "0 1x15"}, "9m"),
    Case(
        "VdxCircuitBreakerOpen",
        {
            'vdx_pexip_circuit_open{platform="prod"}': "0 1x15",
            'vdx_pexip_circuit_open{platform="stage"}': "0x15",
        },
        "12m",
        [Fired({"platform": "prod"})],
    ),
    # Half the Domain reconciles fail; a tenth of the Tenant ones (below the quarter).
    Case(
        "VdxReconcileErrorsRising",
        {
            'vdx_reconciles_total{kind="Domain",platform="prod",result="failed"}': "0+6x40",
            'vdx_reconciles_total{kind="Domain",platform="prod",result="ready"}': "0+6x40",
            'vdx_reconciles_total{kind="Tenant",platform="prod",result="failed"}': "0+1x40",
            'vdx_reconciles_total{kind="Tenant",platform="prod",result="ready"}': "0+9x40",
        },
        "12m",
    ),
    Case(
        "VdxReconcileErrorsRising",
        {
            'vdx_reconciles_total{kind="Domain",platform="prod",result="failed"}': "0+6x40",
            'vdx_reconciles_total{kind="Domain",platform="prod",result="ready"}': "0+6x40",
            'vdx_reconciles_total{kind="Tenant",platform="prod",result="failed"}': "0+1x40",
            'vdx_reconciles_total{kind="Tenant",platform="prod",result="ready"}': "0+9x40",
            # The same Domain reconciles on stage all succeed: the alert is per platform.
            'vdx_reconciles_total{kind="Domain",platform="stage",result="ready"}': "0+6x40",
        },
        "25m",
        [Fired({"kind": "Domain", "platform": "prod"}, "50%")],
    ),
    Case(
        "VdxResourceStalled",
        {STALLED: "1x20", cond("Domain", "region-h", "other", "Stalled", "false", "NotStalled"): "1x20"},
        "9m",
    ),
    Case(
        "VdxResourceStalled",
        {STALLED: "1x20", cond("Domain", "region-h", "other", "Stalled", "false", "NotStalled"): "1x20"},
        "15m",
        [Fired(STALLED_LABELS)],
    ),
    # 60 corrections an hour of rooms (someone edits by hand); 3 an hour of devices (below 5).
    Case(
        "VdxDriftCorrectionsHigh",
        {
            DRIFT.format(kind="MeetingRoom", p="prod", r="conference"): "0+1x130",
            DRIFT.format(kind="Device", p="prod", r="device"): "0+0.05x130",
            DRIFT.format(kind="MeetingRoom", p="stage", r="conference"): "0+0.05x130",
        },
        "120m",
        [Fired({"kind": "MeetingRoom", "platform": "prod", "resource": "conference"}, "60")],
    ),
    Case(
        "VdxDriftCorrectionsHigh",
        {DRIFT.format(kind="MeetingRoom", p="prod", r="conference"): "0+1x10 10x130"},
        "120m",
    ),
    Case("VdxCertificateExpiresIn30Days", CERTS, "10m", [Fired({**HERE, "name": "in20"}, "20")]),
    Case("VdxCertificateExpiresIn14Days", CERTS, "10m", [Fired({**HERE, "name": "in10"}, "10")]),
    Case(
        "VdxCertificateExpiresIn7Days",
        CERTS,
        "10m",
        [Fired({**HERE, "name": "in3"}, "3"), Fired({"namespace": "stray", "name": "in5"}, "5")],
    ),
    *(
        Case(band, dict([cert("region-h", "in60", 60, 10), (INFO, "1x20")]), "10m")
        for band in (
            "VdxCertificateExpiresIn30Days",
            "VdxCertificateExpiresIn14Days",
            "VdxCertificateExpiresIn7Days",
        )
    ),
    Case("VdxCertificateExpired", CERTS, "10m", [Fired({**HERE, "name": "gone"}, "2")]),
    Case("VdxCertificateExpired", {k: v for k, v in CERTS.items() if "gone" not in k}, "10m"),
    Case(
        "VdxWatchEventsMissed",
        {
            'vdx_watch_missed_total{kind="Domain"}': "0x30 1x40",
            'vdx_watch_missed_total{kind="Device"}': "0x70",
        },
        "40m",
        [Fired({"kind": "Domain"})],
    ),
    Case("VdxWatchEventsMissed", {'vdx_watch_missed_total{kind="Domain"}': "0x30 1x100"}, "100m"),
    Case(
        "VdxNoLeader",
        {
            'vdx_leader{job="vdx-operator",instance="a"}': "0x10",
            'vdx_leader{job="vdx-operator",instance="b"}': "0x10",
        },
        "5m",
        [Fired({"job": "vdx-operator"})],
    ),
    Case(
        "VdxNoLeader",
        {
            'vdx_leader{job="vdx-operator",instance="a"}': "0x10",
            'vdx_leader{job="vdx-operator",instance="b"}': "1x10",
        },
        "5m",
    ),
    Case("VdxNoLeader", {'vdx_leader{job="vdx-operator",instance="a"}': "1 0x10"}, "2m"),
    Case("VdxOperatorDown", {'up{job="vdx-operator",instance="a"}': "1 1 0x10"}, "5m"),
    Case(
        "VdxOperatorDown", {'up{job="other"}': "1x10"}, "8m", [Fired({"job": "vdx-operator"})]
    ),  # never scraped
    Case(
        "VdxOperatorDown",
        {'up{job="vdx-operator",instance="a"}': "1 1 0x10"},
        "8m",
        [Fired({"job": "vdx-operator"})],
    ),
    Case(
        "VdxOperatorDown",
        {'up{job="vdx-operator",instance="a"}': "0x10", 'up{job="vdx-operator",instance="b"}': "1x10"},
        "8m",
    ),
    # 9.5 requests a second against a budget of 10 on prod; 5 on stage.
    Case(
        "VdxPexipBudgetNearLimit",
        {
            REQUESTS.format(p="prod"): "0+570x40",
            REQUESTS.format(p="stage"): "0+300x40",
            'vdx_pexip_rate_limit_budget_requests_per_second{platform="prod"}': "10x40",
            'vdx_pexip_rate_limit_budget_requests_per_second{platform="stage"}': "10x40",
        },
        "25m",
        [Fired({"platform": "prod"}, "95%")],
    ),
    Case(
        "VdxPexipBudgetNearLimit",
        {
            REQUESTS.format(p="prod"): "0+570x40",
            'vdx_pexip_rate_limit_budget_requests_per_second{platform="prod"}': "10x40",
        },
        "12m",
    ),
    Case(
        "VdxPexipThrottled",
        {'vdx_pexip_throttled_total{platform="prod"}': "0x30 1x30"},
        "35m",
        [Fired({"platform": "prod"}, "1")],
    ),
    Case("VdxPexipThrottled", {'vdx_pexip_throttled_total{platform="prod"}': "0x30 1x30"}, "60m"),
    Case(
        "VdxTenantServiceNotReady",
        {
            TURN: "1x40",
            cond("CviBranding", "region-h", "cvi", "Ready", "true", "Available"): "1x40",
            cond("Domain", "region-h", "d", "Ready", "false", "Waiting"): "1x40",
        },
        "20m",
    ),
    Case(
        "VdxTenantServiceNotReady",
        {
            TURN: "1x40",
            cond("CviBranding", "region-h", "cvi", "Ready", "true", "Available"): "1x40",
            cond("Domain", "region-h", "d", "Ready", "false", "Waiting"): "1x40",
        },
        "35m",
        [Fired(TURN_LABELS)],
    ),
]


def render(template: str, labels: dict[str, str], value: str) -> str:
    """The subset of Go templating the rules use: labels, $value through a filter, if/else/end."""

    def branch(match: re.Match[str]) -> str:
        return match.group(2) if labels.get(match.group(1)) else match.group(3)

    text = re.sub(r"\{\{ if \$labels\.(\w+) \}\}(.*?)\{\{ else \}\}(.*?)\{\{ end \}\}", branch, template)
    text = re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels.get(m.group(1), ""), text)
    return re.sub(r"\{\{ \$value[^}]*\}\}", value, text)


def expected(case: Case, fired: Fired) -> dict[str, Any]:
    rule = SHIPPED[case.alert]
    return {
        "exp_labels": {**fired.labels, **rule["labels"]},
        "exp_annotations": {k: render(v, fired.labels, fired.value) for k, v in rule["annotations"].items()},
    }


def unit_test_file(cases: list[Case]) -> dict[str, Any]:
    return {
        "rule_files": [str(RULES)],
        "evaluation_interval": "1m",
        "tests": [
            {
                "name": f"{case.alert} at {case.at}",
                "interval": "1m",
                "input_series": [{"series": s, "values": v} for s, v in case.series.items()],
                "alert_rule_test": [
                    {
                        "eval_time": case.at,
                        "alertname": case.alert,
                        "exp_alerts": [expected(case, f) for f in case.fired],
                    }
                ],
            }
            for case in cases
        ],
    }


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run([str(PROMTOOL), *args], capture_output=True, text=True, timeout=120, check=False)


def test_every_alert_has_a_firing_and_a_quiet_case() -> None:
    assert {c.alert for c in CASES if c.fired} == set(SHIPPED)
    assert {c.alert for c in CASES if not c.fired} == set(SHIPPED)


@needs_promtool
def test_promtool_checks_the_rule_file() -> None:
    result = promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        f"SUCCESS: {sum(len(g['rules']) for g in yaml.safe_load(RULES.read_text())['groups'])} rules found"
        in result.stdout
    )


@needs_promtool
def test_promtool_unit_tests_of_every_alert(tmp_path: Path) -> None:
    path = tmp_path / "vdx-rules.test.yaml"
    path.write_text(yaml.safe_dump(unit_test_file(CASES), sort_keys=False))
    result = promtool("test", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_a_wrong_expectation_fails(tmp_path: Path) -> None:
    """The harness can fail: the unreachable alert expected for stage, which is up, is refused."""
    case = Case(
        "VdxPexipUnreachable",
        {'vdx_platform_up{platform="stage"}': "1x12"},
        "8m",
        [Fired({"platform": "stage"})],
    )
    path = tmp_path / "wrong.test.yaml"
    path.write_text(yaml.safe_dump(unit_test_file([case]), sort_keys=False))
    result = promtool("test", "rules", str(path))
    assert result.returncode != 0
    assert "VdxPexipUnreachable" in result.stdout + result.stderr


@needs_promtool
def test_recording_rules(tmp_path: Path) -> None:
    """The figures the dashboard and alerts read: stalled counts per kind and reason, budget use."""
    other = cond("Domain", "region-h", "x", "Stalled", "true", "DomainClaimedElsewhere")
    document = {
        "rule_files": [str(RULES)],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": STALLED, "values": "1x10"},
                    {"series": other, "values": "1x10"},
                    {"series": REQUESTS.format(p="prod"), "values": "0+300x10"},
                    {
                        "series": 'vdx_pexip_rate_limit_budget_requests_per_second{platform="prod"}',
                        "values": "10x10",
                    },
                ],
                "promql_expr_test": [
                    {
                        "expr": "vdx:resources_stalled:count",
                        "eval_time": "5m",
                        "exp_samples": [
                            {
                                "labels": "vdx:resources_stalled:count"
                                '{platform="prod",kind="Domain",reason="DomainClaimedElsewhere"}',
                                "value": 2,
                            }
                        ],
                    },
                    {
                        "expr": "vdx:pexip_budget:utilisation",
                        "eval_time": "8m",
                        "exp_samples": [
                            {"labels": 'vdx:pexip_budget:utilisation{platform="prod"}', "value": 0.5}
                        ],
                    },
                ],
            }
        ],
    }
    path = tmp_path / "records.test.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    result = promtool("test", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("alert", alerts(), ids=lambda a: a.name)
def test_annotations_name_what_they_are_about(alert: Any) -> None:
    """Summary and description name the platform, tenant and resource the alert is about (each
    where the alert's labels have it), carry a severity and a runbook link to its section."""
    rule = SHIPPED[alert.name]
    text = rule["annotations"]["summary"] + rule["annotations"]["description"]
    if "platform" in alert.expr or "vdx_platform_up" in alert.expr or "Stalled" in alert.expr:
        assert "$labels.platform" in text
    if "vdx_resource_condition" in alert.expr or "certificate" in alert.expr:
        assert {"$labels.tenant", "$labels.name", "$labels.namespace"} <= set(
            re.findall(r"\$labels\.\w+", text)
        )
    assert rule["labels"]["severity"] in ("critical", "warning", "info")
    assert rule["annotations"]["runbook_url"] == f"docs/operations.md#{alert.name.lower()}"
    assert "{for}" not in text


def test_every_runbook_link_has_its_section() -> None:
    """Each alert's runbook_url anchor is a `### <alert>` heading of docs/operations.md."""
    from vdx.paths import REPO_ROOT

    headings = {
        line.removeprefix("### ").strip().lower()
        for line in (REPO_ROOT / "docs" / "operations.md").read_text().splitlines()
        if line.startswith("### ")
    }
    for alert in alerts():
        assert alert.anchor in headings, f"docs/operations.md has no section for {alert.name}"

"""The service-goal queries run by Prometheus' own engine (`promtool test rules`, its
`promql_expr_tests`) over three hours of made-up series: the month is [00:00, 03:00) of
1970-01-01, so the `@` timestamps the queries carry land inside the test's timeline.

What is held: writes that succeeded as a share, drift incidents as alert episodes (not
corrections), the fewest days left on a certificate, distinct critical alerts, and each platform's
figures apart from the other's.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import yaml

from tests.monitoring.prom import PROMTOOL, needs_promtool
from vdx.stats.prometheus_goals import goal_queries

FIRST = datetime(1970, 1, 1, tzinfo=UTC)
END = datetime(1970, 1, 1, 3, 0, tzinfo=UTC)


def alert(name: str, platform: str | None, severity: str, state: str = "firing", **more: str) -> str:
    labels = {"alertname": name, "alertstate": state, "severity": severity, **more}
    if platform is not None:
        labels["platform"] = platform
    return "ALERTS{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"


DRIFT = {"kind": "MeetingRoom", "resource": "conference"}
SERIES = {
    # Write requests on prod: 9 of 10 answered 2xx each minute; GETs and stage do not count.
    'vdx_pexip_requests_total{platform="prod",method="POST",resource="conference",status="201"}': "0+9x180",
    'vdx_pexip_requests_total{platform="prod",method="PATCH",resource="conference",status="503"}': "0+1x180",
    'vdx_pexip_requests_total{platform="prod",method="GET",resource="conference",status="500"}': "0+50x180",
    'vdx_pexip_requests_total{platform="stage",method="POST",resource="conference",status="500"}': "0+9x180",
    'vdx_pexip_writes_total{platform="prod",resource="conference",action="update"}': "0+2x180",
    # Drift: corrections all along (events), the alert on prod fired twice (two episodes of 20 and
    # 10 minutes, 30 minutes apart), once on stage.
    'vdx_drift_corrections_total{kind="MeetingRoom",resource="conference",platform="prod"}': "0+1x180",
    'vdx_drift_corrections_total{kind="MeetingRoom",resource="conference",platform="stage"}': "0+5x180",
    alert("VdxDriftCorrectionsHigh", "prod", "warning", **DRIFT): "_x10 1x20 _x30 1x10 _x108",
    alert("VdxDriftCorrectionsHigh", "stage", "warning", **DRIFT): "_x50 1x20 _x108",
    # Certificates: prod's fewest days left was 10 (renewed at minute 2), stage's 2.
    'vdx:certificate_expiry:days{namespace="rh",name="a",tenant="rh",platform="prod"}': "30 20 10 100x177",
    'vdx:certificate_expiry:days{namespace="rh",name="b",tenant="rh",platform="prod"}': "60x180",
    'vdx:certificate_expiry:days{namespace="st",name="a",tenant="st",platform="stage"}': "2x180",
    # Renewals: notAfter of rh/a changed once; st/a (stage) twice.
    'vdx_certificate_expiry_timestamp_seconds{namespace="rh",name="a"}': "1000x2 9000x178",
    'vdx_certificate_expiry_timestamp_seconds{namespace="rh",name="b"}': "5000x180",
    'vdx_certificate_expiry_timestamp_seconds{namespace="st",name="a"}': "1 2 3x178",
    'vdx_tenant_info{tenant="rh",namespace="rh",platform="prod"}': "1x180",
    'vdx_tenant_info{tenant="st",namespace="st",platform="stage"}': "1x180",
    # Alerts: critical on prod, critical on no platform (no leader), critical on stage, a pending
    # critical, and a warning on prod.
    alert("VdxPexipUnreachable", "prod", "critical"): "1x10",
    alert("VdxNoLeader", None, "critical", job="vdx-operator"): "_x100 1x3",
    alert("VdxPexipUnreachable", "stage", "critical"): "1x10",
    alert("VdxCertificateExpired", "prod", "critical", state="pending"): "1x10",
    alert("VdxResourceStalled", "prod", "warning"): "1x10",
}


def expected(platform: str) -> dict[str, float]:
    if platform == "prod":
        # Alerts fired: unreachable, no leader, the stalled warning, the drift alert (one series).
        return dict(zip(LABELS, [0.9, 2, 10, 2, 360, 180, 1, 4], strict=True))
    return dict(zip(LABELS, [0.0, 1, 2, 2, 0, 900, 2, 3], strict=True))


LABELS = [q.label for q in goal_queries("prod", FIRST, END)]


@needs_promtool
def test_the_queries_in_prometheus(tmp_path: Path) -> None:
    tests = []
    for platform in ("prod", "stage"):
        for query in goal_queries(platform, FIRST, END):
            value = expected(platform)[query.label]
            if query.label == "Changes written to Pexip" and platform == "stage":
                continue  # no series at all: the report reads it as 0 (the query's `empty`)
            tests.append(
                {"expr": query.expr, "eval_time": "180m", "exp_samples": [{"labels": "{}", "value": value}]}
            )
    document = {
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": s, "values": v} for s, v in SERIES.items()],
                "promql_expr_test": tests,
            }
        ],
    }
    path = tmp_path / "goals-test.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    assert PROMTOOL is not None
    result = subprocess.run(
        [str(PROMTOOL), "test", "rules", str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr

"""The Tenant's FirewallReady condition, end to end: the operator reads the tenant's readiness
ConfigMap (what `vdx ports publish` and `vdx ports accept` write into the tree) and reports Unknown,
True, then False when the published table changes under a passing report."""

from __future__ import annotations

from datetime import UTC, datetime

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.e2e.harness import Harness, condition, wait_for, wait_ready
from tests.e2e.test_lifecycle import DOMAIN
from vdx.ports.probe_plan import ProbeCheck, ProbeSpec
from vdx.ports.readiness import PUBLISHED_KEY, READINESS_CONFIGMAP
from vdx.ports.report import CheckResult, ProbeReport
from vdx.testing.operator import OperatorThread


def _files(h: Harness, table: str, report_table: str) -> dict[str, str]:
    now = datetime.now(UTC)
    spec = ProbeSpec(
        tenant=h.tenant,
        platform=h.platform,
        generated=now,
        table_fingerprint=table,
        checks=(ProbeCheck(id="tls", kind="tls", host=DOMAIN, port=443, name=DOMAIN),),
    )
    checks = (
        CheckResult(
            id="tls",
            kind="tls",
            target=f"{DOMAIN}:443",
            required=True,
            status="pass",
            reason="ok",
            message="",
        ),
    )
    report = ProbeReport(
        tenant=h.tenant,
        platform=h.platform,
        table_fingerprint=report_table,
        tool="vdx test",
        started=now,
        finished=now,
        public_address="127.0.0.1",
        passed=True,
        checks=checks,
    )
    return {PUBLISHED_KEY: spec.model_dump_json(), "report-1.json": report.model_dump_json()}


def _put(h: Harness, data: dict[str, str]) -> None:
    core = client.CoreV1Api(h.api)
    body = client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name=READINESS_CONFIGMAP, namespace=h.namespace), data=data
    )
    try:
        core.create_namespaced_config_map(h.namespace, body)
    except ApiException as exc:
        if exc.status != 409:
            raise
        core.replace_namespaced_config_map(READINESS_CONFIGMAP, h.namespace, body)


def _firewall(h: Harness, status: str, reason: str) -> dict[str, str]:
    def seen() -> dict[str, str] | None:
        cond = condition(h.get("tenants", h.tenant, namespaced=False), "FirewallReady")
        return cond if cond and cond["status"] == status and cond["reason"] == reason else None

    return wait_for(seen, 30, f"FirewallReady {status} {reason}")  # type: ignore[no-any-return]


def test_firewall_ready_follows_the_readiness_configmap(operator: OperatorThread, h: Harness) -> None:
    h.platform_and_tenant([DOMAIN])
    wait_ready(h, "tenants", h.tenant, namespaced=False)
    assert "vdx ports probe" in _firewall(h, "Unknown", "NoReport")["message"]
    try:
        _put(h, _files(h, "sha256:1111111111111111", "sha256:1111111111111111"))
        assert "every required opening worked" in _firewall(h, "True", "ProbePassed")["message"]
        # The table changes (TURN on 443, say) and MedCom republishes: the passing report is stale.
        _put(h, _files(h, "sha256:2222222222222222", "sha256:1111111111111111"))
        assert "sha256:2222222222222222" in _firewall(h, "False", "TableChanged")["message"]
        # The Tenant itself stays Ready: the firewall is the municipality's, not the platform's state.
        assert condition(h.get("tenants", h.tenant, namespaced=False), "Ready")["status"] == "True"  # type: ignore[index]
    finally:
        client.CoreV1Api(h.api).delete_namespaced_config_map(READINESS_CONFIGMAP, h.namespace)

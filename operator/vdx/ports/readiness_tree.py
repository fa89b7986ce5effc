"""Where readiness lives in the GitOps tree: `readiness/<tenant>/firewall-readiness.yaml`, a ConfigMap
in the tenant's namespace holding the published probe file and the reports merged by pull request.

A ConfigMap rather than loose JSON files, because the tree is applied as it is (kubectl, Argo CD):
the operator reads the tenant's readiness from the cluster, `vdx ports status` from the tree, and
both see the same files. Reports come back by pull request (docs/firewall.md says why): Git review
is the authentication, and nothing outside it writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vdx.api.loader import Tree
from vdx.ports.probe_plan import ProbeSpec
from vdx.ports.readiness import PUBLISHED_KEY, READINESS_CONFIGMAP
from vdx.ports.report import ProbeReport, load_report
from vdx.yamlio import dump_yaml, load_all

FOLDER = "readiness"
FILE = "firewall-readiness.yaml"
KEEP_REPORTS = 10  # the latest decides; a few earlier ones show the history, Git keeps the rest


def path_of(root: Path, tenant: str) -> Path:
    return root / FOLDER / tenant / FILE


def files_in(tree: Tree, namespace: str) -> dict[str, str] | None:
    """The readiness ConfigMap's data for a namespace, as loaded with the tree; None when absent."""
    for document, _source in tree.others:
        meta = document.get("metadata") or {}
        if (
            document.get("kind") == "ConfigMap"
            and meta.get("name") == READINESS_CONFIGMAP
            and meta.get("namespace") == namespace
        ):
            return {str(k): str(v) for k, v in (document.get("data") or {}).items()}
    return None


def _read(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    for document in load_all(path.read_text(encoding="utf-8")):
        if isinstance(document, dict) and document.get("kind") == "ConfigMap":
            return {str(k): str(v) for k, v in (document.get("data") or {}).items()}
    return {}


def _write(path: Path, tenant: str, namespace: str, data: dict[str, str]) -> None:
    manifest: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": READINESS_CONFIGMAP,
            "namespace": namespace,
            "labels": {"vdx.medcom.dk/tenant": tenant, "vdx.medcom.dk/firewall-readiness": "true"},
        },
        "data": dict(sorted(data.items())),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        "# Firewall readiness of this tenant: the probe file MedCom publishes (probe.json, written by\n"
        "# `vdx ports publish`) and the reports its network team sent back (`vdx ports accept`).\n"
        "# The operator sets the Tenant's FirewallReady condition from it; see docs/firewall.md.\n"
    )
    path.write_text(header + dump_yaml(manifest), encoding="utf-8")


def publish(root: Path, tenant: str, namespace: str, spec: ProbeSpec) -> tuple[bool, str | None]:
    """Write the tenant's probe file when its table changed; (written, the fingerprint replaced).
    After a change every earlier report of the tenant is stale."""
    path = path_of(root, tenant)
    data = _read(path)
    previous = None
    if PUBLISHED_KEY in data:
        previous = ProbeSpec.model_validate_json(data[PUBLISHED_KEY]).table_fingerprint
    if previous == spec.table_fingerprint:
        return False, previous  # same table: keep the file (and its date), so Git shows no change
    data[PUBLISHED_KEY] = spec.model_dump_json(indent=2) + "\n"
    _write(path, tenant, namespace, data)
    return True, previous


def report_key(report: ProbeReport) -> str:
    return f"report-{report.finished.strftime('%Y%m%dT%H%M%SZ')}.json"


def accept(root: Path, tenant: str, namespace: str, platform: str, text: str, source: str) -> ProbeReport:
    """Add a report to the tenant's readiness after checking it is one, for this tenant and platform;
    keeps the latest KEEP_REPORTS."""
    report = load_report(text, source)
    if report.tenant != tenant or report.platform != platform:
        raise ValueError(
            f"{source} is a report for {report.tenant} on {report.platform}, not for {tenant} on {platform}; "
            "accept it for the tenant it was made for"
        )
    path = path_of(root, tenant)
    data = _read(path)
    data[report_key(report)] = report.model_dump_json(indent=2) + "\n"
    reports = sorted(k for k in data if k.startswith("report-"))
    for old in reports[:-KEEP_REPORTS]:
        del data[old]
    _write(path, tenant, namespace, data)
    return report

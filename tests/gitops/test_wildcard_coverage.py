"""A wildcard covers exactly one label: `vdx check`, `vdx plan` and the Domain's decision agree.

The operator and `vdx plan` once took `*.vdx.rm.dk` to cover `vdx.rm.dk` and `a.b.vdx.rm.dk` while
`vdx check` refused both; the rule now exists once (`vdx.api.names`), and every layer words the
refusal the same way. The operator itself is held to it on the real control plane in
`tests/e2e/test_wildcard.py`.
"""

from __future__ import annotations

import pytest

from vdx.api.loader import load_text
from vdx.api.names import certificate_covers, certificate_not_covering
from vdx.gitops.planning import Desired, Observed, plan_platform
from vdx.pexip.models import SystemLocation
from vdx.policies.engine import check_workspace
from vdx.policies.source import Workspace, add_text

TREE = """
apiVersion: vdx.medcom.dk/v1alpha1
kind: PexipPlatform
metadata: {name: prod}
spec:
  url: https://pexip-mgmt.vdx.medcom.dk
  environment: Production
  credentials:
    method: Basic
    secretRef: {namespace: vdx-system, name: pexip-prod-credentials}
---
apiVersion: vdx.medcom.dk/v1alpha1
kind: Tenant
metadata:
  name: rm
  labels: {vdx.medcom.dk/organisation: rm}
  annotations: {vdx.medcom.dk/skip-promotion-check: the test has no stage}
spec:
  organisationKind: Region
  displayName: Region Midtjylland
  namespace: vdx-rm
  platformRef: {name: prod}
  domains: [vdx.rm.dk, a.b.vdx.rm.dk, join.vdx.rm.dk]
---
apiVersion: vdx.medcom.dk/v1alpha1
kind: TlsCertificate
metadata: {name: wildcard, namespace: vdx-rm}
spec:
  secretRef: {name: tls-wildcard}
  dnsNames: ['*.vdx.rm.dk']
"""


def _domain(name: str, fqdn: str) -> str:
    return f"""---
apiVersion: vdx.medcom.dk/v1alpha1
kind: Domain
metadata: {{name: {name}, namespace: vdx-rm}}
spec:
  fqdn: {fqdn}
  uses: [SIP]
  tlsCertificateRef: {{name: wildcard}}
"""


TEXT = (
    TREE + _domain("apex", "vdx.rm.dk") + _domain("deep", "a.b.vdx.rm.dk") + _domain("one", "join.vdx.rm.dk")
)


@pytest.mark.parametrize(
    ("name", "fqdn", "covered"),
    [
        ("*.vdx.rm.dk", "join.vdx.rm.dk", True),
        ("*.vdx.rm.dk", "JOIN.vdx.rm.dk", True),
        ("*.vdx.rm.dk", "vdx.rm.dk", False),
        ("*.vdx.rm.dk", "a.b.vdx.rm.dk", False),
        ("*.vdx.rm.dk", ".vdx.rm.dk", False),
        ("*.vdx.rm.dk", "*.vdx.rm.dk", True),
        ("*.vdx.rm.dk", "*.a.vdx.rm.dk", False),
        ("*.vdx.rm.dk", "joinvdx.rm.dk", False),
        ("vdx.rm.dk", "vdx.rm.dk", True),
        ("vdx.rm.dk", "join.vdx.rm.dk", False),
    ],
)
def test_a_wildcard_covers_exactly_one_label(name: str, fqdn: str, covered: bool) -> None:
    assert certificate_covers(name, fqdn) is covered


def _expected(fqdn: str) -> tuple[str, str]:
    problem = certificate_not_covering("TlsCertificate vdx-rm/wildcard", ["*.vdx.rm.dk"], fqdn)
    assert problem is not None
    return problem


def test_vdx_check_refuses_the_apex_and_two_labels_down() -> None:
    workspace = Workspace()
    add_text(workspace, TEXT, "tree.yaml")
    findings = [f for f in check_workspace(workspace) if f.rule == "certificate-covers-domain"]
    got = sorted((f.resource.name if f.resource else "", f.message, f.fix) for f in findings)
    assert got == [
        ("apex", *_expected("vdx.rm.dk")),
        ("deep", *_expected("a.b.vdx.rm.dk")),
    ]
    assert all(f.field == "spec.tlsCertificateRef.name" for f in findings)


def test_vdx_plan_refuses_them_with_the_same_words_and_binds_the_covered_one() -> None:
    location = SystemLocation(
        id=1, resource_uri="/api/admin/configuration/v1/system_location/1/", name="Default location"
    )
    plan = plan_platform(Desired(tree=load_text(TEXT), platform="prod"), Observed.holding([location]))
    got = sorted((p.source, p.field, p.message) for p in plan.problems)
    assert got == [
        ("Domain vdx-rm/apex", "spec.tlsCertificateRef.name", "; ".join(_expected("vdx.rm.dk"))),
        ("Domain vdx-rm/deep", "spec.tlsCertificateRef.name", "; ".join(_expected("a.b.vdx.rm.dk"))),
    ]

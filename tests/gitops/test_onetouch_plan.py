"""`vdx plan` for a OneTouchJoin's secrets: the operator's decision, without the operator's record.

The operator keeps a record of what it sent per object (status) and resends to the objects whose
source changed; `vdx plan` has no such record, so it plans no secret once Pexip holds the objects,
and with `--resend-secrets` plans them for every object that carries one: what the operator does
for a OneTouchJoin with no record (never reconciled, or its status lost).
"""

from __future__ import annotations

from typing import Any

from tests.gitops.conftest import RM_TENANT
from vdx.api.loader import load_text
from vdx.gitops.planning import Desired, Observed, PlatformPlan, plan_platform, resolve
from vdx.pexip import models

LOCATION = models.SystemLocation(
    id=1, name="Region Midtjylland", resource_uri="/api/admin/configuration/v1/system_location/1/"
)
CLIENT_SECRET, PASSWORD = "CANARY-otj-graph-1c9a", "CANARY-otj-endpoint-6e02"

TREE = (
    RM_TENANT
    + """---
apiVersion: vdx.medcom.dk/v1alpha1
kind: OneTouchJoin
metadata: {name: otj, namespace: vdx-rm}
spec:
  calendar:
    type: Microsoft365
    entraTenantId: 1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0
    applicationId: 9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a
    credentialsSecretRef: {name: otj-graph}
  endpointGroups:
  - name: rooms
    systemLocation: Region Midtjylland
    endpoints:
    - {name: mr-1, type: Cisco, roomMailbox: mr1@rm.dk, address: mr1.rm.dk,
       credentialsSecretRef: {name: otj-mr}}
    - {name: mr-2, type: Poly, roomMailbox: mr2@rm.dk, address: mr2.rm.dk,
       credentialsSecretRef: {name: otj-mr}}
    - {name: mr-3, type: Webex, roomMailbox: mr3@rm.dk, webexDeviceId: webex-3}
"""
)
SECRETS = {
    ("vdx-rm", "otj-graph"): {"clientSecret": CLIENT_SECRET},
    ("vdx-rm", "otj-mr"): {"username": "admin", "password": PASSWORD},
}
MODELS: dict[str, type[Any]] = {
    "mjx_graph_deployment": models.MjxGraphDeployment,
    "mjx_integration": models.MjxIntegration,
    "mjx_endpoint_group": models.MjxEndpointGroup,
    "mjx_endpoint": models.MjxEndpoint,
    "mjx_meeting_processing_rule": models.MjxMeetingProcessingRule,
}


def _plan(observed: Observed, **desired: Any) -> PlatformPlan:
    return plan_platform(Desired(tree=load_text(TREE), platform="prod", secrets=SECRETS, **desired), observed)


def _applied() -> Observed:
    """What Pexip holds once the first plan is applied (its creates, secrets left out)."""
    plan = _plan(Observed.holding([LOCATION]))
    uris: dict[str, str] = {}
    made: list[Any] = [LOCATION]
    for n, step in enumerate(plan.steps, start=1):
        change = step.change
        uri = f"/api/admin/configuration/v1/{change.resource}/{n}/"
        if step.provides is not None:
            uris[step.provides] = uri
        fields = {k: resolve(v, uris) for k, v in change.fields.items() if k not in change.secret_fields}
        made.append(MODELS[change.resource](id=n, resource_uri=uri, **fields))
    return Observed.holding(made)


def test_applied_nothing_is_resent_unless_asked_and_then_to_every_object_with_a_secret() -> None:
    observed = _applied()
    assert _plan(observed).steps == []
    resent = _plan(observed, resend_secrets=True).steps
    assert sorted((s.change.label, *sorted(s.change.fields)) for s in resent) == [
        ("vdx-rm/otj", "client_secret"),
        ("vdx-rm/otj/mr-1", "api_password"),
        ("vdx-rm/otj/mr-2", "poly_password"),
    ]
    assert all(set(s.change.fields) == s.change.secret_fields for s in resent)

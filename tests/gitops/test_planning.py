"""The pure parts of plan/apply: ownership offline, observe-only, placeholders, rendering, Secrets."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from vdx.api.loader import Tree, load_text
from vdx.controller.plan import Change
from vdx.gitops.planning import (
    Desired,
    Observed,
    PlatformPlan,
    Step,
    pending,
    plan_platform,
    resolve,
    unresolved,
)
from vdx.gitops.render import render_markdown, render_text
from vdx.gitops.workspace import WorkspaceError, load_secrets
from vdx.pexip.models import SystemLocation, TurnServer

TREE = """
apiVersion: vdx.medcom.dk/v1alpha1
kind: Tenant
metadata: {name: rm}
spec:
  organisationKind: Region
  displayName: Region Midtjylland
  namespace: vdx-rm
  platformRef: {name: prod}
  domains: [vdx.rm.dk]
---
apiVersion: vdx.medcom.dk/v1alpha1
kind: TurnService
metadata:
  name: turn
  namespace: vdx-rm
  annotations: {}
spec:
  address: turn.vdx.rm.dk
  credentialType: SharedSecret
  secretRef: {name: turn-secret}
"""


def _tree(extra: str = "", annotations: str = "{}", policy: str = "") -> Tree:
    text = TREE.replace("annotations: {}", f"annotations: {annotations}")
    if policy:
        text += f"  managementPolicy: {policy}\n"
    return load_text(text + extra)


def _plan(observed: Observed, extra: str = "", annotations: str = "{}", policy: str = "") -> PlatformPlan:
    tree = _tree(extra, annotations, policy)
    secrets = {("vdx-rm", "turn-secret"): {"secret": "s3cret-value-123"}}
    return plan_platform(Desired(tree=tree, platform="prod", secrets=secrets), observed)


def _server(description: str, port: int = 3478) -> TurnServer:
    return TurnServer(
        id=7,
        resource_uri="/api/admin/configuration/v1/turn_server/7/",
        name="vdx-rm/turn",
        description=description,
        address="turn.vdx.rm.dk",
        port=port,
        server_type="coturn_shared",
        transport_type="udp",
    )


def test_an_object_with_our_name_but_no_marker_is_refused_not_adopted() -> None:
    plan = _plan(Observed.holding([_server("made by hand")]))
    assert plan.steps == []
    assert len(plan.problems) == 1
    problem = str(plan.problems[0])
    assert problem.startswith("TurnService vdx-rm/turn, field metadata.name: a turn_server named vdx-rm/turn")
    assert "vdx.medcom.dk/adopt: /api/admin/configuration/v1/turn_server/7/" in problem


def test_the_adopt_annotation_takes_it_over_with_an_update() -> None:
    plan = _plan(
        Observed.holding([_server("made by hand")]),
        annotations="{vdx.medcom.dk/adopt: /api/admin/configuration/v1/turn_server/7/}",
    )
    assert plan.problems == []
    assert [s.change.action for s in plan.steps] == ["update"]
    assert dict(plan.steps[0].change.fields) == {"description": "[vdx:TurnService/vdx-rm/turn]"}


def test_the_marker_makes_it_ours_and_observe_only_writes_nothing() -> None:
    ours = _server("[vdx:TurnService/vdx-rm/turn]", port=5349)
    plan = _plan(Observed.holding([ours]))
    assert [s.change.describe() for s in plan.steps] == ["update turn_server vdx-rm/turn: port 5349 -> 3478"]
    plan = _plan(Observed.holding([ours]), policy="ObserveOnly")
    assert plan.steps == []
    assert plan.notes == [
        "TurnService vdx-rm/turn: managementPolicy is ObserveOnly, so nothing was written; Pexip differs: "
        "update turn_server vdx-rm/turn: port 5349 -> 3478"
    ]


def test_a_binding_waits_for_the_turn_server_it_names() -> None:
    domain = """
---
apiVersion: vdx.medcom.dk/v1alpha1
kind: TlsCertificate
metadata: {name: cert, namespace: vdx-rm}
spec: {secretRef: {name: tls}, dnsNames: [vdx.rm.dk]}
---
apiVersion: vdx.medcom.dk/v1alpha1
kind: Domain
metadata: {name: vdx-rm-dk, namespace: vdx-rm}
spec:
  fqdn: vdx.rm.dk
  uses: [SIP]
  tlsCertificateRef: {name: cert}
  turnServiceRef: {name: turn}
  systemLocation: Aarhus
"""
    location = SystemLocation(
        id=1,
        resource_uri="/api/admin/configuration/v1/system_location/1/",
        name="Aarhus",
        client_turn_servers=["/api/admin/configuration/v1/turn_server/99/"],
    )
    plan = _plan(Observed.holding([location]), extra=domain)
    create, bind = plan.steps
    assert create.provides == pending("turn_server", "vdx-rm/turn")
    assert bind.change.fields["client_turn_servers"] == [
        "/api/admin/configuration/v1/turn_server/99/",
        create.provides,
    ]
    assert unresolved(bind.change.fields.values()) == [create.provides]
    known = {create.provides: "/api/admin/configuration/v1/turn_server/100/"}
    assert resolve(bind.change.fields["client_turn_servers"], known)[-1].endswith("/100/")
    # Without the certificate's Secret it is listed, not guessed, and apply would need it.
    assert [u.text for u in plan.unknowns] == ["certificate from Secret vdx-rm/tls: known after apply"]
    assert plan.missing_secrets == {"Secret vdx-rm/tls": ["TlsCertificate vdx-rm/cert"]}


def test_secrets_are_masked_and_name_their_secret() -> None:
    plan = _plan(Observed())
    text = render_text(plan, "https://pexip.example")
    assert "s3cret-value-123" not in text
    assert "+ secret_key     = (sensitive value, from Secret vdx-rm/turn-secret)" in text
    assert "s3cret-value-123" not in render_markdown(plan, "https://pexip.example")


def test_markdown_code_fences_cannot_be_broken_out_of() -> None:
    change = Change("create", "turn_server", "x", fields={"description": "``` </details> ````"})
    plan = PlatformPlan("prod", tenants=["rm"], steps=[Step("rm", "TurnService vdx-rm/x", change)])
    out = render_markdown(plan, "https://pexip.example")
    assert "`````diff\n" in out
    assert out.count("`````") == 2


def test_secret_manifests_data_and_string_data(tmp_path: Path) -> None:
    encoded = base64.b64encode(b"from-data").decode()
    (tmp_path / "s.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: vdx-rm}\n"
        f"data: {{secret: {encoded}, other: {encoded}}}\nstringData: {{other: from-string-data}}\n",
        encoding="utf-8",
    )
    assert load_secrets(tmp_path).values == {
        ("vdx-rm", "a"): {"secret": "from-data", "other": "from-string-data"}
    }
    (tmp_path / "bad.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: b, namespace: vdx-rm}\ndata: {secret: not*base64}\n",
        encoding="utf-8",
    )
    with pytest.raises(WorkspaceError) as error:
        load_secrets(tmp_path)
    assert "Secret b, field data.secret: is not base64 of UTF-8 text" in str(error.value)
    assert "not*base64" not in str(error.value)


KUBECTL_LIST = """\
apiVersion: v1
items:
- apiVersion: v1
  data:
    secret: {secret}
  kind: Secret
  metadata:
    creationTimestamp: "2026-11-02T09:14:03Z"
    name: turn-secret
    namespace: vdx-rm
    resourceVersion: "48211"
    uid: 0b6f1a52-5f0e-4a43-9d43-5a1d1d6c2e11
  type: Opaque
- apiVersion: v1
  kind: ConfigMap
  metadata: {{name: not-a-secret, namespace: vdx-rm}}
  data: {{a: b}}
- apiVersion: v1
  kind: Secret
  metadata: {{name: pins, namespace: vdx-rm}}
  stringData: {{hostPin: "4711"}}
kind: List
metadata:
  resourceVersion: ""
"""


def test_load_secrets_reads_what_kubectl_get_secrets_writes(tmp_path: Path) -> None:
    encoded = base64.b64encode(b"shared-turn-secret").decode()
    (tmp_path / "secrets.yaml").write_text(KUBECTL_LIST.format(secret=encoded), encoding="utf-8")
    secrets = load_secrets(tmp_path)
    assert secrets.values == {
        ("vdx-rm", "turn-secret"): {"secret": "shared-turn-secret"},
        ("vdx-rm", "pins"): {"hostPin": "4711"},
    }
    assert [m["metadata"]["name"] for m in secrets.manifests] == ["turn-secret", "pins"]


def test_a_list_item_without_a_namespace_is_named_by_its_position(tmp_path: Path) -> None:
    (tmp_path / "secrets.yaml").write_text(
        "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: x}}\n",
        encoding="utf-8",
    )
    with pytest.raises(WorkspaceError) as error:
        load_secrets(tmp_path)
    assert "secrets.yaml items[0]: Secret x, field metadata.namespace" in str(error.value)
    (tmp_path / "secrets.yaml").write_text("apiVersion: v1\nkind: List\nitems: {}\n", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="List, field items: is not a list"):
        load_secrets(tmp_path)

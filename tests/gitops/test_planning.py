"""The pure parts of plan/apply: ownership offline, observe-only, placeholders, rendering, Secrets."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from tests.gitops.conftest import RM_TENANT
from vdx.api.loader import Tree, load_text
from vdx.cli.options import use_color
from vdx.controller.plan import Change
from vdx.gitops.planning import (
    Desired,
    Observed,
    PlatformPlan,
    Problem,
    Step,
    Unknown,
    pending,
    plan_platform,
    resolve,
    unresolved,
)
from vdx.gitops.render import render_json, render_markdown, render_text
from vdx.gitops.workspace import WorkspaceError, load_secrets
from vdx.pexip.models import SystemLocation, TurnServer

TREE = (
    RM_TENANT
    + """---
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
)


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


DOMAIN = """
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


def test_a_binding_waits_for_the_turn_server_it_names() -> None:
    location = SystemLocation(
        id=1,
        resource_uri="/api/admin/configuration/v1/system_location/1/",
        name="Aarhus",
        client_turn_servers=["/api/admin/configuration/v1/turn_server/99/"],
    )
    plan = _plan(Observed.holding([location]), extra=DOMAIN)
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


API = "/api/admin/configuration/v1"


def _locations(**lists: list[str]) -> list[SystemLocation]:
    return [
        SystemLocation(
            id=n,
            resource_uri=f"/api/admin/configuration/v1/system_location/{n}/",
            name=name,
            client_turn_servers=turns,
        )
        for n, (name, turns) in enumerate(lists.items(), start=1)
    ]


def _bindings(plan: PlatformPlan) -> list[tuple[str, list[str]]]:
    return [
        (s.change.label, s.change.fields["client_turn_servers"])
        for s in plan.steps
        if s.change.resource == "system_location"
    ]


def test_an_entry_of_our_turn_server_elsewhere_stays_while_the_domain_s_binding_is_in_place() -> None:
    """Listed by hand, or left by a Domain deleted with deletionPolicy Orphan: nothing says it was a
    Domain's old binding, and the operator, which reads bindings from the statuses, leaves it too."""
    ours = _server("[vdx:TurnService/vdx-rm/turn]")
    observed = Observed.holding([ours], _locations(Aarhus=[ours.resource_uri], Horsens=[ours.resource_uri]))
    assert _bindings(_plan(observed, extra=DOMAIN)) == []


def test_two_entries_that_could_each_be_the_old_binding_are_left_with_a_note() -> None:
    ours = _server("[vdx:TurnService/vdx-rm/turn]")
    uri = ours.resource_uri
    observed = Observed.holding([ours], _locations(Aarhus=[], Horsens=[uri], Skive=[uri]))
    plan = _plan(observed, extra=DOMAIN)
    assert _bindings(plan) == [("Aarhus", [uri])]
    assert plan.notes == [
        "Domain vdx-rm/vdx-rm-dk: its old TURN binding is one of vdx-rm/turn in Horsens, vdx-rm/turn in "
        "Skive (no Domain of the tree asks for them); offline the plan cannot tell which, so it takes "
        "none off. The operator takes off the one the Domain recorded; otherwise remove the old entry "
        "from the location's client TURN servers in the admin UI"
    ]
    # One such entry is the old binding: it comes off after the new one is made.
    observed = Observed.holding(
        [ours], _locations(Aarhus=[], Horsens=[uri, "/api/admin/configuration/v1/turn_server/1/"])
    )
    plan = _plan(observed, extra=DOMAIN)
    assert _bindings(plan) == [("Aarhus", [uri]), ("Horsens", ["/api/admin/configuration/v1/turn_server/1/"])]
    assert plan.notes == []


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


def _mixed_plan() -> PlatformPlan:
    """Two tenants: rm with one create, one update, one delete; aarhus with only an unknown."""
    steps = [
        Step("rm", "TurnService vdx-rm/t", Change("create", "turn_server", "vdx-rm/t", fields={"port": 1})),
        Step(
            "rm",
            "Domain vdx-rm/d",
            Change("update", "system_location", "RM", fields={"mtu": 1400}, before={"mtu": 1500}),
        ),
        Step("rm", "CviBranding vdx-rm/b", Change("delete", "webapp_branding", "old")),
    ]
    unknowns = [Unknown("aarhus", "TlsCertificate vdx-aarhus/c", "tls_certificate", "c", "certificate")]
    return PlatformPlan("prod", tenants=["aarhus", "rm"], steps=steps, unknowns=unknowns)


def test_text_shows_only_what_changes_and_a_terraform_summary() -> None:
    plan = _mixed_plan()
    text = render_text(plan, "https://pexip.example")
    assert "Tenant rm (1 to add, 1 to change, 1 to destroy)" in text
    assert "aarhus" not in text.split("Plan:")[0].split("tenants", 1)[1]
    assert "1 certificate is known only after apply" in text
    assert "1 tenant has nothing to change and only objects known after apply, so not listed" in text
    assert "\nPlan: 1 to add, 1 to change, 1 to destroy.\n" in text
    assert "\x1b[" not in text
    # Markdown and JSON stay complete: the tenant with only an unknown is there.
    assert "<b>aarhus</b>" in render_markdown(plan, "https://pexip.example")
    assert '"tenant": "aarhus"' in render_json(plan, "https://pexip.example")
    plan.problems.append(Problem("Domain vdx-rm/d", "spec.fqdn", "not claimed"))
    text = render_text(plan, "https://pexip.example")
    assert "\nPlan: 1 to add, 1 to change, 1 to destroy, 1 refused.\n" in text
    assert '"refused": 1' in render_json(plan, "https://pexip.example")


def test_colour_follows_terraform() -> None:
    plan = _mixed_plan()
    plan.problems.append(Problem("Domain vdx-rm/d", "spec.fqdn", "not claimed"))
    text = render_text(plan, "https://pexip.example", color=True)
    assert '  \x1b[32m+\x1b[0m turn_server "vdx-rm/t" {' in text
    assert '  \x1b[33m~\x1b[0m system_location "RM" {' in text
    assert '  \x1b[31m-\x1b[0m webapp_branding "old"' in text
    assert "\x1b[1m\x1b[31mError:\x1b[0m Domain vdx-rm/d, field spec.fqdn: not claimed" in text
    assert "\x1b[1mPlan: 1 to add, 1 to change, 1 to destroy, 1 refused.\x1b[0m" in text
    # Without the escape codes it is exactly the plain text.
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert plain == render_text(plan, "https://pexip.example")


@pytest.mark.parametrize(
    ("no_color", "environ", "terminal", "expected"),
    [
        (False, {}, True, True),
        (False, {}, False, False),
        (True, {}, True, False),
        (False, {"NO_COLOR": "1"}, True, False),
        (False, {"NO_COLOR": ""}, True, True),
    ],
)
def test_colour_only_on_a_terminal_without_no_color(
    no_color: bool, environ: dict[str, str], terminal: bool, expected: bool
) -> None:
    assert use_color(no_color, environ, terminal) is expected

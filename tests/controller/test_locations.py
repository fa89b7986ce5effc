"""PexipPlatform spec.systemLocations: the one decision (`planners.locations.decide`), the Domain's
wait for a declared location, and `vdx plan` putting the locations before the bindings (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from vdx.api.loader import LoadError, load_text
from vdx.api.platform import SystemLocation as Declared
from vdx.controller.conditions import Phase
from vdx.controller.planners.common import Dependency, DependencyState
from vdx.controller.planners.domain import DomainInputs
from vdx.controller.planners.domain import decide as decide_domain
from vdx.controller.planners.locations import LocationInputs, decide, placeholder
from vdx.gitops.offline import PLATFORM_SCOPE
from vdx.gitops.planning import Desired, Observed, plan_platform
from vdx.gitops.render import render_text
from vdx.pexip.models import SystemLocation, TurnServer

URI = "/api/admin/configuration/v1/system_location/{}/"


def observed(id_: int, name: str, **fields: Any) -> SystemLocation:
    return SystemLocation.model_validate({"id": id_, "resource_uri": URI.format(id_), "name": name, **fields})


def declared(name: str, **fields: Any) -> Declared:
    return Declared.model_validate({"name": name, **fields})


def test_a_missing_location_is_created_with_only_the_fields_the_tree_sets() -> None:
    decision = decide(LocationInputs("prod", [declared("Horsens Kommune", mtu=1400)]), [])
    (change,) = decision.plan.changes
    assert (change.action, change.resource, change.label) == ("create", "system_location", "Horsens Kommune")
    assert dict(change.fields) == {"name": "Horsens Kommune", "mtu": 1400}
    assert decision.provides == {0: placeholder("Horsens Kommune")}
    assert decision.uris == {"Horsens Kommune": placeholder("Horsens Kommune")}
    assert decision.plan.outcome.phase is Phase.PROGRESSING
    assert not decision.plan.blocked


def test_an_existing_location_of_the_same_name_is_adopted_not_created_twice() -> None:
    node = [observed(5, "Aarhus Kommune", description="set by hand", mtu=1500, client_turn_servers=["/t/1/"])]
    decision = decide(LocationInputs("prod", [declared("Aarhus Kommune")]), node)
    assert decision.plan.changes == []
    assert decision.plan.outcome.phase is Phase.READY
    assert decision.uris == {"Aarhus Kommune": URI.format(5)}


def test_only_the_fields_set_and_different_are_updated() -> None:
    node = [
        observed(
            5, "Aarhus Kommune", description="old", mtu=1500, media_qos=46, client_turn_servers=["/t/1/"]
        )
    ]
    wanted = declared("Aarhus Kommune", description="new", mtu=1500)
    (change,) = decide(LocationInputs("prod", [wanted]), node).plan.changes
    assert (change.action, change.uri) == ("update", URI.format(5))
    # mtu already matches; media_qos and the Domains' client TURN servers are not the tree's.
    assert dict(change.fields) == {"description": "new"}
    assert dict(change.before) == {"description": "old"}


def test_locations_the_tree_does_not_name_are_left_alone() -> None:
    node = [observed(1, "Default location"), observed(2, "VDX Internet Edge", mtu=1300)]
    decision = decide(LocationInputs("prod", [declared("MedCom")]), node)
    assert [(c.action, c.label) for c in decision.plan.changes] == [("create", "MedCom")]
    assert decision.uris == {"MedCom": placeholder("MedCom")}
    # Nothing declared: nothing written, whatever the node holds.
    assert decide(LocationInputs("prod", []), node).plan.changes == []


def test_references_to_existing_new_and_later_locations() -> None:
    node = [observed(3, "VDX Transcoding")]
    decision = decide(
        LocationInputs(
            "prod",
            [
                # Names one created after it: the reference follows in an update, once both exist.
                declared(
                    "Aarhus Kommune", transcoding_location="VDX Transcoding", overflow_locations=["Spare"]
                ),
                declared("Spare", transcoding_location="VDX Transcoding"),
                declared("VDX Transcoding"),
            ],
        ),
        node,
    )
    changes = decision.plan.changes
    assert [(c.action, c.label) for c in changes] == [
        ("create", "Aarhus Kommune"),
        ("create", "Spare"),
        ("update", "Aarhus Kommune"),
    ]
    assert dict(changes[0].fields) == {"name": "Aarhus Kommune", "transcoding_location": URI.format(3)}
    assert dict(changes[1].fields) == {"name": "Spare", "transcoding_location": URI.format(3)}
    assert changes[2].uri == placeholder("Aarhus Kommune")
    assert dict(changes[2].fields) == {"overflow_location1": placeholder("Spare")}
    assert decision.provides == {0: placeholder("Aarhus Kommune"), 1: placeholder("Spare")}


def test_a_reference_to_a_created_location_earlier_in_the_list_goes_into_the_create() -> None:
    decision = decide(
        LocationInputs("prod", [declared("Core"), declared("Edge", transcoding_location="Core")]), []
    )
    assert [dict(c.fields) for c in decision.plan.changes] == [
        {"name": "Core"},
        {"name": "Edge", "transcoding_location": placeholder("Core")},
    ]


def test_an_empty_overflow_list_clears_both_and_a_set_one_is_compared_by_uri() -> None:
    node = [
        observed(1, "A", overflow_location1=URI.format(2), overflow_location2=URI.format(3)),
        observed(2, "B"),
        observed(3, "C"),
    ]
    (change,) = decide(LocationInputs("prod", [declared("A", overflow_locations=[])]), node).plan.changes
    assert dict(change.fields) == {"overflow_location1": None, "overflow_location2": None}
    same = declared("A", overflow_locations=["B", "C"])
    assert decide(LocationInputs("prod", [same]), node).plan.changes == []


def test_a_reference_to_a_location_neither_declared_nor_in_pexip_is_refused_before_any_write() -> None:
    decision = decide(
        LocationInputs("prod", [declared("New"), declared("Edge", transcoding_location="Nowhere")]),
        [observed(1, "Default location")],
    )
    plan = decision.plan
    assert plan.blocked
    assert plan.changes == []
    assert plan.outcome.phase is Phase.STALLED
    assert plan.outcome.reason == "SystemLocationNotFound"
    assert plan.field_path == "spec.systemLocations[1].transcodingLocation"
    assert plan.outcome.message == (
        "spec.systemLocations[1].transcodingLocation names system location 'Nowhere', which PexipPlatform "
        "prod does not declare and Pexip does not have (it has 'Default location'); declare it in "
        "spec.systemLocations or name an existing one"
    )


def test_the_model_refuses_a_location_referring_to_itself_and_names_twice() -> None:
    with pytest.raises(LoadError) as refused:
        load_text(
            """
apiVersion: vdx.medcom.dk/v1alpha1
kind: PexipPlatform
metadata: {name: prod}
spec:
  url: https://pexip.example.dk
  environment: Production
  credentials: {secretRef: {namespace: vdx-system, name: creds}}
  systemLocations:
    - {name: A, transcodingLocation: A}
    - {name: A, overflowLocations: [A]}
"""
        )
    message = str(refused.value)
    assert "field spec.systemLocations: systemLocations names must be unique" in message
    assert (
        "field spec.systemLocations[0].transcodingLocation: transcodingLocation must name another" in message
    )
    assert "field spec.systemLocations[1].overflowLocations: overflowLocations must name other" in message


TREE = """
apiVersion: vdx.medcom.dk/v1alpha1
kind: PexipPlatform
metadata: {name: prod}
spec:
  url: https://pexip.example.dk
  environment: Production
  credentials: {secretRef: {namespace: vdx-system, name: creds}}
  systemLocations:
    - {name: Region Midtjylland, mtu: 1400}
---
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
kind: TlsCertificate
metadata: {name: cert, namespace: vdx-rm}
spec:
  dnsNames: [vdx.rm.dk]
  secretRef: {name: tls}
---
apiVersion: vdx.medcom.dk/v1alpha1
kind: TurnService
metadata: {name: turn, namespace: vdx-rm}
spec:
  address: turn.vdx.rm.dk
  credentialType: SharedSecret
  secretRef: {name: turn-secret}
---
apiVersion: vdx.medcom.dk/v1alpha1
kind: Domain
metadata: {name: rm, namespace: vdx-rm}
spec:
  fqdn: vdx.rm.dk
  uses: [WebApp]
  tlsCertificateRef: {name: cert}
  turnServiceRef: {name: turn}
  systemLocation: Region Midtjylland
"""


def test_domain_waits_for_a_declared_location_and_is_refused_an_undeclared_one() -> None:
    tree = load_text(TREE)
    domain = next(r.resource for r in tree.resources if type(r.resource).__name__ == "Domain")
    tenant = next(r.resource for r in tree.resources if type(r.resource).__name__ == "Tenant")
    inputs = DomainInputs(
        domain=domain,
        tenant=tenant,
        first_claim=None,
        certificate=Dependency("TlsCertificate", "vdx-rm", "cert", DependencyState.READY, "/cert/1/"),
        certificate_names=["vdx.rm.dk"],
        turn=Dependency("TurnService", "vdx-rm", "turn", DependencyState.READY, "/turn/1/"),
        declared_locations=frozenset({"Region Midtjylland"}),
    )
    waiting = decide_domain(inputs, [])
    assert waiting.blocked
    assert waiting.outcome.phase is Phase.PROGRESSING
    assert waiting.outcome.reason == "WaitingForSystemLocation"
    assert waiting.outcome.message == (
        "waiting for PexipPlatform prod to create system location 'Region Midtjylland' (its "
        "spec.systemLocations)"
    )
    refused = decide_domain(
        DomainInputs(**{**inputs.__dict__, "declared_locations": frozenset()}),
        [observed(1, "Default location")],
    )
    assert refused.outcome.phase is Phase.STALLED
    assert "declare the location in PexipPlatform prod's spec.systemLocations" in refused.outcome.message
    # Once the platform created it, the binding is made.
    bound = decide_domain(inputs, [observed(9, "Region Midtjylland")])
    assert [dict(c.fields) for c in bound.changes] == [{"client_turn_servers": ["/turn/1/"]}]


def test_plan_creates_the_location_first_and_binds_the_turn_server_to_its_placeholder() -> None:
    turn = TurnServer.model_validate(
        {
            "id": 1,
            "resource_uri": "/api/admin/configuration/v1/turn_server/1/",
            "name": "other",
            "address": "x",
        }
    )
    plan = plan_platform(
        Desired(load_text(TREE), "prod"), Observed.holding([observed(1, "Default location")], [turn])
    )
    assert not plan.problems, plan.problems
    location_steps = [s for s in plan.steps if s.change.resource == "system_location"]
    create, bind = location_steps
    assert (create.tenant, create.source, create.change.action) == (
        PLATFORM_SCOPE,
        "PexipPlatform prod",
        "create",
    )
    assert dict(create.change.fields) == {"name": "Region Midtjylland", "mtu": 1400}
    assert plan.steps.index(create) == 0  # before the TURN server and the binding
    assert (bind.change.action, bind.change.uri) == ("update", placeholder("Region Midtjylland"))
    assert bind.source == "Domain vdx-rm/rm"
    text = render_text(plan, "https://pexip.example.dk")
    assert text.index("PexipPlatform prod (1 to add, 0 to change, 0 to destroy)") < text.index("Tenant rm")
    assert '+ system_location "Region Midtjylland" {' in text
    assert "Default location" not in text  # not the tree's: not shown, not touched


def test_a_refused_platform_entry_leaves_its_domains_waiting_for_it_not_told_to_declare_it() -> None:
    tree = load_text(
        TREE.replace(
            "{name: Region Midtjylland, mtu: 1400}",
            "{name: Region Midtjylland, transcodingLocation: Nowhere}",
        )
    )
    plan = plan_platform(Desired(tree, "prod"), Observed.holding([observed(1, "Default location")]))
    assert [s for s in plan.steps if s.change.resource == "system_location"] == []
    problems = {p.source: (p.field, p.message) for p in plan.problems}
    field, message = problems["PexipPlatform prod"]
    assert field == "spec.systemLocations[0].transcodingLocation"
    assert "names system location 'Nowhere'" in message
    assert problems["Domain vdx-rm/rm"] == (
        "spec.systemLocation",
        "waiting for PexipPlatform prod to create system location 'Region Midtjylland' (its "
        "spec.systemLocations)",
    )

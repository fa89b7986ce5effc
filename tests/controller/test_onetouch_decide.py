"""OneTouchJoin's one decision, without I/O: the ordered creates with placeholders, secrets only
when needed, the default rules, deletes of what left the spec, and refusals naming field and fix."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from vdx.api.common import ManagementPolicy
from vdx.api.loader import load_tree
from vdx.api.names import ADOPT_ANNOTATION
from vdx.api.onetouch import CalendarType, EndpointType, OneTouchJoin, ProcessingRule
from vdx.api.tenant import Tenant
from vdx.controller.conditions import Phase
from vdx.controller.ownership import Owner
from vdx.controller.plan import is_pending, resolve
from vdx.controller.planners.onetouch import (
    AUTODISCOVER,
    ENDPOINT,
    GROUP,
    INTEGRATION,
    RULE,
    OtjInputs,
    OtjObserved,
    decide,
    default_rules,
    endpoint_name,
)
from vdx.controller.planners.onetouch_sent import CALENDAR, endpoint_key, keys_of
from vdx.paths import EXAMPLES_DIR
from vdx.pexip import models

OWNER = Owner("OneTouchJoin", "vdx-stage-rm", "stage-otj")
CLIENT_SECRET = "canary-otj-graph-71c0"
ENDPOINT_PASSWORD = "canary-otj-endpoint-4a2e"
LOCATION = models.SystemLocation(
    id=1, name="Region Midtjylland", resource_uri="/api/admin/configuration/v1/system_location/1/"
)
GRAPH = "mjx_graph_deployment"


def _inputs(**changes: Any) -> OtjInputs:
    tree = load_tree([EXAMPLES_DIR / "stage" / "rm"])
    otj = tree.of_kind(OneTouchJoin)[0]
    tenant = tree.of_kind(Tenant)[0]
    values: dict[str, Any] = {
        "otj": otj,
        "owner": OWNER,
        "tenant": tenant,
        "calendar_secret": {"clientSecret": CLIENT_SECRET},
        "endpoint_secrets": {
            "otj-mr-skejby-1": {"username": "admin", "password": ENDPOINT_PASSWORD},
            "otj-mr-skejby-2": {"username": "admin", "password": ENDPOINT_PASSWORD},
        },
    }
    values.update(changes)
    return OtjInputs(**values)


def _spec(inputs: OtjInputs, **spec: Any) -> OtjInputs:
    new = inputs.otj.spec.model_copy(update=spec)
    return replace(inputs, otj=inputs.otj.model_copy(update={"spec": new}))


def _applied(inputs: OtjInputs) -> OtjObserved:
    """What Pexip holds after the plan for an empty node is applied (creates folded, URIs numbered)."""
    decision = decide(inputs, OtjObserved(system_locations=(LOCATION,)))
    known: dict[str, str] = {}
    made: dict[str, list[Any]] = {}
    model = {
        GRAPH: models.MjxGraphDeployment,
        INTEGRATION: models.MjxIntegration,
        GROUP: models.MjxEndpointGroup,
        ENDPOINT: models.MjxEndpoint,
        RULE: models.MjxMeetingProcessingRule,
    }
    for index, change in enumerate(decision.plan.changes):
        uri = f"/api/admin/configuration/v1/{change.resource}/{index + 1}/"
        if index in decision.provides:
            known[decision.provides[index]] = uri
        fields = {
            k: v for k, v in resolve(dict(change.fields), known).items() if k not in change.secret_fields
        }
        made.setdefault(change.resource, []).append(
            model[change.resource](id=index + 1, resource_uri=uri, **fields)
        )
    return OtjObserved(
        deployments={GRAPH: tuple(made[GRAPH])},
        integrations=tuple(made[INTEGRATION]),
        groups=tuple(made[GROUP]),
        endpoints=tuple(made[ENDPOINT]),
        rules=tuple(made[RULE]),
        system_locations=(LOCATION,),
    )


def test_an_empty_node_gets_calendar_profile_group_endpoints_and_a_rule_per_domain_in_order() -> None:
    decision = decide(_inputs(), OtjObserved(system_locations=(LOCATION,)))
    plan = decision.plan
    assert not plan.blocked
    assert [(c.action, c.resource) for c in plan.changes] == [
        ("create", GRAPH),
        ("create", INTEGRATION),
        ("create", GROUP),
        ("create", ENDPOINT),
        ("create", ENDPOINT),
        ("create", RULE),
    ]
    graph, profile, group, cisco, poly, rule = plan.changes
    assert graph.fields["client_id"] == "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a"
    assert graph.secret_fields == {"client_secret"}
    assert profile.fields["graph_deployment"] == decision.provides[0]
    assert profile.fields["start_buffer"] == 10
    assert group.fields["mjx_integration"] == decision.provides[1]
    assert group.fields["system_location"] == LOCATION.resource_uri
    assert cisco.fields["mjx_endpoint_group"] == decision.provides[2]
    assert cisco.fields["endpoint_type"] == "CISCO"
    assert cisco.secret_fields == {"api_password"}
    assert poly.fields["endpoint_type"] == "POLY"
    assert poly.fields["poly_username"] == "admin"
    assert poly.secret_fields == {"poly_password"}
    # The default: one pexipinfinity rule per tenant domain.
    assert rule.fields["meeting_type"] == "pexipinfinity"
    assert rule.fields["domain"] == "stage.vdx.rm.dk"
    assert all(is_pending(p) for p in decision.provides.values())
    for change in plan.changes:
        assert CLIENT_SECRET not in change.describe()
        assert ENDPOINT_PASSWORD not in change.describe()


def test_applied_it_is_in_line_and_a_changed_secret_is_resent() -> None:
    inputs = _inputs()
    observed = _applied(inputs)
    decision = decide(inputs, observed)
    assert decision.plan.changes == []
    assert decision.plan.outcome.phase is Phase.READY
    assert "2 endpoints, 1 rules" in decision.plan.outcome.message
    resent = decide(replace(inputs, resend=keys_of(inputs.otj)), observed).plan.changes
    assert sorted((c.resource, *sorted(c.fields)) for c in resent) == [
        (ENDPOINT, "api_password"),
        (ENDPOINT, "poly_password"),
        (GRAPH, "client_secret"),
    ]


def test_only_the_objects_named_to_resend_get_their_secrets_again() -> None:
    """The record says whose source changed: one endpoint's Secret rotated is one update, of that
    endpoint's password alone; the calendar alone is its client secret alone."""
    inputs = _inputs()
    observed = _applied(inputs)
    one = decide(replace(inputs, resend=frozenset({endpoint_key("mr-skejby-2")})), observed).plan.changes
    assert [(c.resource, c.label, sorted(c.fields)) for c in one] == [
        (ENDPOINT, endpoint_name(OWNER, "mr-skejby-2"), ["poly_password"])
    ]
    calendar = decide(replace(inputs, resend=frozenset({CALENDAR})), observed).plan.changes
    assert [(c.resource, sorted(c.fields)) for c in calendar] == [(GRAPH, ["client_secret"])]


def test_an_endpoint_of_a_new_type_gets_its_password_in_the_new_field_and_only_it() -> None:
    """Cisco to Poly: the password goes into poly_password, where Pexip holds none yet, though no
    Secret changed; the other endpoint and the calendar are not sent theirs again."""
    inputs = _inputs()
    observed = _applied(inputs)

    def as_poly(endpoint: Any) -> Any:
        return (
            endpoint.model_copy(update={"type": EndpointType.POLY})
            if endpoint.type is EndpointType.CISCO
            else endpoint
        )

    groups = [
        g.model_copy(update={"endpoints": [as_poly(e) for e in g.endpoints]})
        for g in inputs.otj.spec.endpoint_groups
    ]
    changed = decide(_spec(inputs, endpoint_groups=groups), observed).plan.changes
    (update,) = changed
    assert update.resource == ENDPOINT
    assert "poly_password" in update.fields
    assert "poly_password" in update.secret_fields
    assert ENDPOINT_PASSWORD not in update.describe()


def test_an_endpoint_and_rule_left_out_are_deleted_after_the_writes() -> None:
    inputs = _inputs()
    observed = _applied(inputs)
    group = inputs.otj.spec.endpoint_groups[0]
    fewer = group.model_copy(update={"endpoints": group.endpoints[:1]})
    rules = [ProcessingRule(name="vdx", priority=5, meeting_type="pexipinfinity", domain="stage.vdx.rm.dk")]
    changes = decide(_spec(inputs, endpoint_groups=[fewer], rules=rules), observed).plan.changes
    assert [(c.action, c.resource) for c in changes] == [
        ("create", RULE),
        ("delete", ENDPOINT),
        ("delete", RULE),
    ]
    assert changes[1].label == "vdx-stage-rm/stage-otj/mr-skejby-2"


def test_endpoints_are_named_after_the_namespace_the_one_touch_join_and_the_endpoint() -> None:
    """As groups and rules are: two OneTouchJoins of one namespace may each have an endpoint mr-1."""
    changes = decide(_inputs(), OtjObserved(system_locations=(LOCATION,))).plan.changes
    assert [c.fields["name"] for c in changes if c.resource == ENDPOINT] == [
        "vdx-stage-rm/stage-otj/mr-skejby-1",
        "vdx-stage-rm/stage-otj/mr-skejby-2",
    ]
    other = Owner("OneTouchJoin", "vdx-stage-rm", "other-otj")
    assert endpoint_name(other, "mr-skejby-1") != endpoint_name(OWNER, "mr-skejby-1")


def test_a_name_beyond_pexips_100_characters_ends_in_a_digest_and_stays_unique() -> None:
    """Cut alone, two endpoints of a long-named OneTouchJoin would get one name."""
    owner = Owner("OneTouchJoin", "n" * 63, "o" * 40)
    first, second = endpoint_name(owner, "meeting-room-1"), endpoint_name(owner, "meeting-room-2")
    assert len(first) == len(second) == 100
    assert first != second
    assert first.startswith(f"{'n' * 63}/{'o' * 23} ")
    assert endpoint_name(owner, "meeting-room-1") == first  # the same on every pass


def _named(observed: OtjObserved, **names: str) -> OtjObserved:
    """`observed` with endpoints renamed: {current name's last part: new name}."""
    endpoints = tuple(
        e.model_copy(update={"name": names.get(e.name.rsplit("/", 1)[-1].replace("-", "_"), e.name)})
        for e in observed.endpoints
    )
    return replace(observed, endpoints=endpoints)


def test_an_endpoint_made_under_its_former_name_is_renamed_in_place() -> None:
    """One the operator made as `<namespace>/<endpoint>`, carrying this OneTouchJoin's marker, gets
    its new name by an update of the same object (what Pexip holds for it stays): no create, no
    delete. The rename is marked as the operator's own, not drift."""
    inputs = _inputs()
    applied = _applied(inputs)
    former = _named(applied, mr_skejby_1="vdx-stage-rm/mr-skejby-1", mr_skejby_2="vdx-stage-rm/mr-skejby-2")
    decision = decide(inputs, former)
    changes = decision.plan.changes
    assert [(c.action, c.resource, c.uri, dict(c.fields)) for c in changes] == [
        (
            "update",
            ENDPOINT,
            e.resource_uri,
            {"name": f"vdx-stage-rm/stage-otj/{e.name.rsplit('/', 1)[-1]}"},
        )
        for e in former.endpoints
    ]
    assert decision.renames == {0, 1}
    assert "name 'vdx-stage-rm/mr-skejby-1' -> 'vdx-stage-rm/stage-otj/mr-skejby-1'" in changes[0].describe()
    assert sorted(decision.plan.owned) == sorted(
        [o.resource_uri for o in (*applied.integrations, *applied.groups, *applied.endpoints)]
        + [d.resource_uri for d in applied.deployments[GRAPH]]
        + [r.resource_uri for r in applied.rules]
    )
    # Observe-only leaves the former name alone: it is no drift of Pexip's.
    observing = _spec(inputs, management_policy=ManagementPolicy.OBSERVE_ONLY)
    plan = decide(observing, former).plan
    assert (plan.changes, plan.outcome.phase) == ([], Phase.READY)


def test_a_former_name_is_not_renamed_onto_a_name_another_object_has() -> None:
    """A stranger already has the new name: refused (Pexip names are unique), not renamed; and an
    endpoint of the former name with another OneTouchJoin's marker is not ours to rename."""
    inputs = _inputs()
    applied = _applied(inputs)
    former = _named(applied, mr_skejby_1="vdx-stage-rm/mr-skejby-1")
    stranger = applied.endpoints[0].model_copy(
        update={
            "id": 40,
            "resource_uri": "/api/admin/configuration/v1/mjx_endpoint/40/",
            "description": "",
            "room_resource_email": "elsewhere@rm.dk",
            "api_address": "elsewhere.video.rm.dk",
        }
    )
    plan = decide(inputs, replace(former, endpoints=(*former.endpoints, stranger))).plan
    assert plan.blocked
    assert (plan.outcome.reason, plan.field_path) == (
        "AlreadyExists",
        "spec.endpointGroups[0].endpoints[0].name",
    )
    assert "made by another system" in plan.outcome.message
    assert ADOPT_ANNOTATION not in plan.outcome.message
    # The former name with another OneTouchJoin's marker: left alone; ours is created.
    neighbour = Owner("OneTouchJoin", "vdx-stage-rm", "other-otj").describe(None)
    theirs = former.endpoints[0].model_copy(update={"description": neighbour})
    changes = decide(inputs, replace(former, endpoints=(theirs, former.endpoints[1]))).plan.changes
    assert [(c.action, c.resource, c.label) for c in changes] == [
        ("create", ENDPOINT, "vdx-stage-rm/stage-otj/mr-skejby-1")
    ]


def test_two_one_touch_joins_of_a_namespace_each_have_an_endpoint_of_one_name() -> None:
    """The second plans its own endpoints beside the first's, where it was refused before."""
    first = _inputs()
    applied = _applied(first)
    second_owner = Owner("OneTouchJoin", "vdx-stage-rm", "second-otj")
    second = replace(first, owner=second_owner)
    # Its own app registration and rooms: the first's would be refused as shared.
    calendar = first.otj.spec.calendar.model_copy(
        update={"application_id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"}
    )
    group = first.otj.spec.endpoint_groups[0]
    rooms = [
        e.model_copy(update={"room_mailbox": f"b.{e.room_mailbox}", "address": f"b.{e.address}"})
        for e in group.endpoints
    ]
    second = _spec(second, calendar=calendar, endpoint_groups=[group.model_copy(update={"endpoints": rooms})])
    plan = decide(second, applied).plan
    assert not plan.blocked
    assert [c.label for c in plan.changes if c.resource == ENDPOINT] == [
        "vdx-stage-rm/second-otj/mr-skejby-1",
        "vdx-stage-rm/second-otj/mr-skejby-2",
    ]
    assert all(c.action == "create" for c in plan.changes)


def _endpoint_of(owner: Owner, name: str, **fields: Any) -> models.MjxEndpoint:
    """A Cisco endpoint in Pexip that `owner` made (its marker), at id 9."""
    return models.MjxEndpoint(
        id=9,
        name=name,
        description=owner.describe(None),
        endpoint_type="CISCO",
        resource_uri="/api/admin/configuration/v1/mjx_endpoint/9/",
        **fields,
    )


def test_an_endpoint_name_another_one_touch_join_holds_names_it_and_the_fix() -> None:
    """Not the adopt annotation (it takes over the profile only): rename the endpoint in one of them."""
    inputs = _inputs()
    located = OtjObserved(system_locations=(LOCATION,))
    holder = _endpoint_of(
        Owner("OneTouchJoin", "vdx-stage-rm", "other-otj"),
        "vdx-stage-rm/stage-otj/mr-skejby-1",
        room_resource_email="elsewhere@rm.dk",
    )
    plan = decide(inputs, replace(located, endpoints=(holder,))).plan
    assert plan.blocked
    assert plan.changes == []
    assert (plan.outcome.reason, plan.field_path) == (
        "AlreadyExists",
        "spec.endpointGroups[0].endpoints[0].name",
    )
    message = plan.outcome.message
    assert "belongs to OneTouchJoin vdx-stage-rm/other-otj" in message
    assert (
        "rename spec.endpointGroups[0].endpoints[0].name here or in OneTouchJoin vdx-stage-rm/other-otj"
        in (message)
    )
    assert ADOPT_ANNOTATION not in message
    # A default rule's name is the operator's: the fix is rules of other names.
    rule = models.MjxMeetingProcessingRule(
        id=7,
        name="vdx-stage-rm/stage-otj/vdx-1",
        priority=100,
        meeting_type="pexipinfinity",
        mjx_integration="/api/admin/configuration/v1/mjx_integration/70/",
        resource_uri="/api/admin/configuration/v1/mjx_meeting_processing_rule/7/",
    )
    plan = decide(inputs, replace(located, rules=(rule,))).plan
    assert plan.outcome.reason == "AlreadyExists"
    assert "made by another system" in plan.outcome.message
    assert "give spec.rules of other names" in plan.outcome.message
    assert ADOPT_ANNOTATION not in plan.outcome.message


def test_observe_only_reports_drift() -> None:
    inputs = _inputs()
    observed = _applied(inputs)
    profile = observed.integrations[0].model_copy(update={"start_buffer": 30})
    observing = _spec(inputs, management_policy=ManagementPolicy.OBSERVE_ONLY)
    plan = decide(observing, replace(observed, integrations=(profile,))).plan
    assert plan.changes == []
    assert plan.outcome.reason == "DriftObserved"
    assert "start_buffer 30 -> 10" in plan.outcome.message


def test_refusals_name_the_field_and_the_fix() -> None:
    inputs = _inputs()
    located = OtjObserved(system_locations=(LOCATION,))
    # Another tenant's endpoint at the address (compared without case).
    other = _endpoint_of(
        Owner("OneTouchJoin", "vdx-aarhus", "otj"),
        "vdx-aarhus/x",
        room_resource_email="x@aarhus.dk",
        api_address="MR-SKEJBY-2.video.rm.dk",
    )
    plan = decide(inputs, replace(located, endpoints=(other,))).plan
    assert plan.blocked
    assert plan.changes == []
    assert plan.outcome.reason == "EndpointAddressTaken"
    assert plan.field_path == "spec.endpointGroups[0].endpoints[1].address"
    assert "OneTouchJoin vdx-aarhus/otj" in plan.outcome.message
    # Another tenant's Graph deployment with the same app registration.
    shared = models.MjxGraphDeployment(
        id=3,
        name="vdx-aarhus/otj",
        description=Owner("OneTouchJoin", "vdx-aarhus", "otj").describe(None),
        client_id="9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a",
        resource_uri="/api/admin/configuration/v1/mjx_graph_deployment/3/",
    )
    plan = decide(inputs, replace(located, deployments={GRAPH: (shared,)})).plan
    assert (plan.outcome.reason, plan.field_path) == ("GraphDeploymentShared", "spec.calendar.applicationId")
    assert "register the organisation's own app" in plan.outcome.message
    # No such system location.
    plan = decide(inputs, OtjObserved()).plan
    assert plan.outcome.reason == "SystemLocationNotFound"
    assert plan.field_path == "spec.endpointGroups[0].systemLocation"
    # A rule outside the tenant, a regex that does not compile.
    outside = [ProcessingRule(name="a", priority=1, meeting_type="pexipinfinity", domain="vdx.aarhus.dk")]
    plan = decide(_spec(inputs, rules=outside), located).plan
    assert (plan.outcome.reason, plan.field_path) == ("RuleDomainOutsideTenant", "spec.rules[0].domain")
    broken = [ProcessingRule(name="a", priority=1, meeting_type="regex", match_string="^(vdx")]
    plan = decide(_spec(inputs, rules=broken), located).plan
    assert (plan.outcome.reason, plan.field_path) == ("RegexInvalid", "spec.rules[0].matchString")
    # An endpoint Secret without its password.
    plan = decide(replace(inputs, endpoint_secrets={"otj-mr-skejby-1": {"username": "a"}}), located).plan
    assert plan.outcome.reason == "SecretIncomplete"
    assert plan.field_path == "spec.endpointGroups[0].endpoints[0].credentialsSecretRef"


def test_on_premises_exchange_gets_its_autodiscover_urls_on_the_deployment_placeholder() -> None:
    inputs = _inputs(calendar_secret={"username": "svc-otj", "password": CLIENT_SECRET})
    calendar = inputs.otj.spec.calendar.model_copy(
        update={
            "type": CalendarType.EXCHANGE,
            "ews_url": "https://mail.rm.dk/EWS/Exchange.asmx",
            "autodiscover_urls": ["https://autodiscover.rm.dk/autodiscover/autodiscover.svc"],
        }
    )
    decision = decide(_spec(inputs, calendar=calendar), OtjObserved(system_locations=(LOCATION,)))
    deployment, autodiscover, profile = decision.plan.changes[:3]
    assert (deployment.resource, autodiscover.resource) == ("mjx_exchange_deployment", AUTODISCOVER)
    assert deployment.fields["service_account_username"] == "svc-otj"
    assert deployment.secret_fields == {"service_account_password"}
    assert autodiscover.fields["exchange_deployment"] == decision.provides[0]
    assert autodiscover.fields["url"] == "https://autodiscover.rm.dk/autodiscover/autodiscover.svc"
    assert profile.fields["exchange_deployment"] == decision.provides[0]
    assert profile.fields["graph_deployment"] is None


def test_a_new_calendar_source_is_created_and_pointed_at_before_the_old_one_goes() -> None:
    inputs = _inputs()
    observed = _applied(inputs)
    calendar = inputs.otj.spec.calendar.model_copy(
        update={
            "type": CalendarType.GOOGLE_WORKSPACE,
            "service_account_email": "otj@rm.iam.example",
            "client_id": "1234",
        }
    )
    google = _spec(replace(inputs, calendar_secret={"privateKey": "canary-google-key"}), calendar=calendar)
    decision = decide(google, observed)
    changes = decision.plan.changes
    assert [(c.action, c.resource) for c in changes] == [
        ("create", "mjx_google_deployment"),
        ("update", INTEGRATION),
        ("delete", GRAPH),
    ]
    assert changes[0].secret_fields == {"private_key"}
    assert changes[1].fields == {"google_deployment": decision.provides[0], "graph_deployment": None}


def test_default_rules_keep_pexips_priorities_for_a_tenant_of_many_domains() -> None:
    """From 100 on; a tenant of 200 domains (its quota's most) gets 1 to 200, each its own."""
    tenant = _inputs().tenant
    few = default_rules(tenant)
    assert [r.priority for r in few] == list(range(100, 100 + len(few)))
    many = [f"d{n}.vdx.dk" for n in range(200)]
    wide = tenant.model_copy(update={"spec": tenant.spec.model_copy(update={"domains": many})})
    assert [r.priority for r in default_rules(wide)] == list(range(1, 201))

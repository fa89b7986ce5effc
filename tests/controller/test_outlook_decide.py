"""OutlookScheduling's one decision, without I/O: refusals naming field and fix, the connector with
Danish texts, secrets only when needed, exchange domains against the connector's placeholder."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from vdx.api.common import ManagementPolicy
from vdx.api.loader import load_tree
from vdx.api.outlook import ExchangeAuthentication, ExchangeType, OutlookScheduling
from vdx.api.tenant import Tenant
from vdx.controller.conditions import Phase
from vdx.controller.ownership import Owner
from vdx.controller.plan import is_pending
from vdx.controller.planners.common import Dependency, DependencyState
from vdx.controller.planners.outlook import (
    CONNECTOR,
    EXCHANGE_DOMAIN,
    OutlookInputs,
    OutlookObserved,
    decide,
    desired_fields,
)
from vdx.paths import EXAMPLES_DIR
from vdx.pexip.models import ExchangeDomain, MsExchangeConnector

OWNER = Owner("OutlookScheduling", "vdx-aarhus", "aarhus")
THEME = "/api/admin/configuration/v1/ivr_theme/4/"
CANARY = "canary-client-secret-7f3a"


def _key_pair() -> dict[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return {"privateKey": private, "publicKey": public}


KEYS = _key_pair()


def _inputs(**changes: Any) -> OutlookInputs:
    tree = load_tree([EXAMPLES_DIR / "prod" / "aarhus"])
    scheduling = tree.of_kind(OutlookScheduling)[0]
    tenant = next(t for t in tree.of_kind(Tenant))
    values: dict[str, Any] = {
        "scheduling": scheduling,
        "owner": OWNER,
        "tenant": tenant,
        "credentials": {"clientSecret": CANARY},
        "key_pair": KEYS,
        "certificates": (("vdx-aarhus-dk", ("vdx.aarhus.dk", "join.vdx.aarhus.dk")),),
        "branding": Dependency("CviBranding", "vdx-aarhus", "aarhus", DependencyState.READY, THEME),
    }
    values.update(changes)
    return OutlookInputs(**values)


def _spec_changed(inputs: OutlookInputs, **spec: Any) -> OutlookInputs:
    resource = inputs.scheduling
    new_spec = resource.spec.model_copy(update=spec)
    return replace(inputs, scheduling=resource.model_copy(update={"spec": new_spec}))


def _connector(inputs: OutlookInputs, **fields: Any) -> MsExchangeConnector:
    want = desired_fields(inputs.scheduling.spec, OWNER, inputs.tenant, {}, KEYS["publicKey"], THEME, None)
    return MsExchangeConnector(
        id=1,
        uuid="4b8d0e0c-1f5e-4a36-9f55-3c1d7a2e9b10",
        resource_uri="/api/admin/configuration/v1/ms_exchange_connector/1/",
        **{**want, **fields},
    )


def _domain_of(connector: MsExchangeConnector) -> ExchangeDomain:
    """The example's exchange domain, on `connector`."""
    return ExchangeDomain(
        id=9,
        domain="aarhus.dk",
        exchange_connector=connector.resource_uri,
        resource_uri="/api/admin/configuration/v1/exchange_domain/9/",
    )


def test_a_new_scheduler_is_created_with_danish_texts_then_its_domains_on_the_placeholder() -> None:
    decision = decide(_inputs(), OutlookObserved())
    plan = decision.plan
    assert not plan.blocked
    assert [(c.action, c.resource) for c in plan.changes] == [
        ("create", CONNECTOR),
        ("create", EXCHANGE_DOMAIN),
    ]
    create = plan.changes[0]
    assert create.fields["name"] == "vdx-aarhus/aarhus"
    assert create.fields["description"].startswith("[vdx:OutlookScheduling/vdx-aarhus/aarhus]")
    assert create.fields["addin_display_name"] == "Aarhus Kommune videomøde"
    assert "Aarhus Kommune" in create.fields["addin_pane_general_error_message"]
    # The example's own override, rendered with the organisation's name.
    assert create.fields["addin_pane_description"].startswith(
        "Tildeler et sikkert videomøderum hos Aarhus Kommune"
    )
    # Templates Pexip renders keep Pexip's variables; the example's instructions are sent as written.
    assert create.fields["conference_name_template"] == "{{subject}} ({{organizer_name}})"
    assert "{{alias}}" in create.fields["meeting_instructions_template"]
    assert create.fields["scheduled_alias_domain"] == "vdx.aarhus.dk"
    assert create.fields["authentication_method"] == "APP_PERM"
    assert create.fields["oauth_token_endpoint"].endswith(
        "/8c2f6b1e-3d4a-4f5b-9c6d-7e8f9a0b1c2d/oauth2/v2.0/token"
    )
    assert create.fields["ivr_theme"] == THEME
    assert create.secret_fields == {"oauth_client_secret", "private_key", "public_key"}
    assert CANARY not in create.describe()
    domain = plan.changes[1]
    assert domain.fields == {"domain": "aarhus.dk", "exchange_connector": decision.connector}
    assert is_pending(decision.connector)
    assert decision.provides == {0: decision.connector}


def test_in_line_writes_nothing_and_a_changed_secret_is_resent_alone() -> None:
    inputs = _inputs()
    current = _connector(inputs)
    domain = _domain_of(current)
    observed = OutlookObserved((current,), (domain,))
    decision = decide(inputs, observed)
    assert decision.plan.changes == []
    assert decision.plan.outcome.phase is Phase.READY
    assert decision.uuid == current.uuid
    assert set(decision.plan.owned) == {current.resource_uri, domain.resource_uri}
    resent = decide(replace(inputs, secret_changed=True), observed).plan.changes
    assert [set(c.fields) for c in resent] == [{"oauth_client_secret", "private_key"}]
    assert CANARY not in resent[0].describe()


def _key_lines(pem: str) -> list[str]:
    return [line for line in pem.splitlines() if line and not line.startswith("-----")]


def test_a_rotated_public_key_is_compared_and_never_shown() -> None:
    """Pexip returns the public key, so a rotation is seen and written; it is a value of the key
    pair's Secret, so its description (an Event, the status under ObserveOnly) masks it."""
    inputs = _inputs()
    old = _key_pair()["publicKey"]
    current = _connector(inputs, public_key=old)
    domain = _domain_of(current)
    (update,) = decide(inputs, OutlookObserved((current,), (domain,))).plan.changes
    assert update.fields == {"public_key": KEYS["publicKey"]}
    assert "public_key" in update.secret_fields
    observe = inputs.scheduling.spec.model_copy(update={"management_policy": ManagementPolicy.OBSERVE_ONLY})
    observing = replace(inputs, scheduling=inputs.scheduling.model_copy(update={"spec": observe}))
    noted = decide(observing, OutlookObserved((current,), (domain,))).plan.outcome.message
    for shown in (update.describe(), noted):
        assert "public_key" in shown
        for line in _key_lines(old) + _key_lines(KEYS["publicKey"]):
            assert line not in shown


def test_drift_is_corrected_and_a_dropped_domain_deleted() -> None:
    inputs = _spec_changed(_inputs(), exchange_domains=[])
    current = _connector(inputs, meeting_buffer_before=45)
    domain = _domain_of(current)
    changes = decide(inputs, OutlookObserved((current,), (domain,))).plan.changes
    assert [(c.action, c.resource) for c in changes] == [("update", CONNECTOR), ("delete", EXCHANGE_DOMAIN)]
    assert changes[0].fields == {"meeting_buffer_before": 15}
    assert changes[0].before == {"meeting_buffer_before": 45}


def test_observe_only_reports_drift_and_writes_nothing() -> None:
    inputs = _inputs()
    observe = inputs.scheduling.spec.model_copy(update={"management_policy": ManagementPolicy.OBSERVE_ONLY})
    inputs = replace(inputs, scheduling=inputs.scheduling.model_copy(update={"spec": observe}))
    current = _connector(inputs, scheduled_alias_prefix="other")
    plan = decide(inputs, OutlookObserved((current,), ())).plan
    assert plan.changes == []
    assert plan.blocked
    assert plan.outcome.reason == "DriftObserved"
    assert "scheduled_alias_prefix 'other' -> 'aarhus'" in plan.outcome.message


def test_refusals_name_the_field_and_the_fix() -> None:
    inputs = _inputs()
    aliases = inputs.scheduling.spec.aliases.model_copy(update={"domain": "vdx.regionh.dk"})
    plan = decide(_spec_changed(inputs, aliases=aliases), OutlookObserved()).plan
    assert plan.blocked
    assert plan.changes == []
    assert (plan.outcome.reason, plan.field_path) == ("AliasDomainOutsideTenant", "spec.aliases.domain")
    assert "vdx.regionh.dk is not one of Tenant aarhus's domains (vdx.aarhus.dk)" in plan.outcome.message

    add_in = inputs.scheduling.spec.add_in.model_copy(update={"server_domain": "outlook.vdx.aarhus.dk"})
    plan = decide(_spec_changed(inputs, add_in=add_in), OutlookObserved()).plan
    assert (plan.outcome.reason, plan.field_path) == ("AddInDomainNotCovered", "spec.addIn.serverDomain")
    assert "add outlook.vdx.aarhus.dk to a certificate's dnsNames" in plan.outcome.message

    templates = inputs.scheduling.spec.templates.model_copy(update={"reject_general_error": "{% if %}"})
    plan = decide(_spec_changed(inputs, templates=templates), OutlookObserved()).plan
    assert (plan.outcome.reason, plan.field_path) == ("TemplateInvalid", "spec.templates.rejectGeneralError")

    plan = decide(replace(inputs, credentials={}), OutlookObserved()).plan
    assert (plan.outcome.reason, plan.field_path) == (
        "SecretIncomplete",
        "spec.exchange.credentialsSecretRef",
    )
    assert "lacks clientSecret" in plan.outcome.message

    other = _key_pair()
    plan = decide(replace(inputs, key_pair={**KEYS, "publicKey": other["publicKey"]}), OutlookObserved()).plan
    assert (plan.outcome.reason, plan.field_path) == ("KeyPairInvalid", "spec.keyPairSecretRef")
    assert "does not belong to privateKey" in plan.outcome.message
    assert KEYS["privateKey"] not in plan.outcome.message

    waiting = Dependency("CviBranding", "vdx-aarhus", "aarhus", DependencyState.WAITING)
    plan = decide(replace(inputs, branding=waiting), OutlookObserved()).plan
    assert plan.outcome.phase is Phase.PROGRESSING
    assert plan.field_path == "spec.brandingRef"


def test_a_branding_being_deleted_stalls_it_and_a_theme_turned_off_comes_off_the_connector() -> None:
    inputs = _inputs()
    current = _connector(inputs)
    domain = _domain_of(current)
    observed = OutlookObserved((current,), (domain,))
    deleting = Dependency("CviBranding", "vdx-aarhus", "aarhus", DependencyState.DELETING)
    plan = decide(replace(inputs, branding=deleting), observed).plan
    # The branding's finalizer waits for it; the connector keeps its theme meanwhile.
    assert plan.blocked
    assert plan.changes == []
    assert (plan.outcome.phase, plan.outcome.reason) == (Phase.STALLED, "DependencyDeleting")
    assert plan.field_path == "spec.brandingRef"
    # A branding whose theme is turned off is Ready with no theme: the connector takes none.
    off = Dependency("CviBranding", "vdx-aarhus", "aarhus", DependencyState.READY, None)
    changes = decide(replace(inputs, branding=off), observed).plan.changes
    assert [(c.action, c.fields, c.before) for c in changes] == [
        ("update", {"ivr_theme": None}, {"ivr_theme": THEME})
    ]


def test_a_stranger_with_the_name_and_a_second_scheduler_of_the_tenant_are_refused() -> None:
    inputs = _inputs()
    stranger = _connector(inputs, description="made by hand")
    plan = decide(inputs, OutlookObserved((stranger,), ())).plan
    assert plan.outcome.reason == "AlreadyExists"
    assert plan.changes == []
    assert "vdx.medcom.dk/adopt" in plan.outcome.message
    adopted = decide(replace(inputs, adopt=stranger.resource_uri), OutlookObserved((stranger,), ())).plan
    assert str(adopted.changes[0].fields["description"]).startswith("[vdx:OutlookScheduling/")
    sibling = _connector(
        inputs,
        name="vdx-aarhus/old",
        description=Owner("OutlookScheduling", "vdx-aarhus", "old").describe("x"),
    )
    plan = decide(inputs, OutlookObserved((sibling,), ())).plan
    assert plan.outcome.reason == "AnotherSchedulerOfTenant"
    assert plan.changes == []


def test_offline_without_secrets_the_values_are_placeholders_never_compared() -> None:
    inputs = _inputs(
        credentials="(known after apply, from Secret vdx-aarhus/outlook-exchange)",
        key_pair="(known after apply, from Secret vdx-aarhus/outlook-key-pair)",
    )
    current = _connector(inputs)
    changes = decide(inputs, OutlookObserved((current,), ())).plan.changes
    # Only the missing exchange domain: the public key read from the absent Secret is not compared.
    assert [(c.action, c.resource) for c in changes] == [("create", EXCHANGE_DOMAIN)]


def test_on_premises_exchange_with_the_tenants_adfs_for_hosts() -> None:
    inputs = _inputs(
        credentials={"username": "svc-vdx", "password": CANARY},
        identity=Dependency(
            "IdentityProvider",
            "vdx-aarhus",
            "adfs",
            DependencyState.READY,
            "/api/admin/configuration/v1/identity_provider_group/2/",
        ),
    )
    exchange = inputs.scheduling.spec.exchange.model_copy(
        update={
            "type": ExchangeType.ON_PREMISES,
            "authentication": ExchangeAuthentication.NTLM,
            "ews_url": "https://mail.aarhus.dk/EWS/Exchange.asmx",
        }
    )
    on_premises = _spec_changed(inputs, exchange=exchange)
    create = decide(on_premises, OutlookObserved()).plan.changes[0]
    assert create.fields["authentication_method"] == "NTLM"
    assert create.fields["url"] == "https://mail.aarhus.dk/EWS/Exchange.asmx"
    assert create.fields["username"] == "svc-vdx"
    assert create.fields["oauth_token_endpoint"] == ""
    assert (
        create.fields["host_identity_provider_group"]
        == "/api/admin/configuration/v1/identity_provider_group/2/"
    )
    assert create.secret_fields == {"password", "private_key", "public_key"}
    missing = Dependency("IdentityProvider", "vdx-aarhus", "adfs", DependencyState.MISSING)
    plan = decide(replace(on_premises, identity=missing), OutlookObserved()).plan
    assert (plan.outcome.reason, plan.field_path) == ("IdentityProviderNotFound", "spec.identityProviderRef")

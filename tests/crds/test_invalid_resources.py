"""Every CEL rule, bound, pattern and enum of the models, enforced by the real API server.

Each case is a valid specimen with one change; the API server must refuse it (server-side dry run,
which runs the full validation including CEL) with the rule's own message on the right field. The
expected messages come from the models, so a changed rule changes the test with it. The same
objects are also fed to the models offline, so `vdx check` and the API server agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, get_args

import pydantic
import pytest
import yaml
from kubernetes import client

from tests.crds.specimens import (
    DELETE,
    DOMAIN,
    Custom,
    Obj,
    Refusal,
    at_least,
    at_least_items,
    at_most,
    at_most_bytes,
    at_most_items,
    changed,
    constraint,
    should_match,
    specimen,
    supported_values,
    unique,
)
from vdx.api import patterns
from vdx.api.branding import Colours, CviBrandingSpec, LocaleTexts
from vdx.api.certificate import TlsCertificateSpec
from vdx.api.common import DeletionPolicy, FileSource, ManagementPolicy
from vdx.api.device import DeviceSpec
from vdx.api.domain import DomainSpec, DomainUse
from vdx.api.kinds import KINDS_BY_NAME
from vdx.api.onetouch import Calendar, Endpoint, OneTouchJoinSpec
from vdx.api.outlook import ExchangeConnection, MeetingRoomTypes
from vdx.api.platform import (
    AuthMethod,
    CaBundleReference,
    Environment,
    PexipPlatformSpec,
    RateLimit,
    SystemLocation,
)
from vdx.api.room import MeetingRoomSpec
from vdx.api.tenant import DirectMedia, MeetingRoomDefaults, OrganisationKind, Quotas, TenantSpec
from vdx.api.turn import Transport, TurnServiceSpec
from vdx.paths import CRDS_DIR

(NEEDS_TURN,) = DomainSpec.object_rules
(EXACTLY_ONE_FILE,) = FileSource.object_rules
QUOTA, DELEGATION = TenantSpec.object_rules
(GUESTS_NEED_PIN, ALIASES_ONCE) = MeetingRoomSpec.object_rules
(DEVICE_REGISTERS,) = DeviceSpec.object_rules
HTTPS_OR_LOOPBACK, BURST, LOCATION_NAMES_ONCE = PexipPlatformSpec.object_rules
TRANSCODES_ELSEWHERE, OVERFLOWS_ELSEWHERE = SystemLocation.object_rules
EXCHANGE_METHOD, KERBEROS_SETTINGS = ExchangeConnection.object_rules
(SOME_ROOM_TYPE,) = MeetingRoomTypes.object_rules
(CALENDAR_SOURCE,) = Calendar.object_rules
(ENDPOINT_API,) = Endpoint.object_rules
PRIORITIES_ONCE, RULE_NAMES_ONCE, GROUP_NAMES_ONCE = OneTouchJoinSpec.object_rules

RULE_A = {"name": "a", "priority": 10, "meetingType": "pexipinfinity"}
RULE_B = {"name": "b", "priority": 20, "meetingType": "pexipinfinity"}
OTJ_GROUP = {
    "name": "rooms",
    "systemLocation": "Region Test",
    "endpoints": [{"name": "w", "type": "Webex", "roomMailbox": "w@crdtest.dk", "webexDeviceId": "w"}],
}


@dataclass(frozen=True)
class Invalid:
    """One change to a valid specimen, and the cause the API server must report for it."""

    id: str
    kind: str
    changes: dict[str, Any]
    field: str
    fragments: tuple[str, ...]


def cel(path: str, rule: Any) -> tuple[str, tuple[str, ...]]:
    """Where a CEL rule's error points and what it says: `spec` + the rule's fieldPath."""
    return path + (rule.field_path or ""), (rule.message,)


def immutable_message(model: type[pydantic.BaseModel], field: str) -> str:
    extra = model.model_fields[field].json_schema_extra
    assert isinstance(extra, dict)
    (rule,) = extra["x-kubernetes-validations"]
    assert isinstance(rule, dict)
    return str(rule["message"])


PALETTE = ["#F0F8FF", "#D0E8F8", "#A0D0F0", "#70B8E8", "#40A0E0", "#007DBB"] + ["#005080"] * 5
NOTIFY = "direct_media_notification_seconds"
RESYNC = "resync_interval_seconds"
BOTH_SOURCES = {
    "configMapKeyRef": {"name": "cvi-assets", "key": "bg.svg"},
    "secretKeyRef": {"name": "s", "key": "k"},
}

CASES: list[Invalid] = [
    # -- CEL rules (object_rules) --------------------------------------------------------------------
    Invalid(
        "domain-webapp-without-turn",
        "Domain",
        {"spec.uses": ["WebApp"], "spec.turnServiceRef": DELETE},
        *cel("spec", NEEDS_TURN),
    ),
    Invalid(
        "domain-registration-without-turn",
        "Domain",
        {"spec.uses": ["SIP", "Registration"], "spec.turnServiceRef": DELETE},
        *cel("spec", NEEDS_TURN),
    ),
    Invalid(
        "file-source-with-both-refs",
        "CviBranding",
        {"spec.images.logo.secretKeyRef": {"name": "cvi-secret", "key": "logo.svg"}},
        *cel("spec.images.logo", EXACTLY_ONE_FILE),
    ),
    Invalid(
        "file-source-with-neither-ref",
        "CviBranding",
        {"spec.images.logo": {}},
        *cel("spec.images.logo", EXACTLY_ONE_FILE),
    ),
    Invalid(
        "nested-background-file-source-with-both-refs",
        "CviBranding",
        {"spec.images.background": {"source": BOTH_SOURCES}},
        *cel("spec.images.background.source", EXACTLY_ONE_FILE),
    ),
    Invalid(
        "tenant-over-domain-quota",
        "Tenant",
        {"spec.domains": [DOMAIN, f"join.{DOMAIN}"], "spec.quotas": {"maxDomains": 1}},
        *cel("spec", QUOTA),
    ),
    Invalid(
        "tenant-delegates-a-domain-it-does-not-own",
        "Tenant",
        {"spec.delegatedDomains": [{"domain": "borger.vdx.other.dk", "tenant": "aarhus"}]},
        *cel("spec", DELEGATION),
    ),
    Invalid(
        "platform-plain-http-url",
        "PexipPlatform",
        {"spec.url": "http://pexip-mgmt.crdtest.dk"},
        *cel("spec", HTTPS_OR_LOOPBACK),
    ),
    Invalid(
        "platform-http-url-disguised-as-loopback",
        "PexipPlatform",
        {"spec.url": "http://127.0.0.1.crdtest.dk:8080/"},
        *cel("spec", HTTPS_OR_LOOPBACK),
    ),
    Invalid(
        "platform-burst-as-large-as-the-window",
        "PexipPlatform",
        {"spec.rateLimit": {"requestsPerWindow": 50, "burst": 50}},
        *cel("spec", BURST),
    ),
    Invalid(
        "platform-default-burst-above-the-window",
        "PexipPlatform",
        {"spec.rateLimit": {"requestsPerWindow": 30}},  # burst defaults to 30
        *cel("spec", BURST),
    ),
    Invalid(
        "platform-system-location-twice",
        "PexipPlatform",
        {"spec.systemLocations": [{"name": "Aarhus Kommune"}, {"name": "Aarhus Kommune", "mtu": 1400}]},
        *cel("spec", LOCATION_NAMES_ONCE),
    ),
    Invalid(
        "platform-system-location-transcodes-in-itself",
        "PexipPlatform",
        {"spec.systemLocations": [{"name": "Edge", "transcodingLocation": "Edge"}]},
        *cel("spec.systemLocations[0]", TRANSCODES_ELSEWHERE),
    ),
    Invalid(
        "platform-system-location-overflows-into-itself",
        "PexipPlatform",
        {"spec.systemLocations": [{"name": "Edge"}, {"name": "Core", "overflowLocations": ["Edge", "Core"]}]},
        *cel("spec.systemLocations[1]", OVERFLOWS_ELSEWHERE),
    ),
    Invalid(
        "room-guests-without-pin",
        "MeetingRoom",
        {"spec.allowGuests": True},
        *cel("spec", GUESTS_NEED_PIN),
    ),
    Invalid(
        "room-alias-twice",
        "MeetingRoom",
        {"spec.aliases": [{"alias": f"room1@{DOMAIN}"}, {"alias": f"Room1@{DOMAIN}"}]},
        *cel("spec", ALIASES_ONCE),
    ),
    Invalid(
        "device-without-any-way-to-register",
        "Device",
        {"spec.protocols": []},
        *cel("spec", DEVICE_REGISTERS),
    ),
    Invalid(
        "outlook-microsoft-365-with-ntlm",
        "OutlookScheduling",
        {"spec.exchange.authentication": "Ntlm"},
        *cel("spec.exchange", EXCHANGE_METHOD),
    ),
    Invalid(
        "outlook-kerberos-without-its-settings",
        "OutlookScheduling",
        {
            "spec.exchange.type": "OnPremises",
            "spec.exchange.authentication": "Kerberos",
            "spec.exchange.ewsUrl": "https://mail.crdtest.dk/EWS/Exchange.asmx",
        },
        *cel("spec.exchange", KERBEROS_SETTINGS),
    ),
    Invalid(
        "outlook-books-no-kind-of-room",
        "OutlookScheduling",
        {"spec.meetingRooms": {"singleUse": False, "personal": False}},
        *cel("spec.meetingRooms", SOME_ROOM_TYPE),
    ),
    Invalid(
        "otj-microsoft-365-without-app-registration",
        "OneTouchJoin",
        {"spec.calendar.applicationId": DELETE},
        *cel("spec.calendar", CALENDAR_SOURCE),
    ),
    Invalid(
        "otj-cisco-endpoint-without-address",
        "OneTouchJoin",
        {
            "spec.endpointGroups": [
                {
                    **OTJ_GROUP,
                    "endpoints": [
                        {
                            "name": "c",
                            "type": "Cisco",
                            "roomMailbox": "c@crdtest.dk",
                            "credentialsSecretRef": {"name": "otj-c"},
                        }
                    ],
                }
            ]
        },
        *cel("spec.endpointGroups[0].endpoints[0]", ENDPOINT_API),
    ),
    Invalid(
        "otj-rule-priority-twice",
        "OneTouchJoin",
        {"spec.rules": [RULE_A, {**RULE_B, "priority": 10}]},
        *cel("spec", PRIORITIES_ONCE),
    ),
    Invalid(
        "otj-rule-name-twice",
        "OneTouchJoin",
        {"spec.rules": [RULE_A, {**RULE_B, "name": "a"}]},
        *cel("spec", RULE_NAMES_ONCE),
    ),
    Invalid(
        "otj-group-name-twice",
        "OneTouchJoin",
        {"spec.endpointGroups": [OTJ_GROUP, {**OTJ_GROUP, "endpoints": []}]},
        *cel("spec", GROUP_NAMES_ONCE),
    ),
    # -- patterns ------------------------------------------------------------------------------------
    Invalid(
        "tenant-domain-not-an-fqdn",
        "Tenant",
        {"spec.domains": ["VDX.Crdtest.dk"]},
        "spec.domains[0]",
        (should_match("spec.domains[0]", patterns.FQDN.regex),),
    ),
    Invalid(
        "domain-fqdn-with-underscore",
        "Domain",
        {"spec.fqdn": "vdx_crdtest.dk"},
        "spec.fqdn",
        (should_match("spec.fqdn", patterns.FQDN.regex),),
    ),
    Invalid(
        "certificate-name-double-wildcard",
        "TlsCertificate",
        {"spec.dnsNames": [f"*.*.{DOMAIN}"]},
        "spec.dnsNames[0]",
        (should_match("spec.dnsNames[0]", patterns.CERT_NAME.regex),),
    ),
    Invalid(
        "turn-address-with-space",
        "TurnService",
        {"spec.address": "turn server.dk"},
        "spec.address",
        (should_match("spec.address", patterns.HOST.regex),),
    ),
    Invalid(
        "tenant-namespace-not-a-dns-label",
        "Tenant",
        {"spec.namespace": "Vdx_Crdtest"},
        "spec.namespace",
        (should_match("spec.namespace", patterns.DNS_LABEL.regex),),
    ),
    Invalid(
        "platform-url-not-http",
        "PexipPlatform",
        {"spec.url": "ftp://pexip-mgmt.crdtest.dk"},
        "spec.url",
        (should_match("spec.url", patterns.MANAGEMENT_URL.regex),),
    ),
    Invalid(
        "colour-not-hex",
        "CviBranding",
        {"spec.colours.base": "#00GG00"},
        "spec.colours.base",
        (should_match("spec.colours.base", patterns.HEX_COLOUR.regex),),
    ),
    Invalid(
        "palette-shade-not-hex",
        "CviBranding",
        {"spec.colours.palette": [*PALETTE[:3], "blue!!!", *PALETTE[4:]]},
        "spec.colours.palette[3]",
        (should_match("spec.colours.palette[3]", patterns.HEX_COLOUR.regex),),
    ),
    Invalid(
        "slug-with-slash",
        "CviBranding",
        {"spec.webApp.slug": "rm/video"},
        "spec.webApp.slug",
        (should_match("spec.webApp.slug", patterns.SLUG.regex),),
    ),
    Invalid(
        "file-key-with-slash",
        "CviBranding",
        {"spec.images.logo.configMapKeyRef.key": "images/logo.svg"},
        "spec.images.logo.configMapKeyRef.key",
        (should_match("spec.images.logo.configMapKeyRef.key", patterns.CONFIG_KEY.regex),),
    ),
    # -- enums ---------------------------------------------------------------------------------------
    Invalid(
        "tenant-organisation-kind",
        "Tenant",
        {"spec.organisationKind": "Company"},
        "spec.organisationKind",
        (supported_values(OrganisationKind),),
    ),
    Invalid(
        "tenant-direct-media",
        "Tenant",
        {"spec.meetingRoomDefaults": {"directMedia": "sometimes"}},
        "spec.meetingRoomDefaults.directMedia",
        (supported_values(DirectMedia),),
    ),
    Invalid(
        "domain-use",
        "Domain",
        {"spec.uses": ["WebRTC"]},
        "spec.uses[0]",
        (supported_values(DomainUse),),
    ),
    Invalid(
        "turn-transport",
        "TurnService",
        {"spec.transport": "SCTP"},
        "spec.transport",
        (supported_values(Transport),),
    ),
    Invalid(
        "platform-environment",
        "PexipPlatform",
        {"spec.environment": "Development"},
        "spec.environment",
        (supported_values(Environment),),
    ),
    Invalid(
        "platform-credentials-method",
        "PexipPlatform",
        {"spec.credentials.method": "Token"},
        "spec.credentials.method",
        (supported_values(AuthMethod),),
    ),
    Invalid(
        "platform-ca-bundle-kind",
        "PexipPlatform",
        {"spec.caBundleRef": {"kind": "Pod", "namespace": "vdx-system", "name": "ca"}},
        "spec.caBundleRef.kind",
        (supported_values(get_args(CaBundleReference.model_fields["kind"].annotation)),),
    ),
    Invalid(
        "deletion-policy",
        "TlsCertificate",
        {"spec.deletionPolicy": "Keep"},
        "spec.deletionPolicy",
        (supported_values(DeletionPolicy),),
    ),
    Invalid(
        "management-policy",
        "TurnService",
        {"spec.managementPolicy": "ReadOnly"},
        "spec.managementPolicy",
        (supported_values(ManagementPolicy),),
    ),
    # -- numeric bounds ------------------------------------------------------------------------------
    Invalid(
        "turn-port-zero",
        "TurnService",
        {"spec.port": 0},
        "spec.port",
        (at_least("spec.port", constraint(TurnServiceSpec, "port", "ge")),),
    ),
    Invalid(
        "turn-port-above-65535",
        "TurnService",
        {"spec.port": 65536},
        "spec.port",
        (at_most("spec.port", constraint(TurnServiceSpec, "port", "le")),),
    ),
    Invalid(
        "notification-seconds-negative",
        "Tenant",
        {"spec.meetingRoomDefaults": {"directMediaNotificationSeconds": -1}},
        "spec.meetingRoomDefaults.directMediaNotificationSeconds",
        (
            at_least(
                "spec.meetingRoomDefaults.directMediaNotificationSeconds",
                constraint(MeetingRoomDefaults, NOTIFY, "ge"),
            ),
        ),
    ),
    Invalid(
        "notification-seconds-above-30",
        "Tenant",
        {"spec.meetingRoomDefaults": {"directMediaNotificationSeconds": 31}},
        "spec.meetingRoomDefaults.directMediaNotificationSeconds",
        (
            at_most(
                "spec.meetingRoomDefaults.directMediaNotificationSeconds",
                constraint(MeetingRoomDefaults, NOTIFY, "le"),
            ),
        ),
    ),
    Invalid(
        "quota-max-domains-zero",
        "Tenant",
        {"spec.quotas": {"maxDomains": 0}},
        "spec.quotas.maxDomains",
        (at_least("spec.quotas.maxDomains", constraint(Quotas, "max_domains", "ge")),),
    ),
    Invalid(
        "resync-below-bound",
        "PexipPlatform",
        {"spec.resyncIntervalSeconds": 29},
        "spec.resyncIntervalSeconds",
        (at_least("spec.resyncIntervalSeconds", constraint(PexipPlatformSpec, RESYNC, "ge")),),
    ),
    Invalid(
        "resync-above-bound",
        "PexipPlatform",
        {"spec.resyncIntervalSeconds": 86401},
        "spec.resyncIntervalSeconds",
        (at_most("spec.resyncIntervalSeconds", constraint(PexipPlatformSpec, RESYNC, "le")),),
    ),
    Invalid(
        "max-concurrent-requests-above-bound",
        "PexipPlatform",
        {"spec.maxConcurrentRequests": 51},
        "spec.maxConcurrentRequests",
        (
            at_most(
                "spec.maxConcurrentRequests",
                constraint(PexipPlatformSpec, "max_concurrent_requests", "le"),
            ),
        ),
    ),
    Invalid(
        "requests-per-window-one",
        "PexipPlatform",
        {"spec.rateLimit": {"requestsPerWindow": 1}},
        "spec.rateLimit.requestsPerWindow",
        (at_least("spec.rateLimit.requestsPerWindow", constraint(RateLimit, "requests_per_window", "ge")),),
    ),
    Invalid(
        "renewal-warning-days-above-bound",
        "TlsCertificate",
        {"spec.renewalWarningDays": 366},
        "spec.renewalWarningDays",
        (at_most("spec.renewalWarningDays", constraint(TlsCertificateSpec, "renewal_warning_days", "le")),),
    ),
    # -- list and string lengths ---------------------------------------------------------------------
    Invalid(
        "palette-of-ten",
        "CviBranding",
        {"spec.colours.palette": PALETTE[:10]},
        "spec.colours.palette",
        (at_least_items("spec.colours.palette", constraint(Colours, "palette", "min_length")),),
    ),
    Invalid(
        "palette-of-twelve",
        "CviBranding",
        {"spec.colours.palette": [*PALETTE, "#000000"]},
        "spec.colours.palette",
        (at_most_items(constraint(Colours, "palette", "max_length")),),
    ),
    Invalid(
        "certificate-with-too-many-names",
        "TlsCertificate",
        {"spec.dnsNames": [f"n{i}.{DOMAIN}" for i in range(101)]},
        "spec.dnsNames",
        (at_most_items(constraint(TlsCertificateSpec, "dns_names", "max_length")),),
    ),
    Invalid(
        "tenant-with-too-many-domains",
        "Tenant",
        {"spec.domains": [f"d{i}.{DOMAIN}" for i in range(201)], "spec.quotas": {"maxDomains": 200}},
        "spec.domains",
        (at_most_items(constraint(TenantSpec, "domains", "max_length")),),
    ),
    Invalid(
        "tenant-without-domains",
        "Tenant",
        {"spec.domains": []},
        "spec.domains",
        (at_least_items("spec.domains", constraint(TenantSpec, "domains", "min_length")),),
    ),
    Invalid(
        "domain-without-uses",
        "Domain",
        {"spec.uses": []},
        "spec.uses",
        (at_least_items("spec.uses", constraint(DomainSpec, "uses", "min_length")),),
    ),
    Invalid(
        "app-title-too-long",
        "CviBranding",
        {"spec.texts.da.appTitle": "x" * 61},
        "spec.texts.da.appTitle",
        (at_most_bytes(constraint(LocaleTexts, "app_title", "max_length")),),
    ),
    Invalid(
        "brand-name-too-long",
        "CviBranding",
        {"spec.brandName": "x" * 61},
        "spec.brandName",
        (at_most_bytes(constraint(CviBrandingSpec, "brand_name", "max_length")),),
    ),
]


@dataclass(frozen=True)
class Immutable:
    """A merge patch to an existing object that changes a field guarded by `self == oldSelf`."""

    id: str
    kind: str
    patch: Obj
    field: str
    message: str


IMMUTABLE = [
    Immutable(
        "tenant-namespace",
        "Tenant",
        {"spec": {"namespace": "vdx-elsewhere"}},
        "spec.namespace",
        immutable_message(TenantSpec, "namespace"),
    ),
    Immutable(
        "tenant-platform-ref",
        "Tenant",
        {"spec": {"platformRef": {"name": "another-platform"}}},
        "spec.platformRef",
        immutable_message(TenantSpec, "platform_ref"),
    ),
    Immutable(
        "domain-fqdn",
        "Domain",
        {"spec": {"fqdn": f"join.{DOMAIN}"}},
        "spec.fqdn",
        immutable_message(DomainSpec, "fqdn"),
    ),
]


def crd_rule_messages(node: Any) -> Iterator[str]:
    """Every `x-kubernetes-validations` message anywhere in a CRD."""
    if isinstance(node, dict):
        for rule in node.get("x-kubernetes-validations", []):
            yield rule["message"]
        for value in node.values():
            yield from crd_rule_messages(value)
    elif isinstance(node, list):
        for item in node:
            yield from crd_rule_messages(item)


def invalid_object(case: Invalid, namespace: str) -> Obj:
    return changed(specimen(case.kind, unique("invalid"), namespace), case.changes)


def test_the_cases_cover_every_cel_rule_in_the_crds() -> None:
    """A rule added to a model (and so to a CRD) without a case here fails this test."""
    assert len(CASES) + len(IMMUTABLE) >= 20
    assert len({case.id for case in [*CASES, *IMMUTABLE]}) == len(CASES) + len(IMMUTABLE)
    covered = {case.fragments[0] for case in CASES} | {case.message for case in IMMUTABLE}
    in_crds = {
        message
        for path in sorted(CRDS_DIR.glob("*.yaml"))
        for crd in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if crd
        for message in crd_rule_messages(crd)
    }
    assert len(in_crds) >= 7
    assert not in_crds - covered, f"CEL rules without an invalid case: {sorted(in_crds - covered)}"


@pytest.mark.parametrize("kind", sorted(KINDS_BY_NAME))
def test_the_valid_specimen_is_accepted(custom: Custom, kube_namespace: str, kind: str) -> None:
    """The control: without the one change, the server accepts each specimen."""
    custom.create(specimen(kind, unique("valid"), kube_namespace), dry_run=True, strict=True)


@pytest.mark.parametrize(
    ("kind", "changes"),
    [
        pytest.param("Domain", {"spec.uses": ["SIP"], "spec.turnServiceRef": DELETE}, id="sip-only-domain"),
        pytest.param("PexipPlatform", {"spec.url": "http://127.0.0.1:8080"}, id="http-on-ipv4-loopback"),
        pytest.param("PexipPlatform", {"spec.url": "http://localhost:8080/pexip"}, id="http-on-localhost"),
        pytest.param("PexipPlatform", {"spec.url": "http://[::1]:8080"}, id="http-on-ipv6-loopback"),
        # Without the list the uniqueness rule must not fail on a missing key (no schema default).
        pytest.param("PexipPlatform", {"spec.systemLocations": DELETE}, id="platform-without-locations"),
        pytest.param(
            "PexipPlatform",
            {"spec.systemLocations": [{"name": "A", "overflowLocations": []}, {"name": "B", "mtu": 512}]},
            id="platform-locations-at-edges",
        ),
        pytest.param(
            "CviBranding",
            {"spec.images.logo": {"secretKeyRef": {"name": "cvi", "key": "logo.png"}}},
            id="logo-from-secret",
        ),
        pytest.param("CviBranding", {"spec.colours.palette": PALETTE}, id="palette-of-eleven"),
        pytest.param(
            "CviBranding",
            {"spec.texts.da.appTitle": "ø" * constraint(LocaleTexts, "app_title", "max_length")},
            id="danish-title-at-max-characters-but-twice-the-bytes",
        ),
        pytest.param("TurnService", {"spec.address": "2001:db8::1", "spec.port": 65535}, id="turn-ipv6"),
        pytest.param(
            "Tenant",
            {"spec.meetingRoomDefaults": {"directMedia": "never", "directMediaNotificationSeconds": 30}},
            id="notification-30s",
        ),
        pytest.param(
            "Tenant",
            {"spec.domains": [DOMAIN, f"join.{DOMAIN}"], "spec.quotas": {"maxDomains": 2}},
            id="domains-at-quota",
        ),
    ],
)
def test_edge_values_are_accepted(custom: Custom, kube_namespace: str, kind: str, changes: Obj) -> None:
    """The rules are not stricter than the models: the edges they allow, the server allows."""
    obj = changed(specimen(kind, unique("edge"), kube_namespace), changes)
    KINDS_BY_NAME[kind].model_validate(obj)
    custom.create(obj, dry_run=True, strict=True)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_api_server_refuses_it_with_the_rule_message(
    custom: Custom, kube_namespace: str, case: Invalid
) -> None:
    with pytest.raises(client.ApiException) as caught:
        custom.create(invalid_object(case, kube_namespace), dry_run=True)
    refusal = Refusal.of(caught.value)
    assert refusal.has(case.field, *case.fragments), (
        f"expected a cause on {case.field} saying {case.fragments}; the server said:\n{refusal.message}"
    )


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_offline_model_refuses_it_too(case: Invalid) -> None:
    model = KINDS_BY_NAME[case.kind]
    try:
        resource = model.model_validate(invalid_object(case, "vdx-crdtest"))
    except pydantic.ValidationError as error:
        fields = [location(problem["loc"]) for problem in error.errors()]
        assert case.field in fields, f"the model complains about {fields}, the API server about {case.field}"
        return
    violations = [(path, message) for path, message in resource.rule_violations()]
    assert ("." + case.field, case.fragments[0]) in violations, (
        f"the model accepts what the API server refuses: {case.id} ({violations})"
    )


def location(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location in the API server's notation: spec.domains[0]."""
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")


@pytest.fixture
def existing(custom: Custom, kube_namespace: str) -> Iterator[dict[str, Obj]]:
    """A real Tenant (cluster-scoped, uniquely named) and Domain, deleted afterwards."""
    objects = {
        "Tenant": custom.create(specimen("Tenant", unique("immutable"), None)),
        "Domain": custom.create(specimen("Domain", unique("immutable"), kube_namespace)),
    }
    yield objects
    for obj in objects.values():
        custom.delete(obj["kind"], obj["metadata"]["name"], obj["metadata"].get("namespace"))


@pytest.mark.parametrize("case", IMMUTABLE, ids=[case.id for case in IMMUTABLE])
def test_an_immutable_field_cannot_be_changed(
    custom: Custom, existing: dict[str, Obj], case: Immutable
) -> None:
    meta = existing[case.kind]["metadata"]
    with pytest.raises(client.ApiException) as caught:
        custom.patch(case.kind, meta["name"], meta.get("namespace"), case.patch, dry_run=True)
    refusal = Refusal.of(caught.value)
    assert refusal.has(case.field, case.message), refusal.message


def test_mutable_fields_next_to_immutable_ones_can_be_changed(
    custom: Custom, existing: dict[str, Obj]
) -> None:
    """The control for the transition rules: re-stating the same value or changing another field is fine."""
    tenant = existing["Tenant"]
    same = {"spec": {"namespace": tenant["spec"]["namespace"], "displayName": "Region Renamed"}}
    patched = custom.patch("Tenant", tenant["metadata"]["name"], None, same)
    assert patched["spec"]["displayName"] == "Region Renamed"
    domain = existing["Domain"]
    meta = domain["metadata"]
    patched = custom.patch("Domain", meta["name"], meta["namespace"], {"spec": {"uses": ["SIP"]}})
    assert patched["spec"]["uses"] == ["SIP"]


def test_an_unknown_field_is_refused_under_strict_field_validation(
    custom: Custom, kube_namespace: str
) -> None:
    """The models forbid unknown fields; kubectl's default (Strict) refuses them on the server too."""
    obj = changed(specimen("TurnService", unique("strict"), kube_namespace), {"spec.sharedSecret": "x"})
    with pytest.raises(client.ApiException) as caught:
        custom.create(obj, dry_run=True, strict=True)
    assert caught.value.status == 400
    assert 'unknown field "spec.sharedSecret"' in json.loads(caught.value.body)["message"]

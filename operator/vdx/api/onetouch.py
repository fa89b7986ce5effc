"""OneTouchJoin: a Join button on a tenant's meeting-room video systems for the meetings in the
room's calendar (Pexip's One-Touch Join), asked for by Region Midtjylland, tried on stage first."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from vdx.api import patterns
from vdx.api.base import Rule, VdxModel, described
from vdx.api.common import LocalObjectReference, OwnedObjectsStatus, OwningSpec
from vdx.api.outlook import ENTRA_ID
from vdx.api.resource import CrdInfo, PrinterColumn, Resource
from vdx.api.tenant import Fqdn

Name = Annotated[str, Field(min_length=1, max_length=40, pattern=patterns.DNS_LABEL.regex)]
HttpsUrl = Annotated[str, Field(max_length=255, pattern=patterns.HTTPS_URL.regex)]
MAX_ENDPOINT_GROUPS = 20
MAX_ENDPOINTS_PER_GROUP = 200
# status.secretResourceVersions holds a digest of this many characters and a comma per object that
# carries secrets (the calendar source and each endpoint), after a prefix (8 characters, 16
# allowed): its bound follows from the spec's (`controller.planners.onetouch_sent`).
SENT_DIGEST_LENGTH = 8
SENT_RECORD_MAX_LENGTH = 16 + (SENT_DIGEST_LENGTH + 1) * (1 + MAX_ENDPOINT_GROUPS * MAX_ENDPOINTS_PER_GROUP)


class CalendarType(StrEnum):
    MICROSOFT_365 = "Microsoft365"
    EXCHANGE = "Exchange"
    GOOGLE_WORKSPACE = "GoogleWorkspace"


def _calendar_ok(c: Calendar) -> bool:
    if c.type is CalendarType.MICROSOFT_365:
        return bool(c.entra_tenant_id) and bool(c.application_id)
    if c.type is CalendarType.EXCHANGE:
        return bool(c.ews_url) or bool(c.autodiscover_urls)
    return bool(c.service_account_email) and bool(c.client_id)


class Calendar(VdxModel):
    """Where One-Touch Join reads the rooms' calendars (Pexip's OTJ deployment)."""

    object_rules = (
        Rule(
            cel="self.type == 'Microsoft365' ? (has(self.entraTenantId) && has(self.applicationId)) : "
            "self.type == 'Exchange' ? (has(self.ewsUrl) || (has(self.autodiscoverUrls) && "
            "size(self.autodiscoverUrls) > 0)) : "
            "(has(self.serviceAccountEmail) && has(self.clientId))",
            message="Microsoft365 needs entraTenantId and applicationId (the tenant's own app "
            "registration); Exchange needs ewsUrl or autodiscoverUrls; GoogleWorkspace needs "
            "serviceAccountEmail and clientId",
            field_path=".type",
            check=_calendar_ok,
        ),
    )

    type: CalendarType = described("Microsoft365 (Graph), Exchange (EWS, on-premises) or GoogleWorkspace.")
    entra_tenant_id: str | None = described(
        "Microsoft365: the organisation's Entra ID tenant id.", default=None, max_length=36, pattern=ENTRA_ID
    )
    application_id: str | None = described(
        "Microsoft365: the application (client) id of the organisation's own Entra app registration "
        "(never another tenant's: each tenant brings its own).",
        default=None,
        max_length=36,
        pattern=ENTRA_ID,
    )
    ews_url: str | None = described(
        "Exchange: the EWS URL, such as https://mail.rm.dk/EWS/Exchange.asmx.",
        default=None,
        max_length=255,
        pattern=patterns.HTTPS_URL.regex,
    )
    autodiscover_urls: list[HttpsUrl] = described(
        "Exchange: autodiscover URLs, such as https://autodiscover.rm.dk/autodiscover/autodiscover.svc.",
        default_factory=list,
        max_length=10,
        json_schema_extra={"x-kubernetes-list-type": "set"},
    )
    service_account_email: str | None = described(
        "GoogleWorkspace: the service account's e-mail.",
        default=None,
        max_length=254,
        pattern=patterns.EMAIL.regex,
    )
    client_id: str | None = described(
        "GoogleWorkspace: the service account's client id.", default=None, min_length=1, max_length=100
    )
    credentials_secret_ref: LocalObjectReference = described(
        "Secret in this namespace: `clientSecret` (Microsoft365), `username` and `password` (Exchange "
        "service account) or `privateKey` (GoogleWorkspace service account key). Sent again whenever it "
        "changes."
    )


class EndpointType(StrEnum):
    CISCO = "Cisco"
    POLY = "Poly"
    WEBEX = "Webex"


PEXIP_ENDPOINT_TYPE = {EndpointType.CISCO: "CISCO", EndpointType.POLY: "POLY", EndpointType.WEBEX: "WEBEX"}


class Endpoint(VdxModel):
    """A meeting room's video system that shows the Join button."""

    object_rules = (
        Rule(
            cel="self.type == 'Webex' ? has(self.webexDeviceId) : "
            "(has(self.address) && has(self.credentialsSecretRef))",
            message="a Cisco or Poly endpoint needs address and credentialsSecretRef (its API); a Webex one "
            "needs webexDeviceId",
            field_path=".type",
            check=lambda e: (
                bool(e.webex_device_id)
                if e.type is EndpointType.WEBEX
                else bool(e.address) and e.credentials_secret_ref is not None
            ),
        ),
    )

    name: Name = described("Name of the endpoint, unique in this OneTouchJoin, such as mr-1.")
    type: EndpointType = described("Cisco, Poly or Webex.")
    room_mailbox: str = described(
        "The room's mailbox: whose calendar the endpoint shows, such as moede.1@rm.dk. A mailbox "
        "belongs to one tenant.",
        max_length=254,
        pattern=patterns.EMAIL.regex,
    )
    address: str | None = described(
        "The endpoint's API address (host name or IP address). An address belongs to one tenant.",
        default=None,
        min_length=1,
        max_length=255,
        pattern=r"^[A-Za-z0-9.:-]+$",
    )
    port: int | None = described(
        "The API port (default: 443 with HTTPS, else 80).", default=None, ge=1, le=65535
    )
    credentials_secret_ref: LocalObjectReference | None = described(
        "Secret in this namespace with keys `username` and `password` for the endpoint's API.", default=None
    )
    webex_device_id: str | None = described(
        "Webex: the device id.", default=None, min_length=1, max_length=100
    )
    description: str | None = described("Free text, such as the room's name.", default=None, max_length=200)


class EndpointGroup(VdxModel):
    name: Name = described("Name of the group, such as moederum.")
    system_location: str = described(
        "The Pexip system location whose Conferencing Nodes serve One-Touch Join for these endpoints.",
        min_length=1,
        max_length=250,
    )
    endpoints: list[Endpoint] = described(
        "The room endpoints (names unique in the OneTouchJoin).",
        max_length=MAX_ENDPOINTS_PER_GROUP,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]},
    )


class MeetingType(StrEnum):
    """The meeting types the VDX rules use (Pexip knows more)."""

    PEXIP_INFINITY = "pexipinfinity"
    DOMAIN = "domain"
    REGEX = "regex"
    TEAMS = "teams"
    CUSTOM = "custom"


class ProcessingRule(VdxModel):
    name: Name = described("Name of the rule.")
    priority: int = described("Lower runs first; unique in the profile (Pexip: 1-200).", ge=1, le=200)
    meeting_type: MeetingType = described(
        "pexipinfinity turns an invitation with a VDX alias of `domain` into a Join button."
    )
    domain: Fqdn | None = described(
        "The alias domain the rule matches: one of the tenant's domains.", default=None
    )
    match_string: str | None = described(
        "A regular expression the invitation must match.", default=None, max_length=250
    )
    replace_string: str | None = described(
        "What the match becomes (regex replacement).", default=None, max_length=250
    )
    transform_rule: str | None = described("A Jinja2 transform Pexip renders.", default=None, max_length=512)
    enabled: bool = described("Whether the rule is used.", default=True)


def _unique_priorities(s: OneTouchJoinSpec) -> bool:
    return len({r.priority for r in s.rules}) == len(s.rules)


class OneTouchJoinSpec(OwningSpec):
    object_rules = (
        Rule(
            cel="!has(self.rules) || self.rules.all(r, self.rules.exists_one(s, s.priority == r.priority))",
            message="rule priorities must be unique in the profile (the first match wins)",
            field_path=".rules",
            check=_unique_priorities,
        ),
        Rule(
            cel="!has(self.rules) || self.rules.all(r, self.rules.exists_one(s, s.name == r.name))",
            message="rule names must be unique",
            field_path=".rules",
            check=lambda s: len({r.name for r in s.rules}) == len(s.rules),
        ),
        Rule(
            cel="self.endpointGroups.all(g, self.endpointGroups.exists_one(h, h.name == g.name))",
            message="endpoint group names must be unique",
            field_path=".endpointGroups",
            check=lambda s: len({g.name for g in s.endpoint_groups}) == len(s.endpoint_groups),
        ),
    )

    calendar: Calendar = described("The calendar source.")
    endpoint_groups: list[EndpointGroup] = described(
        "Groups of room endpoints, each bound to a system location.",
        min_length=1,
        max_length=MAX_ENDPOINT_GROUPS,
        json_schema_extra={"x-kubernetes-list-type": "atomic"},
    )
    rules: list[ProcessingRule] = described(
        "Meeting processing rules. Left out: one pexipinfinity rule per tenant domain, so an invitation "
        "carrying a VDX alias of the tenant becomes a Join button.",
        default_factory=list,
        max_length=50,
        json_schema_extra={"x-kubernetes-list-type": "atomic"},
    )
    start_buffer_minutes: int = described(
        "Minutes before the meeting the button shows.", default=5, ge=0, le=180
    )
    end_buffer_minutes: int = described(
        "Minutes after the meeting the button stays.", default=0, ge=0, le=180
    )
    upcoming_days: int = described("Days of upcoming meetings the endpoint shows.", default=7, ge=0, le=365)
    description: str | None = described(
        "Free text shown in Pexip's administrator interface.", default=None, max_length=200
    )


class OneTouchJoinStatus(OwnedObjectsStatus):
    profile: str | None = described(
        "Pexip resource URI of the mjx_integration.", default=None, max_length=512
    )
    endpoints: int | None = described("Endpoints Pexip holds for this profile.", default=None, ge=0)
    secret_resource_versions: str | None = described(
        "What was last sent from Secrets, per object: a short digest for the calendar source and each "
        "endpoint of its Secret's name and resourceVersion and its type (never a value); an object whose "
        "digest changed gets its secrets again, the others do not.",
        default=None,
        max_length=SENT_RECORD_MAX_LENGTH,
    )


class OneTouchJoin(Resource):
    """One-Touch Join for a tenant's meeting rooms."""

    crd = CrdInfo(
        plural="onetouchjoins",
        scope="Namespaced",
        short_names=("votj",),
        description="OneTouchJoin is a tenant's One-Touch Join profile in Pexip (mjx_integration) with "
        "its calendar source, endpoint groups, room endpoints and meeting processing rules.",
        identity_columns=(
            PrinterColumn(name="Calendar", json_path=".spec.calendar.type", description="Calendar source."),
            PrinterColumn(
                name="Endpoints", json_path=".status.endpoints", type="integer", description="Endpoints."
            ),
        ),
    )

    kind: Literal["OneTouchJoin"] = described("OneTouchJoin")
    spec: OneTouchJoinSpec = described("Desired state.")
    status: OneTouchJoinStatus | None = described("Observed state, written by the operator.", default=None)

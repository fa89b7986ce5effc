"""OutlookScheduling: a tenant's booking from its own Outlook calendar (Pexip's Secure Scheduler for
Exchange), the "Outlook plug-in" the VDX user group asked to revive."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from vdx.api import patterns
from vdx.api.base import Rule, VdxModel, described
from vdx.api.common import LocalObjectReference, OwnedObjectsStatus, OwningSpec
from vdx.api.resource import CrdInfo, PrinterColumn, Resource
from vdx.api.tenant import Fqdn

# A domain Pexip's connector holds in a field of at most 192 characters (scheduled_alias_domain,
# addin_server_domain): longer names pass as an Fqdn and would be refused by the node.
ConnectorDomain = Annotated[str, Field(min_length=4, max_length=192, pattern=patterns.FQDN.regex)]

Text = Annotated[str, Field(min_length=1, max_length=250)]
Template = Annotated[str, Field(min_length=1, max_length=12288)]
ENTRA_ID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


class ExchangeType(StrEnum):
    MICROSOFT_365 = "Microsoft365"
    ON_PREMISES = "OnPremises"


class ExchangeAuthentication(StrEnum):
    """How the scheduler signs in to Exchange. Microsoft 365: OAuth (delegated) or AppPermissions
    (application permissions); on-premises EWS: Basic, Ntlm or Kerberos."""

    OAUTH = "OAuth"
    APP_PERMISSIONS = "AppPermissions"
    BASIC = "Basic"
    NTLM = "Ntlm"
    KERBEROS = "Kerberos"


# Pexip's names for the methods (`authentication_method`).
PEXIP_AUTHENTICATION: dict[ExchangeAuthentication, str] = {
    ExchangeAuthentication.OAUTH: "OAUTH",
    ExchangeAuthentication.APP_PERMISSIONS: "APP_PERM",
    ExchangeAuthentication.BASIC: "BASIC",
    ExchangeAuthentication.NTLM: "NTLM",
    ExchangeAuthentication.KERBEROS: "KERBEROS",
}
CLOUD_METHODS = (ExchangeAuthentication.OAUTH, ExchangeAuthentication.APP_PERMISSIONS)


class Kerberos(VdxModel):
    realm: str = described("Kerberos realm, such as AARHUS.LOCAL.", min_length=1, max_length=250)
    kdc: str = described("The key distribution centre's address.", min_length=1, max_length=255)
    exchange_spn: str = described(
        "Exchange's service principal name, such as http/exchange.aarhus.local.", min_length=1, max_length=255
    )
    enable_tls: bool = described("Talk TLS to the KDC.", default=True)


def _connection_ok(c: ExchangeConnection) -> bool:
    if c.type is ExchangeType.MICROSOFT_365:
        return c.authentication in CLOUD_METHODS and bool(c.entra_tenant_id) and bool(c.application_id)
    return c.authentication not in CLOUD_METHODS and bool(c.ews_url)


class ExchangeConnection(VdxModel):
    """Where the scheduler reads and writes the organisers' calendars."""

    object_rules = (
        Rule(
            cel="self.type == 'Microsoft365' ? (self.authentication in ['OAuth', 'AppPermissions'] && "
            "has(self.entraTenantId) && has(self.applicationId)) : "
            "(self.authentication in ['Basic', 'Ntlm', 'Kerberos'] && has(self.ewsUrl))",
            message="Microsoft365 needs authentication OAuth or AppPermissions with entraTenantId and "
            "applicationId (the Entra app registration); OnPremises needs Basic, Ntlm or Kerberos "
            "with ewsUrl",
            field_path=".authentication",
            check=_connection_ok,
        ),
        Rule(
            cel="self.authentication != 'Kerberos' || has(self.kerberos)",
            message="authentication Kerberos needs the kerberos settings (realm, kdc, exchangeSpn)",
            field_path=".kerberos",
            check=lambda c: c.authentication is not ExchangeAuthentication.KERBEROS or c.kerberos is not None,
        ),
    )

    type: ExchangeType = described("Microsoft365 (Exchange Online) or OnPremises (Exchange Web Services).")
    authentication: ExchangeAuthentication = described(
        "OAuth or AppPermissions for Microsoft365; Basic, Ntlm or Kerberos for OnPremises."
    )
    entra_tenant_id: str | None = described(
        "Microsoft365: the organisation's Entra ID (Azure AD) tenant id; the OAuth endpoints are "
        "https://login.microsoftonline.com/<id>/oauth2/v2.0/authorize and .../token.",
        default=None,
        max_length=36,
        pattern=ENTRA_ID,
    )
    application_id: str | None = described(
        "Microsoft365: the application (client) id of the Entra app registration the scheduler uses "
        "(docs/calendar.md lists its permissions). Its client secret is in the credentials Secret.",
        default=None,
        max_length=36,
        pattern=ENTRA_ID,
    )
    ews_url: str | None = described(
        "OnPremises: the Exchange Web Services URL, such as https://mail.aarhus.dk/EWS/Exchange.asmx.",
        default=None,
        max_length=255,
        pattern=patterns.HTTPS_URL.regex,
    )
    service_mailbox: str = described(
        "The mailbox the scheduling service uses (Pexip's room_mailbox_email_address), such as "
        "vdx-booking@aarhus.dk.",
        max_length=100,
        pattern=patterns.EMAIL.regex,
    )
    credentials_secret_ref: LocalObjectReference = described(
        "Secret in this namespace: key `clientSecret` for Microsoft365; keys `username` and "
        "`password` (the service account) for OnPremises. Sent again whenever the Secret changes."
    )
    kerberos: Kerberos | None = described(
        "Kerberos settings (OnPremises, authentication Kerberos).", default=None
    )


class Aliases(VdxModel):
    """The aliases of the single-use meeting rooms the scheduler generates: <prefix><digits>@<domain>."""

    prefix: str = described(
        "Start of each generated alias, such as vdx.", min_length=1, max_length=8, pattern=r"^[a-z0-9._-]+$"
    )
    domain: ConnectorDomain = described(
        "Domain of the generated aliases: one of the tenant's domains (a VDX alias is always in the "
        "tenant's own domains).",
    )
    suffix_length: int = described("Random digits after the prefix (Pexip: 5-15).", default=6, ge=5, le=15)


class SignIn(StrEnum):
    """How staff sign in to the add-in (Pexip's auth_provider)."""

    ADFS = "ADFS"
    ENTRA_ID = "EntraID"


class AddInTexts(VdxModel):
    """Overrides of the add-in's and side pane's texts. Each default is Danish and carries the
    organisation's name; an override may use {{ organisation }} too."""

    display_name: Text | None = described("Name of the add-in in Outlook.", default=None)
    description: Text | None = described("Description of the add-in.", default=None)
    provider_name: Text | None = described("Who provides the add-in.", default=None)
    button_label: Text | None = described("Label of the ribbon button.", default=None)
    group_label: Text | None = described("Label of the ribbon group.", default=None)
    supertip_title: Text | None = described("Title of the button's tooltip.", default=None)
    supertip_description: Text | None = described("Text of the button's tooltip.", default=None)
    pane_title: Text | None = described("Title of the side pane.", default=None)
    pane_description: Text | None = described("Description in the side pane.", default=None)
    pane_button_title: Text | None = described("The side pane's button.", default=None)
    pane_success_heading: Text | None = described("Heading after success.", default=None)
    pane_success_message: Text | None = described("Message after success.", default=None)
    pane_already_video_meeting_heading: Text | None = described(
        "Heading when the meeting already has a room.", default=None
    )
    pane_already_video_meeting_message: Text | None = described(
        "Message when the meeting already has a room.", default=None
    )
    pane_general_error_heading: Text | None = described("Heading of a general error.", default=None)
    pane_general_error_message: Text | None = described("Message of a general error.", default=None)
    pane_management_node_down_heading: Text | None = described(
        "Heading when VDX cannot be reached.", default=None
    )
    pane_management_node_down_message: Text | None = described(
        "Message when VDX cannot be reached.", default=None
    )

    def pexip_overrides(self) -> dict[str, str]:
        """The overrides by Pexip's field name (`addin_` + the snake_case name)."""
        return {f"addin_{name}": value for name, value in self.model_dump().items() if value}


class AddIn(VdxModel):
    server_domain: ConnectorDomain = described(
        "The name the add-in is served from (Pexip's addin_server_domain), such as join.vdx.aarhus.dk: "
        "in the tenant's domains and covered by one of its TlsCertificates, since Outlook loads the "
        "add-in over HTTPS.",
    )
    sign_in: SignIn = described(
        "How staff sign in to the add-in: ADFS (the organisation's federation) or EntraID.",
        default=SignIn.ADFS,
    )
    application_id: str | None = described(
        "The Entra app registration of the add-in itself (addin_application_id), when it has one.",
        default=None,
        max_length=36,
        pattern=ENTRA_ID,
    )
    texts: AddInTexts = described(
        "Overrides of the add-in's texts; left out, every text is Danish with the organisation's name.",
        default_factory=AddInTexts,
    )


class Buffers(VdxModel):
    before_minutes: int = described("Minutes a room opens before the meeting.", default=30, ge=0, le=180)
    after_minutes: int = described("Minutes a room stays open after the meeting.", default=60, ge=0, le=180)


class MeetingRoomTypes(VdxModel):
    object_rules = (
        Rule(
            cel="!has(self.singleUse) || self.singleUse || (has(self.personal) && self.personal)",
            message="switch on singleUse or personal meeting rooms, or the add-in can book nothing",
            check=lambda s: s.single_use or s.personal,
        ),
    )

    single_use: bool = described("Book a new single-use meeting room per meeting.", default=True)
    personal: bool = described("Let staff add their personal meeting room.", default=False)


# The template overrides, by Pexip's field name; the CRD's names drop the `_template` suffix.
TEMPLATE_FIELDS: dict[str, str] = {
    "meeting_instructions": "meeting_instructions_template",
    "placeholder_instructions": "placeholder_instructions_template",
    "conference_name": "conference_name_template",
    "conference_description": "conference_description_template",
    "conference_subject": "conference_subject_template",
    "scheduled_alias_description": "scheduled_alias_description_template",
    "accept_new_single_meeting": "accept_new_single_meeting_template",
    "accept_new_recurring_series": "accept_new_recurring_series_template",
    "accept_edited_single_meeting": "accept_edited_single_meeting_template",
    "accept_edited_recurring_series": "accept_edited_recurring_series_template",
    "accept_edited_occurrence": "accept_edited_occurrence_template",
    "reject_alias_conflict": "reject_alias_conflict_template",
    "reject_alias_deleted": "reject_alias_deleted_template",
    "reject_general_error": "reject_general_error_template",
    "reject_invalid_alias_id": "reject_invalid_alias_id_template",
    "reject_recurring_series_past": "reject_recurring_series_past_template",
    "reject_single_meeting_past": "reject_single_meeting_past",
}


class Templates(VdxModel):
    """Jinja2 templates Pexip renders per meeting (joining instructions, replies to the organiser).
    Left out, each is a Danish default; a given one is checked for syntax before it is sent."""

    meeting_instructions: Template | None = described("Joining instructions in the invitation.", default=None)
    placeholder_instructions: Template | None = described(
        "Placeholder until the instructions are ready.", default=None
    )
    conference_name: Template | None = described("Name of the booked meeting room.", default=None)
    conference_description: Template | None = described("Description of the meeting room.", default=None)
    conference_subject: Template | None = described("Subject of the meeting room.", default=None)
    scheduled_alias_description: Template | None = described("Description of the alias.", default=None)
    accept_new_single_meeting: Template | None = described("Reply: a meeting was booked.", default=None)
    accept_new_recurring_series: Template | None = described("Reply: a series was booked.", default=None)
    accept_edited_single_meeting: Template | None = described("Reply: a meeting was changed.", default=None)
    accept_edited_recurring_series: Template | None = described("Reply: a series was changed.", default=None)
    accept_edited_occurrence: Template | None = described("Reply: one occurrence was changed.", default=None)
    reject_alias_conflict: Template | None = described("Reply: the alias is taken.", default=None)
    reject_alias_deleted: Template | None = described("Reply: the room was deleted.", default=None)
    reject_general_error: Template | None = described("Reply: a general error.", default=None)
    reject_invalid_alias_id: Template | None = described("Reply: an invalid alias.", default=None)
    reject_recurring_series_past: Template | None = described("Reply: a series in the past.", default=None)
    reject_single_meeting_past: Template | None = described("Reply: a meeting in the past.", default=None)

    def pexip_overrides(self) -> dict[str, str]:
        return {TEMPLATE_FIELDS[name]: value for name, value in self.model_dump().items() if value}


class OutlookSchedulingSpec(OwningSpec):
    exchange: ExchangeConnection = described("The connection to Microsoft 365 or on-premises Exchange.")
    key_pair_secret_ref: LocalObjectReference = described(
        "Secret in this namespace with the connector's key pair: keys `privateKey` and `publicKey` "
        "(PEM). Checked before it is sent; sent again whenever the Secret changes."
    )
    aliases: Aliases = described("The generated meeting rooms' aliases.")
    add_in: AddIn = described("The Outlook add-in: where it is served from, sign-in, its texts.")
    buffers: Buffers = described("How long around the meeting the room is open.", default_factory=Buffers)
    meeting_rooms: MeetingRoomTypes = described(
        "Which meeting rooms the add-in books.", default_factory=MeetingRoomTypes
    )
    templates: Templates = described(
        "The joining-instruction and reply templates (Danish by default).", default_factory=Templates
    )
    branding_ref: LocalObjectReference | None = described(
        "CviBranding (in this namespace) whose IVR theme the booked meeting rooms show.", default=None
    )
    identity_provider_ref: LocalObjectReference | None = described(
        "IdentityProvider (in this namespace, the organisation's ADFS) hosts of booked rooms sign in with.",
        default=None,
    )
    exchange_domains: list[Fqdn] = described(
        "The organisation's e-mail domains whose Exchange metadata the scheduler reads, such as aarhus.dk.",
        default_factory=list,
        max_length=20,
        json_schema_extra={"x-kubernetes-list-type": "set"},
    )
    description: str | None = described(
        "Free text shown in Pexip's administrator interface.", default=None, max_length=200
    )


class OutlookAdministratorStatus(VdxModel):
    """What the organisation's Outlook (Microsoft 365) administrator needs to deploy the add-in."""

    add_in_url: str | None = described(
        "Where the add-in is served from (https://<addIn.serverDomain>).", default=None, max_length=255
    )
    display_name: str | None = described("The add-in's name, as staff see it.", default=None, max_length=250)
    manifest: str | None = described(
        "How to obtain the add-in's manifest (Pexip's Management API has no resource for it).",
        default=None,
        max_length=500,
    )


class OutlookSchedulingStatus(OwnedObjectsStatus):
    connector: str | None = described(
        "Pexip resource URI of the ms_exchange_connector.", default=None, max_length=512
    )
    uuid: str | None = described("The connector's UUID, set by Pexip.", default=None, max_length=64)
    secret_resource_versions: str | None = described(
        "resourceVersions of the credentials and key-pair Secrets last sent, with the exchange type and "
        "authentication they were sent for (never their values).",
        default=None,
        max_length=130,
    )
    outlook_administrator: OutlookAdministratorStatus | None = described(
        "What an Outlook administrator needs to install the add-in.", default=None
    )


class OutlookScheduling(Resource):
    """Booking VDX meetings from a tenant's own Outlook calendar."""

    crd = CrdInfo(
        plural="outlookschedulings",
        scope="Namespaced",
        short_names=("voutlook",),
        description="OutlookScheduling is a tenant's Secure Scheduler for Exchange in Pexip "
        "(ms_exchange_connector): the Outlook add-in with the tenant's Danish texts, aliases in the "
        "tenant's domains, its IVR theme and ADFS.",
        identity_columns=(
            PrinterColumn(name="Exchange", json_path=".spec.exchange.type", description="Exchange kind."),
            PrinterColumn(
                name="AliasDomain", json_path=".spec.aliases.domain", description="Domain of booked rooms."
            ),
        ),
    )

    kind: Literal["OutlookScheduling"] = described("OutlookScheduling")
    spec: OutlookSchedulingSpec = described("Desired state.")
    status: OutlookSchedulingStatus | None = described(
        "Observed state, written by the operator.", default=None
    )

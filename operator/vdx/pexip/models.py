"""Typed views of what the Management API returns (spec §2, §3).

Models describe GET shapes only; writes are plain mappings because the operator sends partial
PATCHes. `extra="allow"` keeps fields this version does not know about (Pexip adds fields between
releases), and write-only secrets are deliberately absent: the API never returns them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


class PexipModel(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=False)
    resource_uri: str = ""


class IntIdModel(PexipModel):
    id: int


class ConferenceAlias(IntIdModel):
    alias: str
    conference: str | None = None
    description: str = ""
    view_order: int | None = None
    creation_time: datetime | None = None


class AutomaticParticipant(IntIdModel):
    alias: str
    conference: list[str] = Field(default_factory=list)
    protocol: str = "sip"
    call_type: str = "video"
    role: str = "guest"
    keep_conference_alive: str = "keep_conference_alive_if_multiple"
    routing: str = "manual"
    system_location: str | None = None
    streaming: bool = False
    presentation_url: str = ""
    dtmf_sequence: str = ""
    remote_display_name: str = ""
    description: str = ""
    creation_time: datetime | None = None


class IvrTheme(IntIdModel):
    name: str
    uuid: str = ""
    package: str | None = None
    conference: list[str] = Field(default_factory=list)
    custom_layouts: str = ""
    pinning_configs: str = ""
    last_updated: datetime | None = None


class Conference(IntIdModel):
    name: str
    description: str = ""
    service_type: str = "conference"
    aliases: list[ConferenceAlias] = Field(default_factory=list)
    # Embedded without `resource_uri` by Pexip; build URIs from `id`.
    automatic_participants: list[AutomaticParticipant] = Field(default_factory=list)
    pin: str = ""
    guest_pin: str = ""
    allow_guests: bool = False
    guests_can_present: bool = True
    host_view: str | None = None
    guest_view: str | None = None
    call_type: str = "video"
    crypto_mode: str | None = None
    direct_media: str = "never"
    direct_media_notification_duration: int = 0
    breakout_rooms: bool = False
    max_callrate_in: int | None = None
    max_callrate_out: int | None = None
    max_pixels_per_second: str | None = None
    participant_limit: int | None = None
    non_idp_participants: str = "disallow_all"
    host_identity_provider_group: str | None = None
    guest_identity_provider_group: str | None = None
    ivr_theme: IvrTheme | None = None
    primary_owner_email_address: str = ""
    tag: str = ""
    system_location: str | None = None
    creation_time: datetime | None = None


class Device(IntIdModel):
    alias: str
    username: str = ""
    description: str = ""
    primary_owner_email_address: str = ""
    enable_sip: bool = False
    enable_h323: bool = False
    enable_infinity_connect_non_sso: bool = False
    enable_infinity_connect_sso: bool = False
    enable_standard_sso: bool = False
    sso_identity_provider_group: str | None = None
    tag: str = ""
    creation_time: datetime | None = None


class Registration(IntIdModel):
    enable: bool = True
    refresh_strategy: str = "adaptive"
    adaptive_min_refresh: int = 60
    adaptive_max_refresh: int = 3600
    maximum_min_refresh: int = 60
    maximum_max_refresh: int = 300
    natted_min_refresh: int = 60
    natted_max_refresh: int = 90
    route_via_registrar: bool = True
    enable_push_notifications: bool = False
    enable_google_cloud_messaging: bool = True


class GlobalSettings(IntIdModel):
    enable_webrtc: bool = True
    enable_sip: bool = True
    enable_h323: bool = True
    enable_rtmp: bool = True
    enable_turn_443: bool = False
    crypto_mode: str = "besteffort"
    max_pixels_per_second: str = "hd"
    media_ports_start: int = 40000
    media_ports_end: int = 49999
    signalling_ports_start: int = 33000
    signalling_ports_end: int = 39999
    default_theme: IvrTheme | None = None
    default_webapp_alias: str | None = None
    enable_breakout_rooms: bool = False
    min_pin_length: int = 6
    logs_max_age: int = 0
    deployment_uuid: str = ""


class DnsServer(IntIdModel):
    address: str
    description: str = ""


class NtpServer(IntIdModel):
    address: str
    description: str = ""
    key_id: int | None = None


class SyslogServer(IntIdModel):
    address: str
    port: int = 514
    transport: str = "udp"
    description: str = ""


class EventSink(IntIdModel):
    name: str
    url: str
    description: str = ""
    username: str = ""
    version: int = 2


class SystemLocation(IntIdModel):
    name: str
    description: str = ""
    mtu: int = 1500
    media_qos: int | None = None
    signalling_qos: int | None = None
    local_mssip_domain: str = ""
    dns_servers: list[DnsServer] = Field(default_factory=list)
    ntp_servers: list[NtpServer] = Field(default_factory=list)
    syslog_servers: list[SyslogServer] = Field(default_factory=list)
    event_sinks: list[EventSink] = Field(default_factory=list)
    turn_server: str | None = None
    stun_server: str | None = None
    client_turn_servers: list[str] = Field(default_factory=list)
    client_stun_servers: list[str] = Field(default_factory=list)
    use_relay_candidates_only: bool = False
    transcoding_location: str | None = None
    overflow_location1: str | None = None
    overflow_location2: str | None = None


class TurnServer(IntIdModel):
    name: str
    description: str = ""
    address: str
    port: int | None = 3478
    server_type: str = "namepsw"
    transport_type: str = "udp"
    username: str = ""


class StunServer(IntIdModel):
    name: str
    description: str = ""
    address: str
    port: int = 3478


class _ParsedCertificate(IntIdModel):
    certificate: str
    start_date: datetime | None = None
    end_date: datetime | None = None
    subject_name: str = ""
    issuer_name: str = ""
    raw_subject: str = ""
    raw_issuer: str = ""
    subject_hash: str = ""
    issuer_hash: str = ""
    serial_no: str = ""
    key_id: str | None = None
    issuer_key_id: str | None = None
    text: str = ""


class TlsCertificate(_ParsedCertificate):
    parameters: str = ""
    nodes: list[Any] = Field(default_factory=list)
    subject_alt_names: str = ""
    client_auth_usage: bool = False
    server_auth_usage: bool = False


class CaCertificate(_ParsedCertificate):
    trusted_intermediate: bool = False


class WebappBranding(PexipModel):
    uuid: str
    name: str
    description: str = ""
    webapp_type: str
    branding_file: str | None = None
    is_default: bool = False
    last_updated: datetime | None = None


class SoftwareBundleRevision(IntIdModel):
    bundle_type: str = ""
    version: str = ""


class WebappAlias(IntIdModel):
    slug: str
    description: str = ""
    webapp_type: str
    is_enabled: bool = False
    is_default: bool = False
    branding: WebappBranding | None = None
    bundle: SoftwareBundleRevision | None = None


class IdentityProviderAttribute(IntIdModel):
    name: str
    description: str = ""


class IdentityProvider(IntIdModel):
    name: str
    description: str = ""
    idp_type: str = "saml"
    uuid: str = ""
    sso_url: str = ""
    idp_entity_id: str = ""
    idp_public_key: str = ""
    service_entity_id: str = ""
    service_public_key: str = ""
    signature_algorithm: str = ""
    digest_algorithm: str = ""
    assertion_consumer_service_url: str = ""
    worker_fqdn_acs_urls: bool = False
    oidc_client_id: str = ""
    attributes: list[IdentityProviderAttribute] = Field(default_factory=list)


class IdentityProviderGroup(IntIdModel):
    name: str
    description: str = ""
    identity_provider: list[str] = Field(default_factory=list)


class EndUser(IntIdModel):
    primary_email_address: str
    first_name: str = ""
    last_name: str = ""
    display_name: str = ""
    telephone_number: str = ""
    mobile_number: str = ""
    department: str = ""
    title: str = ""
    avatar_url: str = ""
    description: str = ""
    uuid: str = ""
    user_groups: list[str] = Field(default_factory=list)
    sync_tag: str = ""


class WorkerVm(IntIdModel):
    """A Conferencing Node: where the platform's addresses live (a tenant's firewall must reach them).

    `static_nat_address` is what clients outside reach when the node sits behind NAT; `address` is
    the node's own (often internal) address. Proxying Edge Nodes face the internet.
    """

    name: str
    description: str = ""
    hostname: str = ""
    domain: str = ""
    address: str = ""
    netmask: str = ""
    gateway: str = ""
    static_nat_address: str | None = None
    ipv6_address: str | None = None
    secondary_address: str | None = None
    alternative_fqdn: str = ""
    node_type: str = "CONFERENCING"
    transcoding: bool = True
    system_location: str | None = None
    maintenance_mode: bool = False
    maintenance_mode_reason: str = ""
    tls_certificate: str | None = None


class ManagementVm(IntIdModel):
    name: str = ""
    version: str = ""
    primary: bool = False
    sync_status: str = ""
    upgrade_status: str = ""


class HistoryConference(PexipModel):
    id: str
    name: str = ""
    service_type: str = ""
    tag: str = ""
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration: int = 0
    participant_count: int = 0
    participants: list[str] = Field(default_factory=list)
    instant_message_count: int = 0
    direct_media_available: bool = False


class HistoryParticipant(PexipModel):
    id: str
    conference: str | None = None
    conference_name: str = ""
    display_name: str = ""
    local_alias: str = ""
    remote_alias: str = ""
    role: str = ""
    protocol: str = ""
    call_direction: str = ""
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration: int = 0
    disconnect_reason: str = ""
    call_quality: str = ""
    vendor: str = ""
    bandwidth: int | None = None
    license_count: int | None = None
    license_type: str = ""
    system_location: str = ""
    service_type: str = ""
    service_tag: str = ""
    is_direct: bool = False
    media_streams: list[dict[str, Any]] = Field(default_factory=list)


# ---------------------------------------------------------------------- calendar integration
# Secure Scheduler for Exchange (booking from Outlook) and One-Touch Join. Only the fields the
# operator reads are typed; the many add-in texts and templates stay in the model's extras.


class ExchangeDomain(IntIdModel):
    domain: str
    exchange_connector: str | None = None
    creation_time: datetime | None = None


class MsExchangeConnector(IntIdModel):
    name: str
    description: str = ""
    uuid: str = ""
    room_mailbox_email_address: str | None = None
    room_mailbox_name: str = ""
    url: str = ""
    username: str = ""
    authentication_method: str = "BASIC"
    auth_provider: str = "ADFS"
    scheduled_alias_prefix: str | None = None
    scheduled_alias_domain: str = ""
    scheduled_alias_suffix_length: int = 6
    meeting_buffer_before: int = 30
    meeting_buffer_after: int = 60
    enable_dynamic_vmrs: bool = True
    enable_personal_vmrs: bool = False
    oauth_client_id: str | None = None
    addin_server_domain: str = ""
    addin_display_name: str = ""
    addin_application_id: str | None = None
    public_key: str = ""
    host_identity_provider_group: str | None = None
    ivr_theme: str | None = None
    non_idp_participants: str = "disallow_all"
    # Embedded by Pexip, each with its own `resource_uri`.
    domains: list[ExchangeDomain] = Field(default_factory=list)


def _uri_of_stub(value: Any) -> Any:
    """A reference that Pexip returns as a `{"resource_uri": ...}` stub (pexip-api.md §1.7: One-Touch
    Join's profile deployments and endpoint groups, a group's endpoints), as its URI, which is how
    the operator writes and compares every reference."""
    if isinstance(value, dict) and "resource_uri" in value:
        return value["resource_uri"]
    return value


StubReference = Annotated[str, BeforeValidator(_uri_of_stub)]


class MjxIntegration(IntIdModel):
    """A One-Touch Join profile: one calendar source (at most one deployment URI is set)."""

    name: str
    description: str = ""
    display_upcoming_meetings: int = 7
    enable_non_video_meetings: bool = True
    enable_private_meetings: bool = True
    start_buffer: int = 5
    end_buffer: int = 0
    ep_username: str = ""
    ep_use_https: bool = True
    ep_verify_certificate: bool = False
    exchange_deployment: StubReference | None = None
    google_deployment: StubReference | None = None
    graph_deployment: StubReference | None = None
    process_alias_private_meetings: bool = True
    replace_empty_subject: bool = True
    replace_subject_type: str = "PRIVATE"
    replace_subject_template: str = ""
    use_webex: bool = False
    endpoint_groups: list[StubReference] = Field(default_factory=list)


class MjxGraphDeployment(IntIdModel):
    name: str
    description: str = ""
    client_id: str = ""
    oauth_token_url: str = ""
    graph_api_domain: str = ""
    request_quota: int = 1_000_000
    disable_proxy: bool = False
    mjx_integrations: list[str] | None = None


class MjxExchangeAutodiscoverUrl(IntIdModel):
    name: str
    description: str = ""
    url: str = ""
    exchange_deployment: str | None = None


class MjxExchangeDeployment(IntIdModel):
    name: str
    description: str = ""
    service_account_username: str = ""
    authentication_method: str = "BASIC"
    ews_url: str = ""
    find_items_request_quota: int = 1_000_000
    disable_proxy: bool = False
    oauth_client_id: str | None = None
    # Embedded by Pexip, each with its own `resource_uri`.
    autodiscover_urls: list[MjxExchangeAutodiscoverUrl] | None = None
    mjx_integrations: list[str] | None = None


class MjxGoogleDeployment(IntIdModel):
    name: str
    description: str = ""
    client_email: str = ""
    client_id: str = ""
    use_user_consent: bool = False
    mjx_integrations: list[str] | None = None


class MjxEndpointGroup(IntIdModel):
    name: str
    description: str = ""
    mjx_integration: str | None = None
    system_location: str | None = None
    disable_proxy: bool = False
    endpoints: list[StubReference] = Field(default_factory=list)


class MjxEndpoint(IntIdModel):
    name: str
    description: str = ""
    endpoint_type: str
    room_resource_email: str = ""
    mjx_endpoint_group: str | None = None
    api_address: str | None = None
    api_port: int | None = None
    api_username: str | None = None
    use_https: str = "GLOBAL"
    verify_cert: str = "GLOBAL"
    poly_username: str | None = None
    poly_raise_alarms_for_this_endpoint: bool = False
    webex_device_id: str | None = None


class MjxMeetingProcessingRule(IntIdModel):
    name: str
    description: str = ""
    priority: int
    enabled: bool = True
    meeting_type: str
    mjx_integration: str
    match_string: str = ""
    replace_string: str = ""
    transform_rule: str = ""
    custom_template: str = ""
    domain: str = ""
    company_id: str = ""
    include_pin: bool = False
    default_processing_enabled: bool = True


class ExchangeSchedulerStatus(IntIdModel):
    exchange_connector_id: int = 0
    last_modified_time: datetime | None = None


class MjxEndpointStatus(IntIdModel):
    endpoint_name: str = ""
    endpoint_address: str = ""
    endpoint_type: str = ""
    room_email: str = ""
    mjx_integration_name: str = ""
    number_of_meetings: int = 0
    last_worker: str = ""
    last_contact_time: datetime | None = None


class MjxMeetingStatus(IntIdModel):
    alias: str = ""
    subject: str = ""
    meeting_id: str = ""
    room_email: str = ""
    endpoint_name: str = ""
    organizer_email: str = ""
    organizer_name: str = ""
    mjx_integration_id: int = 0
    mjx_integration_name: str = ""
    matched_meeting_processing_rule: str = ""
    worker_id: int = 0
    start_time: datetime | None = None
    end_time: datetime | None = None
    last_modified_time: datetime | None = None

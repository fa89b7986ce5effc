"""Declarative description of the emulated resources.

The simulator is driven by these tables rather than by per-resource handlers so that the schema
documents, validation, filtering, ordering and rendering all agree with each other: one source of
truth per field, as on a Tastypie-based Management Node.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from vdx.pexip.simulator.v41 import MISSING, V41Field
from vdx.pexip.simulator.v41_fields import FIELDS as V41

FieldType = Literal["string", "integer", "float", "boolean", "datetime", "related", "list", "file"]
# How a related field is rendered on GET (spec §1.7): a URI string, the embedded object, the embedded
# object without its `resource_uri`, or a `{"resource_uri": ...}` stub.
Expand = Literal["uri", "embed", "embed_no_uri", "stub"]
OnDelete = Literal["cascade", "set_null", "protect"]

ALL = 1
ALL_WITH_RELATIONS = 2


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    required: bool = False
    default: Any = None
    nullable: bool = False
    max_length: int | None = None
    min_length: int | None = None
    choices: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    readonly: bool = False
    secret: bool = False
    unique: bool = False
    target: str | None = None
    to_many: bool = False
    expand: Expand = "uri"
    # Reverse relations are derived from a field on the target ("conference" on conference_alias).
    reverse_of: str | None = None
    on_delete: OnDelete = "set_null"
    # A reference to a collection the simulator does not model (an `mssip_proxy`, say): the value
    # must be a URI of that collection (or a list of them for a `list` field); it is kept as sent,
    # since there is no object to check it against.
    uri_of: str | None = None
    filtering: int | None = ALL
    orderable: bool = True
    help_text: str = ""


@dataclass(frozen=True)
class ResourceSpec:
    name: str
    api: Literal["configuration", "status", "history"]
    fields: tuple[FieldSpec, ...]
    verbose_name: str
    id_field: str = "id"
    id_kind: Literal["int", "uuid"] = "int"
    singleton: bool = False
    list_methods: tuple[str, ...] = ("get", "post", "patch", "delete")
    detail_methods: tuple[str, ...] = ("get", "put", "patch", "delete")
    file_field: str | None = None
    by_name: dict[str, FieldSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})

    @property
    def base_path(self) -> str:
        return f"/api/admin/{self.api}/v1/{self.name}/"

    def uri(self, object_id: Any) -> str:
        return f"{self.base_path}{object_id}/"


def s(name: str, max_length: int = 250, **kw: Any) -> FieldSpec:
    kw.setdefault("default", "")
    return FieldSpec(name, "string", max_length=max_length, **kw)


def req(name: str, max_length: int = 250, **kw: Any) -> FieldSpec:
    return FieldSpec(name, "string", required=True, max_length=max_length, **kw)


def b(name: str, default: bool = False, **kw: Any) -> FieldSpec:
    return FieldSpec(name, "boolean", default=default, **kw)


def i(name: str, default: int | None, lo: int | None = None, hi: int | None = None, **kw: Any) -> FieldSpec:
    return FieldSpec(name, "integer", default=default, minimum=lo, maximum=hi, **kw)


def e(name: str, choices: tuple[Any, ...], default: Any, **kw: Any) -> FieldSpec:
    return FieldSpec(name, "string", default=default, choices=choices, **kw)


def secret(name: str, max_length: int = 100) -> FieldSpec:
    return FieldSpec(name, "string", default="", max_length=max_length, secret=True, filtering=None)


def ro(name: str, type_: FieldType = "datetime", **kw: Any) -> FieldSpec:
    if type_ == "string":
        kw.setdefault("default", "")
    if type_ == "boolean":
        kw.setdefault("default", False)
    return FieldSpec(name, type_, readonly=True, **kw)


def fk(name: str, target: str, **kw: Any) -> FieldSpec:
    kw.setdefault("nullable", True)
    kw.setdefault("filtering", ALL_WITH_RELATIONS)
    return FieldSpec(name, "related", target=target, orderable=False, **kw)


def m2m(name: str, target: str, **kw: Any) -> FieldSpec:
    kw.setdefault("default", [])
    kw.setdefault("filtering", ALL_WITH_RELATIONS)
    return FieldSpec(name, "related", target=target, to_many=True, orderable=False, **kw)


def uri(name: str, target: str, **kw: Any) -> FieldSpec:
    """A nullable to-one reference to a collection the simulator does not model."""
    kw.setdefault("nullable", True)
    return FieldSpec(name, "string", uri_of=target, orderable=False, **kw)


def text(name: str, **kw: Any) -> FieldSpec:
    kw.setdefault("default", "")
    return FieldSpec(name, "string", filtering=None, orderable=False, **kw)


LAYOUTS = (
    "one_main_zero_pips",
    "one_main_seven_pips",
    "one_main_twentyone_pips",
    "two_mains_twentyone_pips",
    "four_mains_zero_pips",
    "nine_mains_zero_pips",
    "sixteen_mains_zero_pips",
    "twentyfive_mains_zero_pips",
    "five_mains_seven_pips",
    "one_main_thirtythree_pips",
    "one_main_one_pip",
    "one_main_nine_around",
    "one_main_twelve_around",
    "two_mains_eight_around",
    "teams",
)
CALL_TYPES = ("audio", "video", "video-only")
YES_NO_DEFAULT = ("default", "yes", "no")
PIXELS = ("sd", "hd", "fullhd")
WEBAPP_TYPES = ("webapp1", "webapp2", "webapp3")
CREATED = ro("creation_time")

CONFERENCE = ResourceSpec(
    "conference",
    "configuration",
    verbose_name="Virtual Meeting Room",
    fields=(
        req("name", unique=True),
        s("description"),
        e(
            "service_type",
            ("conference", "lecture", "two_stage_dialing", "test_call", "media_playback"),
            "conference",
        ),
        m2m(
            "aliases",
            "conference_alias",
            expand="embed",
            reverse_of="conference",
            help_text="Aliases of this service; dicts create new aliases.",
        ),
        m2m(
            "automatic_participants",
            "automatic_participant",
            expand="embed_no_uri",
            reverse_of="conference",
        ),
        s("pin", max_length=20),
        s("guest_pin", max_length=20),
        b("allow_guests"),
        b("guests_can_present", True),
        e("guests_can_see_guests", ("no_hosts", "never", "always"), "no_hosts"),
        e("host_view", LAYOUTS, "one_main_seven_pips", nullable=True),
        e("guest_view", LAYOUTS, None, nullable=True),
        e("call_type", CALL_TYPES, "video"),
        e("crypto_mode", ("besteffort", "on", "off", ""), None, nullable=True),
        e("direct_media", ("never", "best_effort", "always"), "never"),
        i("direct_media_notification_duration", 0, 0, 30),
        b("breakout_rooms"),
        b("denoise_enabled"),
        b("softmute_enabled"),
        b("enable_active_speaker_indication"),
        b("enable_overlay_text"),
        b("force_presenter_into_main"),
        b("mute_all_guests"),
        e("enable_chat", YES_NO_DEFAULT, "default"),
        e("live_captions_enabled", YES_NO_DEFAULT, "default"),
        i("max_callrate_in", None, 128, 8192, nullable=True),
        i("max_callrate_out", None, 128, 8192, nullable=True),
        e("max_pixels_per_second", PIXELS, None, nullable=True),
        i("participant_limit", None, 0, 1_000_000, nullable=True),
        e("non_idp_participants", ("disallow_all", "allow_if_trusted"), "disallow_all"),
        fk("host_identity_provider_group", "identity_provider_group"),
        fk("guest_identity_provider_group", "identity_provider_group"),
        fk("ivr_theme", "ivr_theme", expand="embed"),
        s("pinning_config", nullable=True, default=None),
        s("primary_owner_email_address", max_length=100),
        s("tag"),
        s("sync_tag"),
        s("match_string"),
        s("replace_string"),
        s("post_match_string"),
        s("post_replace_string"),
        e("two_stage_dial_type", ("regular", "mssip", "gms", "teams"), "regular"),
        fk("system_location", "system_location"),
        text("on_completion", nullable=True, default=None),
        uri("gms_access_token", "gms_access_token"),
        uri("media_playlist", "media_library_playlist"),
        uri("mssip_proxy", "mssip_proxy"),
        uri("teams_proxy", "teams_proxy"),
        # Derived from scheduled_conference objects, which the simulator does not model: none.
        FieldSpec("scheduled_conferences", "list", readonly=True, nullable=True, default=[], filtering=None),
        ro("scheduled_conferences_count", "integer", default=0),
        CREATED,
    ),
)

CONFERENCE_ALIAS = ResourceSpec(
    "conference_alias",
    "configuration",
    verbose_name="Alias",
    fields=(
        req("alias", unique=True),
        fk("conference", "conference", required=True, nullable=False, on_delete="cascade"),
        s("description"),
        i("view_order", None, 0, None, nullable=True),
        CREATED,
    ),
)

AUTOMATIC_PARTICIPANT = ResourceSpec(
    "automatic_participant",
    "configuration",
    verbose_name="Automatically Dialed Participant",
    fields=(
        req("alias"),
        m2m("conference", "conference"),
        e("protocol", ("sip", "h323", "mssip", "rtmp", "gms", "teams"), "sip"),
        e("call_type", CALL_TYPES, "video"),
        e("role", ("guest", "chair"), "guest"),
        e(
            "keep_conference_alive",
            ("keep_conference_alive", "keep_conference_alive_if_multiple", "keep_conference_alive_never"),
            "keep_conference_alive_if_multiple",
        ),
        e("routing", ("manual", "routing_rule"), "manual"),
        fk("system_location", "system_location"),
        b("streaming"),
        s("presentation_url"),
        s("dtmf_sequence"),
        s("remote_display_name"),
        s("description"),
        CREATED,
    ),
)

DEVICE = ResourceSpec(
    "device",
    "configuration",
    verbose_name="Device",
    fields=(
        req("alias", unique=True),
        s("username", max_length=100),
        secret("password"),
        s("description"),
        s("primary_owner_email_address", max_length=100),
        b("enable_sip"),
        b("enable_h323"),
        b("enable_infinity_connect_non_sso"),
        b("enable_infinity_connect_sso"),
        b("enable_standard_sso"),
        fk("sso_identity_provider_group", "identity_provider_group"),
        s("tag"),
        s("sync_tag"),
        CREATED,
    ),
)

SINGLETON_LIST = ("get",)
SINGLETON_DETAIL = ("get", "put", "patch")

REGISTRATION = ResourceSpec(
    "registration",
    "configuration",
    verbose_name="Registration",
    singleton=True,
    list_methods=SINGLETON_LIST,
    detail_methods=SINGLETON_DETAIL,
    fields=(
        b("enable", True),
        e("refresh_strategy", ("adaptive", "maximum"), "adaptive"),
        i("adaptive_min_refresh", 60, 60, 3600),
        i("adaptive_max_refresh", 3600, 60, 7200),
        i("maximum_min_refresh", 60, 60, 3600),
        i("maximum_max_refresh", 300, 60, 7200),
        i("natted_min_refresh", 60, 60, 3600),
        i("natted_max_refresh", 90, 60, 3600),
        b("route_via_registrar", True),
        b("enable_push_notifications"),
        b("enable_google_cloud_messaging", True),
        secret("push_token", max_length=4096),
    ),
)

GLOBAL = ResourceSpec(
    "global",
    "configuration",
    verbose_name="Global setting",
    singleton=True,
    list_methods=SINGLETON_LIST,
    detail_methods=SINGLETON_DETAIL,
    fields=(
        b("enable_webrtc", True),
        b("enable_sip", True),
        b("enable_sip_udp"),
        b("enable_h323", True),
        b("enable_rtmp", True),
        b("enable_turn_443"),
        e("crypto_mode", ("besteffort", "on", "off"), "besteffort"),
        e("max_pixels_per_second", PIXELS, "hd"),
        i("max_callrate_in", None, 128, 8192, nullable=True),
        i("max_callrate_out", 4128, 128, 8192, nullable=True),
        i("media_ports_start", 40000, 10000, 49999),
        i("media_ports_end", 49999, 10000, 49999),
        i("signalling_ports_start", 33000, 10000, 49999),
        i("signalling_ports_end", 39999, 10000, 49999),
        fk("default_theme", "ivr_theme", expand="embed", on_delete="protect"),
        fk("default_webapp_alias", "webapp_alias", on_delete="protect"),
        b("enable_breakout_rooms"),
        b("enable_chat", True),
        b("enable_denoise", True),
        b("enable_softmute", True),
        b("live_captions_vmr_default"),
        i("min_pin_length", 6, 4, 20),
        i("guests_only_timeout", 60, 0, 86400),
        i("waiting_for_chair_timeout", 900, 0, 86400),
        i("pin_entry_timeout", 120, 0, 86400),
        e("sip_tls_cert_verify_mode", ("OFF", "ON"), "OFF"),
        e("ocsp_state", ("OFF", "ON", "OVERRIDE"), "OFF"),
        s("ocsp_responder_url", max_length=255),
        FieldSpec("disabled_codecs", "list", default=[], filtering=None, orderable=False),
        b("enable_application_api", True),
        b("enable_dialout", True),
        b("enable_directory", True),
        b("external_participant_avatar_lookup"),
        b("teams_enable_powerpoint_render"),
        i("logs_max_age", 0, 0, 3650),
        ro("deployment_uuid", "string"),
        secret("aws_secret_key"),
        secret("azure_secret"),
        secret("gcp_private_key", max_length=12288),
        secret("legacy_api_password"),
    ),
)

SYSTEM_LOCATION = ResourceSpec(
    "system_location",
    "configuration",
    verbose_name="System location",
    fields=(
        req("name", unique=True),
        s("description"),
        i("mtu", 1500, 512, 1500),
        i("media_qos", 0, 0, 63, nullable=True),
        i("signalling_qos", None, 0, 63, nullable=True),
        s("local_mssip_domain", max_length=255),
        m2m("dns_servers", "dns_server", expand="embed"),
        m2m("ntp_servers", "ntp_server", expand="embed"),
        m2m("syslog_servers", "syslog_server", expand="embed"),
        m2m("event_sinks", "event_sink", expand="embed"),
        fk("turn_server", "turn_server", on_delete="protect"),
        fk("stun_server", "stun_server", on_delete="protect"),
        m2m("client_turn_servers", "turn_server"),
        m2m("client_stun_servers", "stun_server"),
        b("use_relay_candidates_only"),
        fk("transcoding_location", "system_location"),
        fk("overflow_location1", "system_location"),
        fk("overflow_location2", "system_location"),
        e("bdpm_pin_checks_enabled", ("GLOBAL", "OFF", "ON"), "GLOBAL"),
        e("bdpm_scan_quarantine_enabled", ("GLOBAL", "OFF", "ON"), "GLOBAL"),
        *(fk(f"live_captions_dial_out_{n}", "system_location") for n in (1, 2, 3)),
        uri("h323_gatekeeper", "h323_gatekeeper"),
        uri("sip_proxy", "sip_proxy"),
        uri("mssip_proxy", "mssip_proxy"),
        uri("teams_proxy", "teams_proxy"),
        uri("http_proxy", "http_proxy"),
        uri("snmp_network_management_system", "snmp_network_management_system"),
        uri("policy_server", "policy_server"),
    ),
)

TURN_SERVER = ResourceSpec(
    "turn_server",
    "configuration",
    verbose_name="TURN server",
    fields=(
        req("name", unique=True),
        s("description"),
        req("address", max_length=255),
        i("port", 3478, 1, 65535, nullable=True),
        e("server_type", ("namepsw", "coturn_shared"), "namepsw"),
        e("transport_type", ("udp", "tcp", "tls"), "udp"),
        s("username", max_length=100),
        secret("password"),
        secret("secret_key"),
    ),
)

STUN_SERVER = ResourceSpec(
    "stun_server",
    "configuration",
    verbose_name="STUN server",
    fields=(
        req("name", unique=True),
        s("description"),
        req("address", max_length=255),
        i("port", 3478, 1, 65535),
    ),
)

CERT_RO: tuple[FieldSpec, ...] = (
    ro("start_date"),
    ro("end_date"),
    ro("subject_name", "string"),
    ro("issuer_name", "string"),
    ro("raw_subject", "string", filtering=None),
    ro("raw_issuer", "string", filtering=None),
    ro("subject_hash", "string"),
    ro("issuer_hash", "string"),
    ro("serial_no", "string"),
    ro("key_id", "string"),
    ro("issuer_key_id", "string"),
    ro("text", "string", filtering=None, orderable=False),
)

TLS_CERTIFICATE = ResourceSpec(
    "tls_certificate",
    "configuration",
    verbose_name="TLS certificate",
    fields=(
        text("certificate", required=True, max_length=65536),
        FieldSpec("private_key", "string", required=True, max_length=12288, secret=True, filtering=None),
        secret("private_key_passphrase"),
        text("parameters", max_length=1000),
        FieldSpec("nodes", "list", default=[], filtering=None, orderable=False),
        *CERT_RO,
        ro("subject_alt_names", "string", filtering=None),
        ro("client_auth_usage", "boolean"),
        ro("server_auth_usage", "boolean"),
    ),
)

CA_CERTIFICATE = ResourceSpec(
    "ca_certificate",
    "configuration",
    verbose_name="Trusted CA certificate",
    fields=(
        text("certificate", required=True, max_length=65536),
        b("trusted_intermediate"),
        *CERT_RO,
    ),
)

IVR_THEME = ResourceSpec(
    "ivr_theme",
    "configuration",
    verbose_name="Theme",
    file_field="package",
    fields=(
        req("name", unique=True),
        s("uuid", max_length=36),
        FieldSpec("package", "file", nullable=True, filtering=None, orderable=False),
        m2m("conference", "conference", reverse_of="ivr_theme"),
        ro("custom_layouts", "string"),
        ro("pinning_configs", "string"),
        ro("last_updated"),
    ),
)

WEBAPP_BRANDING = ResourceSpec(
    "webapp_branding",
    "configuration",
    verbose_name="Web app branding",
    id_field="uuid",
    id_kind="uuid",
    file_field="branding_file",
    fields=(
        ro("uuid", "string"),
        req("name", max_length=100, unique=True),
        s("description"),
        e("webapp_type", WEBAPP_TYPES, None, required=True),
        FieldSpec("branding_file", "file", nullable=True, filtering=None, orderable=False),
        ro("is_default", "boolean"),
        ro("last_updated"),
    ),
)

WEBAPP_ALIAS = ResourceSpec(
    "webapp_alias",
    "configuration",
    verbose_name="Web app path",
    fields=(
        req("slug", max_length=100, unique=True),
        s("description"),
        e("webapp_type", WEBAPP_TYPES, None, required=True),
        b("is_enabled"),
        b("is_default"),
        fk("branding", "webapp_branding", expand="embed", on_delete="protect"),
        fk("bundle", "software_bundle_revision", expand="embed"),
    ),
)

IDENTITY_PROVIDER = ResourceSpec(
    "identity_provider",
    "configuration",
    verbose_name="Identity Provider",
    fields=(
        req("name", unique=True),
        s("description"),
        e("idp_type", ("saml", "oidc"), "saml"),
        s("uuid", max_length=36),
        s("sso_url", max_length=255),
        s("idp_entity_id"),
        text("idp_public_key", max_length=4096),
        s("service_entity_id"),
        text("service_public_key", max_length=4096),
        secret("service_private_key", max_length=12288),
        e(
            "signature_algorithm",
            (
                "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
                "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
                "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
            ),
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        ),
        e(
            "digest_algorithm",
            (
                "http://www.w3.org/2000/09/xmldsig#sha1",
                "http://www.w3.org/2001/04/xmlenc#sha256",
                "http://www.w3.org/2001/04/xmldsig-more#sha384",
                "http://www.w3.org/2001/04/xmlenc#sha512",
            ),
            "http://www.w3.org/2001/04/xmlenc#sha256",
        ),
        s("display_name_attribute_name", default="NameId"),
        s("registration_alias_attribute_name", default="NameId"),
        req("assertion_consumer_service_url", max_length=255),
        *(s(f"assertion_consumer_service_url{n}", max_length=255) for n in range(2, 11)),
        b("worker_fqdn_acs_urls"),
        b("disable_popup_flow"),
        e("oidc_flow", ("code", "implicit"), "code"),
        s("oidc_client_id"),
        secret("oidc_client_secret"),
        s("oidc_token_url", max_length=255),
        s("oidc_user_info_url", max_length=255),
        s("oidc_jwks_url", max_length=255),
        e(
            "oidc_token_endpoint_auth_scheme",
            ("client_secret_basic", "client_secret_post"),
            "client_secret_post",
        ),
        e("oidc_token_signature_scheme", ("rs256", "hs256"), "rs256"),
        s("oidc_display_name_claim_name", default="name"),
        s("oidc_registration_alias_claim_name", default="sub"),
        s("oidc_additional_scopes"),
        e(
            "oidc_france_connect_required_eidas_level",
            ("disabled", "eidas1", "eidas2", "eidas3"),
            "disabled",
        ),
        m2m("attributes", "identity_provider_attribute", expand="embed", nullable=True),
    ),
)

IDENTITY_PROVIDER_GROUP = ResourceSpec(
    "identity_provider_group",
    "configuration",
    verbose_name="Identity Provider Group",
    fields=(
        req("name", unique=True),
        s("description"),
        m2m("identity_provider", "identity_provider", nullable=True),
    ),
)

IDENTITY_PROVIDER_ATTRIBUTE = ResourceSpec(
    "identity_provider_attribute",
    "configuration",
    verbose_name="Identity Provider Attribute",
    fields=(req("name", unique=True), s("description")),
)

USER_GROUP = ResourceSpec(
    "user_group",
    "configuration",
    verbose_name="User group",
    fields=(
        req("name", unique=True),
        s("description"),
        m2m("users", "end_user", reverse_of="user_groups"),
        # Derived from user_group_entity_mapping objects, which the simulator does not model.
        FieldSpec(
            "user_group_entity_mappings", "list", readonly=True, nullable=True, default=[], filtering=None
        ),
    ),
)

END_USER = ResourceSpec(
    "end_user",
    "configuration",
    verbose_name="End user",
    fields=(
        req("primary_email_address", max_length=100, unique=True),
        s("first_name"),
        s("last_name"),
        s("display_name"),
        s("telephone_number", max_length=100),
        s("mobile_number", max_length=100),
        s("department", max_length=100),
        s("title", max_length=128),
        s("avatar_url", max_length=255),
        s("description"),
        ro("uuid", "string"),
        m2m("user_groups", "user_group", nullable=True),
        ro("user_oid", "string"),
        ro("exchange_user_id", "string"),
        s("ms_exchange_guid", max_length=100, nullable=True, default=None),
        s("sync_tag"),
    ),
)

DNS_SERVER = ResourceSpec(
    "dns_server",
    "configuration",
    verbose_name="DNS server",
    fields=(req("address", max_length=255, unique=True), s("description")),
)

NTP_SERVER = ResourceSpec(
    "ntp_server",
    "configuration",
    verbose_name="NTP server",
    fields=(
        req("address", max_length=255, unique=True),
        s("description"),
        i("key_id", None, 1, 65535, nullable=True),
        secret("key"),
    ),
)

SYSLOG_SERVER = ResourceSpec(
    "syslog_server",
    "configuration",
    verbose_name="Syslog server",
    fields=(
        req("address", max_length=255),
        i("port", 514, 1, 65535),
        e("transport", ("udp", "tcp", "tls"), "udp"),
        s("description"),
        b("audit_log"),
        b("support_log", True),
        b("web_log"),
    ),
)

EVENT_SINK = ResourceSpec(
    "event_sink",
    "configuration",
    verbose_name="Event sink",
    fields=(
        req("name", unique=True),
        s("description"),
        req("url", max_length=500),
        s("username", max_length=100),
        secret("password"),
        i("version", 2, 1, 2),
        b("bulk_support"),
        b("verify_tls_certificate"),
        ro("restart_date", nullable=True),
    ),
)

WORKER_VM = ResourceSpec(
    "worker_vm",
    "configuration",
    verbose_name="Conferencing Node",
    fields=(
        req("name", max_length=32, unique=True),
        s("description"),
        req("hostname", max_length=63, unique=True),
        req("domain", max_length=192),
        req("address", max_length=39, unique=True),
        req("netmask", max_length=39),
        req("gateway", max_length=39),
        s("static_nat_address", max_length=39, nullable=True, default=None),
        s("ipv6_address", nullable=True, default=None),
        s("ipv6_gateway", nullable=True, default=None),
        s("secondary_address", max_length=39, nullable=True, default=None),
        s("secondary_netmask", max_length=39, nullable=True, default=None),
        s("alternative_fqdn", max_length=255),
        e("node_type", ("CONFERENCING", "PROXYING"), "CONFERENCING"),
        b("transcoding", True),
        fk("system_location", "system_location", required=True, nullable=False, on_delete="protect"),
        b("maintenance_mode"),
        s("maintenance_mode_reason"),
        fk("tls_certificate", "tls_certificate"),
        fk("tls_client_certificate", "tls_certificate"),
        s("deployment_type", default="MANUAL-PROVISION-ONLY"),
        i("vm_cpu_count", 4, 2, 128),
        i("vm_system_memory", 4096, 2000, 64000),
        i("media_priority_weight", 0, nullable=True),
        b("cloud_bursting"),
        b("enable_distributed_database", True),
        b("managed"),
        b("service_manager", True),
        b("service_policy", True),
        b("signalling", True),
        s("enable_ssh", default="GLOBAL"),
        FieldSpec(
            "ssh_authorized_keys",
            "list",
            default=[],
            uri_of="ssh_authorized_key",
            filtering=None,
            orderable=False,
        ),
        b("ssh_authorized_keys_use_cloud", True),
        FieldSpec(
            "static_routes", "list", default=[], uri_of="static_route", filtering=None, orderable=False
        ),
        secret("password", max_length=250),
        s("snmp_mode", default="DISABLED"),
        s("snmp_community", max_length=16, default="public"),
        s("snmp_username", max_length=100),
        secret("snmp_authentication_password"),
        secret("snmp_privacy_password"),
        s("snmp_system_contact", max_length=70, default="admin@domain.com"),
        s("snmp_system_location", max_length=70, default="Virtual machine"),
    ),
)

SOFTWARE_BUNDLE_REVISION = ResourceSpec(
    "software_bundle_revision",
    "configuration",
    verbose_name="Software bundle revision",
    list_methods=("get",),
    detail_methods=("get",),
    fields=(
        ro("bundle_type", "string"),
        ro("version", "string"),
        ro("revision", "string"),
        ro("core", "boolean"),
    ),
)

# ---------------------------------------------------------------------- calendar integration
# Secure Scheduler for Exchange (booking from Outlook) and One-Touch Join. The hand-written fields
# carry what the v41 data lacks (relations, write-only secrets, the limits and enumerations the
# calendar appendix states); `complete` adds every other field the data lists, with its default.
# The choices where the sources are silent are recorded in docs/pexip-simulator.md.
EXCHANGE_AUTHENTICATION = ("BASIC", "NTLM", "KERBEROS", "OAUTH", "APP_PERM")
NON_IDP_PARTICIPANTS = ("disallow_all", "allow_if_trusted")

MS_EXCHANGE_CONNECTOR = ResourceSpec(
    "ms_exchange_connector",
    "configuration",
    verbose_name="Secure Scheduler for Exchange Integration",
    fields=(
        req("name", unique=True),
        s("description"),
        # Generated on create when not sent (a node sets it); any UUID may be sent (see the docs).
        s("uuid", max_length=36),
        s("room_mailbox_email_address", max_length=100, nullable=True, default=None),
        e("authentication_method", EXCHANGE_AUTHENTICATION, "BASIC"),
        e("auth_provider", ("ADFS", "AZURE"), "ADFS"),
        e(
            "addin_authentication_method",
            ("EXCHANGE_USER_ID_TOKEN", "SSO_TOKEN", "NAA_TOKEN"),
            "EXCHANGE_USER_ID_TOKEN",
        ),
        e("non_idp_participants", NON_IDP_PARTICIPANTS, "disallow_all"),
        s("scheduled_alias_prefix", max_length=8, min_length=1, nullable=True, default=None),
        s("scheduled_alias_domain", max_length=192),
        s("addin_server_domain", max_length=192),
        secret("password"),
        secret("oauth_client_secret", max_length=255),
        secret("oauth_refresh_token", max_length=4096),
        secret("personal_vmr_oauth_client_secret", max_length=255),
        secret("private_key", max_length=12288),
        text("public_key", max_length=12288),
        fk("host_identity_provider_group", "identity_provider_group"),
        fk("ivr_theme", "ivr_theme"),
        m2m(
            "domains",
            "exchange_domain",
            expand="embed",
            reverse_of="exchange_connector",
            readonly=True,
            nullable=True,
            help_text="The Exchange metadata domains of this integration (write them as exchange_domain).",
        ),
    ),
)

EXCHANGE_DOMAIN = ResourceSpec(
    "exchange_domain",
    "configuration",
    verbose_name="Exchange Metadata Domain",
    fields=(
        req("domain", max_length=255),
        fk(
            "exchange_connector",
            "ms_exchange_connector",
            required=True,
            nullable=False,
            on_delete="cascade",
        ),
        CREATED,
    ),
)

MJX_INTEGRATION = ResourceSpec(
    "mjx_integration",
    "configuration",
    verbose_name="One-Touch Join Profile",
    fields=(
        req("name", unique=True),
        s("description"),
        i("display_upcoming_meetings", 7, 0, 365),
        b("enable_non_video_meetings", True),
        b("enable_private_meetings", True),
        i("start_buffer", 5, 0, 180),
        i("end_buffer", 0, 0, 180),
        s("ep_username", max_length=100),
        secret("ep_password"),
        b("ep_use_https", True),
        b("ep_verify_certificate"),
        # At most one calendar source; a deployment in use by a profile cannot be deleted. GET shows
        # these references, and the endpoint groups below, as `{"resource_uri": ...}` stubs (§1.7).
        fk("exchange_deployment", "mjx_exchange_deployment", on_delete="protect", expand="stub"),
        fk("google_deployment", "mjx_google_deployment", on_delete="protect", expand="stub"),
        fk("graph_deployment", "mjx_graph_deployment", on_delete="protect", expand="stub"),
        b("process_alias_private_meetings", True),
        b("replace_empty_subject", True),
        e("replace_subject_type", ("ALL", "NEVER", "PRIVATE"), "PRIVATE"),
        s("replace_subject_template", max_length=512),
        b("use_webex"),
        s("webex_api_domain", max_length=192, default="webexapis.com"),
        s("webex_client_id", max_length=100, nullable=True, default=None),
        secret("webex_client_secret", max_length=255),
        s("webex_redirect_uri", max_length=255, nullable=True, default=None),
        secret("webex_refresh_token", max_length=4096),
        m2m(
            "endpoint_groups",
            "mjx_endpoint_group",
            reverse_of="mjx_integration",
            readonly=True,
            expand="stub",
        ),
    ),
)


def _otj_profiles(field_name: str) -> FieldSpec:
    """A deployment's `mjx_integrations`: the profiles that use it, derived (written on the profile)."""
    return m2m("mjx_integrations", "mjx_integration", reverse_of=field_name, readonly=True, nullable=True)


MJX_GRAPH_DEPLOYMENT = ResourceSpec(
    "mjx_graph_deployment",
    "configuration",
    verbose_name="One-Touch Join O365 Graph Integration",
    fields=(
        req("name", unique=True),
        s("description"),
        secret("client_secret"),
        s("oauth_token_url", max_length=255),
        s("graph_api_domain", max_length=192),
        i("request_quota", 1_000_000, 10_000, 10_000_000),
        b("disable_proxy"),
        _otj_profiles("graph_deployment"),
    ),
)

MJX_EXCHANGE_DEPLOYMENT = ResourceSpec(
    "mjx_exchange_deployment",
    "configuration",
    verbose_name="One-Touch Join Exchange Integration",
    fields=(
        req("name", unique=True),
        s("description"),
        s("service_account_username", max_length=100),
        secret("service_account_password"),
        e("authentication_method", ("BASIC", "NTLM", "KERBEROS", "OAUTH"), "BASIC"),
        s("ews_url", max_length=255),
        i("find_items_request_quota", 1_000_000, 10_000, 10_000_000),
        b("kerberos_enable_tls", True),
        secret("oauth_refresh_token", max_length=4096),
        m2m(
            "autodiscover_urls",
            "mjx_exchange_autodiscover_url",
            expand="embed",
            reverse_of="exchange_deployment",
            readonly=True,
            nullable=True,
        ),
        _otj_profiles("exchange_deployment"),
    ),
)

MJX_EXCHANGE_AUTODISCOVER_URL = ResourceSpec(
    "mjx_exchange_autodiscover_url",
    "configuration",
    verbose_name="One-Touch Join Exchange Autodiscover URL",
    fields=(
        req("name", unique=True),
        s("description"),
        req("url", max_length=255),
        fk("exchange_deployment", "mjx_exchange_deployment", on_delete="cascade"),
    ),
)

MJX_GOOGLE_DEPLOYMENT = ResourceSpec(
    "mjx_google_deployment",
    "configuration",
    verbose_name="One-Touch Join Google Workspace Integration",
    fields=(
        req("name", unique=True),
        s("description"),
        secret("client_secret"),
        secret("private_key", max_length=12288),
        secret("refresh_token", max_length=4096),
        _otj_profiles("google_deployment"),
    ),
)

MJX_ENDPOINT_GROUP = ResourceSpec(
    "mjx_endpoint_group",
    "configuration",
    verbose_name="One-Touch Join Endpoint Group",
    fields=(
        req("name", unique=True),
        s("description"),
        # A profile still serving endpoint groups cannot be deleted.
        fk("mjx_integration", "mjx_integration", on_delete="protect"),
        fk("system_location", "system_location"),
        b("disable_proxy"),
        m2m("endpoints", "mjx_endpoint", reverse_of="mjx_endpoint_group", readonly=True, expand="stub"),
    ),
)

ON_OFF_GLOBAL = ("GLOBAL", "NO", "YES")

MJX_ENDPOINT = ResourceSpec(
    "mjx_endpoint",
    "configuration",
    verbose_name="One-Touch Join Endpoint",
    fields=(
        req("name", max_length=100, unique=True),
        s("description", max_length=500),
        e("endpoint_type", ("CISCO", "POLY", "WEBEX"), None, required=True),
        s("room_resource_email", max_length=254),
        # A group still holding endpoints cannot be deleted.
        fk("mjx_endpoint_group", "mjx_endpoint_group", on_delete="protect"),
        s("api_address", max_length=255, nullable=True, default=None),
        i("api_port", None, 1, 65535, nullable=True),
        s("api_username", max_length=100, nullable=True, default=None),
        secret("api_password"),
        e("use_https", ON_OFF_GLOBAL, "GLOBAL"),
        e("verify_cert", ON_OFF_GLOBAL, "GLOBAL"),
        s("poly_username", max_length=100, nullable=True, default=None),
        secret("poly_password"),
        b("poly_raise_alarms_for_this_endpoint"),
        s("webex_device_id", max_length=100, nullable=True, default=None),
    ),
)

MEETING_TYPES = (
    "pexipinfinity",
    "pexipservice",
    "teams",
    "teamssipguestjoin",
    "polyteamsbody",
    "ciscoteamsbody",
    "pexipserviceteamsbody",
    "pexipinfinityteamsbody",
    "hangouts",
    "googlemeetsipguestjoin",
    "s4b",
    "polys4bbody",
    "webex",
    "zoom",
    "gotomeeting",
    "domain",
    "regex",
    "custom",
)

MJX_MEETING_PROCESSING_RULE = ResourceSpec(
    "mjx_meeting_processing_rule",
    "configuration",
    verbose_name="One-Touch Join Meeting Processing Rule",
    fields=(
        req("name", unique=True),
        s("description"),
        i("priority", None, 1, 200, required=True),
        b("enabled", True),
        e("meeting_type", MEETING_TYPES, None, required=True),
        # A profile still holding rules cannot be deleted.
        fk("mjx_integration", "mjx_integration", required=True, nullable=False, on_delete="protect"),
        s("match_string"),
        s("replace_string"),
        s("transform_rule", max_length=512),
        text("custom_template", max_length=10240),
        s("domain", max_length=255),
        s("company_id", max_length=36),
        b("include_pin"),
        b("default_processing_enabled", True),
    ),
)


_STATUS_METHODS: dict[str, Any] = {"list_methods": ("get",), "detail_methods": ("get",)}

MANAGEMENT_VM = ResourceSpec(
    "management_vm",
    "status",
    verbose_name="Management node",
    **_STATUS_METHODS,
    fields=(
        ro("name", "string"),
        ro("version", "string"),
        ro("primary", "boolean"),
        ro("sync_status", "string"),
        ro("upgrade_status", "string"),
        ro("configuration_id", "integer"),
        ro("last_updated"),
        ro("last_attempted_contact"),
    ),
)

LICENSING = ResourceSpec(
    "licensing",
    "status",
    verbose_name="Licensing",
    **_STATUS_METHODS,
    fields=tuple(
        ro(n, "integer")
        for n in (
            "port_count",
            "port_total",
            "audio_count",
            "audio_total",
            "system_count",
            "system_total",
            "vmr_count",
            "vmr_total",
        )
    ),
)

STATUS_CONFERENCE = ResourceSpec(
    "conference",
    "status",
    verbose_name="Conference",
    id_kind="uuid",
    **_STATUS_METHODS,
    fields=(
        ro("name", "string"),
        ro("service_type", "string"),
        ro("tag", "string"),
        ro("start_time"),
        ro("is_started", "boolean"),
        ro("is_locked", "boolean"),
        ro("guests_muted", "boolean"),
        ro("direct_media_available", "boolean"),
    ),
)

STATUS_PARTICIPANT = ResourceSpec(
    "participant",
    "status",
    verbose_name="Participant",
    id_kind="uuid",
    **_STATUS_METHODS,
    fields=(
        ro("conference", "string"),
        ro("display_name", "string"),
        ro("source_alias", "string"),
        ro("destination_alias", "string"),
        ro("role", "string"),
        ro("protocol", "string"),
        ro("call_direction", "string"),
        ro("call_quality", "string"),
        ro("connect_time"),
        ro("is_direct", "boolean"),
        ro("service_tag", "string"),
        ro("system_location", "string"),
    ),
)


# What the calendar services report: served read-only and empty (no calendar is polled here); every
# field comes from the v41 data.
EXCHANGE_SCHEDULER_STATUS = ResourceSpec(
    "exchange_scheduler", "status", verbose_name="Secure Scheduler status", fields=(), **_STATUS_METHODS
)
MJX_ENDPOINT_STATUS = ResourceSpec(
    "mjx_endpoint", "status", verbose_name="One-Touch Join endpoint status", fields=(), **_STATUS_METHODS
)
MJX_MEETING_STATUS = ResourceSpec(
    "mjx_meeting", "status", verbose_name="One-Touch Join meeting", fields=(), **_STATUS_METHODS
)

HISTORY_CONFERENCE = ResourceSpec(
    "conference",
    "history",
    verbose_name="Conference history",
    id_kind="uuid",
    list_methods=("get",),
    detail_methods=("get", "delete"),
    fields=(
        ro("name", "string"),
        ro("service_type", "string"),
        ro("tag", "string"),
        ro("start_time"),
        ro("end_time"),
        ro("duration", "integer"),
        ro("participant_count", "integer"),
        FieldSpec(
            "participants",
            "related",
            target="history/participant",
            to_many=True,
            readonly=True,
            reverse_of="conference",
            orderable=False,
            default=[],
            on_delete="cascade",
        ),
        ro("instant_message_count", "integer"),
        ro("direct_media_available", "boolean"),
    ),
)

_PARTICIPANT_STRINGS = (
    "conference_name",
    "display_name",
    "local_alias",
    "remote_alias",
    "role",
    "protocol",
    "call_direction",
    "disconnect_reason",
    "call_quality",
    "remote_address",
    "vendor",
    "encryption",
    "license_type",
    "media_node",
    "signalling_node",
    "proxy_node",
    "system_location",
    "service_type",
    "service_tag",
    "idp_uuid",
    "call_uuid",
    "call_tag",
    "conversation_id",
    "av_id",
    "presentation_id",
    "parent_id",
)

HISTORY_PARTICIPANT = ResourceSpec(
    "participant",
    "history",
    verbose_name="Participant history",
    id_kind="uuid",
    list_methods=("get",),
    detail_methods=("get",),
    fields=(
        FieldSpec(
            "conference",
            "related",
            target="history/conference",
            readonly=True,
            filtering=ALL_WITH_RELATIONS,
            orderable=False,
            on_delete="cascade",
        ),
        *(ro(n, "string") for n in _PARTICIPANT_STRINGS),
        ro("start_time"),
        ro("end_time"),
        ro("duration", "integer"),
        ro("remote_port", "integer"),
        ro("bandwidth", "integer"),
        ro("rx_bandwidth", "integer"),
        ro("tx_bandwidth", "integer"),
        ro("license_count", "integer"),
        ro("has_media", "boolean"),
        ro("is_streaming", "boolean"),
        ro("is_direct", "boolean"),
        ro("is_idp_authenticated", "boolean"),
        ro("transcoding_enabled", "boolean"),
        FieldSpec("media_streams", "list", readonly=True, default=[], filtering=None, orderable=False),
    ),
)

CONFIGURATION: tuple[ResourceSpec, ...] = (
    CONFERENCE,
    CONFERENCE_ALIAS,
    AUTOMATIC_PARTICIPANT,
    DEVICE,
    REGISTRATION,
    GLOBAL,
    SYSTEM_LOCATION,
    TURN_SERVER,
    STUN_SERVER,
    TLS_CERTIFICATE,
    CA_CERTIFICATE,
    IVR_THEME,
    WEBAPP_BRANDING,
    WEBAPP_ALIAS,
    IDENTITY_PROVIDER,
    IDENTITY_PROVIDER_GROUP,
    IDENTITY_PROVIDER_ATTRIBUTE,
    USER_GROUP,
    END_USER,
    DNS_SERVER,
    NTP_SERVER,
    SYSLOG_SERVER,
    EVENT_SINK,
    SOFTWARE_BUNDLE_REVISION,
    WORKER_VM,
    MS_EXCHANGE_CONNECTOR,
    EXCHANGE_DOMAIN,
    MJX_INTEGRATION,
    MJX_GRAPH_DEPLOYMENT,
    MJX_EXCHANGE_DEPLOYMENT,
    MJX_EXCHANGE_AUTODISCOVER_URL,
    MJX_GOOGLE_DEPLOYMENT,
    MJX_ENDPOINT_GROUP,
    MJX_ENDPOINT,
    MJX_MEETING_PROCESSING_RULE,
)
STATUS: tuple[ResourceSpec, ...] = (
    MANAGEMENT_VM,
    LICENSING,
    STATUS_CONFERENCE,
    STATUS_PARTICIPANT,
    EXCHANGE_SCHEDULER_STATUS,
    MJX_ENDPOINT_STATUS,
    MJX_MEETING_STATUS,
)
HISTORY: tuple[ResourceSpec, ...] = (HISTORY_CONFERENCE, HISTORY_PARTICIPANT)


# ---------------------------------------------------------------------- completion from the v41 data
_EMPTY: dict[str, Any] = {
    "string": "",
    "integer": 0,
    "float": 0.0,
    "boolean": False,
    "list": [],
    "datetime": None,
}


def v41_key(spec: ResourceSpec) -> str:
    """The collection's key in the v41 data (`configuration/v1/conference`)."""
    return f"{spec.api}/v1/{spec.name}"


def derive_field(name: str, fact: V41Field, status: bool) -> FieldSpec:
    """A plain field from the v41 data alone: its type, nullability and the limits the data states.

    Without a stated default the value is the type's empty one (null when nullable), which may differ
    from a node's factory value; related objects need a hand-written field (they have targets).
    """
    if fact.type.startswith("object") or fact.type not in _EMPTY:
        raise ValueError(f"{name}: a {fact.type} field needs a hand-written FieldSpec")
    empty = None if fact.nullable else _EMPTY[fact.type]
    default = fact.default if fact.default is not MISSING else empty
    low, high = fact.range if fact.range is not None else (None, None)
    plain = fact.type != "list"
    return FieldSpec(
        name,
        fact.type,  # type: ignore[arg-type]
        default=list(default) if isinstance(default, list) else default,
        nullable=fact.nullable,
        readonly=status or fact.read_only,
        max_length=fact.max_length,
        min_length=fact.min_length,
        choices=fact.choices,
        minimum=low,
        maximum=high,
        filtering=ALL if plain else None,
        orderable=plain,
    )


def complete(spec: ResourceSpec, facts: Mapping[str, Mapping[str, V41Field]] = V41) -> ResourceSpec:
    """The hand-written table plus every field the v41 data has and the table lacks.

    Where the data says a field may be null the simulator accepts null (the SDK sends it), even if
    the hand-written field said otherwise; it never narrows what the table accepts.
    """
    known = facts.get(v41_key(spec))
    if known is None:
        return spec
    fields: list[FieldSpec] = []
    for f in spec.fields:
        fact = known.get(f.name)
        fields.append(
            replace(f, nullable=True) if fact is not None and fact.nullable and not f.nullable else f
        )
    have = {f.name for f in fields} | {spec.id_field, "resource_uri"}
    fields.extend(derive_field(n, known[n], spec.api == "status") for n in sorted(known) if n not in have)
    return replace(spec, fields=tuple(fields))


def unknown_fields(spec: ResourceSpec, names: Iterable[str]) -> list[str]:
    """Names a write sent that this resource does not have (a node ignores them; we count them)."""
    return [n for n in names if n not in spec.by_name and n not in (spec.id_field, "resource_uri")]


def key_of(spec: ResourceSpec) -> str:
    """Store key: configuration resources by bare name, the others as `<api>/<name>`."""
    return spec.name if spec.api == "configuration" else f"{spec.api}/{spec.name}"


CONFIGURATION = tuple(complete(r) for r in CONFIGURATION)
STATUS = tuple(complete(r) for r in STATUS)
ALL_SPECS: dict[str, ResourceSpec] = {key_of(r): r for r in (*CONFIGURATION, *STATUS, *HISTORY)}

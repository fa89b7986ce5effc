"""The resource types the client knows: where they live, how they are identified, how to find them.

`lookup` matters for safe creates: after a POST whose outcome is unknown (5xx or lost response)
the client searches by these fields before trying again, so a create is never duplicated.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from vdx.pexip import models

M = TypeVar("M", bound=models.PexipModel)
Api = Literal["configuration", "status", "history"]


def carries_private_key(pem: str) -> bool:
    """A PEM text with a private key block in it (any kind: RSA, EC, PKCS#8, encrypted)."""
    return "PRIVATE KEY-----" in pem


def leaf_pem(text: str) -> str:
    """A PEM's first block without whitespace: what tells two uploads of one certificate apart.

    Cached: a certificate waiting for its upload compares itself with every certificate on the
    node, and a national cold start has 250 of them doing so (parsing each PEM again there was
    125 000 parses, a second of the event loop while the fleet arrived). The strings are the
    cache's own (their hash is kept by the string), so a hit costs one dictionary lookup. A text
    that carries a private key (one an earlier version uploaded with tls.crt's key appended) is
    never kept by the cache."""
    return _leaf_pem(text) if carries_private_key(text) else _cached_leaf_pem(text)


def _leaf_pem(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    try:
        end = lines.index("-----END CERTIFICATE-----")
    except ValueError:
        return "".join(lines)
    return "".join(lines[: end + 1])


_cached_leaf_pem = functools.lru_cache(maxsize=1024)(_leaf_pem)

_BEGIN_CERTIFICATE = "-----BEGIN CERTIFICATE-----"
_END_CERTIFICATE = "-----END CERTIFICATE-----"


def leaf_fingerprint(text: str) -> str | None:
    """SHA-256 (hex) of the DER of a PEM's first certificate, as `CertificateFacts` computes it
    from a Secret; None when the text holds no readable certificate. What a finalizer compares
    when the Secret that was uploaded may be gone and only its noted fingerprint is left."""
    leaf = leaf_pem(text)
    start = leaf.rfind(_BEGIN_CERTIFICATE)
    if start < 0 or not leaf.endswith(_END_CERTIFICATE):
        return None
    try:
        der = base64.b64decode(leaf[start + len(_BEGIN_CERTIFICATE) : -len(_END_CERTIFICATE)], validate=True)
    except binascii.Error:
        return None
    return hashlib.sha256(der).hexdigest()


def same_certificate(desired: Mapping[str, Any], actual: models.PexipModel) -> bool:
    """Match a created certificate by its PEM (leaf block, whitespace-insensitive)."""
    return leaf_pem(str(desired.get("certificate", ""))) == leaf_pem(str(getattr(actual, "certificate", "")))


@dataclass(frozen=True)
class Kind(Generic[M]):
    """One Management API resource type and the model of its GET shape."""

    name: str
    model: type[M]
    api: Api = "configuration"
    id_field: str = "id"
    # Fields whose values identify an object uniquely (used as list filters for lookups).
    unique_key: tuple[str, ...] = ()
    # For resources without a filterable unique key: list (optionally filtered) and match.
    matcher: Callable[[Mapping[str, Any], models.PexipModel], bool] | None = None
    file_field: str | None = None
    singleton: bool = False
    # Objects per list page; None: the client's default. Smaller for types whose objects are large.
    page_size: int | None = None
    # The type whose GET embeds every object of this one whole (a conference's aliases): a reader of
    # the parent never lists this type on its own.
    embedded_in: str | None = None

    @property
    def path(self) -> str:
        return f"/api/admin/{self.api}/v1/{self.name}/"

    @property
    def label(self) -> str:
        return f"{self.api}/{self.name}"

    def uri(self, object_id: int | str) -> str:
        return f"{self.path}{object_id}/"

    def object_id(self, obj: models.PexipModel) -> int | str:
        value = getattr(obj, self.id_field)
        assert isinstance(value, int | str)
        return value


# A room embeds its IVR theme, and the theme lists every room using it: at national scale a page of
# 500 rooms is about 8.6 MiB, and each page is held twice while it is read and decoded. Pages of 100
# keep a resync's memory peak small at the cost of 200 more GETs per resync of 25 000 rooms.
CONFERENCE = Kind("conference", models.Conference, unique_key=("name",), page_size=100)
CONFERENCE_ALIAS = Kind(
    "conference_alias", models.ConferenceAlias, unique_key=("alias",), embedded_in="conference"
)


def same_alias(desired: Mapping[str, Any], actual: models.PexipModel) -> bool:
    """Match a created participant by alias, compared here rather than in a list filter: an RTMP
    recording alias carries the stream key, which must never travel in a URL (URLs get logged)."""
    return str(desired.get("alias", "")) == str(getattr(actual, "alias", ""))


AUTOMATIC_PARTICIPANT = Kind(
    "automatic_participant", models.AutomaticParticipant, matcher=same_alias, embedded_in="conference"
)
DEVICE = Kind("device", models.Device, unique_key=("alias",))
REGISTRATION = Kind("registration", models.Registration, singleton=True)
GLOBAL = Kind("global", models.GlobalSettings, singleton=True)
SYSTEM_LOCATION = Kind("system_location", models.SystemLocation, unique_key=("name",))
TURN_SERVER = Kind("turn_server", models.TurnServer, unique_key=("name",))
STUN_SERVER = Kind("stun_server", models.StunServer, unique_key=("name",))
TLS_CERTIFICATE = Kind("tls_certificate", models.TlsCertificate, matcher=same_certificate)
CA_CERTIFICATE = Kind("ca_certificate", models.CaCertificate, matcher=same_certificate)
IVR_THEME = Kind("ivr_theme", models.IvrTheme, unique_key=("name",), file_field="package")
WEBAPP_BRANDING = Kind(
    "webapp_branding",
    models.WebappBranding,
    id_field="uuid",
    unique_key=("name",),
    file_field="branding_file",
)
WEBAPP_ALIAS = Kind("webapp_alias", models.WebappAlias, unique_key=("slug",))
IDENTITY_PROVIDER = Kind("identity_provider", models.IdentityProvider, unique_key=("name",))
IDENTITY_PROVIDER_GROUP = Kind("identity_provider_group", models.IdentityProviderGroup, unique_key=("name",))
IDENTITY_PROVIDER_ATTRIBUTE = Kind(
    "identity_provider_attribute", models.IdentityProviderAttribute, unique_key=("name",)
)
END_USER = Kind("end_user", models.EndUser, unique_key=("primary_email_address",))
DNS_SERVER = Kind("dns_server", models.DnsServer, unique_key=("address",))
NTP_SERVER = Kind("ntp_server", models.NtpServer, unique_key=("address",))
SYSLOG_SERVER = Kind("syslog_server", models.SyslogServer, unique_key=("address", "port"))
EVENT_SINK = Kind("event_sink", models.EventSink, unique_key=("name",))
WORKER_VM = Kind("worker_vm", models.WorkerVm, unique_key=("name",))
MANAGEMENT_VM = Kind("management_vm", models.ManagementVm, api="status")

# Calendar integration: Secure Scheduler for Exchange (Outlook booking) and One-Touch Join.
MS_EXCHANGE_CONNECTOR = Kind("ms_exchange_connector", models.MsExchangeConnector, unique_key=("name",))
# A domain is unique per integration only: look it up with its connector.
EXCHANGE_DOMAIN = Kind("exchange_domain", models.ExchangeDomain, unique_key=("domain", "exchange_connector"))
MJX_INTEGRATION = Kind("mjx_integration", models.MjxIntegration, unique_key=("name",))
MJX_GRAPH_DEPLOYMENT = Kind("mjx_graph_deployment", models.MjxGraphDeployment, unique_key=("name",))
MJX_EXCHANGE_DEPLOYMENT = Kind("mjx_exchange_deployment", models.MjxExchangeDeployment, unique_key=("name",))
MJX_EXCHANGE_AUTODISCOVER_URL = Kind(
    "mjx_exchange_autodiscover_url", models.MjxExchangeAutodiscoverUrl, unique_key=("name",)
)
MJX_GOOGLE_DEPLOYMENT = Kind("mjx_google_deployment", models.MjxGoogleDeployment, unique_key=("name",))
MJX_ENDPOINT_GROUP = Kind("mjx_endpoint_group", models.MjxEndpointGroup, unique_key=("name",))
MJX_ENDPOINT = Kind("mjx_endpoint", models.MjxEndpoint, unique_key=("name",))
MJX_MEETING_PROCESSING_RULE = Kind(
    "mjx_meeting_processing_rule", models.MjxMeetingProcessingRule, unique_key=("name",)
)
EXCHANGE_SCHEDULER_STATUS = Kind("exchange_scheduler", models.ExchangeSchedulerStatus, api="status")
MJX_ENDPOINT_STATUS = Kind("mjx_endpoint", models.MjxEndpointStatus, api="status")
MJX_MEETING_STATUS = Kind("mjx_meeting", models.MjxMeetingStatus, api="status")
HISTORY_CONFERENCE = Kind("conference", models.HistoryConference, api="history")
HISTORY_PARTICIPANT = Kind("participant", models.HistoryParticipant, api="history")

# Names of secret fields across all resources: their values are scrubbed from errors and logs. All
# but `ECHOED_SECRETS` are write-only: Pexip never returns them.
SECRET_FIELDS = frozenset(
    {
        "password",
        "secret_key",
        "private_key",
        "private_key_passphrase",
        "push_token",
        "service_private_key",
        "oidc_client_secret",
        "key",
        "aws_secret_key",
        "azure_secret",
        "gcp_private_key",
        "legacy_api_password",
        "ep_password",
        "api_password",
        "poly_password",
        "snmp_authentication_password",
        "snmp_privacy_password",
        "pin",
        "guest_pin",
        # Calendar integration (Secure Scheduler for Exchange, One-Touch Join).
        "oauth_client_secret",
        "oauth_refresh_token",
        "personal_vmr_oauth_client_secret",
        "webex_client_secret",
        "webex_refresh_token",
        "client_secret",
        "service_account_password",
        "refresh_token",
    }
)
# Secret fields Pexip does return on GET (a room's PINs, in clear; pexip-api.md, "PINs are
# echoed"): the operator's copy of an object after a write keeps them, as the next listing will.
ECHOED_SECRETS = frozenset({"pin", "guest_pin"})
WRITE_ONLY_FIELDS = SECRET_FIELDS - ECHOED_SECRETS

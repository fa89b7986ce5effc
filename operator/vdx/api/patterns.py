"""Regular expressions shared by the models and the CRDs.

Kubernetes evaluates OpenAPI `pattern` with Go's RE2, so no look-arounds here. Each pattern has a
human sentence next to it: error messages quote the sentence, never the regex.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pattern:
    regex: str
    meaning: str


FQDN = Pattern(
    r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    "a lower-case fully qualified domain name such as vdx.regionh.dk",
)
CERT_NAME = Pattern(
    r"^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    "a lower-case DNS name such as vdx.regionh.dk, optionally a wildcard such as *.vdx.regionh.dk",
)
HOST = Pattern(
    r"^(([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}|[0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:]+)$",
    "a host name such as turn.vdx.regionh.dk, or an IPv4 or IPv6 address",
)
DNS_LABEL = Pattern(
    r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",
    "a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit",
)
DNS_SUBDOMAIN = Pattern(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
    "a Kubernetes object name: lower-case letters, digits, '-' and '.'",
)
HEX_COLOUR = Pattern(r"^#[0-9A-Fa-f]{6}$", "a colour written as #RRGGBB, such as #007DBB")
SLUG = Pattern(
    r"^[A-Za-z0-9_-]{1,100}$",
    "a web app path segment of letters, digits, '-' and '_' (Pexip's rule for webapp_alias slugs)",
)
CONFIG_KEY = Pattern(r"^[-._a-zA-Z0-9]+$", "a ConfigMap or Secret key: letters, digits, '-', '_' and '.'")
MANAGEMENT_URL = Pattern(
    r"^https?://[^\s/?#]+(:[0-9]{1,5})?(/[^\s?#]*)?$",
    "an http(s) URL of the management node such as https://pexip-mgmt.vdx.medcom.dk",
)
ALIAS = Pattern(
    r"^[A-Za-z0-9]([A-Za-z0-9._+-]{0,62}[A-Za-z0-9])?@([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    "an alias such as meet.kbh@vdx.regionh.dk: a name of letters, digits, '.', '_', '+' and '-', then @ "
    "and a lower-case domain",
)
HTTPS_URL = Pattern(
    r"^https://[^\s/?#]+(:[0-9]{1,5})?(/[^\s?#]*)?$",
    "an https URL such as https://adfs.regionh.dk/adfs/ls/",
)
RTMP_BASE_URL = Pattern(
    r"^rtmps?://([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(:[0-9]{1,5})?$",
    "an rtmp:// or rtmps:// URL of a host name and optional port, such as rtmp://rec.regionh.dk:1935",
)
EMAIL = Pattern(
    r"^[A-Za-z0-9._%+-]+@([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$",
    "an e-mail address such as dpo@regionh.dk",
)

ALL: tuple[Pattern, ...] = (
    FQDN,
    CERT_NAME,
    HOST,
    DNS_LABEL,
    DNS_SUBDOMAIN,
    HEX_COLOUR,
    SLUG,
    CONFIG_KEY,
    MANAGEMENT_URL,
    ALIAS,
    HTTPS_URL,
    RTMP_BASE_URL,
    EMAIL,
)


def meaning_of(regex: str) -> str | None:
    """The human sentence for a regex used in the models, for error messages."""
    for pattern in ALL:
        if pattern.regex == regex:
            return pattern.meaning
    return None

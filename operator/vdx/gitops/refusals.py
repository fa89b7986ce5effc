"""The operator's refusals for rooms, devices, identity providers and recording, as pure functions.

The reconcilers decide these with the cluster at hand (a Tenant lookup, a Recorder read, a quota
count over the namespace), so `vdx plan` cannot call them; it decides the same things from the tree
and words them exactly as the operator does, so a reviewer sees in the pull request the message the
resource's status would carry. `tests/gitops/test_services.py` drives the operator's own code for
the recording refusals and holds the two texts equal.
"""

from __future__ import annotations

from vdx.api.recorder import Recorder
from vdx.api.tenant import Tenant
from vdx.recording.urls import StreamKeyError, check_stream_key, room_stream_name, stream_url


def alias_outside(outside: list[str], tenant: Tenant) -> str:
    """MeetingRoom `AliasOutsideDomains` (reconcilers/meeting_room.py)."""
    return (
        f"spec.aliases: {', '.join(outside)} lie outside Tenant {tenant.name}'s domains "
        f"({', '.join(tenant.spec.domains)}); use an alias in one of them"
    )


def device_alias_outside(alias: str, tenant: Tenant) -> str:
    """Device `AliasOutsideDomains` (reconcilers/device.py)."""
    return (
        f"spec.alias {alias} lies outside Tenant {tenant.name}'s domains "
        f"({', '.join(tenant.spec.domains)}); use an alias in one of them"
    )


def quota_exceeded(namespace: str, kind: str, limit: int, quota_field: str) -> str:
    """`QuotaExceeded` (reconcilers/quota.py)."""
    return (
        f"the tenant of namespace {namespace} may have {limit} {kind} resources "
        f"(Tenant spec.quotas.{quota_field}); this one is beyond it and was not created in Pexip: "
        "raise the quota or delete another"
    )


def identity_provider_missing(namespace: str, name: str, user: str) -> str:
    """`IdentityProviderNotFound` (reconcilers/lookups.py)."""
    return f"IdentityProvider {namespace}/{name} ({user}) does not exist; create it or remove the reference"


def identity_provider_not_ready(namespace: str, name: str, user: str) -> str:
    """`WaitingForIdentityProvider` (reconcilers/lookups.py): offline, the provider has its own error."""
    return f"IdentityProvider {namespace}/{name} is not Ready yet; {user} follows when it is"


def web_app_domains_outside(outside: list[str], tenant_domains: list[str]) -> str:
    """IdentityProvider `DomainNotOwned` (reconcilers/identity.py)."""
    return (
        f"spec.webAppDomains names {', '.join(outside)}, outside the tenant's domains "
        f"({', '.join(tenant_domains)}); use the tenant's own web app domains"
    )


def no_web_app_domain(namespace: str) -> str:
    """IdentityProvider `NoWebAppDomain` (reconcilers/identity.py)."""
    return (
        f"namespace {namespace} has no Domain used for WebApp, so Pexip has no address to receive "
        "sign-ins on; add one, or list the domains in spec.webAppDomains"
    )


def key_missing(kind: str, namespace: str, name: str, key: str, purpose: str) -> str:
    """`KeyNotFound` (reconcilers/lookups.py)."""
    return f"{kind} {namespace}/{name} has no key {key} ({purpose}); add it"


def recording_not_enabled(tenant: Tenant) -> str:
    return (
        f"spec.recorderRef asks for recording, but Tenant {tenant.name} has not enabled recording "
        "(spec.recording.enabled); the tenant must switch it on first (GDPR: the organisation is the "
        "data controller). The room works, unrecorded"
    )


def recorder_missing(namespace: str, name: str) -> str:
    return (
        f"Recorder {namespace}/{name} (spec.recorderRef) does not exist; create it or remove the "
        "reference. The room works, unrecorded"
    )


def recorder_incomplete(recorder: Recorder) -> str | None:
    """`RecorderIncomplete`, or None when the Recorder has the consent notice, retention and contact."""
    spec = recorder.spec
    missing = [
        field
        for field, value in (
            ("consentNotice", spec.consent_notice.strip()),
            ("retentionDays", spec.retention_days),
            ("dataController", spec.data_controller.name.strip() and spec.data_controller.email),
        )
        if not value
    ]
    if not missing:
        return None
    return (
        f"Recorder {recorder.name} lacks {', '.join(missing)}; recording needs a consent notice, a "
        "retention period and the data controller's contact"
    )


def rtmp_disabled(platform: str) -> str:
    return (
        f"RTMP streaming is switched off on platform {platform} (global.enable_rtmp), so rooms "
        "cannot record; the operator does not change global settings: ask MedCom's platform engineers"
    )


def invalid_stream_key(recorder: Recorder, problem: Exception) -> str:
    """`InvalidStreamKey` for a Recorder and its rooms: names the rule, never the key."""
    selector = recorder.spec.stream_key_secret_ref
    return f"Secret {selector.name} key {selector.key}: {problem}"


def recording_url(recorder: Recorder, key: str, namespace: str, room: str) -> str:
    """The address a room's recording participant dials; StreamKeyError or ValueError when it cannot."""
    return stream_url(recorder.spec, check_stream_key(key), room_stream_name(namespace, room))


def stream_key_problem(recorder: Recorder, key: str) -> str | None:
    """The Recorder's own check of its key (reconcilers/recorder.py), or None when it is good."""
    try:
        check_stream_key(key)
    except StreamKeyError as exc:
        return invalid_stream_key(recorder, exc)
    return None

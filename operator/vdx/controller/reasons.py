"""Every reason the operator writes into a condition or an event, by name.

One place for the words `kubectl describe`, alerts and Argo CD health checks match on: a reason is
part of the interface (kstatus and dashboards read it), so it is spelt once. A `StrEnum`: each is
the string it names, in JSON and in comparisons. Reasons built from a kind (`WaitingForTurnService`)
or a number (`ExpiresIn9Days`) are made by the functions below.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    ADD_IN_DOMAIN_NOT_COVERED = "AddInDomainNotCovered"
    ADD_IN_DOMAIN_OUTSIDE_TENANT = "AddInDomainOutsideTenant"
    ALIAS_DOMAIN_OUTSIDE_TENANT = "AliasDomainOutsideTenant"
    ALIAS_OUTSIDE_DOMAINS = "AliasOutsideDomains"
    ALIAS_TAKEN = "AliasTaken"
    ALREADY_EXISTS = "AlreadyExists"
    ANOTHER_SCHEDULER_OF_TENANT = "AnotherSchedulerOfTenant"
    AVAILABLE = "Available"
    BINDING = "Binding"
    BRANDING_INVALID = "BrandingInvalid"
    BRANDING_WARNING = "BrandingWarning"
    CA_BUNDLE_INCOMPLETE = "CaBundleIncomplete"
    CA_BUNDLE_NOT_FOUND = "CaBundleNotFound"
    CERTIFICATE_DOES_NOT_COVER = "CertificateDoesNotCover"
    CERTIFICATE_EXPIRING = "CertificateExpiring"
    CONNECTED = "Connected"
    CONNECTING = "Connecting"
    CONVERGING = "Converging"
    CREATED_EXTERNAL_RESOURCE = "CreatedExternalResource"
    CREATE_IN_DOUBT = "CreateInDoubt"
    CREATING = "Creating"
    CREDENTIALS_INCOMPLETE = "CredentialsIncomplete"
    CREDENTIALS_NAMESPACE_REFUSED = "CredentialsNamespaceRefused"
    DELETED = "Deleted"
    DELETED_EXTERNAL_RESOURCE = "DeletedExternalResource"
    DEPENDENCY_DELETING = "DependencyDeleting"
    DOMAIN_CONFLICT = "DomainConflict"
    DOMAIN_NOT_CLAIMED = "DomainNotClaimed"
    DOMAIN_NOT_OWNED = "DomainNotOwned"
    DRIFT_CORRECTED = "DriftCorrected"
    DRIFT_OBSERVED = "DriftObserved"
    ENDPOINT_ADDRESS_TAKEN = "EndpointAddressTaken"
    ENDPOINT_NAME_TWICE = "EndpointNameTwice"
    GRAPH_DEPLOYMENT_SHARED = "GraphDeploymentShared"
    IDENTITY_PROVIDER_NOT_FOUND = "IdentityProviderNotFound"
    INVALID_CERTIFICATE = "InvalidCertificate"
    INVALID_PIN = "InvalidPin"
    INVALID_STREAM_KEY = "InvalidStreamKey"
    IN_USE = "InUse"
    KEY_NOT_FOUND = "KeyNotFound"
    KEY_PAIR_INVALID = "KeyPairInvalid"
    KUBERNETES_UNAVAILABLE = "KubernetesUnavailable"
    MEETING_ROOM_DEFAULTS_APPLIED = "MeetingRoomDefaultsApplied"
    NOT_DUE = "NotDue"
    NOT_FOUND_IN_PEXIP = "NotFoundInPexip"
    NOT_STALLED = "NotStalled"
    NO_REPORT = "NoReport"
    NO_TENANT = "NoTenant"
    NO_WEB_APP_DOMAIN = "NoWebAppDomain"
    OPENINGS_FAIL = "OpeningsFail"
    PEXIP_REJECTED = "PexipRejected"
    PEXIP_UNAUTHORIZED = "PexipUnauthorized"
    PEXIP_UNAVAILABLE = "PexipUnavailable"
    PLATFORM_NOT_READY = "PlatformNotReady"
    QUOTA_EXCEEDED = "QuotaExceeded"
    RECONCILE_SUCCESS = "ReconcileSuccess"
    RECORDER_INCOMPLETE = "RecorderIncomplete"
    RECORDER_NOT_FOUND = "RecorderNotFound"
    RECORDING_NOT_ENABLED = "RecordingNotEnabled"
    REGEX_INVALID = "RegexInvalid"
    RENDER_FAILED = "RenderFailed"
    REPORT_TOO_OLD = "ReportTooOld"
    RESOURCES_NOT_READY = "ResourcesNotReady"
    RESOURCES_READY = "ResourcesReady"
    ROOM_MAILBOX_TAKEN = "RoomMailboxTaken"
    ROTATING = "Rotating"
    RTMP_DISABLED = "RtmpDisabled"
    RULE_DOMAIN_OUTSIDE_TENANT = "RuleDomainOutsideTenant"
    SECRET_INCOMPLETE = "SecretIncomplete"  # noqa: S105 - a reason, not a password
    SECRET_NOT_FOUND = "SecretNotFound"  # noqa: S105 - a reason, not a password
    SYSTEM_LOCATION_NOT_FOUND = "SystemLocationNotFound"
    TABLE_CHANGED = "TableChanged"
    TABLE_UNKNOWN = "TableUnknown"
    TEMPLATE_INVALID = "TemplateInvalid"
    UPDATED_EXTERNAL_RESOURCE = "UpdatedExternalResource"
    UPDATING = "Updating"
    WAITING_FOR_BRANDING = "WaitingForBranding"
    WAITING_FOR_IDENTITY_PROVIDER = "WaitingForIdentityProvider"
    WAITING_FOR_SYSTEM_LOCATION = "WaitingForSystemLocation"


def waiting(kind: str, *, for_user: bool) -> str:
    """A wait on another resource: `WaitingForTurnService` (a user waits for what it uses), or
    `WaitingTurnService` (the resource itself waits for one of that kind to appear)."""
    return f"WaitingFor{kind}" if for_user else f"Waiting{kind}"


def not_found(kind: str) -> str:
    """A resource, Secret or ConfigMap named by a reference does not exist: `SecretNotFound`."""
    return f"{kind}NotFound"


def expires_in(days: int) -> str:
    """The RenewalDue condition's reason when a certificate is due."""
    return f"ExpiresIn{days}Days"

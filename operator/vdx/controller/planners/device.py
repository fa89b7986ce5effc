"""Device -> one `device`; its password resent whenever the credentials Secret changes.

Pexip never returns device passwords, so drift in them cannot be seen; like TURN secrets, they are
sent again whenever the Secret's resourceVersion differs from the one last sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from vdx.api.common import ManagementPolicy
from vdx.api.device import Device as DeviceResource
from vdx.api.device import DeviceSpec, Protocol
from vdx.api.names import ADOPT_ANNOTATION, alias_domain, in_domains
from vdx.api.tenant import Tenant
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.ownership import Owner, owner_of
from vdx.controller.planners.common import (
    SET_BY_OPERATOR,
    Dependency,
    Plan,
    SecretInput,
    dependency_refusal,
    find_owned,
    keep_in_line,
    quota_refusal,
    refuse,
    settle,
)
from vdx.controller.reasons import Reason
from vdx.pexip.models import Device

RESOURCE = "device"


@dataclass(frozen=True)
class DeviceCredentials:
    """The values read from the Device's Secret (never logged, never in status)."""

    username: str
    password: str


def credentials_from_secret(spec: DeviceSpec, data: Mapping[str, str]) -> DeviceCredentials | str:
    missing = [k for k in ("username", "password") if not data.get(k)]
    if missing:
        return (
            f"Secret {spec.credentials_secret_ref.name} lacks {' and '.join(missing)}; add the device's "
            "registration credentials under them"
        )
    if len(data["username"]) > 100 or len(data["password"]) > 100:
        return (
            f"Secret {spec.credentials_secret_ref.name}: username and password may be at most 100 characters"
        )
    return DeviceCredentials(data["username"], data["password"])


def desired_fields(
    spec: DeviceSpec, owner: Owner, tenant: str, credentials: DeviceCredentials, sso_group: str | None
) -> dict[str, object]:
    return {
        "alias": spec.alias,
        "description": owner.describe(spec.display_name),
        "username": credentials.username,
        "enable_sip": Protocol.SIP in spec.protocols,
        "enable_h323": Protocol.H323 in spec.protocols,
        "enable_infinity_connect_non_sso": Protocol.PEXIP_APP in spec.protocols,
        "enable_infinity_connect_sso": False,
        "enable_standard_sso": sso_group is not None,
        "sso_identity_provider_group": sso_group,
        "primary_owner_email_address": spec.owner_email or "",
        "tag": tenant,
    }


def taken_outcome(alias: str, holder: Device) -> Outcome:
    who = owner_of(holder.description)
    held_by = f"Device {who.namespace}/{who.name}" if who else "a device registered by another system"
    return Outcome(
        Phase.STALLED,
        Reason.ALIAS_TAKEN,
        f"alias {alias} is already registered by {held_by} ({holder.resource_uri}); to take it over, set "
        f"the annotation {ADOPT_ANNOTATION}: {holder.resource_uri}, or choose another alias",
    )


def plan_device(
    want: dict[str, object],
    password: str,
    owner: Owner,
    observed: Iterable[Device],
    *,
    recorded: Iterable[str] = (),
    adopt: str | None = None,
    secret_changed: bool,
) -> Plan:
    observed = list(observed)
    found = find_owned(observed, owner, recorded=recorded, adopt=adopt)
    alias = str(want["alias"])
    holder = next((d for d in observed if d.alias.lower() == alias.lower() and d is not found.obj), None)
    if holder is not None:
        return Plan(outcome=taken_outcome(alias, holder), owned=[found.obj.resource_uri] if found.obj else [])
    return keep_in_line(
        RESOURCE, alias, found.obj, want, {"password": password}, secret_changed=secret_changed
    )


@dataclass(frozen=True)
class DeviceInputs:
    device: DeviceResource
    owner: Owner
    tenant: Tenant
    # Beyond the tenant's quota of devices, and not yet in Pexip (the oldest keep their place).
    over_quota: bool
    secret: SecretInput
    sso: Dependency | None = None  # the IdentityProvider it signs in with; uri = its group
    recorded: tuple[str, ...] = ()
    adopt: str | None = None
    secret_changed: bool = False


def decide(inputs: DeviceInputs, observed: Iterable[Device]) -> Plan:
    """Every decision of a Device, in the order a person should hear of them."""
    spec, tenant = inputs.device.spec, inputs.tenant
    if not in_domains(alias_domain(spec.alias) or "", tenant.spec.domains):
        return refuse(
            Phase.STALLED,
            Reason.ALIAS_OUTSIDE_DOMAINS,
            "",  # the message names spec.alias itself
            f"spec.alias {spec.alias} lies outside Tenant {tenant.name}'s domains "
            f"({', '.join(tenant.spec.domains)}); use an alias in one of them",
        )
    if inputs.over_quota:
        return quota_refusal(
            str(inputs.device.namespace), "Device", tenant.spec.quotas.max_devices, "maxDevices"
        )
    if isinstance(inputs.secret, str):
        credentials = DeviceCredentials(inputs.secret, inputs.secret)
    else:
        found = credentials_from_secret(spec, inputs.secret)
        if isinstance(found, str):
            return refuse(Phase.STALLED, Reason.SECRET_INCOMPLETE, "spec.credentialsSecretRef", found)
        credentials = found
    sso_group = None
    if inputs.sso is not None:
        waiting = dependency_refusal(
            inputs.sso, "spec.sso.identityProviderRef", user=f"Device {inputs.device.name}"
        )
        if waiting is not None:
            return waiting
        sso_group = inputs.sso.uri
    want = desired_fields(spec, inputs.owner, tenant.name, credentials, sso_group)
    plan = plan_device(
        want,
        credentials.password,
        inputs.owner,
        observed,
        recorded=inputs.recorded,
        adopt=inputs.adopt,
        secret_changed=inputs.secret_changed,
    )
    return settle(plan, spec.management_policy is ManagementPolicy.OBSERVE_ONLY, RESOURCE, "spec.alias")


# Where each field of the device comes from (`Registration.spec_fields`).
SPEC_FIELDS = {
    RESOURCE: {
        "alias": "spec.alias",
        "description": "spec.displayName",
        "username": "the key username of spec.credentialsSecretRef's Secret",
        "password": "the key password of spec.credentialsSecretRef's Secret",
        "enable_sip": "spec.protocols",
        "enable_h323": "spec.protocols",
        "enable_infinity_connect_non_sso": "spec.protocols",
        "enable_infinity_connect_sso": SET_BY_OPERATOR,
        "enable_standard_sso": "spec.sso",
        "sso_identity_provider_group": "spec.sso.identityProviderRef",
        "primary_owner_email_address": "spec.ownerEmail",
        "tag": SET_BY_OPERATOR,
    }
}

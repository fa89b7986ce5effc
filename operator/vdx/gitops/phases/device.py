"""Device offline: the registration, its credentials from `--secrets`, its alias unique in the plan."""

from __future__ import annotations

from vdx.api.device import Device
from vdx.controller.ownership import Owner
from vdx.controller.planners.common import find_owned
from vdx.controller.planners.device import RESOURCE, DeviceInputs, decide
from vdx.controller.reasons import Reason
from vdx.gitops.offline import OfflinePlanner, Step, adopt_of, from_secret, label_of
from vdx.gitops.phases import identity
from vdx.pexip.resources import DEVICE

# A Device refused for these never reaches Pexip, so its alias is not taken by it.
_REFUSED_BEFORE_THE_DEVICE = frozenset(
    {
        Reason.ALIAS_OUTSIDE_DOMAINS,
        Reason.QUOTA_EXCEEDED,
        Reason.SECRET_INCOMPLETE,
        Reason.IDENTITY_PROVIDER_NOT_FOUND,
        Reason.WAITING_FOR_IDENTITY_PROVIDER,
    }
)


def plan(planner: OfflinePlanner) -> None:
    devices: list[Device] = planner.in_scope(Device)
    exists: dict[tuple[str, str], bool] = {}
    for device in devices:
        owner = Owner("Device", str(device.namespace), device.name)
        found = find_owned(planner.observed.of(DEVICE), owner, adopt=adopt_of(device))
        exists[(str(device.namespace), device.name)] = found.obj is not None
    over = planner.over_quota(devices, exists, lambda t: t.spec.quotas.max_devices)
    planned: dict[str, str] = {}
    for device in devices:
        _device(planner, device, over_quota=(str(device.namespace), device.name) in over, planned=planned)


def _device(planner: OfflinePlanner, device: Device, *, over_quota: bool, planned: dict[str, str]) -> None:
    namespace, source = str(device.namespace), label_of(device)
    tenant = planner.by_namespace[namespace]
    spec = device.spec
    secret = (namespace, spec.credentials_secret_ref.name)
    values = planner.desired.secrets.get(secret)
    sso = None
    if spec.sso is not None:
        sso = identity.sign_in_with(planner, namespace, spec.sso.identity_provider_ref.name)
    inputs = DeviceInputs(
        device,
        Owner("Device", namespace, device.name),
        tenant,
        over_quota,
        values if values is not None else from_secret(*secret),
        sso,
        adopt=adopt_of(device),
        # Pexip never returns passwords: resent only when asked, as for TURN secrets.
        secret_changed=planner.desired.resend_secrets and values is not None,
    )
    decided = decide(inputs, planner.observed.of(DEVICE))
    # Two Devices of this plan with one alias: Pexip would refuse the second create.
    if decided.outcome.reason not in _REFUSED_BEFORE_THE_DEVICE:
        holder = planned.get(spec.alias.lower())
        if holder is not None:
            planner.problem(
                source,
                "spec.alias",
                f"alias {spec.alias} is already registered by {holder} (created earlier in this plan); "
                "choose another alias",
            )
            return
        planned[spec.alias.lower()] = f"Device {namespace}/{device.name}"
    if planner.blocked(decided, source):
        return
    secret_of = {"username": secret, "password": secret}
    for original in decided.changes:
        change = planner.known_only(original)
        if change is None:
            continue
        planner.need_for_pending(change, secret_of, source)
        planner.add(
            Step(
                tenant.name,
                source,
                change,
                secret_sources={"password": f"Secret {namespace}/{secret[1]}"},
            )
        )


def removed(planner: OfflinePlanner) -> None:
    planner.delete_left_behind("Device", RESOURCE, planner.observed.of(DEVICE), lambda d: str(d.alias))

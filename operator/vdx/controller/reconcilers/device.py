"""Device: a registration alias with credentials from a Secret, protocols and optional SSO."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vdx.api.device import Device
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.planners import device as planner
from vdx.controller.planners.device import DeviceInputs, decide
from vdx.controller.reasons import Reason
from vdx.controller.reconcilers import lookups
from vdx.controller.reconcilers.base import Reconciled, Stop, apply_change, change_event, owner_of_body, parse
from vdx.controller.reconcilers.quota import over_quota_of
from vdx.controller.reconcilers.release import release_owned
from vdx.controller.registration import Registration
from vdx.controller.status import status_of
from vdx.pexip.resources import DEVICE
from vdx.pexip.resources import REGISTRATION as REGISTRATION_SETTINGS

if TYPE_CHECKING:
    from vdx.controller.context import Context


async def reconcile(rt: Context, body: dict[str, Any]) -> Reconciled:
    device = parse(Device, body)
    namespace = str(device.namespace)
    owner = owner_of_body(body)
    tenant = await lookups.tenant_of_namespace(rt, namespace)
    platform = lookups.connected_platform(rt, tenant)
    recorded = lookups.recorded_uris(body, DEVICE.name)
    over_quota = not recorded and await over_quota_of(rt, body, tenant.spec.quotas.max_devices)
    data, version = await lookups.secret(
        rt, body, namespace, device.spec.credentials_secret_ref.name, "device credentials"
    )
    sso = None
    if device.spec.sso is not None:
        sso = await lookups.identity_provider(rt, namespace, device.spec.sso.identity_provider_ref.name)
    sent_version = status_of(body).get("secretResourceVersion")
    secret_changed = sent_version != version
    drift = lookups.was_in_line(body)
    events = []
    adopt = lookups.adopt_uri(body)
    for _ in range(3):
        inputs = DeviceInputs(
            device, owner, tenant, over_quota, data, sso, tuple(recorded), adopt, secret_changed
        )
        plan = decide(inputs, await platform.cache.objects(DEVICE))
        if not plan.changes:
            break
        for change in plan.changes:
            obj = await apply_change(platform, change)
            recorded = [obj.resource_uri]
            is_drift = drift and change.action == "update" and set(change.fields) != {"password"}
            events.append(change_event(change, platform.name, is_drift))
            if is_drift:
                rt.metrics.drift_corrections.labels("Device", platform.name, DEVICE.name).inc()
            secret_changed = False
    else:
        raise Stop(Phase.PROGRESSING, Reason.CONVERGING, "changes applied; confirming on the next pass")
    if plan.blocked and not plan.owned:
        return Reconciled(plan.outcome, platform=platform.name)
    recorded = plan.owned or recorded
    outcome = plan.outcome
    registration = await platform.cache.objects(REGISTRATION_SETTINGS)
    if outcome.phase is Phase.READY and registration and not registration[0].enable:
        # Pexip holds the device, but nothing can register: say so; the setting is MedCom's.
        outcome = Outcome(
            Phase.READY,
            outcome.reason,
            f"{outcome.message}; note: registration is switched off on platform {platform.name} "
            "(registration.enable), so the device cannot register until MedCom's engineers switch it on",
        )
    status = {
        "pexipObjects": [
            {"resource": DEVICE.name, "resourceUri": uri, "name": device.spec.alias} for uri in recorded
        ],
        "device": recorded[0] if recorded else None,
        "secretResourceVersion": sent_version if secret_changed else version,
    }
    return Reconciled(outcome, status=status, events=events, platform=platform.name)


async def finalize(rt: Context, body: dict[str, Any]) -> None:
    device = parse(Device, body)
    unique = {"alias": device.spec.alias}
    await release_owned(
        rt, body, device.spec, str(device.namespace), DEVICE, lambda obj: str(obj.alias), unique
    )


REGISTRATION = Registration(
    Device,
    reconcile,
    finalize,
    depends_on=("Tenant", "IdentityProvider"),
    writes=(DEVICE,),
    reads=(REGISTRATION_SETTINGS,),
    reads_objects=("Secret",),
    offline="vdx.gitops.phases.device",
    plan_reads=("IdentityProvider",),
    spec_fields=planner.SPEC_FIELDS,
)

"""TurnService: one turn_server, its secret resent whenever the Secret changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vdx.api.turn import TurnService
from vdx.controller.conditions import Phase
from vdx.controller.planners import turn as planner
from vdx.controller.planners.turn import TurnInputs, decide, pexip_name
from vdx.controller.reasons import Reason
from vdx.controller.reconcilers import lookups
from vdx.controller.reconcilers.base import (
    Reconciled,
    Stop,
    apply_change,
    change_event,
    listed_users,
    owner_of_body,
    parse,
    wait_for_users,
)
from vdx.controller.reconcilers.release import release_owned
from vdx.controller.registration import Key, Registration
from vdx.controller.status import status_of
from vdx.pexip.resources import TURN_SERVER

if TYPE_CHECKING:
    from vdx.controller.context import Context


async def reconcile(rt: Context, body: dict[str, Any]) -> Reconciled:
    turn = parse(TurnService, body)
    namespace = str(turn.namespace)
    owner = owner_of_body(body)
    tenant = await lookups.tenant_of_namespace(rt, namespace)
    platform = lookups.connected_platform(rt, tenant)
    data, version = await lookups.secret(rt, body, namespace, turn.spec.secret_ref.name, "TURN credentials")
    # What Pexip holds: the status says, or this process sent it (a watch event queued before the
    # status write still carries the old status; resending on it was a needless write of the secret).
    sent_version = status_of(body).get("secretResourceVersion")
    sent = _sent(rt)
    if sent.get((namespace, turn.name)) == version:
        sent_version = version
    secret_changed = sent_version != version
    recorded = lookups.recorded_uris(body, TURN_SERVER.name)
    adopt = lookups.adopt_uri(body)
    drift = lookups.was_in_line(body)
    events = []
    for _ in range(3):
        inputs = TurnInputs(turn, owner, data, tuple(recorded), adopt, secret_changed)
        plan = decide(inputs, await platform.cache.objects(TURN_SERVER))
        if not plan.changes:
            break
        for change in plan.changes:
            obj = await apply_change(platform, change)
            recorded = [obj.resource_uri]
            is_drift = (
                drift and change.action == "update" and not set(change.fields) <= {"secret_key", "password"}
            )
            events.append(change_event(change, platform.name, is_drift))
            if is_drift:
                rt.metrics.drift_corrections.labels("TurnService", platform.name, TURN_SERVER.name).inc()
            if secret_changed or change.action == "create":
                sent[(namespace, turn.name)] = version
            secret_changed = False
    else:
        raise Stop(Phase.PROGRESSING, Reason.CONVERGING, "changes applied; confirming on the next pass")
    if plan.blocked and not plan.owned:
        return Reconciled(plan.outcome, platform=platform.name)
    recorded = plan.owned or recorded
    status = {
        "pexipObjects": [
            {"resource": TURN_SERVER.name, "resourceUri": uri, "name": pexip_name(owner)} for uri in recorded
        ],
        # The version Pexip holds the secret of; unchanged while observe-only leaves it unsent.
        "secretResourceVersion": sent_version if secret_changed else version,
        "domains": domains_using(rt, namespace, turn.name),
    }
    return Reconciled(plan.outcome, status=status, events=events, platform=platform.name)


async def finalize(rt: Context, body: dict[str, Any]) -> None:
    """Wait while a Domain still uses it (Pexip would lose the TURN server its clients are given),
    and make those Domains show it at once; then release the TURN server. One deleted before the
    finalizer was on it waits for none (`wait_for_users`): it is gone, nothing could end the wait."""
    turn = parse(TurnService, body)
    users = sorted(
        domain["metadata"]["name"]
        for domain in await listed_users(rt, body, "domains")
        if ((domain.get("spec") or {}).get("turnServiceRef") or {}).get("name") == turn.name
        and not domain["metadata"].get("deletionTimestamp")
    )
    wait_for_users(
        rt,
        body,
        [("Domain", name) for name in users],
        f"waiting for {len(users)} Domain(s) that use it to stop: {', '.join(users[:5])}; remove their "
        "spec.turnServiceRef or delete them",
    )
    owner = owner_of_body(body)
    unique = {"name": pexip_name(owner)}
    await release_owned(
        rt, body, turn.spec, str(turn.namespace), TURN_SERVER, lambda obj: str(obj.name), unique
    )


# (namespace, TurnService) -> the Domains that use it, as they reconcile: a TurnService's status lists
# its Domains (references point one way, from the Domain; the reverse is derived, never declared).
TurnUsers = dict[tuple[str, str], set[str]]


def _users(rt: Context) -> TurnUsers:
    return rt.kind_state("TurnService.users", dict)


def note_user(rt: Context, namespace: str, turn_name: str, domain_name: str) -> None:
    """Remember that a Domain uses a TurnService; a new user refreshes the TurnService's status."""
    users = _users(rt).setdefault((namespace, turn_name), set())
    if domain_name not in users:
        users.add(domain_name)
        turn = rt.known.get(("TurnService", namespace, turn_name))
        if turn is not None:
            rt.spawn(rt.reconcile("TurnService", turn, from_resync=True))


def domains_using(rt: Context, namespace: str, turn_name: str) -> list[str]:
    return sorted(_users(rt).get((namespace, turn_name), set()))


def _sent(rt: Context) -> dict[tuple[str, str], str]:
    """(namespace, TurnService) -> the Secret's resourceVersion this process last sent to Pexip."""
    return rt.kind_state("TurnService.sent", dict)


def _forget(rt: Context, key: Key) -> None:
    _sent(rt).pop((key[1] or "", key[2]), None)


def forget_user(rt: Context, domain_name: str) -> None:
    for users in _users(rt).values():
        users.discard(domain_name)


REGISTRATION = Registration(
    TurnService,
    reconcile,
    finalize,
    depends_on=("Tenant",),
    writes=(TURN_SERVER,),
    reads_objects=("Secret",),
    wakes_when_ready=("Domain",),
    forget=_forget,
    offline="vdx.gitops.phases.turn",
    spec_fields=planner.SPEC_FIELDS,
)

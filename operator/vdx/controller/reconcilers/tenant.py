"""Tenant: its domains exclusive to it, its meeting-room defaults on every room in its domains."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from vdx.api.kinds import ALL_KINDS
from vdx.api.tenant import Tenant
from vdx.controller import rollup
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.plan import Change
from vdx.controller.planners.rooms import (
    TenantInputs,
    claim_refusal,
    decide_tenant,
    rooms_by_alias_domain,
    rooms_in_domains,
)
from vdx.controller.reasons import Reason
from vdx.controller.reconcilers import branding, lookups
from vdx.controller.reconcilers.base import Event, Reconciled, Stop, apply_change, parse
from vdx.controller.registration import Key, Registration
from vdx.controller.status import status_of
from vdx.pexip.errors import PexipError
from vdx.pexip.models import Conference
from vdx.pexip.resources import CONFERENCE
from vdx.ports import readiness

if TYPE_CHECKING:
    from vdx.controller.context import Context

# More than the platform's own in-flight limit would only queue in its limiter.
ROOM_WRITES_IN_FLIGHT = 8


async def firewall_condition(rt: Context, tenant: Tenant, body: dict[str, Any]) -> list[dict[str, Any]]:
    """FirewallReady, decided by `vdx.ports.readiness` from the tenant's readiness ConfigMap (the
    published probe file and the reports merged into the GitOps tree); a change to it wakes the tenant."""
    namespace = tenant.spec.namespace
    rt.watch_object("ConfigMap", namespace, readiness.READINESS_CONFIGMAP, body)
    found = await rt.kube.raw("ConfigMap", namespace, readiness.READINESS_CONFIGMAP)
    decided = readiness.from_files(
        (found or {}).get("data"), tenant.name, tenant.spec.platform_ref.name, datetime.now(UTC)
    )
    return [readiness.condition(decided, (body.get("metadata") or {}).get("generation"))]


async def reconcile(rt: Context, body: dict[str, Any]) -> Reconciled:
    tenant = parse(Tenant, body)
    rt.tenants[tenant.name] = tenant
    firewall = await firewall_condition(rt, tenant, body)
    resources_ready, counted = rollup.rollup(
        rollup.members(rt.known, tenant.spec.namespace), (body.get("metadata") or {}).get("generation")
    )
    firewall.append(resources_ready)
    claims = {
        fqdn: await rt.domain_owner(tenant.spec.platform_ref.name, fqdn) for fqdn in tenant.spec.domains
    }
    refused = claim_refusal(TenantInputs(tenant, claims))
    if refused is not None:
        return Reconciled(refused.outcome, status=counted, extra_conditions=firewall)
    platform = lookups.connected_platform(rt, tenant)
    defaults = tenant.spec.meeting_room_defaults
    await platform.cache.ensure(CONFERENCE)  # listed once, then kept current
    theme, theme_pending = await branding.tenant_theme(rt, tenant.spec.namespace)
    # Only the tenant's rooms, from an index of all rooms by alias domain shared by every tenant.
    by_domain = platform.cache.derived(
        CONFERENCE, "rooms-by-alias-domain", rooms_by_alias_domain, reads=("aliases",)
    )
    found = (platform.cache.find(uri) for uri in rooms_in_domains(by_domain, tenant.spec.domains))
    rooms = [room for room in found if isinstance(room, Conference)]
    decided, plan = decide_tenant(TenantInputs(tenant, claims, theme, theme_pending), rooms)
    if decided.blocked and decided.outcome.reason != Reason.DRIFT_OBSERVED:
        return Reconciled(decided.outcome, status=counted, platform=platform.name, extra_conditions=firewall)
    previous = status_of(body).get("meetingRoomsCorrected", 0)
    events: list[Event] = []
    corrected: list[str] = []
    failures: list[str] = []
    in_line = lookups.was_in_line(body)
    if decided.changes:
        # Rooms are independent: keep the platform's request slots full rather than one at a time,
        # with a few workers taking the next room (not a task per room: at national scale that was
        # 25 000 waiting tasks at once during a cold start). While some are queued, the platform's
        # resync waits (it would re-read the rooms being written).

        async def correct(changes: Iterator[Change]) -> None:
            for change in changes:
                try:
                    await apply_change(platform, change)
                except PexipError as exc:
                    if exc.status is None or exc.status >= 500 or exc.status == 429:
                        raise
                    failures.append(f"{change.label}: {exc.message}")
                    continue
                corrected.append(change.label)
                if in_line:  # the rooms had the defaults: someone changed them since
                    rt.metrics.drift_corrections.labels("Tenant", platform.name, CONFERENCE.name).inc()

        with platform.queued(decided.changes) as pending:
            await asyncio.gather(
                *(correct(pending) for _ in range(min(ROOM_WRITES_IN_FLIGHT, len(decided.changes))))
            )
    if corrected:
        shown = ", ".join(corrected[:10]) + (
            f" and {len(corrected) - 10} more" if len(corrected) > 10 else ""
        )
        events.append(
            Event(
                "Normal",
                Reason.MEETING_ROOM_DEFAULTS_APPLIED,
                f"direct media {defaults.direct_media.value} "
                f"(notice {defaults.direct_media_notification_seconds} s) "
                f"set on {len(corrected)} meeting rooms: {shown}",
            )
        )
    status = {
        **counted,
        "meetingRooms": plan.rooms,
        "meetingRoomsInLine": plan.in_line + len(corrected),
        "meetingRoomsCorrected": previous + len(corrected),
    }
    outcome = decided.outcome
    if failures:
        outcome = Outcome(Phase.STALLED, Reason.PEXIP_REJECTED, "Pexip refused: " + "; ".join(failures[:5]))
    return Reconciled(
        outcome, status=status, events=events, platform=platform.name, extra_conditions=firewall
    )


# The kinds that live in a tenant's namespace, from the kind registry (a new kind is waited for too).
NAMESPACED_PLURALS = tuple(kind.crd.plural for kind in ALL_KINDS if kind.crd.scope == "Namespaced")


async def finalize(rt: Context, body: dict[str, Any]) -> None:
    """Wait for the tenant's own resources to go first: they find their platform through the tenant.

    The tenant itself owns nothing in Pexip (its meeting rooms are never deleted by the operator).
    """
    namespace = (body.get("spec") or {}).get("namespace")
    left = [
        f"{o['kind']} {o['metadata']['name']}"
        for plural in NAMESPACED_PLURALS
        for o in await rt.kube.list(plural)
        if o["metadata"].get("namespace") == namespace
    ]
    if left:
        raise Stop(
            Phase.FAILED,
            Reason.IN_USE,
            f"waiting for {len(left)} resources in {namespace} to be deleted first: "
            + ", ".join(sorted(left)[:5]),
        )


def _forget(rt: Context, key: Key) -> None:
    rt.tenants.pop(key[2], None)


REGISTRATION = Registration(
    Tenant,
    reconcile,
    finalize,
    depends_on=("PexipPlatform",),
    writes=(CONFERENCE,),
    reads_objects=("ConfigMap",),
    forget=_forget,
    offline="vdx.gitops.phases.tenant",
    plan_reads=("CviBranding", "MeetingRoom"),
)

"""Tenant: its domains exclusive to it, its meeting-room defaults on every room in its domains."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from vdx.api.common import ManagementPolicy
from vdx.api.kinds import ALL_KINDS
from vdx.api.tenant import MeetingRoomDefaults, Tenant
from vdx.controller import rollup
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.plan import Change
from vdx.controller.planners import rooms as planner
from vdx.controller.planners.rooms import (
    RoomCursor,
    TenantInputs,
    add_rooms_by_alias_domain,
    claim_refusal,
    decide_tenant,
    new_rooms_in_domains,
    rooms_by_alias_domain,
    rooms_in_domains,
)
from vdx.controller.reasons import Reason
from vdx.controller.reconcilers import branding, lookups
from vdx.controller.reconcilers.base import (
    Event,
    Reconciled,
    Stop,
    apply_change,
    carrying,
    parse,
    refusal_message,
)
from vdx.controller.registration import Key, Registration
from vdx.controller.status import status_of
from vdx.pexip import limits
from vdx.pexip.errors import PexipError, ValidationError
from vdx.pexip.models import Conference
from vdx.pexip.resources import CONFERENCE
from vdx.ports import readiness

if TYPE_CHECKING:
    from vdx.controller.context import Context
    from vdx.controller.platforms import PlatformRuntime

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
    with carrying(firewall):
        claims = {
            fqdn: await rt.domain_owner(tenant.spec.platform_ref.name, fqdn) for fqdn in tenant.spec.domains
        }
        refused = claim_refusal(TenantInputs(tenant, claims))
        if refused is not None:
            return Reconciled(refused.outcome, status=counted, extra_conditions=firewall)
        platform = lookups.connected_platform(rt, tenant)
        defaults = tenant.spec.meeting_room_defaults
        writes = _RoomWrites(rt, platform, in_line=lookups.was_in_line(body))
        await _write_rooms_as_listed(writes, tenant, claims)
        await platform.cache.ensure(CONFERENCE)  # listed once, then kept current
        # Read again after the wait: the theme may have come or gone meanwhile.
        theme, theme_pending = await branding.tenant_theme(rt, tenant.spec.namespace)
        # Only the tenant's rooms, from an index of all rooms by alias domain shared by every tenant.
        by_domain = platform.cache.derived(
            CONFERENCE, "rooms-by-alias-domain", rooms_by_alias_domain, reads=("aliases",)
        )
        found = (platform.cache.find(uri) for uri in rooms_in_domains(by_domain, tenant.spec.domains))
        rooms = [room for room in found if isinstance(room, Conference)]
        inputs = TenantInputs(
            tenant, claims, theme, theme_pending, meeting_rooms_of(rt, tenant.spec.namespace)
        )
        decided, plan = decide_tenant(inputs, rooms)
        previous = status_of(body).get("meetingRoomsCorrected", 0)
        if decided.blocked and decided.outcome.reason != Reason.DRIFT_OBSERVED:
            # Rooms written while the listing ran (before the theme went pending again) are still told
            # and counted: the next reconcile finds them in line and would not count them.
            early = {"meetingRoomsCorrected": previous + len(writes.corrected)} if writes.corrected else {}
            return Reconciled(
                decided.outcome,
                status={**counted, **early},
                events=_applied(defaults, writes.corrected),
                platform=platform.name,
                extra_conditions=firewall,
            )
        streamed = len(writes.corrected)
        # A room Pexip refused while the listing ran is not sent again in the same reconcile.
        await writes.write([c for c in decided.changes if c.uri not in writes.refused])
        corrected, failures = writes.corrected, writes.failures
        events = _applied(defaults, corrected)
        status = {
            **counted,
            "meetingRooms": plan.rooms,
            # Rooms written while the listing ran are in line in `plan` already.
            "meetingRoomsInLine": plan.in_line + len(corrected) - streamed,
            "meetingRoomsCorrected": previous + len(corrected),
        }
        outcome = decided.outcome
        if failures:
            more = f"; and {len(failures) - 5} more rooms" if len(failures) > 5 else ""
            outcome = Outcome(Phase.STALLED, Reason.PEXIP_REJECTED, "; ".join(failures[:5]) + more)
        return Reconciled(
            outcome, status=status, events=events, platform=platform.name, extra_conditions=firewall
        )


def _applied(defaults: MeetingRoomDefaults, corrected: list[str]) -> list[Event]:
    if not corrected:
        return []
    shown = ", ".join(corrected[:10]) + (f" and {len(corrected) - 10} more" if len(corrected) > 10 else "")
    return [
        Event(
            "Normal",
            Reason.MEETING_ROOM_DEFAULTS_APPLIED,
            f"direct media {defaults.direct_media.value} "
            f"(notice {defaults.direct_media_notification_seconds} s) "
            f"set on {len(corrected)} meeting rooms: {shown}",
        )
    ]


class _RoomWrites:
    """A Tenant's room writes in one reconcile, whether sent as the listing's pages arrive or after
    it: what was corrected, what Pexip refused (and which rooms), so the reconcile reports both."""

    def __init__(self, rt: Context, platform: PlatformRuntime, *, in_line: bool) -> None:
        self.rt = rt
        self.platform = platform
        self.in_line = in_line  # the rooms had the defaults: a correction now is drift corrected
        self.corrected: list[str] = []
        self.failures: list[str] = []
        self.refused: set[str | None] = set()

    async def write(self, changes: list[Change]) -> None:
        """Rooms are independent: keep the platform's request slots full rather than one at a time,
        with a few workers taking the next room (not a task per room: at national scale that was
        25 000 waiting tasks at once during a cold start). While some are queued, the platform's
        resync waits (it would re-read the rooms being written)."""
        if not changes:
            return
        platform = self.platform

        async def correct(pending: Iterator[Change]) -> None:
            for change in pending:
                try:
                    await apply_change(platform, change)
                except PexipError as exc:
                    if exc.status is None or exc.status >= 500 or exc.status == 429:
                        raise
                    self.failures.append(refused_room(exc, change))
                    self.refused.add(change.uri)
                    continue
                self.corrected.append(change.label)
                if self.in_line:
                    self.rt.metrics.drift_corrections.labels("Tenant", platform.name, CONFERENCE.name).inc()

        # Bulk: every other request to the node goes first (a listing these writes wait for, a
        # certificate, a branding's upload, a person's change); the rooms fill the slots left.
        with platform.queued(changes) as pending, limits.bulk():
            await asyncio.gather(*(correct(pending) for _ in range(min(ROOM_WRITES_IN_FLIGHT, len(changes)))))


def refused_room(exc: PexipError, change: Change) -> str:
    """A room write Pexip refused, in the words of every other kind's refusal: the room, and the
    Tenant's spec field behind each refused Pexip field (`Registration.spec_fields`)."""
    if isinstance(exc, ValidationError):
        return refusal_message(exc, planner.SPEC_FIELDS)
    return f"Pexip refused the {change.action} of {change.resource} {change.label}: {exc.message}"


# While the rooms' first listing runs, a Tenant looks for its rooms again once this many more rooms
# were read (five pages of 100): every page wakes the waiting Tenants, but only a look routes rooms,
# reads the theme and decides.
ROOMS_PER_LOOK = 500


async def _write_rooms_as_listed(writes: _RoomWrites, tenant: Tenant, claims: dict[str, str | None]) -> None:
    """Write the Tenant's rooms as the rooms' first listing reads them, instead of after all of it.

    At national size the listing of 25 000 rooms ends 40 s into a cold start, and every room write
    waited for it while the request slots were mostly idle. A room's one PATCH carries both the
    defaults and the branding's IVR theme, so the Tenant writes early only once its theme is ready
    (and only when it enforces its defaults): until then it looks again every `ROOMS_PER_LOOK` rooms
    read, as it waited before. A Tenant whose CviBranding the operator has not yet seen, or that
    has none, waits for the whole listing as before: writing without the theme could mean writing
    every room twice. The decision is `decide_tenant` on the rooms read so far; the writes fold into
    the listing's table, so the decision over all rooms that follows finds them in line. Returns
    at once when no first listing runs.
    """
    listing = writes.platform.cache.first_listing(CONFERENCE)
    if listing is None or tenant.spec.management_policy is ManagementPolicy.OBSERVE_ONLY:
        return
    inputs: TenantInputs | None = None  # once the theme is ready
    cursor = RoomCursor()
    while not listing.done:
        read = len(listing.order)
        if inputs is None:
            theme, pending = await branding.tenant_theme(writes.rt, tenant.spec.namespace)
            if theme is not None and not pending:
                inputs = TenantInputs(
                    tenant,
                    claims,
                    theme,
                    managed_elsewhere=meeting_rooms_of(writes.rt, tenant.spec.namespace),
                )
        if inputs is not None:
            index = listing.view("rooms-by-alias-domain", dict, add_rooms_by_alias_domain)
            uris = new_rooms_in_domains(index, tenant.spec.domains, cursor)
            found = (listing.table.get(uri) for uri in uris)
            rooms = [room for room in found if isinstance(room, Conference)]
            if rooms:
                decided, _ = decide_tenant(inputs, rooms)
                if decided.blocked:
                    return
                await writes.write(decided.changes)
                if writes.failures:
                    return  # the decision over all rooms reports them
        await listing.wait(read + ROOMS_PER_LOOK)


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
    spec_fields=planner.SPEC_FIELDS,
)


def meeting_rooms_of(rt: Context, namespace: str) -> frozenset[str]:
    """The rooms the namespace's MeetingRooms adopt (annotation) or record (status), which an
    ObserveOnly MeetingRoom leaves without its marker: the Tenant's defaults are not theirs."""
    uris: set[str] = set()
    for (kind, _, _), body in rt.known.of_namespace(namespace):
        if kind == "MeetingRoom":
            uris.update(lookups.recorded_uris(body, CONFERENCE.name))
            if (adopt := lookups.adopt_uri(body)) is not None:
                uris.add(adopt)
    return frozenset(uris)

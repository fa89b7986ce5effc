"""Tenant offline: the tenant's other meeting rooms take its defaults and its branding's theme."""

from __future__ import annotations

from vdx.controller.plan import Change
from vdx.controller.planners.rooms import TenantInputs, decide_tenant
from vdx.gitops.offline import OfflinePlanner, Step
from vdx.gitops.phases import branding, conferences
from vdx.pexip import models
from vdx.pexip.resources import CONFERENCE


def plan(planner: OfflinePlanner) -> None:
    rooms = conferences.of(planner)
    for tenant in planner.tenants:
        # Rooms a MeetingRoom of the tree manages take the defaults from their own plan.
        others = [c for c in planner.observed.of(CONFERENCE) if c.resource_uri not in rooms.managed]
        # Offline there are no creation times: `vdx check` refuses a domain claimed twice.
        theme = branding.theme_uri(planner, tenant.spec.namespace)
        decided, _rooms = decide_tenant(TenantInputs(tenant, {}, theme), others)
        source = f"Tenant {tenant.name}"
        if planner.blocked(decided, source):
            continue
        for change in decided.changes:
            if "ivr_theme" in change.fields and change.uri:
                rooms.with_theme.add(change.uri)
            before = dict(change.before)
            if isinstance(before.get("ivr_theme"), models.IvrTheme):
                before["ivr_theme"] = before["ivr_theme"].resource_uri
            planner.add(
                Step(
                    tenant.name,
                    source,
                    Change(
                        change.action,
                        change.resource,
                        change.label,
                        uri=change.uri,
                        fields=change.fields,
                        before=before,
                    ),
                )
            )

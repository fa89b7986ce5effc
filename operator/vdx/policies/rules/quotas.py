"""Quotas per tenant: how many domains and brandings one organisation may declare.

Decision: ninety-odd organisations share one Pexip deployment, and Pexip's own limits (branding
packages, TURN servers, certificates) are platform-wide. A quota on the Tenant, set by MedCom's
engineers, keeps one tenant's pull request from crowding out the others. The count of claimed
domains is a CEL rule on the Tenant itself (`object-rule`); this rule counts the objects in the
tenant's namespace, which only a view of the whole tree can. The operator checks the room and
device quotas again before it creates anything (defence in depth).
"""

from __future__ import annotations

from collections.abc import Iterator

from vdx.api.branding import CviBranding
from vdx.api.device import Device
from vdx.api.domain import Domain
from vdx.api.resource import Resource
from vdx.api.room import MeetingRoom
from vdx.policies.context import PolicyContext, ref_of, tenant_of
from vdx.policies.findings import Finding, Severity
from vdx.policies.rule import PolicyRule

ID = "quota"

_QUOTAS: tuple[tuple[type[Resource], str, str], ...] = (
    (Domain, "maxDomains", "max_domains"),
    (CviBranding, "maxBrandings", "max_brandings"),
    (MeetingRoom, "maxMeetingRooms", "max_meeting_rooms"),
    (Device, "maxDevices", "max_devices"),
)


def check(ctx: PolicyContext) -> Iterator[Finding]:
    for loaded in ctx.tenants:
        tenant = tenant_of(loaded)
        in_namespace = ctx.resources_in(tenant.spec.namespace)
        for kind, field_name, attribute in _QUOTAS:
            objects = [o for o in in_namespace if isinstance(o.resource, kind)]
            limit: int = getattr(tenant.spec.quotas, attribute)
            if len(objects) <= limit:
                continue
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                f"spec.quotas.{field_name}",
                f"namespace {tenant.spec.namespace} holds {len(objects)} {kind.__name__} resources, "
                f"more than quotas.{field_name} ({limit}) allows",
                f"remove {len(objects) - limit} {kind.__name__} resource(s), or ask the platform "
                f"engineers to raise quotas.{field_name} on tenant {tenant.name}",
                related=[ref_of(o.resource) for o in objects],
            )


RULE = PolicyRule(
    ID,
    "Quotas per tenant (Domain, CviBranding, MeetingRoom and Device resources)",
    "One shared deployment: a tenant's quota keeps it from crowding out the others.",
    check,
)

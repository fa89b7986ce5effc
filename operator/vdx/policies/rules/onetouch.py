"""One-Touch Join (OneTouchJoin) stays inside its tenant.

Decision: a meeting room belongs to one organisation. Two tenants naming one room mailbox or one
endpoint address would show one tenant's meetings on another's video system, or fight over the
endpoint; so each is refused when a second tenant names it on the same platform. Each tenant brings
its own Entra app registration: a Microsoft 365 (Graph) deployment shared between tenants would read
every tenant's calendars with one registration, so the same applicationId in two tenants is refused.
A rule's domain is one of the tenant's domains (a rule turns the tenant's own VDX aliases into Join
buttons); a rule's regular expression must compile and its transform must parse as Jinja2, or
Pexip drops the invitations it should turn into buttons. Priorities are unique per profile (a CEL
rule on the CRD).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from vdx.api.loader import LoadedResource
from vdx.api.names import in_domains
from vdx.api.onetouch import CalendarType, OneTouchJoin
from vdx.calendar import texts
from vdx.policies.context import PolicyContext, ref_of, tenant_of
from vdx.policies.findings import Finding, Severity
from vdx.policies.rule import PolicyRule

ID = "one-touch-join"


def check(ctx: PolicyContext) -> Iterator[Finding]:
    # (platform, kind of key, value) -> [(resource, field path, tenant)]
    holders: dict[tuple[str, str, str], list[tuple[LoadedResource, str, str]]] = defaultdict(list)
    for loaded in ctx.of_kind(OneTouchJoin):
        otj = loaded.resource
        assert isinstance(otj, OneTouchJoin)
        owner = ctx.tenant_for(loaded)
        if owner is None:
            continue
        tenant = tenant_of(owner)
        platform = tenant.spec.platform_ref.name
        yield from _rules(ctx, loaded, otj, tenant.name, tenant.spec.domains)
        seen: dict[str, str] = {}
        for g, group in enumerate(otj.spec.endpoint_groups):
            for e, endpoint in enumerate(group.endpoints):
                path = f"spec.endpointGroups[{g}].endpoints[{e}]"
                if endpoint.name in seen:
                    yield ctx.finding(
                        Severity.ERROR,
                        ID,
                        loaded,
                        f"{path}.name",
                        f"endpoint name {endpoint.name} is also {seen[endpoint.name]}.name",
                        "endpoint names are unique in a OneTouchJoin: rename one",
                    )
                seen[endpoint.name] = path
                holders[(platform, "room mailbox", endpoint.room_mailbox.lower())].append(
                    (loaded, f"{path}.roomMailbox", tenant.name)
                )
                if endpoint.address:
                    holders[(platform, "endpoint address", endpoint.address.lower())].append(
                        (loaded, f"{path}.address", tenant.name)
                    )
        if otj.spec.calendar.type is CalendarType.MICROSOFT_365 and otj.spec.calendar.application_id:
            holders[(platform, "app registration", otj.spec.calendar.application_id.lower())].append(
                (loaded, "spec.calendar.applicationId", tenant.name)
            )
    for (platform, what, value), found in holders.items():
        tenants = sorted({t for _, _, t in found})
        if len(found) < 2 or (what == "app registration" and len(tenants) < 2):
            continue
        first = found[0][0]
        for loaded, path, _tenant in found[1:]:
            if what == "app registration":
                message = (
                    f"app registration {value} is used by the One-Touch Join of several tenants on "
                    f"platform {platform} ({', '.join(tenants)}); a Graph deployment is not shared"
                )
                fix = "register the organisation's own app in Entra ID and use its applicationId"
            else:
                message = (
                    f"{what} {value} is named twice on platform {platform} (tenants {', '.join(tenants)}); "
                    "a meeting room's endpoint belongs to one tenant"
                )
                fix = f"remove it from all but one OneTouchJoin (first in {ref_of(first.resource)})"
            yield ctx.finding(
                Severity.ERROR, ID, loaded, path, message, fix, related=[ref_of(first.resource)]
            )


def _rules(
    ctx: PolicyContext, loaded: LoadedResource, otj: OneTouchJoin, tenant: str, domains: list[str]
) -> Iterator[Finding]:
    for index, rule in enumerate(otj.spec.rules):
        path = f"spec.rules[{index}]"
        if rule.domain is not None and not in_domains(rule.domain, domains):
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                f"{path}.domain",
                f"rule domain {rule.domain} is not in tenant {tenant}'s domains ({', '.join(domains)})",
                "a rule turns the tenant's own VDX aliases into Join buttons: use one of its domains",
            )
        if rule.match_string:
            try:
                re.compile(rule.match_string)
            except re.error as exc:
                yield ctx.finding(
                    Severity.ERROR,
                    ID,
                    loaded,
                    f"{path}.matchString",
                    f"is not a valid regular expression ({exc})",
                    "fix the regular expression",
                )
        if rule.transform_rule and (error := texts.syntax_error(rule.transform_rule)):
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                f"{path}.transformRule",
                f"is not valid Jinja2 ({error})",
                "fix the template",
            )


RULE = PolicyRule(
    ID,
    "One-Touch Join: rooms and endpoints of one tenant, own app registration, rules that compile",
    "A meeting room belongs to one organisation; each tenant brings its own app registration.",
    check,
    admission="CRD (CEL): unique priorities, rule and group names, endpoint types; webhook for the rest",
)

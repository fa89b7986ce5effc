"""Every domain used for the web app or for registration has a TURN service in its namespace.

Decision (VDX user group, 8 November 2023, tested on Pexip v33): a TURN service for each domain,
so browser and registered-device media gets through the firewalls of municipalities and hospitals.
The per-object half (a WebApp or Registration domain must set turnServiceRef) is a CEL rule in the
Domain CRD and reported as `object-rule`; this rule checks that the named TurnService exists in
the Domain's own namespace, because a reference to a missing one leaves media relay unconfigured
in Pexip without any error at apply time.
"""

from __future__ import annotations

from collections.abc import Iterator

from vdx.api.domain import Domain
from vdx.api.turn import TurnService
from vdx.policies.context import PolicyContext
from vdx.policies.findings import Finding, ResourceRef, Severity
from vdx.policies.rule import PolicyRule

ID = "turn-service"


def check(ctx: PolicyContext) -> Iterator[Finding]:
    for loaded in ctx.of_kind(Domain):
        domain = loaded.resource
        assert isinstance(domain, Domain)
        ref = domain.spec.turn_service_ref
        if ref is None:
            continue
        namespace = domain.metadata.namespace
        if ctx.exists(ResourceRef("TurnService", namespace, ref.name)):
            continue
        known = sorted(t.resource.name for t in ctx.of_kind(TurnService) if t.resource.namespace == namespace)
        uses = ", ".join(use.value for use in domain.spec.uses)
        yield ctx.finding(
            Severity.ERROR,
            ID,
            loaded,
            "spec.turnServiceRef.name",
            f"names TurnService {namespace}/{ref.name}, which is not in {ctx.where}; domain "
            f"{domain.spec.fqdn} (used for {uses}) needs a TURN service of its own tenant",
            f"add TurnService {ref.name} to namespace {namespace} or correct the name"
            + (f" (known there: {', '.join(known)})" if known else ""),
        )


RULE = PolicyRule(
    ID,
    "Every WebApp/Registration domain has a TURN service in its namespace",
    "The VDX user group asked for a TURN service per domain (tested on Pexip v33).",
    check,
)

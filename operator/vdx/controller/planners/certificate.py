"""TlsCertificate -> one `tls_certificate`, replaced make-before-break on rotation.

`tls_certificate` has no free-text field for a marker, so ownership is the URI the resource recorded
in its status (or was told to adopt). A new certificate in the Secret is uploaded first; the old
object is deleted only after the new one exists, so Pexip is never without the tenant's certificate.
"""

from __future__ import annotations

from collections.abc import Iterable

from vdx.controller.conditions import Outcome, Phase
from vdx.controller.plan import Change
from vdx.controller.planners.common import Plan
from vdx.pexip.models import TlsCertificate
from vdx.pexip.resources import same_certificate

RESOURCE = "tls_certificate"


def plan_certificate(
    certificate_pem: str,
    key_pem: str,
    label: str,
    observed: Iterable[TlsCertificate],
    *,
    recorded: Iterable[str] = (),
    adopt: str | None = None,
    upload_pending: bool = False,
) -> Plan:
    """`upload_pending`: the resource noted before uploading this very certificate that it was about
    to; an identical certificate found in Pexip is then the one it uploaded before a crash, not a
    stranger's (Crossplane's create-pending annotation, for an object with no marker field)."""
    recorded_set = set(recorded) | ({adopt} if adopt else set())
    observed = list(observed)
    ours = [c for c in observed if c.resource_uri in recorded_set]
    if upload_pending:
        ours += [
            c for c in observed if c not in ours and same_certificate({"certificate": certificate_pem}, c)
        ]
    current = [c for c in ours if same_certificate({"certificate": certificate_pem}, c)]
    stale = [c for c in ours if c not in current]
    plan = Plan()
    if current:
        plan.owned = [c.resource_uri for c in current]
        plan.changes = [
            Change("delete", RESOURCE, c.subject_name or label, uri=c.resource_uri) for c in stale
        ]
        if stale:
            plan.outcome = Outcome(Phase.PROGRESSING, "Rotating", "removing the replaced certificate")
        else:
            plan.outcome = Outcome(
                Phase.READY, "Available", f"{RESOURCE} {current[0].resource_uri} is current"
            )
        return plan
    # Upload first; the stale ones stay owned (and in place) until the next pass deletes them.
    plan.owned = [c.resource_uri for c in stale]
    plan.changes = [
        Change(
            "create",
            RESOURCE,
            label,
            fields={"certificate": certificate_pem, "private_key": key_pem, "nodes": []},
            secret_fields=frozenset({"private_key"}),
        )
    ]
    reason = "Rotating" if stale else "Creating"
    plan.outcome = Outcome(Phase.PROGRESSING, reason, f"uploading the certificate from {label}")
    return plan

"""TlsCertificate -> one `tls_certificate`, replaced make-before-break on rotation.

`tls_certificate` has no free-text field for a marker, so ownership is the URI the resource recorded
in its status (or was told to adopt). A new certificate in the Secret is uploaded first; the old
object is deleted only after the new one exists, so Pexip is never without the tenant's certificate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from vdx.api.certificate import TlsCertificate as TlsCertificateResource
from vdx.api.common import ManagementPolicy
from vdx.api.tenant import Tenant
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.plan import Change
from vdx.controller.planners.common import SET_BY_OPERATOR, Plan, refuse, settle
from vdx.controller.reasons import Reason
from vdx.pexip.models import TlsCertificate
from vdx.pexip.resources import carries_private_key, leaf_fingerprint, leaf_pem
from vdx.tls.validate import CertificateFacts, CertificateProblem, check_certificate

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
    others: Iterable[str] = (),
) -> Plan:
    """`upload_pending`: the resource noted before uploading this very certificate that it was about
    to; an identical certificate found in Pexip is then the one it uploaded before a crash, not a
    stranger's (Crossplane's create-pending annotation, for an object with no marker field). One
    that another TlsCertificate records (`others`: two resources may upload one Secret's
    certificate) is that one's, never claimed."""
    recorded_set = set(recorded) | ({adopt} if adopt else set())
    observed = list(observed)
    leaf = leaf_pem(certificate_pem)
    ours = [c for c in observed if c.resource_uri in recorded_set]
    if upload_pending:
        # By URI, not by comparing models: this pass looks at every certificate on the node.
        skip = recorded_set | set(others)
        ours += [c for c in observed if c.resource_uri not in skip and leaf_pem(c.certificate) == leaf]
    # One that carries a private key in its certificate text (an earlier version uploaded tls.crt
    # as given, key appended included) is replaced by a clean upload, make-before-break.
    current = [c for c in ours if leaf_pem(c.certificate) == leaf and not carries_private_key(c.certificate)]
    stale = [c for c in ours if c not in current]
    plan = Plan()
    if current:
        plan.owned = [c.resource_uri for c in current]
        plan.changes = [
            Change("delete", RESOURCE, c.subject_name or label, uri=c.resource_uri) for c in stale
        ]
        if stale:
            plan.outcome = Outcome(Phase.PROGRESSING, Reason.ROTATING, "removing the replaced certificate")
        else:
            plan.outcome = Outcome(
                Phase.READY, Reason.AVAILABLE, f"{RESOURCE} {current[0].resource_uri} is current"
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
    reason = Reason.ROTATING if stale else Reason.CREATING
    plan.outcome = Outcome(Phase.PROGRESSING, reason, f"uploading the certificate from {label}")
    return plan


def finalizer_deletes(
    recorded: Iterable[str],
    pending_fingerprints: Iterable[str],
    observed: Iterable[TlsCertificate],
    others: Iterable[str] = (),
) -> list[str]:
    """What deleting a TlsCertificate removes from Pexip: what its status records and, while an
    upload is noted (`pending_fingerprints`), every certificate with that leaf that no other
    TlsCertificate records (`others`: two resources may upload one Secret's certificate).

    The upload may be in Pexip unrecorded: a crash or a failed status write after the POST, a
    rotation whose delete of the old certificate failed, a POST in doubt that committed later.
    It carries the tenant's private key, so it must not outlive the resource. This is the claim
    the reconcile makes with `upload_pending`; the fingerprint is compared because the Secret
    may already be gone."""
    uris = list(dict.fromkeys(recorded))
    pending = set(pending_fingerprints)
    if not pending:
        return uris
    skip = set(uris) | set(others)
    for certificate in observed:
        if certificate.resource_uri in skip:
            continue
        if leaf_fingerprint(certificate.certificate) in pending:
            uris.append(certificate.resource_uri)
            skip.add(certificate.resource_uri)
    return uris


@dataclass(frozen=True)
class CertificateInputs:
    certificate: TlsCertificateResource
    tenant: Tenant
    secret: Mapping[str, str]  # the kubernetes.io/tls Secret's data
    now: datetime | None = None
    recorded: tuple[str, ...] = ()
    adopt: str | None = None
    # An upload of this very certificate was noted (or, offline, cannot be ruled out).
    upload_pending: bool = False
    # What the other TlsCertificates record or adopt: never claimed as this one's upload.
    others: frozenset[str] = frozenset()

    @property
    def label(self) -> str:
        return f"{self.certificate.namespace}/{self.certificate.spec.secret_ref.name}"


def check(inputs: CertificateInputs) -> CertificateFacts | Plan:
    """The certificate in the Secret, checked before anything is uploaded; or why it is refused."""
    data = inputs.secret
    if not data.get("tls.crt") or not data.get("tls.key"):
        return refuse(
            Phase.STALLED,
            Reason.SECRET_INCOMPLETE,
            "spec.secretRef",
            f"Secret {inputs.label} needs keys tls.crt and tls.key (a kubernetes.io/tls Secret, as "
            "cert-manager writes it); add them",
        )
    try:
        return check_certificate(
            data["tls.crt"].encode(),
            data["tls.key"].encode(),
            required_names=inputs.certificate.spec.dns_names,
            tenant_domains=inputs.tenant.spec.domains,
            tenant=inputs.tenant.name,
            now=inputs.now,
        )
    except CertificateProblem as problem:
        where = f"spec.secretRef (Secret {inputs.label})"
        return refuse(Phase.STALLED, problem.reason, where, problem.message)


def decide(inputs: CertificateInputs, facts: CertificateFacts, observed: Iterable[TlsCertificate]) -> Plan:
    """Upload, rotate make-before-break, or nothing; observe-only writes nothing."""
    plan = plan_certificate(
        facts.certificate_pem,
        inputs.secret["tls.key"],
        inputs.label,
        observed,
        recorded=inputs.recorded,
        adopt=inputs.adopt,
        upload_pending=inputs.upload_pending,
        others=inputs.others,
    )
    return settle(
        plan,
        inputs.certificate.spec.management_policy is ManagementPolicy.OBSERVE_ONLY,
        RESOURCE,
        "spec.secretRef",
    )


# Where each field of the tls_certificate comes from (`Registration.spec_fields`).
SPEC_FIELDS = {
    RESOURCE: {
        "certificate": "the key tls.crt of spec.secretRef's Secret",
        "private_key": "the key tls.key of spec.secretRef's Secret",
        "nodes": SET_BY_OPERATOR,
    }
}

"""TlsCertificate: check the Secret's certificate, upload it, rotate make-before-break, warn on expiry."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from vdx.api.certificate import TlsCertificate
from vdx.api.common import DeletionPolicy, ManagementPolicy
from vdx.api.names import UPLOAD_PENDING_ANNOTATION
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.plan import Change
from vdx.controller.planners import certificate as planner
from vdx.controller.planners.certificate import CertificateInputs, check, decide, finalizer_deletes
from vdx.controller.planners.common import Plan
from vdx.controller.reasons import Reason, expires_in
from vdx.controller.reconcilers import lookups
from vdx.controller.reconcilers.base import (
    Event,
    Reconciled,
    Stop,
    apply_change,
    carrying,
    change_event,
    parse,
)
from vdx.controller.registration import Key, Registration
from vdx.controller.status import status_of
from vdx.pexip.resources import TLS_CERTIFICATE

if TYPE_CHECKING:
    from vdx.controller.context import Context

UPLOAD_PENDING = UPLOAD_PENDING_ANNOTATION


async def reconcile(rt: Context, body: dict[str, Any], now: datetime | None = None) -> Reconciled:
    cert = parse(TlsCertificate, body)
    namespace = str(cert.namespace)
    tenant = await lookups.tenant_of_namespace(rt, namespace)
    data, version = await lookups.secret(rt, body, namespace, cert.spec.secret_ref.name, "TLS certificate")
    now = now or datetime.now(UTC)
    inputs = CertificateInputs(cert, tenant, data, now=now)
    facts = check(inputs)
    if isinstance(facts, Plan):
        return Reconciled(facts.outcome)
    status: dict[str, Any] = {
        "subject": facts.subject,
        "issuer": facts.issuer,
        "serialNumber": facts.serial_number,
        "notBefore": facts.not_before.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "notAfter": facts.not_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "daysLeft": facts.days_left(now),
        "fingerprintSha256": facts.fingerprint_sha256,
    }
    rt.metrics.certificate_expiry.labels(namespace, cert.name).set(facts.not_after.timestamp())
    events: list[Event] = []
    stage = facts.warning_stage(now)
    extra = [
        _expiry_condition(stage, facts.days_left(now), facts.not_after, cert.spec.renewal_warning_days, body)
    ]
    with carrying(extra):
        if stage is not None and stage != status_of(body).get("expiryWarningStage"):
            events.append(
                Event(
                    "Warning",
                    Reason.CERTIFICATE_EXPIRING,
                    f"certificate in Secret {cert.spec.secret_ref.name} expires in "
                    f"{facts.days_left(now)} days ({facts.not_after:%Y-%m-%d}); renew it",
                )
            )
        status["expiryWarningStage"] = stage
        platform = lookups.connected_platform(rt, tenant)
        annotations = (body.get("metadata") or {}).get("annotations") or {}
        # The note lives on the resource (it survives a crash) and in this process (the body a resync
        # hands over may predate the annotation this process wrote).
        notes = _notes(rt)
        noted = notes.pending.get((namespace, cert.name))
        pending = facts.fingerprint_sha256 in (annotations.get(UPLOAD_PENDING), noted)
        recorded = lookups.recorded_uris(body, TLS_CERTIFICATE.name)
        adopt = lookups.adopt_uri(body)
        if pending and notes.confirmed.get((namespace, cert.name)) != facts.fingerprint_sha256:
            # An upload of this very certificate was noted and may have reached Pexip without the cache
            # learning of it (a crash, or the POST failing after it committed): look in Pexip itself.
            # An upload this process saw succeed is in the cache already (relisting for each of them
            # was 250 lists of every certificate in a national cold start).
            await platform.cache.relist(TLS_CERTIFICATE)
            notes.confirmed[(namespace, cert.name)] = facts.fingerprint_sha256  # once, not per pass
        noted_now = False
        others: frozenset[str] | None = None  # read only for a pending upload's claim
        for _ in range(4):
            if pending and others is None:
                others = _recorded_by_others(rt, cert)
            inputs = replace(
                inputs,
                recorded=tuple(recorded),
                adopt=adopt,
                upload_pending=pending,
                others=others or frozenset(),
            )
            plan = decide(inputs, facts, await platform.cache.objects(TLS_CERTIFICATE))
            if not plan.changes:
                break
            for change in plan.changes:
                if change.action == "create":
                    # Note the upload before making it: a crash after the POST then finds it again.
                    notes.pending[(namespace, cert.name)] = facts.fingerprint_sha256
                    await rt.kube.patch_annotations(
                        "tlscertificates", cert.name, namespace, {UPLOAD_PENDING: facts.fingerprint_sha256}
                    )
                    _annotate(body, facts.fingerprint_sha256)
                    pending = noted_now = True
                obj = await apply_change(platform, change)
                if change.action == "create" and obj is not None:
                    notes.confirmed[(namespace, cert.name)] = facts.fingerprint_sha256
                if obj is not None:
                    recorded = [*plan.owned, obj.resource_uri]
                else:
                    recorded = [uri for uri in recorded if uri != change.uri]
                events.append(change_event(change, platform.name, drift=False))
        else:
            raise Stop(Phase.PROGRESSING, Reason.CONVERGING, "changes applied; confirming on the next pass")
        recorded = plan.owned or recorded
        # The note of an upload goes only once the status that records the upload has been written (by
        # an earlier pass): cleared before that, a crash between the two would leave the certificate
        # neither noted nor recorded, and the next pass would upload it a second time.
        persisted = set(lookups.recorded_uris(body, TLS_CERTIFICATE.name))
        if set(recorded) <= persisted:
            # The confirmation stays (dropped with the resource): a later pass whose body still carries
            # the annotation must not relist again (issue 25: once per pending upload, not per pass).
            notes.pending.pop((namespace, cert.name), None)
            if UPLOAD_PENDING in annotations:
                await rt.kube.patch_annotations(
                    "tlscertificates", cert.name, namespace, {UPLOAD_PENDING: None}
                )
                _annotate(body, None)
        elif noted_now:
            # The note goes on the pass after this one's status is written. The note is the operator's
            # own and wakes nothing (kopf leaves it out of its diff), so ask for that pass now: it waits
            # for this reconcile (the resource's lock) and finds the status written (if that write
            # failed, the note stays for the retry).
            rt.spawn(rt.reconcile("TlsCertificate", body, from_resync=True))
        status["pexipObjects"] = [
            {"resource": TLS_CERTIFICATE.name, "resourceUri": uri, "name": facts.subject[:250]}
            for uri in recorded
        ]
        status["secretResourceVersion"] = version
        outcome = plan.outcome
        if outcome.phase is Phase.READY:
            outcome = Outcome(
                Phase.READY,
                Reason.AVAILABLE,
                f"uploaded to {platform.name}; valid until {facts.not_after:%Y-%m-%d}",
            )
        return Reconciled(
            outcome, status=status, events=events, extra_conditions=extra, platform=platform.name
        )


def _annotate(body: dict[str, Any], upload_pending: str | None) -> None:
    """Keep the body the runtime holds in step with the note just written to (or cleared from)
    the resource: the operator's own annotation wakes no reconcile that would hand over a newer one."""
    metadata = body.setdefault("metadata", {})
    annotations = {k: v for k, v in (metadata.get("annotations") or {}).items() if k != UPLOAD_PENDING}
    if upload_pending is not None:
        annotations[UPLOAD_PENDING] = upload_pending
    metadata["annotations"] = annotations


def _expiry_condition(
    stage: int | None, days_left: int, not_after: datetime, window: int, body: dict[str, Any]
) -> dict[str, Any]:
    due = days_left <= window or stage is not None
    return {
        "type": "RenewalDue",
        "status": "True" if due else "False",
        "reason": expires_in(days_left) if due else Reason.NOT_DUE,
        "message": f"expires on {not_after:%Y-%m-%d} ({days_left} days left)",
        "observedGeneration": (body.get("metadata") or {}).get("generation"),
    }


async def finalize(rt: Context, body: dict[str, Any]) -> None:
    cert = parse(TlsCertificate, body)
    if cert.spec.management_policy is ManagementPolicy.OBSERVE_ONLY:
        return
    if cert.spec.deletion_policy is DeletionPolicy.ORPHAN:
        return  # tls_certificate has no marker to remove; the status record goes with the resource
    tenant = await rt.tenant_for_namespace(str(cert.namespace))
    if tenant is None:
        return
    platform = lookups.connected_platform(rt, tenant)
    uris = lookups.recorded_uris(body, TLS_CERTIFICATE.name)
    # An upload noted on the resource (it survives a crash) or in this process (the deletion's
    # body may predate the note) may be in Pexip without being recorded: look in Pexip itself.
    annotations = (body.get("metadata") or {}).get("annotations") or {}
    noted = (_notes(rt).pending.get((str(cert.namespace), cert.name)), annotations.get(UPLOAD_PENDING))
    pending = {str(fingerprint) for fingerprint in noted if fingerprint}
    if pending:
        await platform.cache.relist(TLS_CERTIFICATE)
        others = _recorded_by_others(rt, cert)
        uris = finalizer_deletes(uris, pending, await platform.cache.objects(TLS_CERTIFICATE), others)
    for uri in uris:
        change = Change("delete", TLS_CERTIFICATE.name, uri, uri=uri)
        await apply_change(platform, change)
        await rt.kube.event(body, type_="Normal", reason="Finalized", message=change.describe())


@dataclass
class UploadNotes:
    """Certificates being uploaded, kept in this process as well as in the annotation.

    `pending`: (namespace, TlsCertificate) -> fingerprint of a certificate being uploaded, until the
    status recording it is written. `confirmed`: those whose upload this process saw Pexip accept
    (so the cache holds it, and no relist is needed).
    """

    pending: dict[tuple[str, str], str] = field(default_factory=dict)
    confirmed: dict[tuple[str, str], str] = field(default_factory=dict)

    def forget(self, key: tuple[str, str]) -> None:
        self.pending.pop(key, None)
        self.confirmed.pop(key, None)


def _recorded_by_others(rt: Context, cert: TlsCertificate) -> frozenset[str]:
    """What the other TlsCertificates record or adopt: two may upload one Secret's certificate,
    and neither's pending upload may take the other's copy (claimed, then deleted as replaced)."""
    own: Key = ("TlsCertificate", str(cert.namespace), cert.name)
    return frozenset(
        uri
        for key, other in rt.known.of_kind("TlsCertificate")
        if key != own
        for uri in [*lookups.recorded_uris(other, TLS_CERTIFICATE.name), lookups.adopt_uri(other)]
        if uri
    )


def _notes(rt: Context) -> UploadNotes:
    return rt.kind_state("TlsCertificate.uploads", UploadNotes)


def _forget(rt: Context, key: Key) -> None:
    _notes(rt).forget((key[1] or "", key[2]))
    rt.metrics.forget_certificate(key[1] or "", key[2])


REGISTRATION = Registration(
    TlsCertificate,
    reconcile,
    finalize,
    depends_on=("Tenant",),
    writes=(TLS_CERTIFICATE,),
    reads_objects=("Secret",),
    wakes_when_ready=("Domain", "OutlookScheduling"),
    forget=_forget,
    offline="vdx.gitops.phases.certificate",
    spec_fields=planner.SPEC_FIELDS,
)

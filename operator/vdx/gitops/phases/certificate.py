"""TlsCertificate offline: the certificate from `--secrets` checked and compared with Pexip's."""

from __future__ import annotations

from vdx.api.certificate import TlsCertificate
from vdx.controller.planners.certificate import CertificateInputs, check, decide
from vdx.controller.planners.common import Plan
from vdx.gitops.offline import OfflinePlanner, Step, Unknown, adopt_of, label_of
from vdx.pexip.resources import TLS_CERTIFICATE


def plan(planner: OfflinePlanner) -> None:
    for cert in planner.in_scope(TlsCertificate):
        namespace, source = str(cert.namespace), label_of(cert)
        tenant = planner.by_namespace[namespace]
        secret_name = cert.spec.secret_ref.name
        label = f"{namespace}/{secret_name}"
        data = planner.desired.secrets.get((namespace, secret_name))
        if data is None:
            planner.out.unknowns.append(
                Unknown(
                    tenant.name,
                    source,
                    "tls_certificate",
                    label,
                    f"certificate from Secret {label}: known after apply",
                )
            )
            planner.need_secret(namespace, secret_name, source)
            continue
        # No status offline: an identical certificate in Pexip is taken to be this one.
        inputs = CertificateInputs(
            cert, tenant, data, now=planner.desired.now, adopt=adopt_of(cert), upload_pending=True
        )
        facts = check(inputs)
        if isinstance(facts, Plan):
            planner.blocked(facts, source)
            continue
        decided = decide(inputs, facts, planner.observed.of(TLS_CERTIFICATE))
        if planner.blocked(decided, source):
            continue
        for change in decided.changes:
            planner.add(
                Step(
                    tenant.name,
                    source,
                    change,
                    shown={
                        "certificate": f"(chain from Secret {label}: {facts.subject}, valid until "
                        f"{facts.not_after:%Y-%m-%d}, SHA-256 {facts.fingerprint_sha256[:16]})"
                    },
                    secret_sources={"private_key": f"Secret {label}"},
                )
            )

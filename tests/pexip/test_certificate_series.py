"""A TlsCertificate's expiry series lives as long as the resource: gone after its finalizer, after a
deletion that beat the finalizer, and a rename (delete, create) leaves only the new name. A stale
series would count down to VdxCertificateExpired for a certificate nobody uses. The reconciles
carry the platform they ran for.
"""

from __future__ import annotations

from typing import Any

from kubernetes.client.exceptions import ApiException

from tests.pexip.test_certificate_relists import NAMESPACE, Kube, certificate_resource, delivered, operator
from vdx.controller.runtime import Runtime
from vdx.pexip import PexipClient
from vdx.pexip.simulator import Simulator
from vdx.tls.issue import LocalCA


def expiry_series(rt: Runtime) -> dict[tuple[str, str], float]:
    samples = rt.metrics.certificate_expiry.collect()[0].samples
    return {(s.labels["namespace"], s.labels["name"]): s.value for s in samples}


def secret() -> dict[str, str]:
    issued = LocalCA("series CA").issue(["vdx.rm.dk"], days=90)
    return {"tls.crt": issued.certificate_pem.decode(), "tls.key": issued.key_pem.decode()}


def named(name: str, uid: str) -> dict[str, Any]:
    body = certificate_resource()
    body["metadata"].update(name=name, uid=uid)
    return body


async def test_a_deleted_or_renamed_certificate_takes_its_series_along(
    client: PexipClient, sim: Simulator
) -> None:
    kube = Kube(secret(), named("old-name", "u-1"))
    rt = operator(client, kube)
    await rt.reconcile("TlsCertificate", delivered(kube))
    assert list(expiry_series(rt)) == [(NAMESPACE, "old-name")]
    reconciles = rt.metrics.reconciles.collect()[0].samples
    assert {(s.labels["kind"], s.labels["platform"]) for s in reconciles if s.name.endswith("_total")} == {
        ("TlsCertificate", "prod")
    }

    # Renamed in Git: the new one is created, the old one deleted (its finalizer runs).
    old = delivered(kube)
    kube.resource = named("new-name", "u-2")
    await rt.reconcile("TlsCertificate", delivered(kube))
    assert set(expiry_series(rt)) == {(NAMESPACE, "old-name"), (NAMESPACE, "new-name")}
    await rt.finalize("TlsCertificate", old)
    assert list(expiry_series(rt)) == [(NAMESPACE, "new-name")]

    await rt.finalize("TlsCertificate", delivered(kube))
    assert expiry_series(rt) == {}


class Vanishing(Kube):
    """The resource is deleted while its first reconcile runs: writing the status finds it gone."""

    async def patch_status(
        self, plural: str, name: str, namespace: str | None, status: dict[str, Any]
    ) -> bool:
        raise ApiException(status=404, reason="Not Found")

    async def current(self, plural: str, name: str, namespace: str | None) -> dict[str, Any] | None:
        return None  # nor does a read of it by name find one


async def test_a_certificate_deleted_before_its_finalizer_takes_its_series_along(
    client: PexipClient, sim: Simulator
) -> None:
    kube = Vanishing(secret(), named("brief", "u-3"))
    rt = operator(client, kube)
    await rt.reconcile("TlsCertificate", delivered(kube))
    assert expiry_series(rt) == {}

"""A TlsCertificate relists Pexip's certificates once per pending upload, never once per pass.

The relist exists for an upload whose outcome this process does not know (a crash between the POST
and the status). Measured at national scale, a no-op resync window listed `tls_certificate` 30
times instead of once: a resync hands over the body the watch delivered last, which can still carry
the upload-pending annotation after the note was cleared, and every such pass relisted.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from kubernetes.client.exceptions import ApiException

from vdx.api.tenant import Tenant
from vdx.controller.cache import PexipCache
from vdx.controller.platforms import PlatformRuntime
from vdx.controller.reconcilers.certificate import UPLOAD_PENDING
from vdx.controller.runtime import Runtime
from vdx.pexip import PexipClient
from vdx.pexip.resources import TLS_CERTIFICATE
from vdx.pexip.simulator import Simulator
from vdx.tls.issue import LocalCA

NAMESPACE = "vdx-rm"
KEY = ("TlsCertificate", NAMESPACE, "vdx-rm-dk")


class Kube:
    """The few Kubernetes calls a TlsCertificate reconcile makes, against one stored resource."""

    def __init__(self, secret: dict[str, str], resource: dict[str, Any]) -> None:
        self.secret = secret
        self.resource = resource
        self.status_fails = False  # the API server refuses status writes (or the process dies first)

    async def secret_data(self, namespace: str, name: str) -> tuple[dict[str, str], str]:
        return self.secret, "1"

    async def patch_annotations(
        self, plural: str, name: str, namespace: str | None, annotations: dict[str, str | None]
    ) -> None:
        stored = self.resource["metadata"].setdefault("annotations", {})
        for key, value in annotations.items():
            if value is None:
                stored.pop(key, None)
            else:
                stored[key] = value

    async def patch_status(
        self, plural: str, name: str, namespace: str | None, status: dict[str, Any]
    ) -> bool:
        if self.status_fails:
            raise ApiException(status=503, reason="unavailable")
        self.resource["status"] = copy.deepcopy(status)
        return True

    async def event(self, body: dict[str, Any], **_: Any) -> None:
        return None

    async def list(self, plural: str) -> list[dict[str, Any]]:
        return []


def tenant() -> Tenant:
    return Tenant.model_validate(
        {
            "apiVersion": "vdx.medcom.dk/v1alpha1",
            "kind": "Tenant",
            "metadata": {"name": "rm"},
            "spec": {
                "organisationKind": "Region",
                "displayName": "Region Midtjylland",
                "namespace": NAMESPACE,
                "platformRef": {"name": "prod"},
                "domains": ["vdx.rm.dk"],
            },
        }
    )


def certificate_resource() -> dict[str, Any]:
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "TlsCertificate",
        "metadata": {"name": KEY[2], "namespace": NAMESPACE, "generation": 1, "uid": "u-1"},
        "spec": {"secretRef": {"name": "tls-vdx-rm-dk"}, "dnsNames": ["vdx.rm.dk"]},
    }


def issued_kube() -> Kube:
    """A stored TlsCertificate and its Secret, holding a freshly issued certificate."""
    issued = LocalCA("relist CA").issue(["vdx.rm.dk"], days=90)
    return Kube(
        {"tls.crt": issued.certificate_pem.decode(), "tls.key": issued.key_pem.decode()},
        certificate_resource(),
    )


def operator(client: PexipClient, kube: Kube) -> Runtime:
    rt = Runtime(kube)  # type: ignore[arg-type]  # only the calls above
    rt.tenants["rm"] = tenant()
    rt.platforms["prod"] = PlatformRuntime("prod", "f", client, PexipCache(client), rt.metrics)
    return rt


def certificate_lists(client: PexipClient) -> int:
    return client.counters.total("GET", "configuration/tls_certificate")


async def certificates(client: PexipClient) -> set[str]:
    return {c.resource_uri for c in await client.list(TLS_CERTIFICATE)}


def delivered(kube: Kube) -> dict[str, Any]:
    """The body the watch delivers now (what kopf hands a handler)."""
    return copy.deepcopy(kube.resource)


async def test_a_cold_start_upload_relists_nothing_and_stale_bodies_do_not_relist(
    client: PexipClient, sim: Simulator
) -> None:
    kube = issued_kube()
    rt = operator(client, kube)

    await rt.reconcile("TlsCertificate", delivered(kube))  # the create: notes, uploads, records
    assert client.counters.total("POST", "configuration/tls_certificate") == 1
    assert certificate_lists(client) == 1  # the cache's first listing, nothing more

    # The annotation's own watch event: the status is written, so the note is cleared.
    stale = delivered(kube)
    assert stale["metadata"]["annotations"][UPLOAD_PENDING]
    await rt.reconcile("TlsCertificate", stale)
    assert UPLOAD_PENDING not in kube.resource["metadata"]["annotations"]

    # Resyncs hand over the last body the watch delivered, which may still carry the annotation.
    for _ in range(5):
        await rt.reconcile("TlsCertificate", stale, from_resync=True)
    assert certificate_lists(client) == 1
    assert client.counters.total("POST", "configuration/tls_certificate") == 1


async def test_the_note_is_cleared_by_the_operators_own_next_pass_without_a_watch_event(
    client: PexipClient, sim: Simulator
) -> None:
    # kopf leaves the operator's own annotation out of its diff, so writing the note wakes no
    # reconcile: the pass that uploads asks for the next one itself, which clears the note.
    kube = issued_kube()
    rt = operator(client, kube)
    await rt.reconcile("TlsCertificate", delivered(kube))
    assert kube.resource["metadata"]["annotations"][UPLOAD_PENDING]  # noted before the upload
    for _ in range(50):
        if UPLOAD_PENDING not in kube.resource["metadata"]["annotations"]:
            break
        await asyncio.sleep(0.02)
    assert UPLOAD_PENDING not in kube.resource["metadata"]["annotations"]
    assert kube.resource["status"]["pexipObjects"][0]["resource"] == "tls_certificate"
    # The body the runtime holds says so too: a resync does not clear it again, or relist.
    assert UPLOAD_PENDING not in rt.known[KEY]["metadata"]["annotations"]
    for _ in range(3):
        await rt.reconcile("TlsCertificate", rt.known[KEY], from_resync=True)
    assert certificate_lists(client) == 1
    assert client.counters.total("POST", "configuration/tls_certificate") == 1


async def test_after_a_restart_a_pending_upload_is_relisted_once(client: PexipClient, sim: Simulator) -> None:
    kube = issued_kube()
    first = operator(client, kube)
    await first.reconcile("TlsCertificate", delivered(kube))
    # A crash before the status was written: the note survives on the resource only.
    kube.resource.pop("status", None)
    lists_before = certificate_lists(client)

    second = operator(client, kube)  # a new process: nothing noted or confirmed in memory
    body = delivered(kube)
    for _ in range(5):
        await second.reconcile("TlsCertificate", body, from_resync=True)
    # The relist for the pending upload (it is also the new cache's first listing), once; the
    # upload is found, not repeated.
    assert certificate_lists(client) - lists_before == 1
    assert client.counters.total("POST", "configuration/tls_certificate") == 1
    assert kube.resource["status"]["pexipObjects"][0]["resource"] == "tls_certificate"


async def upload_unrecorded(client: PexipClient, kube: Kube) -> Runtime:
    """A process that noted and uploaded the certificate, and never recorded it (its status writes
    fail): what a crash between the POST and the status leaves."""
    rt = operator(client, kube)
    kube.status_fails = True
    await rt.reconcile("TlsCertificate", delivered(kube))
    for _ in range(10):
        await asyncio.sleep(0.02)  # the pass it asks for after an upload: the note stays
    assert kube.resource["metadata"]["annotations"][UPLOAD_PENDING]
    assert "status" not in kube.resource
    kube.status_fails = False
    return rt


def deletion(kube: Kube) -> dict[str, Any]:
    """The body kopf hands the finalizer."""
    body = delivered(kube)
    body["metadata"]["deletionTimestamp"] = "2026-12-06T00:00:00Z"
    return body


async def upload_as_someone_else(client: PexipClient, kube: Kube) -> str:
    """The same certificate uploaded by another resource, by hand or by another tool."""
    created = await client.create(
        TLS_CERTIFICATE,
        {"certificate": kube.secret["tls.crt"], "private_key": kube.secret["tls.key"], "nodes": []},
    )
    return created.resource_uri


async def test_deleting_it_after_a_crash_before_the_status_deletes_the_unrecorded_upload(
    client: PexipClient, sim: Simulator
) -> None:
    # The upload carries the tenant's private key: it must not outlive the resource. The status
    # never recorded it, but the note on the resource says it may be there.
    kube = issued_kube()
    before = await certificates(client)
    await upload_unrecorded(client, kube)
    assert len(await certificates(client) - before) == 1
    second = operator(client, kube)  # a new process: nothing noted in memory
    await second.finalize("TlsCertificate", deletion(kube))
    assert await certificates(client) == before


async def test_deleting_it_leaves_a_strangers_identical_certificate_once_nothing_is_pending(
    client: PexipClient, sim: Simulator
) -> None:
    # Without a note, only what the status records is deleted.
    kube = issued_kube()
    before = await certificates(client)
    rt = operator(client, kube)
    await rt.reconcile("TlsCertificate", delivered(kube))
    for _ in range(50):
        if UPLOAD_PENDING not in kube.resource["metadata"]["annotations"]:
            break
        await asyncio.sleep(0.02)
    assert UPLOAD_PENDING not in kube.resource["metadata"]["annotations"]
    ours = kube.resource["status"]["pexipObjects"][0]["resourceUri"]
    stranger = await upload_as_someone_else(client, kube)
    await rt.finalize("TlsCertificate", deletion(kube))
    assert await certificates(client) - before == {stranger}
    assert stranger != ours


async def test_deleting_it_leaves_the_identical_upload_another_resource_records(
    client: PexipClient, sim: Simulator
) -> None:
    # Two TlsCertificates may upload one Secret's certificate (a SAN certificate shared by two
    # resources): while one's upload is noted, its deletion must not take the other's copy.
    kube = issued_kube()
    before = await certificates(client)
    rt = await upload_unrecorded(client, kube)
    (ours,) = await certificates(client) - before
    theirs = await upload_as_someone_else(client, kube)
    record_for_another_resource(rt, theirs)
    await rt.finalize("TlsCertificate", deletion(kube))
    assert await certificates(client) - before == {theirs}
    assert ours != theirs


def record_for_another_resource(rt: Runtime, uri: str) -> None:
    """Another TlsCertificate of the namespace, whose status records `uri`."""
    rt.known[("TlsCertificate", NAMESPACE, "other")] = {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "TlsCertificate",
        "metadata": {"name": "other", "namespace": NAMESPACE, "generation": 1, "uid": "u-2"},
        "status": {"pexipObjects": [{"resource": "tls_certificate", "resourceUri": uri}]},
    }


async def test_a_pending_upload_never_claims_the_identical_copy_another_resource_records(
    client: PexipClient, sim: Simulator
) -> None:
    # Claimed, the other's copy would be recorded here too, and deleted with this resource or as
    # replaced on its next rotation.
    kube = issued_kube()
    before = await certificates(client)
    await upload_unrecorded(client, kube)
    (ours,) = await certificates(client) - before
    theirs = await upload_as_someone_else(client, kube)
    second = operator(client, kube)  # after a restart: it looks in Pexip for its noted upload
    record_for_another_resource(second, theirs)
    await second.reconcile("TlsCertificate", delivered(kube))
    recorded = [o["resourceUri"] for o in kube.resource["status"]["pexipObjects"]]
    assert recorded == [ours]


async def test_deleting_it_finds_an_upload_noted_only_in_this_process(
    client: PexipClient, sim: Simulator
) -> None:
    # The deletion's body can predate the note on the resource; the process's own note counts.
    kube = issued_kube()
    before = await certificates(client)
    rt = await upload_unrecorded(client, kube)
    deleting = deletion(kube)
    deleting["metadata"]["annotations"].pop(UPLOAD_PENDING)
    await rt.finalize("TlsCertificate", deleting)
    assert await certificates(client) == before


async def test_a_platform_outage_shows_the_renewal_condition_worked_out_now(
    client: PexipClient, sim: Simulator
) -> None:
    # The reconcile stops at the platform, after it has worked out RenewalDue: the status shows it.
    kube = issued_kube()
    rt = Runtime(kube)  # type: ignore[arg-type]  # only the calls above
    rt.tenants["rm"] = tenant()
    rt.known[("PexipPlatform", None, "prod")] = {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "PexipPlatform",
        "metadata": {"name": "prod", "generation": 1},
        "status": {"reachable": False},
    }
    await rt.reconcile("TlsCertificate", delivered(kube))
    conditions = {c["type"]: c for c in kube.resource["status"]["conditions"]}
    assert conditions["Ready"]["reason"] == "PexipUnavailable"
    assert conditions["RenewalDue"]["status"] == "False"
    assert conditions["RenewalDue"]["observedGeneration"] == 1

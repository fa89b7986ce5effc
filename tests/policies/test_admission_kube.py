"""The generated ValidatingAdmissionPolicies, on the real kube-apiserver: a violation is refused.

Server-side dry runs poll until the API server has loaded the policies (it watches them, so a
fresh policy takes a moment); the real `kubectl apply` is then refused with the rule's message.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from vdx.controlplane.server import ControlPlane
from vdx.paths import SCHEMAS_DIR
from vdx.policies.rules.promotion import SKIP_ANNOTATION
from vdx.policies.rules.san_certificates import RETIRED
from vdx.yamlio import dump_yaml

pytestmark = pytest.mark.kube


@pytest.fixture(scope="module")
def policies(control_plane: ControlPlane) -> Iterator[ControlPlane]:
    control_plane.kubectl("apply", "-f", str(SCHEMAS_DIR / "admission"))
    yield control_plane
    control_plane.kubectl("delete", "-f", str(SCHEMAS_DIR / "admission"), "--ignore-not-found", check=False)


def tenant(name: str, namespace: str, domains: list[str], **defaults: str) -> dict[str, object]:
    spec: dict[str, object] = {
        "organisationKind": "Region",
        "displayName": name,
        "namespace": namespace,
        "platformRef": {"name": "prod"},
        "domains": domains,
    }
    if defaults:
        spec["meetingRoomDefaults"] = defaults
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": name},
        "spec": spec,
    }


def certificate(namespace: str, names: list[str], **annotations: str) -> dict[str, object]:
    metadata: dict[str, object] = {"name": "cert", "namespace": namespace}
    if annotations:
        metadata["annotations"] = annotations
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "TlsCertificate",
        "metadata": metadata,
        "spec": {"secretRef": {"name": "tls-cert"}, "dnsNames": names},
    }


def apply(plane: ControlPlane, obj: dict[str, object], *extra: str) -> tuple[int, str]:
    result = plane.kubectl("apply", *extra, "-f", "-", input=dump_yaml(obj), check=False)
    return result.returncode, result.stdout + result.stderr


def refused_eventually(plane: ControlPlane, obj: dict[str, object], timeout: float = 30.0) -> str:
    """Dry-run until the API server refuses (its policy informer has caught up); the message."""
    deadline = time.monotonic() + timeout
    while True:
        code, output = apply(plane, obj, "--dry-run=server")
        if code != 0 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    code, output = apply(plane, obj)
    assert code != 0, f"the API server admitted a violating object:\n{output}"
    return output


@pytest.fixture
def tenants(policies: ControlPlane, kube_namespace: str) -> Iterator[str]:
    """Two tenants: one owning the test namespace (vdx.rm.example), one elsewhere (vdx.kk.example)."""
    own, other = f"{kube_namespace}-own", f"{kube_namespace}-other"
    for obj in (
        tenant(own, kube_namespace, ["vdx.rm.example"]),
        tenant(other, f"{kube_namespace}-elsewhere"[:63], ["vdx.kk.example"]),
    ):
        code, output = apply(policies, obj)
        assert code == 0, output
    yield kube_namespace
    policies.kubectl("delete", "tenant", own, other, "--ignore-not-found", check=False)


def test_a_certificate_spanning_two_tenants_is_refused_with_the_san_retirement_message(
    policies: ControlPlane, tenants: str
) -> None:
    output = refused_eventually(policies, certificate(tenants, ["vdx.rm.example", "vdx.kk.example"]))
    assert "ValidatingAdmissionPolicy 'vdx-san-retirement'" in output
    assert "spec.dnsNames: vdx.kk.example lie outside the domains of tenant" in output
    assert "a certificate spanning several tenants is refused" in output
    assert RETIRED in output


def test_a_certificate_within_its_tenant_is_admitted(policies: ControlPlane, tenants: str) -> None:
    refused_eventually(policies, certificate(tenants, ["vdx.rm.example", "vdx.kk.example"]))  # policy live
    code, output = apply(policies, certificate(tenants, ["vdx.rm.example", "*.vdx.rm.example"]))
    assert code == 0, output


def test_a_domain_outside_the_tenant_is_refused(policies: ControlPlane, tenants: str) -> None:
    domain = {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "Domain",
        "metadata": {"name": "kk", "namespace": tenants},
        "spec": {"fqdn": "vdx.kk.example", "uses": ["SIP"], "tlsCertificateRef": {"name": "cert"}},
    }
    output = refused_eventually(policies, domain)
    assert "spec.fqdn: vdx.kk.example is not one of tenant" in output


def test_the_promotion_escape_hatch_needs_a_reason(policies: ControlPlane, tenants: str) -> None:
    output = refused_eventually(policies, certificate(tenants, ["vdx.rm.example"], **{SKIP_ANNOTATION: " "}))
    assert f"the escape hatch {SKIP_ANNOTATION} is set without a reason" in output
    code, output = apply(policies, certificate(tenants, ["vdx.rm.example"], **{SKIP_ANNOTATION: "hotfix"}))
    assert code == 0, output


def test_direct_media_off_without_a_reason_is_admitted_with_a_warning(
    policies: ControlPlane, kube_namespace: str
) -> None:
    name = f"{kube_namespace}-dm"
    obj = tenant(name, kube_namespace, ["vdx.dm.example"], directMedia="never")
    deadline = time.monotonic() + 30
    try:
        while True:
            code, output = apply(policies, obj, "--dry-run=server")
            assert code == 0, output
            if "direct media is off" in output or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        code, output = apply(policies, obj)
        assert code == 0, output
        assert "Warning:" in output
        assert "direct media is off (never) without a reason" in output
    finally:
        policies.kubectl("delete", "tenant", name, "--ignore-not-found", check=False)


def test_an_object_made_invalid_later_does_not_block_unrelated_updates(
    policies: ControlPlane, tenants: str
) -> None:
    refused_eventually(policies, certificate(tenants, ["vdx.rm.example", "vdx.kk.example"]))  # policy live
    code, output = apply(policies, certificate(tenants, ["join.vdx.rm.example"]))
    assert code == 0, output
    # The tenant gives up the domain: the certificate is now invalid, but it is already there.
    own = tenant(f"{tenants}-own", tenants, ["vdx.other.example"])
    code, output = apply(policies, own)
    assert code == 0, output
    labelled = certificate(tenants, ["join.vdx.rm.example"])
    labelled["metadata"]["labels"] = {"touched": "yes"}  # type: ignore[index]
    code, output = apply(policies, labelled)
    assert code == 0, f"an update that leaves dnsNames alone was refused:\n{output}"
    code, output = apply(policies, certificate(tenants, ["join.vdx.rm.example", "vdx.rm.example"]))
    assert code != 0
    assert "lie outside the domains of tenant" in output


def room(namespace: str, aliases: list[str], **spec: object) -> dict[str, object]:
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "MeetingRoom",
        "metadata": {"name": "room", "namespace": namespace},
        "spec": {"displayName": "Room", "aliases": [{"alias": a} for a in aliases], **spec},
    }


def test_a_room_alias_in_another_tenants_domain_is_refused(policies: ControlPlane, tenants: str) -> None:
    output = refused_eventually(policies, room(tenants, ["ok@vdx.rm.example", "steal@vdx.kk.example"]))
    assert "ValidatingAdmissionPolicy 'vdx-room-aliases'" in output
    assert "spec.aliases: steal@vdx.kk.example lie outside the domains of tenant" in output
    code, output = apply(policies, room(tenants, ["ok@vdx.rm.example", "ok@join.vdx.rm.example"]))
    assert code == 0, output


def test_a_device_alias_in_another_tenants_domain_is_refused(policies: ControlPlane, tenants: str) -> None:
    device = {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "Device",
        "metadata": {"name": "stue", "namespace": tenants},
        "spec": {
            "alias": "stue@vdx.kk.example",
            "displayName": "Stue",
            "credentialsSecretRef": {"name": "s"},
        },
    }
    output = refused_eventually(policies, device)
    assert "spec.alias: stue@vdx.kk.example lies outside the domains of tenant" in output


def outlook(namespace: str, alias_domain: str, server_domain: str) -> dict[str, object]:
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "OutlookScheduling",
        "metadata": {"name": "booking", "namespace": namespace},
        "spec": {
            "exchange": {
                "type": "Microsoft365",
                "authentication": "AppPermissions",
                "entraTenantId": "8c2f6b1e-3d4a-4f5b-9c6d-7e8f9a0b1c2d",
                "applicationId": "5a7d3c9e-1b2f-4e6a-8d0c-2f4e6a8c0e1b",
                "serviceMailbox": "booking@rm.example",
                "credentialsSecretRef": {"name": "outlook"},
            },
            "keyPairSecretRef": {"name": "outlook-keys"},
            "aliases": {"prefix": "rm", "domain": alias_domain},
            "addIn": {"serverDomain": server_domain},
        },
    }


def test_outlook_booking_in_another_tenants_domain_is_refused(policies: ControlPlane, tenants: str) -> None:
    output = refused_eventually(policies, outlook(tenants, "vdx.kk.example", "join.vdx.rm.example"))
    assert "ValidatingAdmissionPolicy 'vdx-outlook-domains'" in output
    assert "spec.aliases.domain: vdx.kk.example is not one of tenant" in output
    output = refused_eventually(policies, outlook(tenants, "vdx.rm.example", "join.vdx.kk.example"))
    assert "spec.addIn.serverDomain: join.vdx.kk.example is not in tenant" in output
    code, output = apply(policies, outlook(tenants, "vdx.rm.example", "join.vdx.rm.example"))
    assert code == 0, output


def test_a_room_cannot_opt_in_to_recording_before_its_tenant(policies: ControlPlane, tenants: str) -> None:
    output = refused_eventually(policies, room(tenants, ["rec@vdx.rm.example"], recorderRef={"name": "rec"}))
    assert "the tenant has not enabled recording" in output
    own = tenant(f"{tenants}-own", tenants, ["vdx.rm.example"])
    own["spec"]["recording"] = {"enabled": True}  # type: ignore[index]
    code, output = apply(policies, own)
    assert code == 0, output

    def admitted() -> bool:
        code, _ = apply(policies, room(tenants, ["rec@vdx.rm.example"], recorderRef={"name": "rec"}))
        return code == 0

    deadline = time.monotonic() + 30
    while not admitted():
        assert time.monotonic() < deadline, "the room was still refused after the tenant enabled recording"
        time.sleep(0.5)


def test_platform_credentials_in_a_tenants_namespace_are_refused(
    policies: ControlPlane, tenants: str
) -> None:
    """Issue 22: the API server itself refuses what `vdx check` calls platform-credentials."""
    platform = {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "PexipPlatform",
        "metadata": {"name": f"{tenants}-platform"[:63]},
        "spec": {
            "url": "https://pexip.example.dk",
            "environment": "Test",
            "credentials": {"secretRef": {"namespace": tenants, "name": "pexip"}},
        },
    }
    output = refused_eventually(policies, platform)
    assert "ValidatingAdmissionPolicy 'vdx-platform-credentials'" in output
    assert f"spec.credentials.secretRef.namespace: {tenants} is the namespace of Tenant" in output
    platform["spec"]["credentials"]["secretRef"]["namespace"] = "vdx-system"  # type: ignore[index]
    code, output = apply(policies, platform)
    assert code == 0, output
    policies.kubectl("delete", "pexipplatform", platform["metadata"]["name"], check=False)  # type: ignore[index]

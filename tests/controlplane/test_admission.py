"""The demo's control plane with the generated admission policies: in force when it is up.

`running_control_plane(admission=True)` (and `vdx demo`, which applies and awaits the same files
with the same functions) must hand over a control plane that already refuses: the API server loads
policies asynchronously, so without the probe-based wait a bad object applied at once is admitted.
The refusals use the demo's own tenants (Region Midtjylland and Aarhus Kommune from examples/).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from vdx.api.certificate import TlsCertificate
from vdx.api.domain import Domain
from vdx.api.loader import Tree, load_tree
from vdx.api.meta import API_GROUP, API_VERSION, GROUP_VERSION
from vdx.api.tenant import Tenant
from vdx.controlplane.admission import (
    PROBE_POLICY,
    AdmissionError,
    AdmissionObjects,
    apply_admission,
    dry_run_create,
    install_admission,
    load_admission,
    probe_refused,
    refusal,
    wait_in_force,
)
from vdx.controlplane.binaries import BinariesNotFoundError
from vdx.controlplane.server import ControlPlane
from vdx.demo_admission import foreign_certificate
from vdx.paths import ADMISSION_DIR, EXAMPLES_DIR
from vdx.policies.rules.promotion import SKIP_ANNOTATION
from vdx.policies.rules.san_certificates import RETIRED
from vdx.testing.controlplane import running_control_plane


def demo_tree() -> Tree:
    return load_tree([EXAMPLES_DIR / "platforms", EXAMPLES_DIR / "prod" / "rm", EXAMPLES_DIR / "prod/aarhus"])


# -- pure --------------------------------------------------------------------------------------------


def test_the_generated_files_load_as_policies_with_a_binding_each() -> None:
    objects = load_admission([ADMISSION_DIR])
    assert PROBE_POLICY in objects.names
    assert len(objects.names) == len(list(ADMISSION_DIR.glob("*.yaml")))
    assert sorted(b["spec"]["policyName"] for b in objects.bindings) == sorted(objects.names)
    order = objects.in_apply_order()
    kinds = [d["kind"] for d in order]
    assert kinds == ["ValidatingAdmissionPolicy"] * len(objects.policies) + [
        "ValidatingAdmissionPolicyBinding"
    ] * len(objects.bindings)
    # The wait relies on it: the probe's policy is the last policy, its binding the last binding.
    assert order[len(objects.policies) - 1]["metadata"]["name"] == PROBE_POLICY
    assert order[-1]["metadata"]["name"] == PROBE_POLICY


def test_loading_names_a_broken_file_and_skips_a_missing_path(tmp_path: Path) -> None:
    assert load_admission([tmp_path / "absent"]) == AdmissionObjects()
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: [unclosed\n")
    with pytest.raises(AdmissionError, match=r"broken\.yaml: not valid YAML"):
        load_admission([tmp_path])


def test_a_policy_without_a_binding_is_refused_before_anything_is_applied() -> None:
    objects = load_admission([ADMISSION_DIR])
    bindings = [b for b in objects.bindings if b["metadata"]["name"] != "vdx-san-retirement"]
    partial = AdmissionObjects(objects.policies, bindings)
    with pytest.raises(AdmissionError, match=r"without a binding .*: vdx-san-retirement"):
        apply_admission(None, partial)  # type: ignore[arg-type]  # refused before any request


def test_the_demo_shows_a_certificate_for_another_tenants_domain() -> None:
    example = foreign_certificate(demo_tree())
    assert example is not None
    assert example.obj["kind"] == "TlsCertificate"
    assert example.obj["metadata"]["namespace"] == "vdx-aarhus"
    assert example.obj["spec"]["dnsNames"] == ["vdx.rm.dk"]
    assert example.what == (
        "a TlsCertificate in vdx-aarhus (tenant aarhus) for vdx.rm.dk, a domain of tenant rm"
    )


def test_no_example_without_two_tenants_on_one_platform() -> None:
    tree = load_tree([EXAMPLES_DIR / "platforms", EXAMPLES_DIR / "prod/rm", EXAMPLES_DIR / "stage/aarhus"])
    assert foreign_certificate(tree) is None


# -- on the control plane ----------------------------------------------------------------------------


@dataclass
class Plane:
    plane: ControlPlane
    api: client.ApiClient
    at_once: str | None  # what the API server said to a bad object the moment the plane was up


def _document(resource: Any) -> dict[str, Any]:
    """As the demo applies a tree object: spec and the identifying metadata only."""
    doc: dict[str, Any] = resource.model_dump(mode="json", by_alias=True, exclude_none=True)
    doc.pop("status", None)
    doc["metadata"] = {k: v for k, v in doc["metadata"].items() if k in ("name", "namespace") and v}
    return doc


@pytest.fixture(scope="module")
def admitting_plane() -> Iterator[Plane]:
    try:
        context = running_control_plane(admission=True)
        plane = context.__enter__()
    except BinariesNotFoundError as error:
        pytest.fail(f"{error}\n(or deselect with -m 'not kube')", pytrace=False)
    try:
        with plane.api_client() as api:
            # At once, no retry: a TlsCertificate (not the probe's kind) whose escape hatch has no reason.
            bad = {
                "apiVersion": GROUP_VERSION,
                "kind": "TlsCertificate",
                "metadata": {"name": "at-once", "namespace": "default", "annotations": {SKIP_ANNOTATION: ""}},
                "spec": {"secretRef": {"name": "at-once"}, "dnsNames": ["at-once.example"]},
            }
            at_once = None
            try:
                client.CustomObjectsApi(api).create_namespaced_custom_object(
                    API_GROUP, API_VERSION, "default", "tlscertificates", bad
                )
            except client.ApiException as error:
                at_once = str(error.body)
            core = client.CoreV1Api(api)
            tree = demo_tree()
            for tenant in tree.of_kind(Tenant):
                core.create_namespace(
                    client.V1Namespace(metadata=client.V1ObjectMeta(name=tenant.spec.namespace))
                )
                client.CustomObjectsApi(api).create_cluster_custom_object(
                    API_GROUP, API_VERSION, "tenants", _document(tenant)
                )
            yield Plane(plane, api, at_once)
    finally:
        with contextlib.suppress(Exception):
            context.__exit__(None, None, None)


@pytest.mark.kube
def test_the_policies_are_in_force_the_moment_the_control_plane_is_up(admitting_plane: Plane) -> None:
    assert admitting_plane.plane.installed_admission == load_admission([ADMISSION_DIR]).names
    assert admitting_plane.at_once is not None, "a bad object applied at once was admitted"
    assert "ValidatingAdmissionPolicy 'vdx-promotion-skip-reason'" in admitting_plane.at_once
    assert "is set without a reason" in admitting_plane.at_once


@pytest.mark.kube
def test_a_certificate_for_another_tenants_domain_is_refused(admitting_plane: Plane) -> None:
    example = foreign_certificate(demo_tree())
    assert example is not None
    message = refusal(admitting_plane.api, example.obj)
    assert message is not None, "the API server admitted aarhus' certificate for vdx.rm.dk"
    assert "ValidatingAdmissionPolicy 'vdx-san-retirement'" in message
    assert "spec.dnsNames: vdx.rm.dk lie outside the domains of tenant aarhus (vdx.aarhus.dk)" in message
    assert "a certificate spanning several tenants is refused" in message
    assert RETIRED in message


@pytest.mark.kube
def test_a_domain_its_tenant_does_not_claim_is_refused(admitting_plane: Plane) -> None:
    domain = {
        "apiVersion": GROUP_VERSION,
        "kind": "Domain",
        "metadata": {"name": "vdx-rm-dk", "namespace": "vdx-aarhus"},
        "spec": {"fqdn": "vdx.rm.dk", "uses": ["SIP"], "tlsCertificateRef": {"name": "vdx-aarhus-dk"}},
    }
    message = refusal(admitting_plane.api, domain)
    assert message is not None, "the API server admitted a Domain vdx.rm.dk in Aarhus' namespace"
    assert "ValidatingAdmissionPolicy 'vdx-domain-in-tenant'" in message
    assert "spec.fqdn: vdx.rm.dk is not one of tenant aarhus's domains (vdx.aarhus.dk)" in message


@pytest.mark.kube
def test_the_tenants_own_certificate_and_domain_are_admitted(admitting_plane: Plane) -> None:
    tree = demo_tree()
    # A refusal first: it proves the Tenants are the policies' parameters by now, so the admissions
    # below were judged, not waved through for want of a Tenant.
    example = foreign_certificate(tree)
    assert example is not None
    assert refusal(admitting_plane.api, example.obj) is not None
    custom = client.CustomObjectsApi(admitting_plane.api)
    for resource in [*tree.of_kind(TlsCertificate), *tree.of_kind(Domain)]:
        if resource.namespace != "vdx-aarhus":
            continue
        assert dry_run_create(admitting_plane.api, _document(resource)) is None
        plural = "tlscertificates" if isinstance(resource, TlsCertificate) else "domains"
        custom.create_namespaced_custom_object(
            API_GROUP, API_VERSION, "vdx-aarhus", plural, _document(resource)
        )


@pytest.mark.kube
def test_every_object_of_the_examples_passes_admission(admitting_plane: Plane) -> None:
    """`vdx demo` applies the whole examples/ tree through these policies: none may be refused."""
    tree = load_tree([EXAMPLES_DIR])
    api = admitting_plane.api
    core, custom = client.CoreV1Api(api), client.CustomObjectsApi(api)
    listed: Any = custom.list_cluster_custom_object(API_GROUP, API_VERSION, "tenants")
    existing = {t["metadata"]["name"] for t in listed["items"]}
    for tenant in tree.of_kind(Tenant):
        if tenant.name in existing:
            continue
        with contextlib.suppress(client.ApiException):
            core.create_namespace(
                client.V1Namespace(metadata=client.V1ObjectMeta(name=tenant.spec.namespace))
            )
        custom.create_cluster_custom_object(API_GROUP, API_VERSION, "tenants", _document(tenant))
    example = foreign_certificate(tree)
    assert example is not None
    assert refusal(api, example.obj) is not None  # the new Tenants are parameters by now
    refused = {
        f"{type(loaded.resource).__name__} {loaded.resource.namespace}/{loaded.resource.name}": message
        for loaded in tree.resources
        if (message := dry_run_create(api, _document(loaded.resource))) is not None
    }
    assert refused == {}


@pytest.mark.kube
def test_the_wait_fails_while_the_policies_are_not_enforced(admitting_plane: Plane) -> None:
    """The wait is made of requests: with the probe's binding gone it times out, and a fresh
    install (the same function the control plane and the demo use) waits until it is back."""
    api = admitting_plane.api
    client.AdmissionregistrationV1Api(api).delete_validating_admission_policy_binding(PROBE_POLICY)
    try:
        deadline = time.monotonic() + 30
        while dry_run_create(api, probe_refused()) is not None:  # until the API server has let go
            assert time.monotonic() < deadline, "the deleted binding was still enforced after 30 s"
            time.sleep(0.2)
        with pytest.raises(AdmissionError, match="not in force after 2 s: the probe TurnService was admit"):
            wait_in_force(api, timeout=2)
    finally:
        install_admission(api, load_admission([ADMISSION_DIR]))
    message = dry_run_create(api, probe_refused())
    assert message is not None
    assert f"ValidatingAdmissionPolicy '{PROBE_POLICY}'" in message

"""The generated ValidatingAdmissionPolicies in `schemas/admission/` install cleanly next to the CRDs.

Installing means: the API server accepts every policy and binding (it compiles the CEL on
create), the bindings name policies that exist, the policies match only resources that exist and
take a Tenant as their parameter, and once live they let valid objects of every kind through
(a policy that errors at runtime would refuse everything, as failurePolicy is Fail).

What a violation looks like is the policy tests' business (tests/policies); here a violation is
only used to tell when the API server has loaded the policies. The policies are deleted afterwards
so that later tests run without them.

Not covered, and cannot be here: `status.typeChecking`. The controller that type-checks policies
against the CRD schemas runs in kube-controller-manager, which this control plane does not run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from kubernetes import client

from tests.crds.specimens import DOMAIN, Custom, Obj, changed, specimen, unique
from vdx.api.kinds import ALL_KINDS, KINDS_BY_NAME
from vdx.api.meta import API_GROUP, GROUP_VERSION
from vdx.controlplane.server import ControlPlane
from vdx.paths import SCHEMAS_DIR

ADMISSION_DIR = SCHEMAS_DIR / "admission"
FILES = sorted(ADMISSION_DIR.glob("*.yaml")) if ADMISSION_DIR.is_dir() else []
POLICY = "ValidatingAdmissionPolicy"
BINDING = "ValidatingAdmissionPolicyBinding"
LIVENESS_POLICY = "vdx-domain-in-tenant"

pytestmark = pytest.mark.skipif(
    not FILES, reason="schemas/admission/ has no policy files yet, so there is nothing to install"
)


def documents() -> list[dict[str, Any]]:
    return [doc for path in FILES for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in documents() if doc["kind"] == kind}


def test_each_policy_has_a_binding_and_matches_only_vdx_kinds() -> None:
    policies, bindings = of_kind(POLICY), of_kind(BINDING)
    assert {doc["kind"] for doc in documents()} <= {POLICY, BINDING}
    assert policies, "no ValidatingAdmissionPolicy in schemas/admission/"
    assert {b["spec"]["policyName"] for b in bindings.values()} == set(policies)
    plurals = {kind.crd.plural for kind in ALL_KINDS}
    for name, policy in policies.items():
        for rule in policy["spec"]["matchConstraints"]["resourceRules"]:
            assert rule["apiGroups"] == [API_GROUP], name
            assert set(rule["resources"]) <= plurals, f"{name} matches a resource the CRDs do not serve"
        param = policy["spec"].get("paramKind")
        if param:
            assert param["apiVersion"] == GROUP_VERSION, name
            assert param["kind"] in KINDS_BY_NAME, name


@pytest.fixture(scope="module")
def installed(control_plane: ControlPlane) -> Iterator[ControlPlane]:
    result = control_plane.kubectl("apply", "--server-side", "-f", str(ADMISSION_DIR), check=False)
    try:
        assert result.returncode == 0, f"the API server refused a policy:\n{result.stderr}"
        applied = [line for line in result.stdout.splitlines() if line.endswith(" serverside-applied")]
        assert len(applied) == len(documents()), result.stdout
        yield control_plane
    finally:
        control_plane.kubectl("delete", "-f", str(ADMISSION_DIR), "--ignore-not-found", check=False)


def test_every_policy_and_binding_is_stored(installed: ControlPlane) -> None:
    for kind, plural in (
        (POLICY, "validatingadmissionpolicies"),
        (BINDING, "validatingadmissionpolicybindings"),
    ):
        stored = json.loads(installed.kubectl("get", plural, "-o", "json").stdout)["items"]
        names = {item["metadata"]["name"] for item in stored}
        assert set(of_kind(kind)) <= names


@pytest.fixture
def tenant(custom: Custom, kube_namespace: str) -> Iterator[Obj]:
    """A real Tenant owning the test namespace: the parameter the policies look up."""
    obj = changed(specimen("Tenant", unique("vap"), None), {"spec.namespace": kube_namespace})
    created = custom.create(obj)
    yield created
    custom.delete("Tenant", created["metadata"]["name"])


def wait_until_live(custom: Custom, namespace: str, timeout: float = 30.0) -> None:
    """Dry-run a Domain outside the tenant's domains until the domain-in-tenant policy refuses it."""
    outsider = changed(specimen("Domain", unique("outsider"), namespace), {"spec.fqdn": "vdx.elsewhere.dk"})
    deadline = time.monotonic() + timeout
    while True:
        try:
            custom.create(outsider, dry_run=True)
        except client.ApiException as error:
            if error.status in (403, 422) and LIVENESS_POLICY in error.body:
                return
            raise
        if time.monotonic() > deadline:
            pytest.fail(f"{LIVENESS_POLICY} was not enforced within {timeout:.0f}s of installing it")
        time.sleep(0.25)


def test_valid_objects_of_every_kind_pass_the_live_policies(
    installed: ControlPlane, custom: Custom, kube_namespace: str, tenant: Obj
) -> None:
    if LIVENESS_POLICY not in of_kind(POLICY):
        pytest.skip(f"no {LIVENESS_POLICY} policy to tell when the policies are live")
    wait_until_live(custom, kube_namespace)
    for kind in KINDS_BY_NAME:
        obj = specimen(kind, unique("vap-valid"), kube_namespace)
        if kind == "Tenant":  # a second tenant, on its own namespace and domain
            obj = changed(obj, {"spec.namespace": "vdx-vap-other", "spec.domains": [f"other.{DOMAIN}"]})
        try:
            custom.create(obj, dry_run=True)
        except client.ApiException as error:
            pytest.fail(f"a valid {kind} was refused with the policies installed: {error.body}")

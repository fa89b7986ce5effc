"""A real `pulumi preview` and `pulumi up` of the stage stack against a real kube-apiserver.

The Pulumi CLI and the pulumi-resource-kubernetes plugin are the ones `vdx stacks build` compiles
from Go modules; state lives in a `file://` backend in a temp dir, secrets use the passphrase
provider, and nothing reaches the network. The control plane is started here without CRDs, so the
CRDs that exist afterwards are the stack's own. There is no kubelet or controller manager:
Deployments never get pods (the stack's `skipAwait` setting stops Pulumi from waiting for them),
and the checks look at objects and at what the API server authorises.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from pulumi import automation as auto

from tests.stacks.conftest import PASSWORD
from tests.stacks.mocked import SECRET_SIG, SECRET_SIG_KEY
from tests.stacks.stackconfig import PROJECT, stack_config
from vdx.api.kinds import ALL_KINDS
from vdx.api.meta import API_GROUP, GROUP_VERSION
from vdx.controller.run import OperatorOptions
from vdx.controlplane.admission import load_admission, refusal
from vdx.controlplane.binaries import BinariesNotFoundError, locate_binaries
from vdx.controlplane.server import ControlPlane
from vdx.infra import program
from vdx.infra.local import select_stack
from vdx.infra.toolchain.analyzer import write_analyzer_launcher
from vdx.infra.toolchain.binaries import PulumiBinaries, PulumiNotFoundError, locate_pulumi
from vdx.paths import ADMISSION_DIR
from vdx.testing.operator import OperatorThread

pytestmark = [pytest.mark.kube, pytest.mark.timeout(900)]

STACK = "stage"
PASSPHRASE = "only-for-this-test"
OPERATOR = "system:serviceaccount:vdx-system:vdx-operator"


@pytest.fixture(scope="module")
def pulumi_binaries() -> PulumiBinaries:
    try:
        return locate_pulumi()
    except PulumiNotFoundError as error:
        pytest.fail(f"{error}\n(or deselect with -m 'not kube')", pytrace=False)


@pytest.fixture(scope="module")
def bare_plane() -> Iterator[ControlPlane]:
    """A control plane of this module's own, without the project's CRDs: the stack installs them."""
    try:
        binaries = locate_binaries()
    except BinariesNotFoundError as error:
        pytest.fail(str(error), pytrace=False)
    with ControlPlane(binaries, crd_paths=[]) as plane:
        yield plane


@dataclass
class Deployment:
    stack: auto.Stack
    preview_output: str
    up: auto.UpResult
    backend: Path
    work: Path
    launcher: Path


def _config(kubeconfig: Path) -> dict[str, auto.ConfigValue]:
    values: dict[str, auto.ConfigValue] = {
        f"{PROJECT}:{key}": auto.ConfigValue(value if isinstance(value, str) else json.dumps(value))
        for key, value in stack_config(STACK).items()
    }
    values[f"{PROJECT}:skipAwait"] = auto.ConfigValue("true")
    values[f"{PROJECT}:{program.CREDENTIALS_KEY}"] = auto.ConfigValue(
        json.dumps({"stage": {"username": "vdx-operator", "password": PASSWORD}}), secret=True
    )
    values["kubernetes:kubeconfig"] = auto.ConfigValue(str(kubeconfig))
    return values


@pytest.fixture(scope="module")
def deployed(
    bare_plane: ControlPlane, pulumi_binaries: PulumiBinaries, tmp_path_factory: pytest.TempPathFactory
) -> Deployment:
    work = tmp_path_factory.mktemp("pulumi")
    backend, home = work / "state", work / "home"
    backend.mkdir()
    env = {
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_BACKEND_URL": f"file://{backend}",
        "PULUMI_HOME": str(home),
    }
    stack = select_stack(
        STACK,
        work_dir=work,
        binaries=pulumi_binaries,
        env=env,
        project_settings=auto.ProjectSettings(
            name=PROJECT, runtime="python", backend=auto.ProjectBackend(url=f"file://{backend}")
        ),
        secrets_provider="passphrase",
        pulumi_home=home,
    )
    stack.set_all_config(_config(bare_plane.kubeconfig))
    launcher = write_analyzer_launcher(work / "policy")
    lines: list[str] = []
    stack.preview(policy_packs=[str(launcher)], on_output=lines.append, color="never")
    up = stack.up(policy_packs=[str(launcher)], color="never")
    return Deployment(stack, "\n".join(lines), up, backend, work, launcher)


def test_preview_plans_every_resource_and_runs_the_policy_pack(deployed: Deployment) -> None:
    output = deployed.preview_output
    assert "vdx-stacks" in output, output[-3000:]  # the pack's name in the policy summary
    assert "error" not in output.lower().replace("errors: 0", ""), output[-3000:]
    created = deployed.up.summary.resource_changes or {}
    # stack + provider + everything the program declares
    assert created.get("create", 0) >= 40, created
    assert deployed.up.summary.result == "succeeded"


def test_the_policy_pack_blocks_a_violation(deployed: Deployment) -> None:
    config = deployed.work / "policy-config.json"
    config.write_text(json.dumps({"image-digest-in-prod": {"requireDigest": True}}))
    with pytest.raises(auto.CommandError) as info:
        deployed.stack.preview(
            policy_packs=[str(deployed.launcher)], policy_pack_configs=[str(config)], color="never"
        )
    assert "not pinned by digest" in str(info.value)


def test_crds_namespaces_and_workload_exist(deployed: Deployment, bare_plane: ControlPlane) -> None:
    with bare_plane.api_client() as api:
        crds = client.ApiextensionsV1Api(api).list_custom_resource_definition().items
        established = {
            crd.metadata.name
            for crd in crds
            if any(c.type == "Established" and c.status == "True" for c in crd.status.conditions or [])
        }
        assert {f"{kind.crd.plural}.{API_GROUP}" for kind in ALL_KINDS} <= established
        namespaces = {ns.metadata.name for ns in client.CoreV1Api(api).list_namespace().items}
        expected = {"vdx-system"} | {f"vdx-{t['name']}" for t in stack_config(STACK)["tenants"]}
        assert expected <= namespaces
        deployment = client.AppsV1Api(api).read_namespaced_deployment("vdx-operator", "vdx-system")
        assert deployment.spec.replicas == 2
        assert deployment.spec.template.spec.containers[0].security_context.read_only_root_filesystem
        secret = client.CoreV1Api(api).read_namespaced_secret("pexip-stage-credentials", "vdx-system")
        assert set(secret.data) == {"username", "password"}
        platform: Any = client.CustomObjectsApi(api).get_cluster_custom_object(
            API_GROUP, "v1alpha1", "pexipplatforms", "stage"
        )
        assert platform["spec"]["credentials"]["secretRef"]["name"] == "pexip-stage-credentials"
        assert client.PolicyV1Api(api).read_namespaced_pod_disruption_budget("vdx-operator", "vdx-system")
        assert client.NetworkingV1Api(api).read_namespaced_network_policy("vdx-operator", "vdx-system")


def test_the_admission_policies_are_deployed_and_enforced(
    deployed: Deployment, bare_plane: ControlPlane
) -> None:
    """Issue 21: the stack deploys schemas/admission/, and the API server refuses with them."""
    generated = load_admission([ADMISSION_DIR])
    with bare_plane.api_client() as api:
        admission = client.AdmissionregistrationV1Api(api)
        policies = {p.metadata.name for p in admission.list_validating_admission_policy().items}
        bindings = {b.metadata.name: b for b in admission.list_validating_admission_policy_binding().items}
        assert set(generated.names) <= policies
        for document in generated.bindings:
            binding = bindings[document["metadata"]["name"]]
            assert binding.spec.policy_name == document["spec"]["policyName"]
            assert binding.spec.validation_actions == document["spec"]["validationActions"]
        custom = client.CustomObjectsApi(api)
        tenants: list[dict[str, Any]] = [
            {
                "apiVersion": GROUP_VERSION,
                "kind": "Tenant",
                "metadata": {"name": name},
                "spec": {
                    "organisationKind": "Region",
                    "displayName": name,
                    "namespace": f"vdx-{name}",
                    "platformRef": {"name": STACK},
                    "domains": [domain],
                },
            }
            for name, domain in (("stage-rm", "stage.vdx.rm.dk"), ("stage-aarhus", "stage.vdx.aarhus.dk"))
        ]
        try:
            for tenant in tenants:
                custom.create_cluster_custom_object(API_GROUP, "v1alpha1", "tenants", tenant)
            foreign = {
                "apiVersion": GROUP_VERSION,
                "kind": "TlsCertificate",
                "metadata": {"name": "foreign", "namespace": "vdx-stage-aarhus"},
                "spec": {"secretRef": {"name": "foreign"}, "dnsNames": ["stage.vdx.rm.dk"]},
            }
            message = refusal(api, foreign, timeout=30)
            assert message is not None, "the stack's policies admitted a foreign certificate"
            assert "ValidatingAdmissionPolicy 'vdx-san-retirement'" in message
        finally:
            for tenant in tenants:
                with contextlib.suppress(client.ApiException):
                    name = tenant["metadata"]["name"]
                    custom.delete_cluster_custom_object(API_GROUP, "v1alpha1", "tenants", name)


def test_the_policy_pack_requires_the_admission_policies(deployed: Deployment) -> None:
    """A stack without them (admissionPolicies: false) is blocked where the pack requires them."""
    config = deployed.work / "admission-config.json"
    config.write_text(json.dumps({"admission-in-prod": {"requireAdmission": True}}))
    key = f"{PROJECT}:admissionPolicies"
    deployed.stack.set_config(key, auto.ConfigValue("false"))
    try:
        with pytest.raises(auto.CommandError) as info:
            deployed.stack.preview(
                policy_packs=[str(deployed.launcher)], policy_pack_configs=[str(config)], color="never"
            )
    finally:
        deployed.stack.remove_config(key)
    assert "admission-in-prod" in str(info.value)
    assert "declares no ValidatingAdmissionPolicyBinding vdx-san-retirement" in str(info.value)


def _allowed(
    api: client.ApiClient,
    verb: str,
    resource: str,
    namespace: str | None,
    group: str = "",
    name: str | None = None,
) -> bool:
    """Ask the API server's authorizer (SelfSubjectAccessReview) what this identity may do."""
    plural, _, subresource = resource.partition("/")
    review = client.V1SelfSubjectAccessReview(
        spec=client.V1SelfSubjectAccessReviewSpec(
            resource_attributes=client.V1ResourceAttributes(
                verb=verb,
                group=group,
                resource=plural,
                subresource=subresource or None,
                namespace=namespace,
                name=name,
            )
        )
    )
    result = client.AuthorizationV1Api(api).create_self_subject_access_review(review)
    return bool(result.status.allowed)


def test_the_api_server_enforces_tenant_rbac(deployed: Deployment, bare_plane: ControlPlane) -> None:
    anna = bare_plane.add_user("anna@rm.dk", groups=["rm:vdx-branding"])
    with anna.api_client() as api:
        assert _allowed(api, "create", "cvibrandings", "vdx-stage-rm", group=API_GROUP)
        assert _allowed(api, "patch", "cvibrandings", "vdx-stage-rm", group=API_GROUP)
        assert not _allowed(api, "create", "cvibrandings", "vdx-stage-aarhus", group=API_GROUP)
        assert not _allowed(api, "delete", "cvibrandings", "vdx-stage-rm", group=API_GROUP)
        assert _allowed(api, "get", "domains", "vdx-stage-rm", group=API_GROUP)
        assert not _allowed(api, "create", "domains", "vdx-stage-rm", group=API_GROUP)
        assert not _allowed(api, "get", "secrets", "vdx-stage-rm")
        assert not _allowed(api, "list", "tenants", None, group=API_GROUP)
        # And for real: its own namespace reads, another region's namespace and any Secret refuse.
        custom = client.CustomObjectsApi(api)
        custom.list_namespaced_custom_object(API_GROUP, "v1alpha1", "vdx-stage-rm", "domains")
        refusals = (
            lambda: custom.list_namespaced_custom_object(
                API_GROUP, "v1alpha1", "vdx-stage-aarhus", "domains"
            ),
            lambda: custom.create_namespaced_custom_object(
                API_GROUP, "v1alpha1", "vdx-stage-aarhus", "cvibrandings", {"metadata": {"name": "x"}}
            ),
            lambda: client.CoreV1Api(api).list_namespaced_secret("vdx-stage-rm"),
        )
        for attempt in refusals:
            with pytest.raises(client.ApiException) as info:
                attempt()
            assert info.value.status == 403


def test_the_api_server_enforces_operator_rbac(deployed: Deployment, bare_plane: ControlPlane) -> None:
    operator = bare_plane.add_user(OPERATOR)
    with operator.api_client() as api:
        assert _allowed(api, "watch", "domains", None, group=API_GROUP)
        assert _allowed(api, "patch", "domains/status", "vdx-stage-rm", group=API_GROUP)
        assert not _allowed(api, "create", "domains", "vdx-stage-rm", group=API_GROUP)
        assert _allowed(api, "get", "secrets", "vdx-stage-rm")
        assert _allowed(api, "get", "secrets", "vdx-system")
        assert not _allowed(api, "list", "secrets", None)
        assert not _allowed(api, "get", "secrets", "kube-system")
        lease = "coordination.k8s.io"
        assert _allowed(api, "update", "leases", "vdx-system", group=lease, name="vdx-operator")
        assert not _allowed(api, "update", "leases", "vdx-system", group=lease, name="other")
        # And for real, not only as a review: the tenant's Secrets can be listed, kube-system's cannot.
        core = client.CoreV1Api(api)
        core.list_namespaced_secret("vdx-stage-rm")
        with pytest.raises(client.ApiException) as info:
            core.list_namespaced_secret("kube-system")
        assert info.value.status == 403


def test_credentials_are_stored_encrypted(deployed: Deployment) -> None:
    (checkpoint,) = deployed.backend.rglob("stacks/*/stage.json")
    resources = json.loads(checkpoint.read_text())["checkpoint"]["latest"]["resources"]
    (secret,) = [
        r
        for r in resources
        if r["type"] == "kubernetes:core/v1:Secret" and r["urn"].endswith("pexip-stage-credentials")
    ]
    for stored in (secret["outputs"]["data"], secret["outputs"]["__inputs"]["data"]):
        assert stored[SECRET_SIG_KEY] == SECRET_SIG
        assert stored["ciphertext"].startswith("v1:")
    encoded = base64.b64encode(PASSWORD.encode())
    for path in [*deployed.backend.rglob("*"), *deployed.work.glob("Pulumi*.yaml")]:
        if path.is_file():
            content = path.read_bytes()
            assert PASSWORD.encode() not in content, path.name
            assert encoded not in content, path.name
    state = deployed.stack.export_stack().deployment
    assert state is not None
    assert PASSWORD not in json.dumps(state)


def test_a_second_preview_finds_nothing_to_change(deployed: Deployment) -> None:
    """What `up` wrote is what the program declares: no drift, no perpetual diff (e.g. from SSA)."""
    result = deployed.stack.preview(color="never", expect_no_changes=True)
    assert set(result.change_summary) == {"same"}, result.change_summary


@dataclass
class OperatorRun:
    conditions: list[dict[str, Any]]
    alive_after: bool
    log: str


#: kopf retries a forbidden watch with its backoffs (about a minute in all) before giving up.
SURVIVAL_SECONDS = 90


@pytest.fixture(scope="module")
def operator_run(deployed: Deployment, bare_plane: ControlPlane) -> OperatorRun:
    """The operator itself, as the stack's ServiceAccount, for long enough to see kopf give up or not."""
    with bare_plane.api_client() as admin:
        # Loopback instead of the real management node: no traffic leaves this machine.
        client.CustomObjectsApi(admin).patch_cluster_custom_object(
            API_GROUP, "v1alpha1", "pexipplatforms", "stage", {"spec": {"url": "http://127.0.0.1:9"}}
        )
    handler = _Collect()
    logging.getLogger().addHandler(handler)
    identity = bare_plane.add_user(OPERATOR)
    conditions: list[dict[str, Any]] = []
    try:
        # The namespaces the stack's Deployment tells the operator to serve, as it would run in a pod.
        with bare_plane.api_client() as admin:
            deployment = client.AppsV1Api(admin).read_namespaced_deployment("vdx-operator", "vdx-system")
        args = deployment.spec.template.spec.containers[0].args
        served = tuple(args[i + 1] for i, arg in enumerate(args) if arg == "--watch-namespace")
        assert "vdx-system" in served, args
        assert len(served) > 1, args
        options = OperatorOptions(http_port=None, watch_namespaces=served)
        with identity.api_client() as api, OperatorThread(api, options) as operator:
            assert operator.wait_leading(60), "the operator did not take the lease with the stack's RBAC"
            started = time.monotonic()
            while time.monotonic() - started < SURVIVAL_SECONDS and operator.leading:
                if not conditions:
                    with bare_plane.api_client() as admin:
                        platform: Any = client.CustomObjectsApi(admin).get_cluster_custom_object(
                            API_GROUP, "v1alpha1", "pexipplatforms", "stage"
                        )
                    conditions = (platform.get("status") or {}).get("conditions") or []
                time.sleep(1)
            alive = operator.leading  # False once run_operator has returned
    finally:
        logging.getLogger().removeHandler(handler)
        with bare_plane.api_client() as admin:
            # The operator put its finalizer on the platform and no longer runs to remove it.
            client.CustomObjectsApi(admin).patch_cluster_custom_object(
                API_GROUP, "v1alpha1", "pexipplatforms", "stage", {"metadata": {"finalizers": None}}
            )
    return OperatorRun(conditions, alive, "\n".join(handler.messages))


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.name}: {record.getMessage()[:300]}")


def test_the_operator_leads_and_writes_status_with_the_stacks_rbac(operator_run: OperatorRun) -> None:
    assert operator_run.conditions, "the operator wrote no status:\n" + operator_run.log[-2000:]
    assert {c["type"] for c in operator_run.conditions} >= {"Ready", "Synced"}


def test_the_operator_survives_least_privilege_secret_access(operator_run: OperatorRun) -> None:
    assert operator_run.alive_after, operator_run.log[-2000:]


def test_destroy_removes_what_the_stack_made(deployed: Deployment, bare_plane: ControlPlane) -> None:
    result = deployed.stack.destroy(color="never")
    assert result.summary.result == "succeeded"
    assert (result.summary.resource_changes or {}).get("delete", 0) >= 40
    with bare_plane.api_client() as api:
        crds = client.ApiextensionsV1Api(api).list_custom_resource_definition().items
        assert not [crd.metadata.name for crd in crds if crd.metadata.name.endswith(f".{API_GROUP}")]
        with pytest.raises(client.ApiException) as info:
            client.AppsV1Api(api).read_namespaced_deployment("vdx-operator", "vdx-system")
        assert info.value.status == 404
        roles = client.RbacAuthorizationV1Api(api).list_cluster_role().items
        assert "vdx-operator" not in {role.metadata.name for role in roles}
        # No namespace controller here: the namespaces are Terminating, not gone.
        namespace = client.CoreV1Api(api).read_namespace("vdx-stage-rm")
        assert namespace.metadata.deletion_timestamp is not None

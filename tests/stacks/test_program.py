"""The stack program under mocks: what it declares, how it is secured, who may do what, secrets."""

from __future__ import annotations

import json

import pytest

from tests.stacks.conftest import PASSWORD
from tests.stacks.mocked import Run, is_secret_value, run_program, unwrap_secrets
from tests.stacks.rbac_eval import Authorizer, Identity, service_account
from tests.stacks.stackconfig import stack_config
from vdx.api.kinds import ALL_KINDS
from vdx.api.meta import API_GROUP
from vdx.infra.settings import SettingsError
from vdx.paths import CRDS_DIR

NS = "vdx-system"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
NAMESPACE = "kubernetes:core/v1:Namespace"
CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"


def test_every_generated_crd_and_one_namespace_per_tenant(stage_run: Run) -> None:
    crds = {inputs["metadata"]["name"] for inputs in stage_run.of_type(CRD)}
    on_disk = {path.name.split("_", 1)[1].removesuffix(".yaml") for path in CRDS_DIR.glob("*.yaml")}
    assert crds == {f"{plural}.{API_GROUP}" for plural in on_disk}
    assert {kind.crd.plural for kind in ALL_KINDS} <= {name.split(".")[0] for name in crds}
    namespaces = {
        inputs["metadata"]["name"]: inputs["metadata"]["labels"] for inputs in stage_run.of_type(NAMESPACE)
    }
    tenants = stack_config("stage")["tenants"]
    assert set(namespaces) == {NS} | {f"vdx-{tenant['name']}" for tenant in tenants}
    assert namespaces["vdx-stage-rm"]["vdx.medcom.dk/tenant"] == "stage-rm"


def test_deployment_is_hardened_with_probes_and_limits(stage_run: Run) -> None:
    deployment = stage_run.named(DEPLOYMENT, f"{NS}/vdx-operator")
    spec = deployment["spec"]
    assert spec["replicas"] == 2
    pod = spec["template"]["spec"]
    assert pod["serviceAccountName"] == "vdx-operator"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = pod["containers"]
    context = container["securityContext"]
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert container["image"] == stack_config("stage")["image"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert set(container["resources"]["limits"]) == {"cpu", "memory"}
    assert set(container["resources"]["requests"]) == {"cpu", "memory"}
    assert container["args"][:4] == ["operator", "run", "--namespace", NS]
    # /tmp is the only writable path, and it is an emptyDir of its own.
    assert [m["mountPath"] for m in container["volumeMounts"]] == ["/tmp"]


def test_pdb_and_network_policy_cover_the_operator_pods(stage_run: Run) -> None:
    selector = stage_run.named(DEPLOYMENT, f"{NS}/vdx-operator")["spec"]["selector"]["matchLabels"]
    pdb = stage_run.named("kubernetes:policy/v1:PodDisruptionBudget", f"{NS}/vdx-operator")["spec"]
    assert pdb["minAvailable"] == 1
    assert pdb["selector"]["matchLabels"] == selector
    policy = stage_run.named("kubernetes:networking.k8s.io/v1:NetworkPolicy", f"{NS}/vdx-operator")["spec"]
    assert policy["podSelector"]["matchLabels"] == selector
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    config = stack_config("stage")
    cidrs = {peer["ipBlock"]["cidr"] for rule in policy["egress"] for peer in rule["to"] if "ipBlock" in peer}
    expected = set(config["kubernetesApiCidrs"]) | {
        c for p in config["platforms"] for c in p["managementCidrs"]
    }
    assert cidrs == expected  # nothing else: no 0.0.0.0/0
    dns = policy["egress"][0]
    assert {p["port"] for p in dns["ports"]} == {53}
    assert all(rule["ports"] for rule in policy["egress"])
    assert policy["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 8080}]


def test_platform_object_points_at_its_secret_and_credentials_stay_secret(stage_run: Run) -> None:
    platform = stage_run.named("kubernetes:vdx.medcom.dk/v1alpha1:PexipPlatform", "stage")
    ref = platform["spec"]["credentials"]["secretRef"]
    assert ref == {"namespace": NS, "name": "pexip-stage-credentials"}
    secret = stage_run.named("kubernetes:core/v1:Secret", f"{NS}/pexip-stage-credentials")
    assert is_secret_value(secret["stringData"])
    assert unwrap_secrets(secret["stringData"]) == {"username": "vdx-operator", "password": PASSWORD}
    assert stage_run.secret_flags == {"stage": True}
    # The password appears nowhere but inside that one secret-wrapped value.
    everything_else = [
        inputs
        for typ, name, inputs in stage_run.recorder.resources
        if (typ, name) != ("kubernetes:core/v1:Secret", f"{NS}/pexip-stage-credentials")
    ]
    assert PASSWORD not in json.dumps(everything_else)
    assert PASSWORD not in json.dumps({k: v for k, v in secret.items() if k != "stringData"})


def test_missing_or_wrong_credentials_fail_without_echoing_values() -> None:
    with pytest.raises(SettingsError, match="platformCredentials"):
        run_program("stage", stack_config("stage"), None)
    with pytest.raises(Exception, match=r"missing \['password'\]") as info:
        run_program(
            "stage", stack_config("stage"), {"stage": {"username": "only-user", "token": "t0ken-value"}}
        )
    assert "t0ken-value" not in str(info.value)
    assert "only-user" not in str(info.value)


def test_prod_requires_an_image_pinned_by_digest(prod_run: Run) -> None:
    image = prod_run.named(DEPLOYMENT, f"{NS}/vdx-operator")["spec"]["template"]["spec"]["containers"][0][
        "image"
    ]
    assert "@sha256:" in image
    for candidate in (None, "registry.vdx.medcom.dk/vdx-operator:0.1.0"):
        config = {**stack_config("prod"), "image": candidate}
        with pytest.raises(SettingsError, match="config image"):
            run_program("prod", config, {"prod": {"username": "u", "password": "p"}})


@pytest.fixture(scope="module")
def authorizer(stage_run: Run) -> Authorizer:
    return Authorizer.from_resources(stage_run.pairs())


def test_a_tenant_group_edits_only_its_own_branding(authorizer: Authorizer) -> None:
    rm = Identity("anna@rm.dk", ("rm:vdx-branding",))
    own, other = "vdx-stage-rm", "vdx-stage-aarhus"
    for verb in ("create", "update", "patch", "get", "list"):
        assert authorizer.allowed(rm, verb, API_GROUP, "cvibrandings", own)
        assert not authorizer.allowed(rm, verb, API_GROUP, "cvibrandings", other)
    assert not authorizer.allowed(rm, "delete", API_GROUP, "cvibrandings", own)
    assert not authorizer.allowed(rm, "list", API_GROUP, "cvibrandings")  # not cluster-wide
    for plural in ("domains", "turnservices", "tlscertificates"):
        assert authorizer.allowed(rm, "get", API_GROUP, plural, own)
        for verb in ("create", "update", "patch", "delete"):
            assert not authorizer.allowed(rm, verb, API_GROUP, plural, own)
        assert not authorizer.allowed(rm, "get", API_GROUP, plural, other)
    assert not authorizer.allowed(rm, "get", API_GROUP, "tenants")
    assert not authorizer.allowed(rm, "get", "", "secrets", own)


def test_engineers_administer_every_vdx_resource(authorizer: Authorizer) -> None:
    engineer = Identity("eve@medcom.dk", ("medcom:vdx-engineers",))
    for kind in ALL_KINDS:
        for verb in ("create", "delete", "patch", "list"):
            assert authorizer.allowed(engineer, verb, API_GROUP, kind.crd.plural)
    for namespace in ("vdx-system", "vdx-stage-rm", "vdx-stage-aarhus"):
        assert authorizer.allowed(engineer, "update", "", "secrets", namespace)
    assert not authorizer.allowed(engineer, "get", "", "secrets", "kube-system")


def test_the_operator_has_only_what_it_uses(authorizer: Authorizer) -> None:
    operator = service_account(NS, "vdx-operator")
    for kind in ALL_KINDS:
        plural = kind.crd.plural
        for verb in ("get", "list", "watch", "patch"):
            assert authorizer.allowed(operator, verb, API_GROUP, plural)
        assert authorizer.allowed(operator, "patch", API_GROUP, f"{plural}/status")
        assert authorizer.allowed(operator, "update", API_GROUP, f"{plural}/finalizers")
        for verb in ("create", "update", "delete"):
            assert not authorizer.allowed(operator, verb, API_GROUP, plural)
    for namespace in ("vdx-system", "vdx-stage-rm"):
        assert authorizer.allowed(operator, "get", "", "secrets", namespace)
        assert not authorizer.allowed(operator, "update", "", "secrets", namespace)
        assert authorizer.allowed(operator, "create", "", "events", namespace)
    assert authorizer.allowed(operator, "create", "", "events", "default")
    assert not authorizer.allowed(operator, "get", "", "secrets", "default")
    assert not authorizer.allowed(operator, "get", "", "secrets", "kube-system")
    assert not authorizer.allowed(operator, "list", "", "secrets")  # never cluster-wide
    lease = ("coordination.k8s.io", "leases")
    assert authorizer.allowed(operator, "update", *lease, NS, "vdx-operator")
    assert not authorizer.allowed(operator, "update", *lease, NS, "someone-else")
    assert not authorizer.allowed(operator, "create", *lease, "vdx-stage-rm")


def test_skip_await_marks_every_object_for_a_cluster_without_controllers(stage_run: Run) -> None:
    assert all(
        "pulumi.com/skipAwait" not in ((inputs.get("metadata") or {}).get("annotations") or {})
        for _t, _n, inputs in stage_run.recorder.resources
    )
    run = run_program(
        "stage", {**stack_config("stage"), "skipAwait": True}, {"stage": {"username": "u", "password": "p"}}
    )
    for typ, name, inputs in run.recorder.resources:
        annotations = inputs["metadata"]["annotations"]
        assert annotations["pulumi.com/skipAwait"] == "true", (typ, name)
        assert annotations["pulumi.com/deletionPropagationPolicy"] == "background", (typ, name)

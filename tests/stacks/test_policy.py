"""The CrossGuard rules, called directly (constructing the PolicyPack would start a server and block)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pytest
from pulumi_policy import (
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from tests.stacks.mocked import Run
from vdx.infra.policy import policies

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
OPTIONS = PolicyResourceOptions(False, [], False, [], None, [], None)


def policy(name: str) -> Any:
    (found,) = [p for p in policies() if p.name == name]
    return found


def validate(
    name: str, typ: str, props: Mapping[str, Any], config: Mapping[str, Any] | None = None
) -> list[str]:
    found: list[str] = []
    chosen = policy(name)
    assert isinstance(chosen, ResourceValidationPolicy)
    args = ResourceValidationArgs(typ, props, f"urn:pulumi:t::p::{typ}::x", "x", OPTIONS, None, config or {})
    chosen.validate(args, lambda message, urn=None: found.append(message))
    return found


def validate_stack(resources: list[tuple[str, Mapping[str, Any]]]) -> list[str]:
    found: list[str] = []
    chosen = policy("network-policy-per-namespace")
    assert isinstance(chosen, StackValidationPolicy)
    items = [
        PolicyResource(typ, props, f"urn:{i}", f"r{i}", OPTIONS, None, None, [], {})
        for i, (typ, props) in enumerate(resources)
    ]
    chosen.validate(StackValidationArgs(items), lambda message, urn=None: found.append(message))
    return found


@pytest.fixture
def deployment(prod_run: Run) -> dict[str, Any]:
    (props,) = [p for t, p in prod_run.pairs() if t == DEPLOYMENT]
    return copy.deepcopy(props)


def container(props: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = props["spec"]["template"]["spec"]["containers"][0]
    return result


def test_the_stacks_pass_their_own_pack(stage_run: Run, prod_run: Run) -> None:
    for run in (stage_run, prod_run):
        resources = run.pairs()
        for chosen in policies():
            if isinstance(chosen, ResourceValidationPolicy):
                for typ, props in resources:
                    assert validate(chosen.name, typ, props) == [], (chosen.name, typ)
        assert validate_stack(resources) == []


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("securityContext", "readOnlyRootFilesystem"), False, "readOnlyRootFilesystem"),
        (("securityContext", "allowPrivilegeEscalation"), True, "allowPrivilegeEscalation"),
        (("securityContext", "capabilities"), {"drop": ["NET_RAW"]}, "capabilities.drop"),
        (("securityContext", "privileged"), True, "privileged"),
        (("livenessProbe",), None, "livenessProbe"),
        (("readinessProbe",), None, "readinessProbe"),
    ],
)
def test_workload_security_catches_each_missing_setting(
    deployment: dict[str, Any], path: tuple[str, ...], value: Any, expected: str
) -> None:
    assert validate("workload-security", DEPLOYMENT, deployment) == []
    target = container(deployment)
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    problems = validate("workload-security", DEPLOYMENT, deployment)
    assert any(expected in p for p in problems), problems


def test_workload_security_needs_non_root_and_seccomp_somewhere(deployment: dict[str, Any]) -> None:
    for holder in (
        deployment["spec"]["template"]["spec"]["securityContext"],
        container(deployment)["securityContext"],
    ):
        holder.pop("runAsNonRoot", None)
        holder.pop("seccompProfile", None)
    problems = validate("workload-security", DEPLOYMENT, deployment)
    assert any("runAsNonRoot" in p for p in problems)
    assert any("seccompProfile" in p for p in problems)


def test_resource_limits_are_required(deployment: dict[str, Any]) -> None:
    del container(deployment)["resources"]["limits"]["memory"]
    assert validate("resource-limits", DEPLOYMENT, deployment) == [
        "container operator: resources.limits.memory is not set"
    ]


def test_secret_material_in_config_maps_and_env_is_refused(deployment: dict[str, Any]) -> None:
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIB...\n-----END RSA PRIVATE KEY-----\n"
    bad = {"metadata": {"name": "x"}, "data": {"ca.crt": "-----BEGIN CERTIFICATE-----", "tls.key": pem}}
    assert len(validate("no-secret-material", CONFIG_MAP, bad)) == 1
    assert len(validate("no-secret-material", CONFIG_MAP, {"data": {"pexipPassword": "hunter2"}})) == 1
    assert (
        validate("no-secret-material", CONFIG_MAP, {"data": {"ca.crt": "-----BEGIN CERTIFICATE-----"}}) == []
    )
    container(deployment)["env"].append({"name": "PEXIP_PASSWORD", "value": "hunter2"})
    container(deployment)["env"].append(
        {"name": "PEXIP_TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "token"}}}
    )
    problems = validate("no-secret-material", DEPLOYMENT, deployment)
    assert len(problems) == 1
    assert "PEXIP_PASSWORD" in problems[0]
    assert "hunter2" not in problems[0]


def test_digest_pinning_applies_to_prod_only(deployment: dict[str, Any]) -> None:
    assert validate("image-digest-in-prod", DEPLOYMENT, deployment) == []
    container(deployment)["image"] = "registry.vdx.medcom.dk/vdx-operator:0.1.0"
    assert len(validate("image-digest-in-prod", DEPLOYMENT, deployment)) == 1
    for labels in (deployment["metadata"]["labels"], deployment["spec"]["template"]["metadata"]["labels"]):
        labels["vdx.medcom.dk/environment"] = "stage"
    assert validate("image-digest-in-prod", DEPLOYMENT, deployment) == []
    assert len(validate("image-digest-in-prod", DEPLOYMENT, deployment, {"requireDigest": True})) == 1


def test_every_namespace_with_workloads_needs_a_network_policy(deployment: dict[str, Any]) -> None:
    netpol = ("kubernetes:networking.k8s.io/v1:NetworkPolicy", {"metadata": {"namespace": "vdx-system"}})
    assert validate_stack([(DEPLOYMENT, deployment), netpol]) == []
    other = copy.deepcopy(deployment)
    other["metadata"]["namespace"] = "elsewhere"
    assert validate_stack([(DEPLOYMENT, deployment), (DEPLOYMENT, other), netpol]) == [
        "namespace elsewhere runs workloads but the stack declares no NetworkPolicy for it"
    ]

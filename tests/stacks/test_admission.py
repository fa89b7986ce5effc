"""The stacks deploy the generated admission policies (issue 21), and the pack requires them in prod.

Both stacks declare every ValidatingAdmissionPolicy and binding of `schemas/admission/`, read from
those files (their specs are the files' specs); `admissionPolicies: false` (a cluster older than
Kubernetes 1.30) leaves them out with a warning; the CrossGuard rule `admission-in-prod` refuses a
production stack that lacks a policy or a binding, naming it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pytest
from pulumi_policy import PolicyResource, StackValidationArgs, StackValidationPolicy

from tests.stacks.conftest import PASSWORD
from tests.stacks.mocked import Run, run_program
from tests.stacks.stackconfig import PROD_IMAGE, stack_config
from tests.stacks.test_policy import OPTIONS, policy
from vdx.controlplane.admission import load_admission
from vdx.infra.policy import ADMISSION_BINDING, ADMISSION_POLICY
from vdx.infra.settings import SettingsError, parse_settings
from vdx.paths import ADMISSION_DIR

GENERATED = load_admission([ADMISSION_DIR])


def admission_policy(
    resources: Sequence[tuple[str, Mapping[str, Any]]], config: Mapping[str, Any] | None = None
) -> list[str]:
    found: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        found.append(message)

    chosen = policy("admission-in-prod")
    assert isinstance(chosen, StackValidationPolicy)
    items = [
        PolicyResource(typ, props, f"urn:{i}", f"r{i}", OPTIONS, None, None, [], {})
        for i, (typ, props) in enumerate(resources)
    ]
    chosen.validate(StackValidationArgs(items, config or {}), report)
    return found


def declared(run: Run, typ: str) -> dict[str, dict[str, Any]]:
    return {props["metadata"]["name"]: props for t, props in run.pairs() if t == typ}


def test_both_stacks_deploy_every_generated_policy_and_binding(stage_run: Run, prod_run: Run) -> None:
    for run in (stage_run, prod_run):
        policies, bindings = declared(run, ADMISSION_POLICY), declared(run, ADMISSION_BINDING)
        assert sorted(policies) == sorted(GENERATED.names)
        assert len(bindings) == len(GENERATED.bindings)
        for document in GENERATED.policies:
            assert policies[document["metadata"]["name"]]["spec"] == document["spec"]
        for document in GENERATED.bindings:
            mine = bindings[document["metadata"]["name"]]
            assert mine["spec"] == document["spec"]
            assert (
                mine["metadata"]["labels"]["vdx.medcom.dk/rule"]
                == document["metadata"]["labels"]["vdx.medcom.dk/rule"]
            )
        assert sorted(run.provisioned.admission_policies) == sorted(GENERATED.names)


def _run(stack: str, **overrides: Any) -> Run:
    config = {**stack_config(stack), **overrides}
    if stack == "prod":
        config["image"] = PROD_IMAGE
    return run_program(stack, config, {stack: {"username": "vdx-operator", "password": PASSWORD}})


def test_an_older_cluster_skips_them_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *args, **kwargs: warnings.append(message))
    run = _run("stage", admissionPolicies=False)
    assert declared(run, ADMISSION_POLICY) == {}
    assert declared(run, ADMISSION_BINDING) == {}
    (warning,) = [w for w in warnings if "admissionPolicies" in w]
    assert "are not deployed and the API server admits what `vdx check` refuses" in warning
    assert "Kubernetes >= 1.30" in warning
    assert "the policy pack refuses a production stack without them" in warning


def test_the_setting_must_be_a_boolean() -> None:
    with pytest.raises(SettingsError, match="config admissionPolicies: true"):
        parse_settings({**stack_config("stage"), "admissionPolicies": "no"}, stack="stage")


def test_both_stacks_pass_the_admission_rule(stage_run: Run, prod_run: Run) -> None:
    assert admission_policy(prod_run.pairs()) == []
    assert admission_policy(stage_run.pairs()) == []
    assert admission_policy(stage_run.pairs(), {"requireAdmission": True}) == []


def test_prod_without_a_binding_is_refused_naming_it(prod_run: Run) -> None:
    resources = [
        (t, p)
        for t, p in prod_run.pairs()
        if not (t == ADMISSION_BINDING and p["metadata"]["name"] == "vdx-domain-in-tenant")
    ]
    assert admission_policy(resources) == [
        "production declares no ValidatingAdmissionPolicyBinding vdx-domain-in-tenant: policy "
        "vdx-domain-in-tenant enforces nothing without it; deploy schemas/admission/ (stack config "
        "admissionPolicies: true, Kubernetes >= 1.30)"
    ]


def test_prod_without_a_policy_is_refused_naming_it_and_its_rule(prod_run: Run) -> None:
    resources = [
        (t, p)
        for t, p in prod_run.pairs()
        if not (t == ADMISSION_POLICY and p["metadata"]["name"] == "vdx-san-retirement")
    ]
    (problem,) = admission_policy(resources)
    assert problem.startswith(
        "production declares no ValidatingAdmissionPolicy vdx-san-retirement (rule san-retirement)"
    )


def test_a_binding_that_only_warns_is_refused(prod_run: Run) -> None:
    resources = copy.deepcopy(prod_run.pairs())
    for typ, props in resources:
        if typ == ADMISSION_BINDING and props["metadata"]["name"] == "vdx-san-retirement":
            props["spec"]["validationActions"] = ["Warn"]
    assert admission_policy(resources) == [
        "ValidatingAdmissionPolicyBinding vdx-san-retirement: spec.validationActions is ['Warn'], the "
        "generated file says ['Deny']: deploy schemas/admission/ as generated"
    ]


def test_prod_on_an_older_cluster_is_refused_by_the_pack() -> None:
    run = _run("prod", admissionPolicies=False)
    problems = admission_policy(run.pairs())
    assert len(problems) == len(GENERATED.policies) + len(GENERATED.bindings)
    assert any("no ValidatingAdmissionPolicyBinding vdx-room-aliases" in p for p in problems)


def test_stage_needs_them_only_when_the_pack_config_says_so() -> None:
    run = _run("stage", admissionPolicies=False)
    assert admission_policy(run.pairs()) == []
    assert len(admission_policy(run.pairs(), {"requireAdmission": True})) == 2 * len(GENERATED.policies)

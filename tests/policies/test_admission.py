"""`review`: the same rules at admission, judged against what the cluster holds (pure, no cluster)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from vdx.api.loader import yaml_files
from vdx.paths import EXAMPLES_DIR
from vdx.policies.admission import review, verdict
from vdx.policies.findings import ResourceRef


@pytest.fixture(scope="module")
def cluster() -> list[dict[str, Any]]:
    """The example tree as the API server would hold it."""
    objects = []
    for path in yaml_files([EXAMPLES_DIR]):
        objects.extend(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d)
    return objects


def find(cluster: list[dict[str, Any]], kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
    return copy.deepcopy(
        next(
            o
            for o in cluster
            if o["kind"] == kind
            and o["metadata"]["name"] == name
            and o["metadata"].get("namespace") == namespace
        )
    )


def rules_of(findings: list[Any]) -> list[str]:
    return [f.rule for f in findings if f.is_error]


def test_an_unchanged_object_is_admitted(cluster: list[dict[str, Any]]) -> None:
    for kind, name, namespace in (
        ("Domain", "vdx-rm-dk", "vdx-rm"),
        ("TlsCertificate", "vdx-rm-dk", "vdx-rm"),
        ("CviBranding", "rm", "vdx-rm"),
        ("Tenant", "rm", None),
        ("PexipPlatform", "prod", None),
    ):
        findings = review(find(cluster, kind, name, namespace), cluster)
        assert rules_of(findings) == [], findings


def test_a_certificate_spanning_two_tenants_is_refused(cluster: list[dict[str, Any]]) -> None:
    certificate = find(cluster, "TlsCertificate", "vdx-rm-dk", "vdx-rm")
    certificate["spec"]["dnsNames"].append("vdx.kk.dk")
    findings = review(certificate, cluster)
    assert rules_of(findings) == ["san-retirement"]
    result = verdict(findings)
    assert not result.allowed
    assert result.message.startswith("[san-retirement] spec.dnsNames[2]: vdx.kk.dk belongs to tenant kk")
    assert "this certificate spans several tenants (kk, rm)" in result.message
    assert "retired by the VDX user group on 29 March 2024" in result.message


def test_a_tenant_claiming_a_taken_domain_is_refused_and_only_its_own_finding_is_returned(
    cluster: list[dict[str, Any]],
) -> None:
    intruder = find(cluster, "Tenant", "kk", None)
    intruder["metadata"] = {"name": "intruder", "labels": {"vdx.medcom.dk/organisation": "intruder"}}
    intruder["spec"]["namespace"] = "vdx-intruder"
    intruder["spec"]["domains"] = ["vdx.rm.dk"]
    findings = review(intruder, cluster)
    errors = [f for f in findings if f.is_error]
    assert [(f.rule, f.resource) for f in errors] == [
        ("domain-owner", ResourceRef("Tenant", None, "intruder"))
    ]
    assert "claimed by 2 tenants on platform prod (intruder, rm)" in errors[0].message


def test_the_same_domain_on_the_other_platform_is_fine(cluster: list[dict[str, Any]]) -> None:
    stage = find(cluster, "Tenant", "stage-rm", None)
    stage["metadata"]["name"] = "stage-kk"
    stage["metadata"]["labels"] = {"vdx.medcom.dk/organisation": "kk"}
    stage["spec"]["namespace"] = "vdx-stage-kk"
    stage["spec"]["domains"] = ["vdx.kk.dk"]
    assert rules_of(review(stage, cluster)) == []


def test_an_update_replaces_the_old_version_instead_of_duplicating_it(cluster: list[dict[str, Any]]) -> None:
    certificate = find(cluster, "TlsCertificate", "vdx-rm-dk", "vdx-rm")
    certificate["spec"]["dnsNames"] = ["vdx.rm.dk"]
    assert rules_of(review(certificate, cluster)) == []
    # The Domain now checks against the new version: it must still be covered.
    certificate["spec"]["dnsNames"] = ["join.vdx.rm.dk"]
    findings = review(certificate, cluster)
    assert rules_of(findings) == ["certificate-covers-domain"]
    assert findings[0].resource == ResourceRef("Domain", "vdx-rm", "vdx-rm-dk")


def test_an_old_problem_elsewhere_does_not_block_an_unrelated_change(cluster: list[dict[str, Any]]) -> None:
    broken = find(cluster, "Domain", "vdx-kk-dk", "vdx-kk")
    broken["spec"]["tlsCertificateRef"]["name"] = "gone"
    polluted = [*cluster, broken]
    assert rules_of(review(find(cluster, "CviBranding", "rm", "vdx-rm"), polluted)) == []
    assert rules_of(review(broken, cluster)) == ["reference"]


def test_a_schema_error_is_reported_like_offline(cluster: list[dict[str, Any]]) -> None:
    domain = find(cluster, "Domain", "vdx-rm-dk", "vdx-rm")
    domain["spec"]["uses"] = ["Fax"]
    (finding,) = review(domain, cluster)
    assert (finding.rule, finding.field) == ("schema", "spec.uses[0]")
    assert finding.location is None


def test_the_quota_refuses_the_branding_over_it(cluster: list[dict[str, Any]]) -> None:
    held = [*cluster]
    for n in (2, 3):
        extra = find(cluster, "CviBranding", "rm", "vdx-rm")
        extra["metadata"]["name"] = f"rm-{n}"
        extra["spec"]["webApp"]["slug"] = f"rm-{n}"
        held.append(extra)
    fourth = find(cluster, "CviBranding", "rm", "vdx-rm")
    fourth["metadata"]["name"] = "rm-4"
    fourth["spec"]["webApp"]["slug"] = "rm-4"
    findings = review(fourth, held)
    assert "quota" in rules_of(findings)
    assert (
        "holds 4 CviBranding resources, more than quotas.maxBrandings (3) allows" in verdict(findings).message
    )


def test_promotion_at_admission(cluster: list[dict[str, Any]]) -> None:
    turn = find(cluster, "TurnService", "vdx-rm-dk", "vdx-rm")
    turn["metadata"]["name"] = "hotfix"
    findings = review(turn, cluster)
    assert "promotion" in rules_of(findings)
    turn["metadata"]["annotations"] = {"vdx.medcom.dk/skip-promotion-check": "INC-4711"}
    findings = review(turn, cluster)
    result = verdict(findings)
    assert result.allowed
    assert any("promotion check skipped: INC-4711" in w for w in result.warnings)


def test_a_missing_secret_is_a_warning_not_a_refusal(cluster: list[dict[str, Any]]) -> None:
    result = verdict(review(find(cluster, "TurnService", "vdx-rm-dk", "vdx-rm"), cluster))
    assert result.allowed
    assert any("Secret vdx-rm/turn-vdx-rm-dk is not in the cluster" in w for w in result.warnings)


def test_only_changes_to_what_the_rules_judge_need_a_review(cluster: list[dict[str, Any]]) -> None:
    from vdx.policies.admission import needs_review

    old = find(cluster, "TlsCertificate", "vdx-rm-dk", "vdx-rm")
    assert needs_review(None, old)
    finalized = copy.deepcopy(old)
    finalized["metadata"]["finalizers"] = ["vdx.medcom.dk/pexip"]
    finalized["status"] = {"observedGeneration": 3}
    assert not needs_review(old, finalized)
    changed = copy.deepcopy(old)
    changed["spec"]["dnsNames"].append("x.vdx.rm.dk")
    assert needs_review(old, changed)
    annotated = copy.deepcopy(old)
    annotated["metadata"]["annotations"] = {"vdx.medcom.dk/skip-promotion-check": ""}
    assert needs_review(old, annotated)


def test_a_branding_that_fails_the_branding_checks_is_refused(cluster: list[dict[str, Any]]) -> None:
    branding = find(cluster, "CviBranding", "rm", "vdx-rm")
    branding["spec"]["colours"]["base"] = "#FFE600"
    result = verdict(review(branding, cluster))
    assert not result.allowed
    assert "[branding-assets] spec.colours.base: white text on #FFE600" in result.message

"""The domain-ownership and platform-credentials decisions the operator shares with `vdx check`."""

from __future__ import annotations

from typing import Any

import pytest

from vdx.policies import claims as claims_module
from vdx.policies.claims import Owners, claims_from_bodies, domain_owner, homograph_problem, newcomers
from vdx.policies.platform_secrets import credentials_namespace_problem


def tenant(
    name: str, domains: list[str], created: str = "", platform: str = "prod", **spec: Any
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if created:
        metadata["creationTimestamp"] = created
    return {"metadata": metadata, "spec": {"platformRef": {"name": platform}, "domains": domains, **spec}}


RM = tenant("rm", ["vdx.rm.dk"], "2023-01-01T00:00:00Z")


def test_the_older_claim_owns_a_contested_domain() -> None:
    claims = claims_from_bodies(
        [tenant("zz", ["vdx.kk.dk"], "2022-01-01T00:00:00Z"), tenant("aa", ["vdx.kk.dk"])]
    )
    assert domain_owner(claims, "prod", "vdx.kk.dk") == "zz"
    assert newcomers([c for c in claims if c.domain == "vdx.kk.dk"]) == {"aa"}


def test_a_subdomain_of_another_tenants_domain_belongs_to_that_tenant() -> None:
    claims = claims_from_bodies([RM, tenant("aarhus", ["borger.vdx.rm.dk"], "2024-01-01T00:00:00Z")])
    assert domain_owner(claims, "prod", "borger.vdx.rm.dk") == "rm"


def test_a_delegated_subdomain_and_what_lies_under_it_belong_to_the_delegate() -> None:
    rm = tenant("rm", ["vdx.rm.dk"], delegatedDomains=[{"domain": "borger.vdx.rm.dk", "tenant": "aarhus"}])
    aarhus = tenant("aarhus", ["borger.vdx.rm.dk", "video.borger.vdx.rm.dk", "job.vdx.rm.dk"])
    claims = claims_from_bodies([rm, aarhus])
    assert domain_owner(claims, "prod", "borger.vdx.rm.dk") == "aarhus"
    assert domain_owner(claims, "prod", "video.borger.vdx.rm.dk") == "aarhus"
    assert domain_owner(claims, "prod", "job.vdx.rm.dk") == "rm"  # not delegated
    assert domain_owner(claims, "prod", "vdx.rm.dk") == "rm"


def test_another_platform_and_a_deleted_tenant_do_not_count() -> None:
    deleted = tenant("rm", ["vdx.rm.dk"])
    deleted["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    claims = claims_from_bodies(
        [deleted, tenant("stage-rm", ["vdx.rm.dk"], platform="stage"), tenant("aarhus", ["borger.vdx.rm.dk"])]
    )
    assert domain_owner(claims, "prod", "borger.vdx.rm.dk") == "aarhus"
    assert domain_owner(claims, "prod", "vdx.rm.dk") is None


def test_the_operators_snapshot_answers_as_the_rule_does_and_works_each_answer_out_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rm = tenant(
        "rm",
        ["vdx.rm.dk"],
        "2023-01-01T00:00:00Z",
        delegatedDomains=[{"domain": "borger.vdx.rm.dk", "tenant": "aarhus"}],
    )
    bodies = [
        rm,
        tenant("aarhus", ["borger.vdx.rm.dk", "job.vdx.rm.dk"], "2024-01-01T00:00:00Z"),
        tenant("kk", ["vdx.kk.dk"], "2022-01-01T00:00:00Z"),
        tenant("late", ["VDX.kk.dk"], "2025-01-01T00:00:00Z"),
        tenant("stage", ["vdx.kk.dk"], platform="stage"),
    ]
    claims = claims_from_bodies(bodies)
    owners = Owners(claims)
    asked = [
        (platform, fqdn)
        for platform in ("prod", "stage", "other")
        for fqdn in ("vdx.rm.dk", "borger.vdx.rm.dk", "job.vdx.rm.dk", "VDX.KK.DK", "vdx.kk.dk", "nobody.dk")
    ]
    assert [owners.owner(p, f) for p, f in asked] == [domain_owner(claims, p, f) for p, f in asked]
    assert owners.owner("prod", "job.vdx.rm.dk") == "rm"  # not delegated
    assert owners.owner("prod", "VDX.KK.DK") == "kk"

    worked_out: list[str] = []
    rule = claims_module.domain_owner

    def counting(c: Any, platform: str, fqdn: str) -> str | None:
        worked_out.append(fqdn)
        return rule(c, platform, fqdn)

    monkeypatch.setattr(claims_module, "domain_owner", counting)
    fresh = Owners(claims)
    for _ in range(3):
        assert fresh.owner("prod", "borger.vdx.rm.dk") == "aarhus"
        assert fresh.owner("prod", "Borger.vdx.rm.dk") == "aarhus"
    assert worked_out == ["borger.vdx.rm.dk"]


@pytest.mark.parametrize(
    ("fqdn", "refused"),
    [
        ("vdx.rm.dk", False),
        ("vdx.xn--rhus-poa.dk", False),  # århus
        ("xn--kbenhavn-54a.dk", False),  # københavn
        ("vdx.xn--r-xtb.dk", True),  # r + Cyrillic em
        ("xn--l1ah.dk", True),  # Cyrillic letters only, all Latin look-alikes
        ("xn--mxa.dk", True),  # a Greek alpha alone: a whole-script spoof of "a"
    ],
)
def test_homographs(fqdn: str, refused: bool) -> None:
    problem = homograph_problem(fqdn)
    assert (problem is not None) is refused, problem


def test_credentials_only_in_a_platform_namespace() -> None:
    assert credentials_namespace_problem("vdx-system", {"vdx-system"}, {"vdx-rm"}) is None
    assert "a tenant's namespace" in str(credentials_namespace_problem("vdx-rm", {"vdx-system"}, {"vdx-rm"}))
    assert "not declared platform-only" in str(credentials_namespace_problem("default", {"vdx-system"}))
    # A namespace both declared platform-only and named by a Tenant is still a tenant's.
    assert credentials_namespace_problem("vdx-rm", {"vdx-system", "vdx-rm"}, {"vdx-rm"}) is not None

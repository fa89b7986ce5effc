"""Attribution: most specific domain wins, tag fallback, and every way a meeting stays unattributed."""

from __future__ import annotations

import pytest

from vdx.stats.attribution import UNATTRIBUTED, DomainIndex, Reason, TenantInfo, alias_domain, attribute

TENANTS = [
    TenantInfo("regionh", domains=("regionh.dk",), tags=("regionh",)),
    TenantInfo("kk", domains=("vdx.kk.regionh.dk",), tags=("kk",)),
    TenantInfo("rm", domains=("vdx.rm.dk",), tags=("rm",)),
    TenantInfo("stage-rm", domains=("stage.vdx.rm.dk",), tags=("stage-rm", "rm-stage")),
    TenantInfo("plo", domains=("vdx.shared.dk",), tags=("plo", "shared")),
    TenantInfo("medcom", domains=("vdx.shared.dk",), tags=("medcom", "shared")),
]
INDEX = DomainIndex(TENANTS)


@pytest.mark.parametrize(
    ("alias", "domain"),
    [
        ("meet.kbh@vdx.regionh.dk", "vdx.regionh.dk"),
        ("sip:room@Vdx.RM.dk;transport=tls", "vdx.rm.dk"),
        ("sips:room@vdx.rm.dk:5061", "vdx.rm.dk"),
        ("<sip:room@vdx.rm.dk>", "vdx.rm.dk"),
        ("room@vdx.rm.dk.", "vdx.rm.dk"),
        ("4512345678", None),
        ("meet.kbh", None),
        ("", None),
        ("room@[2001:db8::1]", None),
    ],
)
def test_alias_domain(alias: str, domain: str | None) -> None:
    assert alias_domain(alias) == domain


def test_most_specific_domain_wins() -> None:
    assert attribute(["a@vdx.kk.regionh.dk"], [], INDEX).tenant == "kk"
    assert attribute(["a@video.regionh.dk"], [], INDEX).tenant == "regionh"
    assert attribute(["a@join.stage.vdx.rm.dk"], [], INDEX).tenant == "stage-rm"
    assert attribute(["a@vdx.rm.dk"], ["stage-rm"], INDEX).tenant == "rm"  # domain beats tag


def test_domain_must_match_whole_labels() -> None:
    result = attribute(["a@notvdx.rm.dk"], [], INDEX)
    assert result.tenant is None
    assert result.reason is Reason.UNKNOWN_DOMAIN


def test_aliases_without_domain_do_not_block_a_domain_match() -> None:
    result = attribute(["4512345678", "room@vdx.rm.dk"], [], INDEX)
    assert (result.tenant, result.method) == ("rm", "domain")


def test_ambiguous_domain_is_unattributed_with_both_claimants() -> None:
    result = attribute(["room@vdx.shared.dk"], ["plo"], INDEX)
    assert result.tenant is None
    assert result.bucket == UNATTRIBUTED
    assert result.reason is Reason.AMBIGUOUS_DOMAIN
    assert "medcom" in result.detail
    assert "plo" in result.detail
    assert "spec.domains" in result.detail


def test_aliases_of_several_tenants_are_unattributed() -> None:
    result = attribute(["a@vdx.rm.dk", "b@regionh.dk"], ["rm"], INDEX)
    assert result.reason is Reason.SEVERAL_TENANTS
    assert "regionh, rm" in result.detail


def test_unknown_domain_falls_back_to_the_service_tag() -> None:
    result = attribute(["room@vdx.example.org"], ["", "rm-stage"], INDEX)
    assert (result.tenant, result.method) == ("stage-rm", "tag")


def test_no_domain_falls_back_to_the_tag_case_insensitively() -> None:
    assert attribute(["4512345678"], ["RM"], INDEX).tenant == "rm"


def test_unknown_domain_and_unknown_tag() -> None:
    result = attribute(["room@vdx.example.org"], ["nobody"], INDEX)
    assert result.reason is Reason.UNKNOWN_DOMAIN
    assert "vdx.example.org" in result.detail
    assert "'nobody'" in result.detail
    assert "spec.domains" in result.detail


def test_nothing_to_go_on() -> None:
    result = attribute([], [""], INDEX)
    assert result.reason is Reason.NO_DOMAIN
    assert "none" in result.detail


def test_ambiguous_tag() -> None:
    result = attribute([], ["shared"], INDEX)
    assert result.reason is Reason.AMBIGUOUS_TAG
    assert "medcom, plo" in result.detail

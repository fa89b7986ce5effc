"""The example GitOps tree: the demo's and the tests' data, so it must load cleanly."""

from __future__ import annotations

from collections import Counter

from vdx.api.branding import CviBranding
from vdx.api.domain import Domain
from vdx.api.kinds import KINDS_BY_NAME
from vdx.api.loader import load_tree
from vdx.api.platform import PexipPlatform
from vdx.api.tenant import OrganisationKind, Tenant
from vdx.paths import EXAMPLES_DIR


def test_every_example_loads() -> None:
    tree = load_tree([EXAMPLES_DIR])
    counts = Counter(type(loaded.resource).__name__ for loaded in tree.resources)
    assert counts["PexipPlatform"] == 2
    # Every kind has an example (the demo shows each of them Ready).
    assert set(counts) == set(KINDS_BY_NAME)


def test_examples_cover_medcom_the_five_regions_and_six_municipalities_on_both_platforms() -> None:
    tree = load_tree([EXAMPLES_DIR])
    tenants: list[Tenant] = tree.of_kind(Tenant)
    prod = [t for t in tenants if t.spec.platform_ref.name == "prod"]
    kinds = Counter(t.spec.organisation_kind for t in prod)
    assert kinds[OrganisationKind.REGION] == 5
    assert kinds[OrganisationKind.MUNICIPALITY] >= 6
    assert any(t.spec.display_name == "MedCom" for t in prod)
    assert any(t.spec.platform_ref.name == "stage" for t in tenants)
    assert {p.spec.environment.value for p in tree.of_kind(PexipPlatform)} == {"Stage", "Production"}


def test_examples_are_internally_consistent() -> None:
    """Every domain, branding path and reference stays inside its tenant (the policy issue adds more)."""
    tree = load_tree([EXAMPLES_DIR])
    by_namespace = {t.spec.namespace: t for t in tree.of_kind(Tenant)}
    names = {(type(r.resource).__name__, r.resource.namespace, r.resource.name) for r in tree.resources}
    for domain in tree.of_kind(Domain):
        tenant = by_namespace[domain.namespace]
        assert domain.spec.fqdn in tenant.spec.domains
        assert ("TlsCertificate", domain.namespace, domain.spec.tls_certificate_ref.name) in names
        assert domain.spec.turn_service_ref is not None
        assert ("TurnService", domain.namespace, domain.spec.turn_service_ref.name) in names
    for branding in tree.of_kind(CviBranding):
        assert branding.spec.web_app.domain in by_namespace[branding.namespace].spec.domains
    claims = Counter((t.spec.platform_ref.name, d) for t in tree.of_kind(Tenant) for d in t.spec.domains)
    assert max(claims.values()) == 1

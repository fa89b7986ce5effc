"""Bad input gets an error that names the file, the resource, the field and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from vdx.api.loader import LoadError, load_text, load_tree

DOMAIN = """\
apiVersion: vdx.medcom.dk/v1alpha1
kind: Domain
metadata: {{name: vdx-rm-dk, namespace: vdx-rm}}
spec:
{spec}
"""


def problems_for(spec: str) -> list[str]:
    with pytest.raises(LoadError) as caught:
        load_text(DOMAIN.format(spec=spec), "tree/rm/domains.yaml")
    return [str(p) for p in caught.value.problems]


def test_pattern_error_names_file_resource_field_and_fix() -> None:
    (problem,) = problems_for("  fqdn: VDX.rm.dk\n  uses: [SIP]\n  tlsCertificateRef: {name: c}\n")
    assert problem.startswith("tree/rm/domains.yaml: Domain vdx-rm/vdx-rm-dk, field spec.fqdn:")
    assert "Fix: use a lower-case fully qualified domain name" in problem
    assert "^(" not in problem  # the sentence, not the regex


def test_unknown_field_lists_the_known_ones() -> None:
    (problem,) = problems_for(
        "  fqdn: vdx.rm.dk\n  uses: [SIP]\n  tlsCertificateRef: {name: c}\n  turnService: {name: t}\n"
    )
    assert "field spec.turnService: is not a known field" in problem
    assert "turnServiceRef" in problem


def test_every_problem_is_reported_not_only_the_first() -> None:
    problems = problems_for("  fqdn: vdx.rm.dk\n  uses: [Fax]\n")
    assert any("spec.uses[0]" in p and "'WebApp', 'SIP' or 'Registration'" in p for p in problems)
    assert any("spec.tlsCertificateRef: is required but missing" in p for p in problems)


def test_cross_field_rule_is_enforced_offline_with_the_cel_message() -> None:
    (problem,) = problems_for("  fqdn: vdx.rm.dk\n  uses: [WebApp]\n  tlsCertificateRef: {name: c}\n")
    assert "field spec.turnServiceRef" in problem
    assert "needs a TURN service" in problem


def test_namespaced_kind_without_namespace() -> None:
    text = DOMAIN.format(spec="  fqdn: vdx.rm.dk\n  uses: [SIP]\n  tlsCertificateRef: {name: c}").replace(
        ", namespace: vdx-rm", ""
    )
    with pytest.raises(LoadError, match=r"metadata\.namespace: is missing"):
        load_text(text, "x.yaml")


def test_unknown_kind_and_version() -> None:
    with pytest.raises(LoadError) as caught:
        load_text(
            "apiVersion: vdx.medcom.dk/v1alpha1\nkind: Tennant\nmetadata: {name: x}\nspec: {}\n---\n"
            "apiVersion: vdx.medcom.dk/v2\nkind: Tenant\nmetadata: {name: y}\nspec: {}\n",
            "t.yaml",
        )
    text = str(caught.value)
    assert "t.yaml (document 1): Tennant x, field kind: unknown kind 'Tennant'" in text
    assert "Tenant" in text
    assert "t.yaml (document 2): Tenant y, field apiVersion: unknown version 'vdx.medcom.dk/v2'" in text


def test_yaml_syntax_error_has_a_line_number(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("kind: Tenant\nspec: [unclosed\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"bad.yaml: YAML: .* at line \d+"):
        load_tree([tmp_path])


def test_platform_refuses_plain_http_except_loopback() -> None:
    base = (
        "apiVersion: vdx.medcom.dk/v1alpha1\nkind: PexipPlatform\nmetadata: {{name: prod}}\n"
        "spec:\n  url: {url}\n  environment: Production\n"
        "  credentials: {{secretRef: {{namespace: vdx-system, name: creds}}}}\n"
    )
    with pytest.raises(LoadError, match=r"spec.url: url must use https://"):
        load_text(base.format(url="http://pexip.example.dk"))
    tree = load_text(base.format(url="http://127.0.0.1:8443"))
    assert tree.resources[0].resource.name == "prod"


def test_tenant_quota_rule() -> None:
    text = (
        "apiVersion: vdx.medcom.dk/v1alpha1\nkind: Tenant\nmetadata: {name: rm}\nspec:\n"
        "  organisationKind: Region\n  displayName: Region Midtjylland\n  namespace: vdx-rm\n"
        "  platformRef: {name: prod}\n  domains: [a.rm.dk, b.rm.dk]\n  quotas: {maxDomains: 1}\n"
    )
    with pytest.raises(
        LoadError, match=r"field spec.domains: the tenant claims more domains than quotas.maxDomains"
    ):
        load_text(text)


def test_other_kubernetes_objects_pass_through() -> None:
    tree = load_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: b}\ndata: {k: v}\n")
    assert tree.resources == []
    assert tree.others[0][0]["kind"] == "ConfigMap"

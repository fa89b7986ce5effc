"""`vdx tenant new`: the scaffold passes `vdx check` and `vdx apply` bootstraps it on a fresh node."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from tests.gitops.conftest import PASSWORD, USERNAME, _secret, vdx
from vdx.api.certificate import TlsCertificate
from vdx.api.loader import load_tree
from vdx.api.turn import TurnService
from vdx.cli import check as check_cli
from vdx.cli import tenant as tenant_cli
from vdx.paths import EXAMPLES_DIR
from vdx.pexip.simulator import RunningServer, SeedOptions, Simulator, SimulatorConfig, serve
from vdx.tls.issue import LocalCA

MUNICIPALITY = ["--kind", "Municipality"]
HORSENS = ["horsens", "--kind", "Municipality", "--region", "midtjylland", "--domain", "vdx.horsens.dk"]


def tenant_new(*args: str | Path) -> Result:
    return CliRunner().invoke(tenant_cli.command, ["new", *[str(a) for a in args]])


@pytest.fixture
def fresh_tree(tmp_path: Path) -> Path:
    """A tree holding only the platforms, with prod's request rate raised for a quick test."""
    tree = tmp_path / "tree"
    shutil.copytree(EXAMPLES_DIR / "platforms", tree / "platforms")
    platforms = tree / "platforms" / "platforms.yaml"
    docs = list(yaml.safe_load_all(platforms.read_text(encoding="utf-8")))
    for doc in docs:
        if doc["kind"] == "PexipPlatform":
            doc["spec"]["rateLimit"] = {"requestsPerWindow": 60000, "windowSeconds": 60, "burst": 1000}
    platforms.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")
    return tree


@pytest.fixture
def fresh_node() -> Iterator[RunningServer]:
    """A management node as installed: no TURN servers, certificates, brandings or rooms."""
    config = SimulatorConfig(username=USERNAME, password=PASSWORD, seed=SeedOptions(history=None))
    with serve(Simulator(config)) as server:
        yield server


def _secrets_for(tree: Path, directory: Path) -> Path:
    """What cert-manager and the secret store would write for the tree's certificates and TURN."""
    loaded = load_tree([tree])
    ca = LocalCA("VDX test CA (stands in for cert-manager)")
    docs = []
    for cert in loaded.of_kind(TlsCertificate):
        issued = ca.issue(list(cert.spec.dns_names), days=90)
        data = {"tls.crt": issued.certificate_pem.decode(), "tls.key": issued.key_pem.decode()}
        docs.append(_secret(str(cert.namespace), cert.spec.secret_ref.name, data, "kubernetes.io/tls"))
    for turn in loaded.of_kind(TurnService):
        docs.append(_secret(str(turn.namespace), turn.spec.secret_ref.name, {"secret": "turn-" + turn.name}))
    directory.mkdir()
    (directory / "secrets.yaml").write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    return directory


def test_scaffold_then_check_clean_then_apply_to_a_fresh_node(
    fresh_tree: Path, fresh_node: RunningServer, tmp_path: Path
) -> None:
    result = tenant_new(*HORSENS, fresh_tree)
    assert result.exit_code == 0, result.output
    written = sorted(p.relative_to(fresh_tree).as_posix() for p in fresh_tree.rglob("*.yaml"))
    assert written == [
        "platforms/platforms.yaml",
        "prod/horsens/branding.yaml",
        "prod/horsens/cvi-assets.yaml",
        "prod/horsens/domains.yaml",
        "prod/horsens/tenant.yaml",
        "stage/horsens/branding.yaml",
        "stage/horsens/cvi-assets.yaml",
        "stage/horsens/domains.yaml",
        "stage/horsens/tenant.yaml",
    ]
    # The logo is a picture file next to the CviBranding, its ConfigMap written from it (the
    # check below fails with branding-configmap-current when the two disagree).
    assert (fresh_tree / "prod/horsens/logo.svg").read_text().startswith("<svg")
    # The remaining steps: stack config lines, every Secret with its keys, DNS, firewall.
    out = result.output
    assert "Pulumi.prod.yaml, under vdx-operator:tenants:\n       - name: horsens\n" in out
    assert "       - name: stage-horsens\n         group: horsens:vdx-branding" in out
    assert "vdx-horsens/tls-vdx-horsens-dk (kubernetes.io/tls; keys tls.crt, tls.key)" in out
    assert "vdx-horsens/turn-vdx-horsens-dk (Opaque; keys secret)" in out
    assert "vdx-stage-horsens/turn-stage-vdx-horsens-dk (Opaque; keys secret)" in out
    assert "turn.vdx.horsens.dk: the TURN server" in out
    assert "vdx ports --platform <name> --tenant <tenant>" in out

    # vdx check: no errors (only the warnings that the Secrets are not in Git).
    checked = CliRunner().invoke(check_cli.command, [str(fresh_tree), "-o", "json"])
    assert checked.exit_code == 0, checked.output
    report = yaml.safe_load(checked.output)
    assert report["summary"]["errors"] == 0
    assert {f["rule"] for f in report["findings"]} == {"secret-reference"}

    # vdx apply bootstraps the new tenant on a node that has none of its objects.
    secrets = _secrets_for(fresh_tree, tmp_path / "secrets")
    args = (str(fresh_tree), "--platform", "prod", "--url", fresh_node.base_url, "--secrets", str(secrets))
    code, applied = vdx("apply", *args, "--yes")
    assert code == 0, applied
    assert "Apply complete: 5 created, 0 changed, 0 deleted." in applied
    code, planned = vdx("plan", *args[:-2], "--secrets", str(secrets), "--detailed-exitcode")
    assert code == 0, planned
    assert "No changes. Pexip matches the tree for platform prod." in planned


def test_a_system_location_pexip_lacks_is_named_with_the_existing_ones(
    fresh_tree: Path, fresh_node: RunningServer
) -> None:
    assert tenant_new(*HORSENS, fresh_tree, "--system-location", "Horsens Kommune").exit_code == 0
    code, out = vdx("plan", str(fresh_tree), "--platform", "prod", "--url", fresh_node.base_url)
    assert code == 1
    assert "Pexip has no system location named 'Horsens Kommune'; the locations are " in out
    assert "Set spec.systemLocation to one of them, or create the location in Pexip" in out


def test_nothing_is_written_when_the_tenant_breaks_a_rule_or_exists(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(EXAMPLES_DIR, tree)
    before = sorted(p.as_posix() for p in tree.rglob("*"))
    # Aarhus's domain belongs to Aarhus: a newcomer claiming it is refused before anything is written.
    result = tenant_new(
        "aarhus2", "--kind", "Municipality", "--region", "midtjylland", "--domain", "vdx.aarhus.dk", tree
    )
    assert result.exit_code == 1
    assert "error[domain-owner]" in result.output
    assert "nothing was written" in result.output
    existing = tenant_new(
        "aarhus", "--kind", "Municipality", "--region", "midtjylland", "--domain", "vdx.new.dk", tree
    )
    assert existing.exit_code == 2
    assert "the tree already has Tenant aarhus, stage-aarhus" in existing.output
    assert sorted(p.as_posix() for p in tree.rglob("*")) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["Horsens", "--kind", "Municipality", "--region", "midtjylland", "--domain", "vdx.h.dk"],
            "is not a tenant name",
        ),
        (
            ["horsens", "--kind", "Municipality", "--domain", "vdx.h.dk"],
            "--region is required for a Municipality",
        ),
        (
            ["horsens", "--kind", "Municipality", "--region", "midtjylland", "--domain", "vdx_h.dk"],
            "is not a DNS name",
        ),
        (["rx", "--kind", "Region", "--domain", "vdx.rx.dk"], "--display-name is required for a Region"),
        ([*HORSENS, "--platform", "test"], "--platform test: not a PexipPlatform of the tree"),
    ],
)
def test_bad_requests_are_usage_errors(fresh_tree: Path, args: list[str], message: str) -> None:
    result = tenant_new(*args, fresh_tree)
    assert result.exit_code == 2
    assert message in result.output


def test_a_municipalitys_display_name_is_derived_from_its_name(fresh_tree: Path) -> None:
    result = tenant_new(
        "ikast-brande",
        "--kind",
        "Municipality",
        "--region",
        "midtjylland",
        "--domain",
        "vdx.ikast.dk",
        fresh_tree,
    )
    assert result.exit_code == 0, result.output
    assert "Scaffolded Ikast-Brande Kommune (ikast-brande)" in result.output
    assert "displayName: Ikast-Brande Kommune" in (fresh_tree / "prod/ikast-brande/tenant.yaml").read_text()

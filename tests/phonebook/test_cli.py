"""`vdx phonebook` against a small GitOps tree in a temporary folder."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.phonebook.bodies import device, room, tenant
from vdx.cli.main import cli


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    documents = [
        tenant("aarhus", "Aarhus Kommune", "vdx-aarhus"),
        tenant("plo", "PLO", "vdx-plo", shared=False),
        room("vdx-aarhus", "aeldre", "Ældreplejen Østbyen", "aeldre@vdx.aarhus.dk"),
        device("vdx-aarhus", "stue1", "Aarhus Kommune - Borgerstue 1", "stue1@vdx.aarhus.dk"),
        device("vdx-plo", "klinik", "Klinik Åby & Søn", "klinik@vdx.plo.dk"),
    ]
    (tmp_path / "org").mkdir()
    (tmp_path / "org" / "all.yaml").write_text(
        yaml.safe_dump_all(documents, allow_unicode=True), encoding="utf-8"
    )
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["phonebook", *args])
    return result.exit_code, result.stdout, result.stderr


def test_csv_by_default_full_view(tree: Path) -> None:
    code, out, _ = run(str(tree))
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    assert [r["alias"] for r in rows] == ["stue1@vdx.aarhus.dk", "aeldre@vdx.aarhus.dk", "klinik@vdx.plo.dk"]
    assert rows[2]["name"] == "Klinik Åby & Søn"


def test_tenant_view_as_json(tree: Path) -> None:
    code, out, _ = run(str(tree), "--tenant", "aarhus", "-o", "json")
    assert code == 0
    document = json.loads(out)
    assert document["tenant"] == "aarhus"
    assert {e["alias"] for e in document["entries"]} == {"stue1@vdx.aarhus.dk", "aeldre@vdx.aarhus.dk"}


def test_xml_to_a_file(tree: Path, tmp_path: Path) -> None:
    target = tmp_path / "book.xml"
    code, out, err = run(str(tree), "--tenant", "plo", "-o", "xml", "--out", str(target))
    assert code == 0
    assert out == ""
    assert "wrote 3 entries" in err
    names = [e.findtext("Name") for e in ET.parse(target).getroot()]
    assert "Klinik Åby & Søn (PLO)" in names


def test_unknown_tenant_names_the_known_ones(tree: Path) -> None:
    code, _, err = run(str(tree), "--tenant", "odense")
    assert code == 1
    assert "no Tenant named odense" in err
    assert "aarhus, plo" in err


def test_loader_problems_are_listed(tmp_path: Path) -> None:
    broken = device("vdx-aarhus", "stue1", "Stue", "not an alias")
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(broken) + "---\nkind: [\n", encoding="utf-8")
    code, _, err = run(str(tmp_path))
    assert code == 1
    assert "does not load" in err
    assert "bad.yaml" in err
    assert "YAML" in err


def test_loader_problems_name_the_resource_and_field(tmp_path: Path) -> None:
    broken = device("vdx-aarhus", "stue1", "Stue", "not an alias")
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(broken), encoding="utf-8")
    code, _, err = run(str(tmp_path))
    assert code == 1
    assert "Device vdx-aarhus/stue1, field spec.alias" in err


def test_the_example_tree_loads() -> None:
    from vdx.paths import EXAMPLES_DIR

    code, out, _ = run(str(EXAMPLES_DIR), "-o", "json")
    assert code == 0
    assert json.loads(out)["version"] == 1


def test_the_example_trees_full_view_is_production_unless_asked(tmp_path: Path) -> None:
    from vdx.paths import EXAMPLES_DIR

    code, out, err = run(str(EXAMPLES_DIR), "-o", "json")
    assert code == 0
    assert {e["platform"] for e in json.loads(out)["entries"]} == {"prod"}
    assert "phone book of platform prod (Production); --platform stage for another" in err
    code, out, err = run(str(EXAMPLES_DIR), "-o", "json", "--platform", "all")
    assert {e["platform"] for e in json.loads(out)["entries"]} == {"prod", "stage"}
    assert err == ""

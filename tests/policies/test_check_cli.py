"""`vdx check` end to end: exit codes, the four output formats, and the example tree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from vdx.cli.check import command
from vdx.paths import EXAMPLES_DIR

CORPUS = Path(__file__).parent / "corpus"
BASE = CORPUS / "_base"
SPANNING = CORPUS / "san-certificate-spanning-two-tenants" / "c.yaml"
WARNING_ONLY = CORPUS / "turn-secret-not-in-tree" / "t.yaml"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(command, [str(a) for a in args])


def test_examples_check_clean_of_errors() -> None:
    result = run(EXAMPLES_DIR)
    assert result.exit_code == 0, result.output
    assert "error[" not in result.output
    assert "0 errors" in result.output


def test_examples_have_no_error_in_json_either() -> None:
    report = json.loads(run(EXAMPLES_DIR, "-o", "json").output)
    assert report["summary"]["errors"] == 0
    assert report["summary"]["files"] >= 40
    # What the examples do warn about: Secrets kept out of Git, organisations not yet on stage, and
    # the branding checks' advice on the placeholder logos (text in SVG).
    assert {f["rule"] for f in report["findings"]} == {"secret-reference", "promotion", "branding-assets"}


def test_exit_codes() -> None:
    assert run(BASE).exit_code == 0
    assert run(BASE, "--strict").exit_code == 0
    assert run(BASE, SPANNING).exit_code == 1
    assert run(BASE, WARNING_ONLY).exit_code == 0
    assert run(BASE, WARNING_ONLY, "--strict").exit_code == 1
    assert run(CORPUS / "no-such-folder").exit_code == 2
    assert run().exit_code == 2


def test_text_names_file_line_resource_field_rule_and_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    # Paths are shown relative to the working directory, as CI annotations and SARIF need them.
    monkeypatch.chdir(CORPUS)
    result = run("_base", SPANNING)
    line = next(x for x in result.output.splitlines() if "san-retirement" in x)
    assert line.startswith(
        "san-certificate-spanning-two-tenants/c.yaml:10:5: error[san-retirement] "
        "TlsCertificate vdx-stage-alpha/shared, field spec.dnsNames[1]: stage.vdx.beta.dk belongs to"
    )
    assert "Fix: issue one certificate per tenant" in line
    assert result.output.endswith("vdx check: failed: 1 error, 0 warnings in 6 files\n")


def test_github_annotations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CORPUS)
    result = run("_base", SPANNING, WARNING_ONLY, "-o", "github")
    lines = result.output.splitlines()
    error = next(x for x in lines if x.startswith("::error "))
    assert error.startswith(
        "::error file=san-certificate-spanning-two-tenants/c.yaml,line=10,col=5,"
        "title=vdx san-retirement%3A TlsCertificate vdx-stage-alpha/shared::"
    )
    assert "field spec.dnsNames[1]: stage.vdx.beta.dk belongs to tenant stage-beta" in error
    assert error.endswith("[san-retirement]")
    warning = next(x for x in lines if x.startswith("::warning "))
    assert "file=turn-secret-not-in-tree/t.yaml,line=8," in warning
    assert lines[-1] == "vdx check: failed: 1 error, 1 warning in 7 files"


def test_github_escapes_newlines_and_percent() -> None:
    from vdx.policies.findings import Finding, Location, Severity
    from vdx.policies.formats import to_github

    finding = Finding(
        Severity.ERROR, "r", None, "", "50% broken\nreally", "fix, it: now", Location("a,b:c.yaml", 1)
    )
    line = to_github([finding], 1).splitlines()[0]
    assert line.startswith("::error file=a%2Cb%3Ac.yaml,line=1,title=vdx r::")
    assert "50%25 broken%0Areally" in line


def test_sarif_2_1_0_structure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CORPUS)
    sarif = json.loads(run("_base", SPANNING, WARNING_ONLY, "-o", "sarif").output)
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"].endswith("sarif-2.1.0.json")
    (run_,) = sarif["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "vdx check"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    assert {"san-retirement", "promotion", "yaml-syntax", "schema"} <= set(rule_ids)
    results = {r["ruleId"]: r for r in run_["results"]}
    san = results["san-retirement"]
    assert san["level"] == "error"
    assert rule_ids[san["ruleIndex"]] == "san-retirement"
    (location,) = san["locations"]
    assert (
        location["physicalLocation"]["artifactLocation"]["uri"]
        == "san-certificate-spanning-two-tenants/c.yaml"
    )
    assert location["physicalLocation"]["region"] == {"startLine": 10, "startColumn": 5}
    assert location["logicalLocations"] == [
        {"fullyQualifiedName": "TlsCertificate vdx-stage-alpha/shared", "kind": "resource"}
    ]
    assert "Fix: issue one certificate per tenant" in san["message"]["text"]
    assert results["secret-reference"]["level"] == "warning"
    # The exit code does not depend on the format.
    assert run("_base", SPANNING, "-o", "sarif").exit_code == 1


def test_json_findings() -> None:
    report = json.loads(run(BASE, SPANNING, "-o", "json").output)
    # notShown/baselineEntriesGone: what the configuration, suppressions and a baseline hid (none here).
    assert report["summary"] == {
        "errors": 1,
        "warnings": 0,
        "files": 6,
        "notShown": {"ignoredByConfig": 0, "suppressedInline": 0, "inBaseline": 0},
        "baselineEntriesGone": 0,
    }
    (finding,) = report["findings"]
    assert finding["rule"] == "san-retirement"
    assert finding["severity"] == "error"
    assert finding["resource"] == {"kind": "TlsCertificate", "namespace": "vdx-stage-alpha", "name": "shared"}
    assert finding["field"] == "spec.dnsNames[1]"
    assert finding["line"] == 10
    assert finding["file"].endswith("c.yaml")
    assert finding["fix"].startswith("issue one certificate per tenant")


def test_a_file_that_is_not_utf8_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "latin1.yaml").write_bytes("navn: K\xf8benhavn\n".encode("latin-1"))
    result = run(tmp_path)
    assert result.exit_code == 1
    assert "error[file-unreadable]" in result.output
    assert "it is not UTF-8 text" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_secret_values_are_never_printed(tmp_path: Path) -> None:
    text = (
        (BASE / "platforms.yaml")
        .read_text(encoding="utf-8")
        .replace('username: ""', "username: c3VwZXJzZWNyZXQ=")
    )
    (tmp_path / "platforms.yaml").write_text(text + "  extra: 1\n", encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: pexip-credentials, namespace: vdx-system}\n"
        "data: {username: c3VwZXJzZWNyZXQ=}\n",
        encoding="utf-8",
    )
    for output_format in ("text", "github", "sarif", "json"):
        output = run(tmp_path, "-o", output_format).output
        assert "duplicate-name" in output
        assert "c3VwZXJzZWNyZXQ=" not in output

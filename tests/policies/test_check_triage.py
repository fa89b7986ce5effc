"""`vdx check`'s rule configuration (.vdx-check.yaml), inline suppressions and baseline, end to end."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from vdx.cli.check import command
from vdx.policies.baseline import compare, key_of
from vdx.policies.findings import Finding, Location, ResourceRef, Severity

CORPUS = Path(__file__).parent / "corpus"

TURN = """\
apiVersion: vdx.medcom.dk/v1alpha1
kind: TurnService
metadata:
  name: extra
  namespace: vdx-stage-alpha{annotations}
spec:
  address: turn.example.dk
  secretRef: {{name: turn-extra}}
"""
SPANNING = (CORPUS / "san-certificate-spanning-two-tenants" / "c.yaml").read_text()
SECRET_WARNING = "warning[secret-reference] TurnService vdx-stage-alpha/extra"
SAN_ERROR = "error[san-retirement] TlsCertificate vdx-stage-alpha/shared"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose tree is the corpus base plus a TURN service whose Secret is not in Git."""
    (tmp_path / ".git").mkdir()
    shutil.copytree(CORPUS / "_base", tmp_path / "tree")
    (tmp_path / "tree" / "stage" / "turn.yaml").write_text(TURN.format(annotations=""))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(command, [str(a) for a in args])


def annotate(repo: Path, annotations: dict[str, str]) -> None:
    lines = "".join(f"\n    {key}: {json.dumps(value)}" for key, value in annotations.items())
    (repo / "tree" / "stage" / "turn.yaml").write_text(TURN.format(annotations=f"\n  annotations:{lines}"))


def configure(repo: Path, text: str, where: str = ".") -> None:
    (repo / where / ".vdx-check.yaml").write_text(text)


# --- configuration ---------------------------------------------------------------------------


def test_without_configuration_the_warning_is_reported(repo: Path) -> None:
    result = run("tree")
    assert result.exit_code == 0
    assert SECRET_WARNING in result.output
    assert result.output.endswith("vdx check: passed with warnings: 0 errors, 1 warning in 6 files\n")


def test_configuration_ignores_a_rule_for_matching_paths_only(repo: Path) -> None:
    configure(
        repo,
        "rules:\n"
        "- rule: secret-reference\n"
        "  severity: ignore\n"
        "  paths: ['tree/stage/**']\n"
        "  reason: the secret store creates the TURN Secrets\n",
    )
    result = run("tree", "--strict")
    assert result.exit_code == 0, result.output
    assert SECRET_WARNING not in result.output
    assert result.output.endswith(
        "vdx check: clean: 0 errors, 0 warnings in 6 files; not shown: 1 ignored by .vdx-check.yaml\n"
    )
    # Another path: the entry does not apply.
    configure(
        repo,
        "rules:\n- rule: secret-reference\n  severity: ignore\n  paths: ['tree/prod/**']\n  reason: r\n",
    )
    assert SECRET_WARNING in run("tree").output


def test_configuration_downgrades_and_upgrades_and_the_last_match_wins(repo: Path) -> None:
    (repo / "tree" / "stage" / "c.yaml").write_text(SPANNING)
    assert run("tree").exit_code == 1
    configure(
        repo,
        "rules:\n"
        "- {rule: san-retirement, severity: warning, reason: migration of the shared certificate}\n"
        "- {rule: secret-reference, severity: warning, reason: a}\n"
        "- {rule: secret-reference, severity: error, paths: ['**/turn.yaml'],\n"
        "   reason: TURN Secrets must be in Git}\n",
    )
    result = run("tree")
    assert "warning[san-retirement] TlsCertificate vdx-stage-alpha/shared" in result.output
    assert "error[secret-reference] TurnService vdx-stage-alpha/extra" in result.output
    assert result.exit_code == 1


def test_configuration_is_found_above_the_checked_path_but_not_beyond_the_repository(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    configure(repo, "rules:\n- {rule: secret-reference, severity: ignore, reason: r}\n")
    assert SECRET_WARNING not in run("tree/stage").output
    assert SECRET_WARNING in run("tree/stage", "--no-config").output
    # An explicit file wins over discovery.
    other = tmp_path_factory.mktemp("elsewhere") / "strict.yaml"
    other.write_text("rules:\n- {rule: secret-reference, severity: error, reason: strict CI}\n")
    result = run("tree", "--config", other)
    assert "error[secret-reference]" in result.output
    assert result.exit_code == 1


def test_the_configuration_file_is_not_read_as_a_manifest(repo: Path) -> None:
    configure(repo, "rules:\n- {rule: secret-reference, severity: ignore, reason: r}\n", where="tree")
    result = run("tree")
    assert result.exit_code == 0, result.output
    assert "not-an-object" not in result.output
    assert "in 6 files" in result.output


def test_two_configurations_for_one_run_are_a_usage_error(repo: Path) -> None:
    configure(repo, "rules: []\n", where="tree/stage")
    configure(repo, "rules: []\n", where="tree/prod")
    result = run("tree/stage", "tree/prod")
    assert result.exit_code == 2
    assert "governed by different .vdx-check.yaml files" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules:\n- {rule: schema, severity: ignore, reason: r}\n", "'schema' is not a platform rule"),
        ("rules:\n- {rule: no-such-rule, severity: ignore, reason: r}\n", "the rules are branding-assets"),
        ("rules:\n- {rule: quota, severity: off, reason: r}\n", "an unquoted off/no reads as false"),
        ("rules:\n- {rule: quota, severity: ignore}\n", "rules.0.reason: Field required"),
        ("rules:\n- {rule: quota, severity: ignore, reason: '  '}\n", "write why the rule is configured"),
        ("rule:\n- {rule: quota, severity: ignore, reason: r}\n", "rule: Extra inputs are not permitted"),
        ("rules: [\n", "not valid YAML"),
    ],
)
def test_a_bad_configuration_is_a_usage_error_naming_file_entry_and_fix(
    repo: Path, text: str, message: str
) -> None:
    configure(repo, text)
    result = run("tree")
    assert result.exit_code == 2
    assert ".vdx-check.yaml" in result.output
    assert message in result.output


# --- inline suppressions ---------------------------------------------------------------------


def test_an_annotation_with_a_reason_suppresses_the_warning_on_its_resource(repo: Path) -> None:
    annotate(repo, {"suppress.vdx.medcom.dk/secret-reference": "created by the region's Vault (CHG-12)"})
    result = run("tree", "--strict")
    assert result.exit_code == 0, result.output
    assert result.output.endswith(
        "vdx check: clean: 0 errors, 0 warnings in 6 files; not shown: 1 suppressed inline\n"
    )


def test_a_suppression_without_a_reason_is_an_error_and_suppresses_nothing(repo: Path) -> None:
    annotate(repo, {"suppress.vdx.medcom.dk/secret-reference": " "})
    result = run("tree")
    assert result.exit_code == 1
    assert SECRET_WARNING in result.output
    assert (
        "tree/stage/turn.yaml:7:5: error[suppression] TurnService vdx-stage-alpha/extra, field "
        "metadata.annotations.suppress.vdx.medcom.dk/secret-reference: the suppression of "
        "secret-reference has no reason, so nothing is suppressed. Fix: write why"
    ) in result.output


def test_an_error_cannot_be_suppressed_inline(repo: Path) -> None:
    shared = SPANNING.replace(
        "  namespace: vdx-stage-alpha\nspec:",
        "  namespace: vdx-stage-alpha\n  annotations:\n"
        "    suppress.vdx.medcom.dk/san-retirement: we want the shared certificate\nspec:",
        1,
    )
    (repo / "tree" / "stage" / "c.yaml").write_text(shared)
    result = run("tree")
    assert result.exit_code == 1
    assert SAN_ERROR in result.output
    assert "error[suppression] TlsCertificate vdx-stage-alpha/shared" in result.output
    assert "cannot be suppressed inline" in result.output


def test_unknown_and_stale_suppressions_are_warnings(repo: Path) -> None:
    annotate(
        repo,
        {
            "suppress.vdx.medcom.dk/secret-reference": "Vault",
            "suppress.vdx.medcom.dk/secret-refs": "typo",
            "suppress.vdx.medcom.dk/quota": "nothing to suppress here",
        },
    )
    result = run("tree")
    assert result.exit_code == 0
    lines = [line for line in result.output.splitlines() if "[suppression]" in line]
    assert len(lines) == 2
    assert "'secret-refs' is not a platform rule that can be suppressed" in lines[1] or (
        "'secret-refs' is not a platform rule that can be suppressed" in lines[0]
    )
    assert any("the suppression of quota matches no finding of this resource any more" in x for x in lines)
    assert "not shown: 1 suppressed inline" in result.output


# --- baseline --------------------------------------------------------------------------------


def test_a_baseline_hides_known_findings_and_reports_new_ones(repo: Path) -> None:
    written = run("tree", "--write-baseline", "baseline.json")
    assert written.exit_code == 0, written.output
    assert "recorded 1 finding(s) in baseline.json" in written.output
    recorded = json.loads((repo / "baseline.json").read_text())
    assert recorded["findings"][0]["rule"] == "secret-reference"

    clean = run("tree", "--baseline", "baseline.json", "--strict")
    assert clean.exit_code == 0, clean.output
    assert clean.output == "vdx check: clean: 0 errors, 0 warnings in 6 files; not shown: 1 in the baseline\n"

    # Moving the known finding to another line and file keeps it known; a new one is reported.
    (repo / "tree" / "stage" / "turn.yaml").unlink()
    (repo / "tree" / "moved.yaml").write_text("# moved\n\n" + TURN.format(annotations=""))
    (repo / "tree" / "stage" / "c.yaml").write_text(SPANNING)
    result = run("tree", "--baseline", "baseline.json")
    assert result.exit_code == 1
    assert SECRET_WARNING not in result.output
    assert SAN_ERROR in result.output
    assert "not shown: 1 in the baseline" in result.output


def test_a_fixed_finding_leaves_a_stale_baseline_entry_that_the_summary_counts(repo: Path) -> None:
    run("tree", "--write-baseline", "baseline.json")
    (repo / "tree" / "stage" / "turn.yaml").unlink()
    result = run("tree", "--baseline", "baseline.json")
    assert result.exit_code == 0
    assert "1 baseline entry no longer found (write the baseline again)" in result.output
    report = json.loads(run("tree", "--baseline", "baseline.json", "-o", "json").output)
    assert report["summary"]["baselineEntriesGone"] == 1


def test_the_baseline_counts_identical_findings(repo: Path) -> None:
    secret = ResourceRef("Secret", "ns", "s")
    where = Location("a.yaml", 3, 5)
    finding = Finding(Severity.WARNING, "duplicate-name", secret, "", "x; first at b.yaml:7:1", "f", where)
    moved = Finding(Severity.WARNING, "duplicate-name", secret, "", "x; first at b.yaml:9:1", "f")
    assert key_of(finding) == key_of(moved)
    compared = compare([finding, moved], Counter([key_of(finding)]))
    assert len(compared.known) == 1
    assert len(compared.new) == 1


def test_a_broken_baseline_is_a_usage_error(repo: Path) -> None:
    (repo / "baseline.json").write_text('{"findings": []}')
    result = run("tree", "--baseline", "baseline.json")
    assert result.exit_code == 2
    assert "baseline.json: not a vdx check baseline of version 1" in result.output


def test_reports_are_deterministic(repo: Path) -> None:
    annotate(repo, {"suppress.vdx.medcom.dk/quota": "stale", "suppress.vdx.medcom.dk/x": "unknown"})
    (repo / "tree" / "stage" / "c.yaml").write_text(SPANNING)
    outputs = {run("tree", "-o", "json").output for _ in range(3)}
    assert len(outputs) == 1


def test_sarif_declares_the_suppression_rule_and_leaves_hidden_findings_out(repo: Path) -> None:
    annotate(repo, {"suppress.vdx.medcom.dk/secret-reference": " "})
    sarif = json.loads(run("tree", "-o", "sarif").output)
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "suppression" in rules
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"suppression", "secret-reference"}
    annotate(repo, {"suppress.vdx.medcom.dk/secret-reference": "Vault"})
    assert json.loads(run("tree", "-o", "sarif").output)["runs"][0]["results"] == []

"""The corpus of invalid trees: every case produces exactly the findings it declares.

expected.yaml:
    why: what the case shows
    base: true            # check together with corpus/_base (default true)
    findings:             # exactly these, in any order
    - rule: san-retirement
      severity: error     # default error
      file: cert.yaml     # relative to the case folder (or `_base/...` for a base file)
      line: 9             # optional
      resource: TlsCertificate vdx-stage-alpha/shared   # optional
      field: spec.dnsNames[1]                           # optional
      message: spans several tenants (stage-alpha, stage-beta)   # a distinctive substring
      fix: one certificate per tenant                            # optional substring

Exactly: each declared finding must be found (rule, severity, message text, and file, line,
resource and field where declared), and nothing else may be found, so a rule that starts
reporting too much fails here as surely as one that stops reporting.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from vdx.api.loader import MANIFEST_SUFFIXES
from vdx.policies.engine import check_workspace
from vdx.policies.findings import Finding
from vdx.policies.registry import LOAD_RULES, RULES
from vdx.policies.source import read_paths

CORPUS = Path(__file__).parent / "corpus"
BASE = CORPUS / "_base"


@dataclass(frozen=True)
class Case:
    name: str
    folder: Path
    why: str
    base: bool
    expected: list[dict[str, Any]]


def cases() -> list[Case]:
    found = []
    for folder in sorted(CORPUS.iterdir()):
        if not folder.is_dir() or folder.name.startswith("_"):
            continue
        spec = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
        found.append(Case(folder.name, folder, spec["why"], spec.get("base", True), spec["findings"]))
    return found


def shown_file(finding: Finding, case: Case) -> str | None:
    if finding.location is None:
        return None
    path = Path(finding.location.file)
    try:
        return path.relative_to(case.folder).as_posix()
    except ValueError:
        return path.relative_to(CORPUS).as_posix()


def check_case(case: Case) -> list[Finding]:
    # The manifests; image files next to a CviBranding are read through it, as `vdx check DIR` does.
    files = sorted(
        p
        for p in case.folder.rglob("*")
        if p.is_file() and p.name != "expected.yaml" and p.suffix in MANIFEST_SUFFIXES
    )
    return check_workspace(read_paths([BASE, *files] if case.base else files))


def matches(finding: Finding, expected: dict[str, Any], case: Case) -> bool:
    checks = [
        finding.rule == expected["rule"],
        finding.severity.value == expected.get("severity", "error"),
        expected["message"] in finding.message,
        expected.get("fix", "") in finding.fix,
    ]
    if "file" in expected:
        checks.append(shown_file(finding, case) == expected["file"])
    if "line" in expected:
        checks.append(finding.location is not None and finding.location.line == expected["line"])
    if "resource" in expected:
        checks.append(str(finding.resource) == expected["resource"])
    if "field" in expected:
        checks.append(finding.field == expected["field"])
    return all(checks)


CASES = cases()


def describe(findings: list[object]) -> str:
    return "\n".join(f"  {f}" for f in findings) or "  (none)"


def test_the_base_tree_is_clean() -> None:
    assert check_workspace(read_paths([BASE])) == []


def test_the_corpus_has_at_least_sixty_cases() -> None:
    assert len(CASES) >= 60


def test_every_rule_has_a_case() -> None:
    covered = {entry["rule"] for case in CASES for entry in case.expected}
    wanted = {rule.id for rule in RULES} | set(LOAD_RULES)
    # Rules that need a file the corpus cannot hold (unreadable, a symlink out of the tree, over the
    # size limit): tests/policies/test_hostile_input.py has them.
    assert wanted - covered == {"file-unreadable", "symlink-outside-tree", "file-too-large"}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_case(case: Case) -> None:
    findings = check_case(case)
    unmatched = list(findings)
    missing = []
    # Most specific expectations first, so a vaguer one cannot take another's finding.
    for expected in sorted(case.expected, key=len, reverse=True):
        hit = next((f for f in unmatched if matches(f, expected, case)), None)
        if hit is None:
            missing.append(expected)
        else:
            unmatched.remove(hit)
    report = (
        f"{case.name} ({case.why})\nexpected but not found: {missing}\n"
        f"found but not expected:\n{describe(unmatched)}\nall findings:\n{describe(findings)}\n"
        f"files: {[shown_file(f, case) for f in findings]}"
    )
    assert not missing, report
    assert not unmatched, report

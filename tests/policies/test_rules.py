"""The rule machinery: positions, the registry and its documentation, and the admission policies."""

from __future__ import annotations

import sys

import pytest
import yaml

from vdx.cli.schemas import stale_files
from vdx.paths import REPO_ROOT, SCHEMAS_DIR
from vdx.policies.positions import index_node
from vdx.policies.registry import LOAD_RULES, RULES, RULES_BY_ID
from vdx.policies.vap import POLICIES, admission_files


def test_positions_point_at_keys_list_items_and_the_nearest_written_parent() -> None:
    text = "a:\n  b:\n  - x\n  - {c: 1}\nd: [e, f]\n"
    positions = index_node(yaml.compose(text))
    assert (positions.locate("a.b[1].c").line, positions.locate("a.b[1].c").column) == (4, 6)
    assert positions.locate("a.b[0]").line == 3
    assert (positions.locate("d[1]").line, positions.locate("d[1]").column) == (5, 8)
    assert positions.locate("a.missing.deeper").line == 1  # where the field would have to be added
    assert positions.locate("").line == 1


def test_annotation_keys_with_dots_are_located() -> None:
    text = "metadata:\n  annotations:\n    vdx.medcom.dk/skip-promotion-check: why\n"
    positions = index_node(yaml.compose(text))
    assert positions.locate("metadata.annotations.vdx.medcom.dk/skip-promotion-check").line == 3


def test_rule_ids_are_unique_and_every_rule_module_explains_its_decision() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    assert not set(ids) & set(LOAD_RULES)
    for rule in RULES:
        module = sys.modules[rule.check.__module__]
        assert module.__doc__ is not None, module.__name__
        assert len(module.__doc__) > 200, module.__name__
        assert rule.title
        assert rule.decision


@pytest.mark.parametrize("document", ["docs/policies.md", "policies/README.md"])
def test_every_rule_is_documented(document: str) -> None:
    text = (REPO_ROOT / document).read_text(encoding="utf-8")
    for rule in RULES:
        assert f"`{rule.id}`" in text, f"{document} does not mention {rule.id}"
        assert rule.check.__module__.replace(".", "/") in text.replace(".py", ""), rule.check.__module__
    if document == "docs/policies.md":
        for rule_id in LOAD_RULES:
            assert f"`{rule_id}`" in text, rule_id
        for policy in POLICIES:
            assert policy.name in text


def test_admission_policies_are_generated_and_current() -> None:
    files = admission_files()
    assert sorted(files) == sorted(f"admission/{p.name}.yaml" for p in POLICIES)
    assert not [p for p in stale_files(SCHEMAS_DIR) if p.split(": ")[1].startswith("admission/")]
    for content in files.values():
        policy, binding = yaml.safe_load_all(content)
        assert policy["kind"] == "ValidatingAdmissionPolicy"
        assert binding["kind"] == "ValidatingAdmissionPolicyBinding"
        assert binding["spec"]["policyName"] == policy["metadata"]["name"]


def test_each_admission_policy_enforces_a_registered_rule_that_names_it() -> None:
    for policy in POLICIES:
        rule = RULES_BY_ID[policy.rule]
        assert policy.name in rule.admission, (policy.name, rule.admission)


def test_admission_policies_speak_with_the_rules_messages() -> None:
    from vdx.policies.rules import direct_media, promotion, san_certificates

    text = "".join(admission_files().values())
    unfolded = " ".join(text.split())
    assert " ".join(direct_media.MESSAGE.split()) in unfolded
    assert san_certificates.RETIRED in unfolded
    assert f"the escape hatch {promotion.SKIP_ANNOTATION} is set without a reason" in unfolded

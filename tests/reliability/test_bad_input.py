"""Bad input never crashes the loader or `vdx check`: it always becomes a problem people can act on.

Property-based: arbitrary YAML text, arbitrary values in place of any field of the example tree
(wrong types, nulls, huge numbers, unicode, deep nesting), extra and missing fields. The only
exception the loader may raise is LoadError; `vdx check` raises nothing. When a vdx document does
not load, a finding names its kind and name, and a schema finding names the field. Seeded and
bounded so the suite stays fast and a failure reproduces.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from vdx.api.loader import LoadError, Problem, Tree, load_document, load_text
from vdx.policies.admission import review, verdict
from vdx.policies.engine import check_workspace
from vdx.policies.findings import Finding
from vdx.policies.source import Workspace, add_text, raw_ref

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SETTINGS = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CHECK_SETTINGS = settings(SETTINGS, max_examples=60)


def _example_files() -> dict[str, str]:
    return {p.relative_to(EXAMPLES).as_posix(): p.read_text() for p in sorted(EXAMPLES.rglob("*.yaml"))}


FILES = _example_files()
# `vdx check` runs on a slice of the tree (two tenants and the platforms) to keep each example fast;
# the loader properties use every document of the tree.
CHECKED = {
    name: text
    for name, text in FILES.items()
    if name.split("/")[:2] in (["prod", "rm"], ["prod", "plo"]) or name.startswith("platforms/")
}
DOCUMENTS: list[tuple[str, int, dict[str, Any]]] = [
    (name, index, doc)
    for name, text in FILES.items()
    for index, doc in enumerate(yaml.safe_load_all(text))
    if isinstance(doc, dict) and str(doc.get("apiVersion", "")).startswith("vdx.medcom.dk/")
]

HUGE = st.sampled_from([2**63, -(2**63) - 1, 10**40, math.inf, -math.inf, math.nan, 1e308])
TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
    max_size=40,
) | st.sampled_from(["", " ", "x" * 5000, "ÆØÅ æøå", "\u202e", "\x00", "null", "~", "0x10", "*a"])
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | HUGE | TEXT
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out.extend(_paths(child, (*prefix, index)))
    return out


@st.composite
def mutated_documents(draw: st.DrawFn) -> tuple[str, int, dict[str, Any]]:
    """An example document with one field replaced, removed, or given a stray sibling."""
    file, index, original = draw(st.sampled_from(DOCUMENTS))
    document = copy.deepcopy(original)
    path = draw(st.sampled_from(_paths(document)[1:]))
    parent: Any = document
    for part in path[:-1]:
        parent = parent[part]
    action = draw(st.sampled_from(["replace", "replace", "delete", "extra"]))
    if action == "replace":
        parent[path[-1]] = draw(VALUES)
    elif action == "delete":
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[draw(TEXT)] = draw(VALUES)
    else:
        parent.append(draw(VALUES))
    return file, index, document


def _dump(document: Any) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def _check_text(files: dict[str, str]) -> tuple[Workspace, list[Finding]]:
    workspace = Workspace()
    for name, text in files.items():
        add_text(workspace, text, name)
    return workspace, check_workspace(workspace)


@SETTINGS
@seed(12)
@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
def test_arbitrary_text_loads_or_raises_load_error(text: str) -> None:
    problems: list[Problem] = []
    try:
        load_text(text, "fuzz.yaml")
    except LoadError as exc:
        problems = exc.problems
        assert problems
    assert all(p.source.startswith("fuzz.yaml") and p.resource and p.message for p in problems)


@SETTINGS
@seed(12)
@given(VALUES)
def test_any_value_as_a_document_is_a_problem_not_a_crash(value: Any) -> None:
    for document in (value, {"apiVersion": "vdx.medcom.dk/v1alpha1", "kind": "Domain", "metadata": value}):
        problems = load_document(document, "fuzz", Tree())
        assert all(p.resource and p.message and p.fix for p in problems)


@SETTINGS
@seed(12)
@given(mutated_documents())
def test_a_mutated_resource_never_crashes_and_is_named(case: tuple[str, int, dict[str, Any]]) -> None:
    _, _, document = case
    tree = Tree()
    problems = load_document(document, "fuzz.yaml", tree)
    if not problems:
        assert len(tree.resources) + len(tree.others) == 1
        return
    ref = raw_ref(document)
    for problem in problems:
        if ref is not None and problem.code not in ("document", "api-version", "kind"):
            assert ref.name in problem.resource
            assert str(document["kind"]) in problem.resource
        if problem.code == "schema":
            assert problem.field, problem


@CHECK_SETTINGS
@seed(12)
@given(mutated_documents())
def test_check_reports_every_mutated_resource_that_does_not_load(
    case: tuple[str, int, dict[str, Any]],
) -> None:
    file, index, document = case
    texts = dict(CHECKED)
    texts.setdefault(file, FILES[file])
    documents = list(yaml.safe_load_all(texts[file]))
    documents[index] = document
    texts[file] = yaml.safe_dump_all(documents, allow_unicode=True, sort_keys=False)
    _workspace, findings = _check_text(texts)  # must not raise
    for finding in findings:
        assert finding.rule
        assert finding.message
        assert finding.fix
        assert finding.location is not None
        assert finding.location.file in texts
    if load_document(copy.deepcopy(document), "probe", Tree()):
        ref = raw_ref(document)
        if ref is not None:
            named = [f for f in findings if f.resource == ref]
            assert named, f"no finding names {ref}"
            assert all(f.field for f in named if f.rule == "schema")


@CHECK_SETTINGS
@seed(12)
@given(st.sampled_from(sorted(CHECKED)), st.text(max_size=200))
def test_check_survives_any_file_in_the_tree(file: str, text: str) -> None:
    texts = dict(CHECKED)
    texts[file] = text
    _check_text(texts)


def test_nesting_deeper_than_the_parser_is_a_finding() -> None:
    deep = "[" * 5000 + "]" * 5000
    with pytest.raises(LoadError, match="nest"):
        load_text(deep, "deep.yaml")
    _, findings = _check_text({"deep.yaml": deep, **CHECKED})
    assert any(f.rule == "yaml-syntax" and f.location and f.location.file == "deep.yaml" for f in findings)


@CHECK_SETTINGS
@seed(12)
@given(mutated_documents())
def test_admission_review_of_a_mutated_object_never_crashes(case: tuple[str, int, dict[str, Any]]) -> None:
    """The webhook judges with the same code: a hostile object is refused with words, not a 500."""
    _file, _index, document = case
    cluster = [d for name, text in CHECKED.items() for d in yaml.safe_load_all(text) if isinstance(d, dict)]
    findings = review(document, cluster)
    outcome = verdict(findings)
    if load_document(copy.deepcopy(document), "probe", Tree()) and raw_ref(document) is not None:
        assert not outcome.allowed
        assert outcome.message


def test_a_control_character_is_a_finding_not_a_crash() -> None:
    """Found by the properties above: the YAML reader raised before `vdx check` caught anything."""
    _, findings = _check_text({"ctl.yaml": "kind: \x1f\n"})
    assert [f.rule for f in findings] == ["yaml-syntax"]


def test_an_empty_key_is_named_as_a_field() -> None:
    """Found by the properties above: an unknown field `""` was reported with no field at all."""
    document = copy.deepcopy(next(d for _, _, d in DOCUMENTS if d["kind"] == "Domain"))
    document["spec"][""] = 1
    (problem,) = load_document(document, "fuzz.yaml", Tree())
    assert problem.field == 'spec[""]'

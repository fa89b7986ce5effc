"""Every `.labels(...)` call on an operator metric passes as many labels as the metric declares.

prometheus_client raises `ValueError('Incorrect label count')` only when the call runs, inside a
reconcile (a drift correction, a failure): a label added to a metric and missed at one call site
breaks that path at run time, not at import. This reads every call in the package instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

import vdx
from vdx.controller.metrics import OperatorMetrics

PACKAGE = Path(vdx.__file__).parent


def _label_calls() -> list[tuple[str, int, str, int]]:
    """(file, line, metric attribute, positional label count) of each `<x>.<metric>.labels(...)`."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "labels"
                and isinstance(node.func.value, ast.Attribute)
                and not node.keywords
                and not any(isinstance(a, ast.Starred) for a in node.args)
            ):
                rel = path.relative_to(PACKAGE).as_posix()
                found.append((rel, node.lineno, node.func.value.attr, len(node.args)))
    return found


def test_each_label_call_passes_every_label_of_its_metric() -> None:
    metrics = OperatorMetrics()
    declared = {
        name: len(metric._labelnames)
        for name, metric in vars(metrics).items()
        if hasattr(metric, "_labelnames")
    }
    calls = [c for c in _label_calls() if c[2] in declared]
    assert len(calls) > 20, "the scan found too few calls: it no longer sees the call sites"
    wrong = [
        f"{f}:{line} {name}: {n} labels, declared {declared[name]}"
        for f, line, name, n in calls
        if n != declared[name]
    ]
    assert not wrong, "\n".join(wrong)

"""The operator's modules import one another in layers: no circle, not even one for type hints.

A circle between the driver and the kinds (runtime -> registry -> reconcilers -> runtime) made every
kind's module depend on the whole driver; reconcilers now see `controller.context.Context`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import vdx

PACKAGE = Path(vdx.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, known: set[str]) -> set[str]:
    """Every vdx module `path` imports, at run time or for type checking alone."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found.update(name for name in names if name in known)
    return found


def _graph(prefix: str | tuple[str, ...]) -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = set(paths)
    return {
        name: {m for m in _imports(path, known) if m.startswith(prefix) and m != name}
        for name, path in paths.items()
        if name.startswith(prefix)
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_operator_and_vdx_plan_have_no_import_circle() -> None:
    # The registrations name both gatherers (controller.reconcilers, gitops.phases); gitops.planning
    # reads the registry: the two packages together must stay in layers.
    assert _cycles(_graph(("vdx.controller", "vdx.gitops"))) == []


def test_no_reconciler_imports_the_driver() -> None:
    graph = _graph("vdx.controller")
    offenders = {
        name: sorted(
            graph[name] & {"vdx.controller.runtime", "vdx.controller.handlers", "vdx.controller.run"}
        )
        for name in graph
        if name.startswith(("vdx.controller.reconcilers", "vdx.controller.planners"))
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_sees_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_kind_names_an_offline_gatherer_vdx_plan_can_load() -> None:
    import importlib

    from vdx.controller.registry import PLAN_ORDER, REGISTRATIONS

    named = [r for r in REGISTRATIONS if r.offline]
    # Every kind has one (PexipPlatform's plans the system locations it declares).
    assert {r.kind for r in REGISTRATIONS} - {r.kind for r in named} == set()
    for registration in named:
        module = importlib.import_module(str(registration.offline))
        assert callable(module.plan), registration.kind
    order = [r.kind for r in PLAN_ORDER]
    assert order.index("Domain") > order.index("TurnService")
    # A Domain binds its TURN server in a location the platform's plan may create.
    assert order.index("Domain") > order.index("PexipPlatform")

"""Turn YAML text into a loaded tree plus the findings of loading it, keeping line numbers.

`vdx check` must never crash on bad input: broken YAML, a document that is not an object, an
unknown kind and a schema error all become findings, and every document that does load is still
checked by the rules. The models and their validation are the loader's (`vdx.api.loader`), so a
tree is judged by exactly the code that builds the CRDs; this module adds only the positions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vdx.api.loader import NESTED_TOO_DEEPLY, Problem, Tree, load_document, yaml_files
from vdx.api.meta import API_GROUP
from vdx.policies.findings import Finding, Location, ResourceRef, Severity
from vdx.policies.positions import DocumentPositions, index_node

# Loader problem codes -> rule ids shown to people (docs/policies.md lists them).
_RULE_OF_CODE = {
    "file": "file-unreadable",
    "yaml": "yaml-syntax",
    "document": "not-an-object",
    "api-version": "api-version",
    "kind": "unknown-kind",
    "schema": "schema",
    "object-rule": "object-rule",
    "scope": "scope",
}


@dataclass
class Workspace:
    """Everything `vdx check` knows about a tree before the rules run."""

    tree: Tree = field(default_factory=Tree)
    findings: list[Finding] = field(default_factory=list)
    # Loader source label of each document -> (file, positions of its fields).
    documents: dict[str, tuple[str, DocumentPositions | None]] = field(default_factory=dict)
    # vdx objects written in the tree that did not load: rules must not report them as missing.
    unloaded: set[ResourceRef] = field(default_factory=set)
    unloaded_tenant_namespaces: set[str] = field(default_factory=set)
    files: list[str] = field(default_factory=list)

    def locate(self, source: str, path: str = "") -> Location | None:
        entry = self.documents.get(source)
        if entry is None:
            return None
        file, positions = entry
        if positions is None:
            return Location(file)
        position = positions.locate(path)
        return Location(file, position.line, position.column)


def read_paths(paths: Iterable[Path]) -> Workspace:
    """Read every YAML file under `paths` (the only I/O of `vdx check`)."""
    workspace = Workspace()
    for path in yaml_files(paths):
        name = path.as_posix()
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
            workspace.files.append(name)
            workspace.findings.append(
                Finding(
                    Severity.ERROR,
                    "file-unreadable",
                    None,
                    "",
                    f"cannot be read ({reason})",
                    "check the path and that the file is UTF-8 YAML",
                    Location(name),
                )
            )
            continue
        add_text(workspace, text, name)
    return workspace


def add_text(workspace: Workspace, text: str, file: str) -> None:
    """Parse one file's text into `workspace` (pure apart from mutating the workspace)."""
    workspace.files.append(file)
    nodes: list[yaml.Node] = []
    try:
        # Inside the try: the reader rejects control characters as soon as it is constructed.
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:
        workspace.findings.append(_yaml_finding(exc, file))
        return
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                nodes.append(node)
    except yaml.YAMLError as exc:
        workspace.findings.append(_yaml_finding(exc, file))
    except RecursionError:
        # Composing, constructing and indexing all recurse once per nesting level.
        workspace.findings.append(_too_deep_finding(file))
    finally:
        loader.dispose()
    documents: list[tuple[Any, yaml.Node]] = []
    for node in nodes:
        try:
            data = yaml.SafeLoader("").construct_document(node)
        except yaml.YAMLError as exc:
            workspace.findings.append(_yaml_finding(exc, file))
            continue
        except RecursionError:
            workspace.findings.append(_too_deep_finding(file))
            continue
        if data is not None:
            documents.append((data, node))
    for index, (data, node) in enumerate(documents, start=1):
        label = f"{file} (document {index})" if len(documents) > 1 else file
        try:
            positions: DocumentPositions | None = index_node(node)
        except RecursionError:
            positions = None
        workspace.documents[label] = (file, positions)
        add_document(workspace, data, label)


def add_document(workspace: Workspace, data: Any, label: str) -> None:
    """Validate one document with the loader; its problems become findings."""
    problems = load_document(data, label, workspace.tree)
    if not problems:
        return
    ref = raw_ref(data)
    if ref is not None and _is_vdx(data):
        workspace.unloaded.add(ref)
        spec = data.get("spec")
        if ref.kind == "Tenant" and isinstance(spec, dict) and isinstance(spec.get("namespace"), str):
            workspace.unloaded_tenant_namespaces.add(spec["namespace"])
    for problem in problems:
        workspace.findings.append(problem_finding(problem, ref, workspace.locate(label, problem.field)))


def problem_finding(problem: Problem, ref: ResourceRef | None, location: Location | None) -> Finding:
    return Finding(
        Severity.ERROR,
        _RULE_OF_CODE.get(problem.code, problem.code),
        ref,
        problem.field,
        problem.message,
        problem.fix,
        location,
    )


def raw_ref(data: Any) -> ResourceRef | None:
    """The identity a raw document claims, if it names one (even when it is otherwise invalid)."""
    if not isinstance(data, dict):
        return None
    kind = data.get("kind")
    metadata = data.get("metadata")
    if not isinstance(kind, str) or not isinstance(metadata, dict):
        return None
    name = metadata.get("name")
    namespace = metadata.get("namespace")
    if not isinstance(name, str):
        return None
    return ResourceRef(kind, namespace if isinstance(namespace, str) and namespace else None, name)


def _is_vdx(data: dict[str, Any]) -> bool:
    api_version = data.get("apiVersion")
    return isinstance(api_version, str) and api_version.startswith(API_GROUP + "/")


def _too_deep_finding(file: str) -> Finding:
    return Finding(
        Severity.ERROR,
        "yaml-syntax",
        None,
        "",
        f"broken YAML: {NESTED_TOO_DEEPLY}",
        "flatten the document; documents after this one in the file were not checked",
        Location(file),
    )


def _yaml_finding(exc: yaml.YAMLError, file: str) -> Finding:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    reason = getattr(exc, "problem", None) or "invalid YAML"
    context = getattr(exc, "context", None)
    message = f"{context}, {reason}" if context else str(reason)
    location = Location(file, mark.line + 1, mark.column + 1) if mark is not None else Location(file)
    return Finding(
        Severity.ERROR,
        "yaml-syntax",
        None,
        "",
        f"broken YAML: {message}",
        "fix the YAML syntax at this line (indentation, a missing ':' or an unclosed bracket or quote); "
        "documents after the error in this file were not checked",
        location,
    )

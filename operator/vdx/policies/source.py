"""Turn YAML text into a loaded tree plus the findings of loading it, keeping line numbers.

`vdx check` must never crash on bad input: broken YAML, a document that is not an object, an
unknown kind and a schema error all become findings, and every document that does load is still
checked by the rules. The models and their validation are the loader's (`vdx.api.loader`), so a
tree is judged by exactly the code that builds the CRDs; this module adds only the positions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from vdx.api.branding import CviBranding
from vdx.api.loader import (
    NESTED_TOO_DEEPLY,
    Problem,
    Tree,
    escaping_problem,
    load_document,
    near_miss,
    tree_files,
)
from vdx.api.meta import API_GROUP
from vdx.policies import hygiene
from vdx.policies.findings import Finding, Location, ResourceRef, Severity
from vdx.policies.positions import DocumentPositions, index_node
from vdx.yamlio import (
    MAX_FILE_BYTES,
    MAX_OBJECT_BYTES,
    MAX_TREE_BYTES,
    DuplicateKey,
    YamlRefused,
    compose_documents,
    error_position,
    error_text,
)

if TYPE_CHECKING:
    from vdx.branding.assets import AssetFile

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
    "api-group": "api-group",
    "yaml-limit": "yaml-limit",
    "size": "file-too-large",
    "symlink": "symlink-outside-tree",
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
    # Organisation labels of Tenants that did not load: promotion does not call them missing.
    unloaded_organisations: set[str] = field(default_factory=set)
    files: list[str] = field(default_factory=list)
    # Values the tree holds as secrets (Secret data, credential fields): redacted from every finding.
    sensitive: set[str] = field(default_factory=set)
    # Per CviBranding (its document label): the image files next to its file, by key.
    branding_files: dict[str, dict[str, AssetFile]] = field(default_factory=dict)
    # Files `vdx branding update` writes that exist next to a CviBranding but were not given to
    # this check (one file checked alone): a ConfigMap missing from the tree is not missing there.
    unread_generated: set[str] = field(default_factory=set)

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
    """Read every manifest under `paths` (the only I/O of `vdx check`), within the size bounds."""
    workspace = Workspace()
    found = tree_files(paths)
    for link in found.escaping:
        workspace.findings.append(problem_finding(escaping_problem(link), None, Location(link.as_posix())))
    budget = MAX_TREE_BYTES
    for path in found.files:
        name = path.as_posix()
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES or size > budget:
                workspace.files.append(name)
                workspace.findings.append(_too_large_finding(name, size, budget))
                continue
            budget -= size
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
    read_branding_files(workspace)
    return workspace


def read_branding_files(workspace: Workspace) -> None:
    """The image files each CviBranding names, next to its file (docs/branding.md): read here, so
    the rules stay pure; only the files its configMapKeyRefs name, never the rest of the folder."""
    from vdx.branding.files import files_next_to  # only a tree with a CviBranding needs it
    from vdx.branding.generated import wanted_config_maps

    read = set(workspace.files)
    budget = MAX_TREE_BYTES  # images count apart from the manifests, within the same bound
    for loaded in workspace.tree.resources:
        entry = workspace.documents.get(loaded.source)
        if isinstance(loaded.resource, CviBranding) and entry is not None:
            if budget <= 0:
                workspace.findings.append(_images_not_read_finding(entry[0]))
                continue
            files = files_next_to(loaded.resource, Path(entry[0]))
            budget -= sum(len(file.data) for file in files.values())
            if files:
                workspace.branding_files[loaded.source] = files
            for wanted in wanted_config_maps([loaded.resource]):
                generated = Path(entry[0]).parent / f"{wanted.name}.yaml"
                if generated.as_posix() not in read and generated.is_file():
                    workspace.unread_generated.add(generated.as_posix())


def _images_not_read_finding(file: str) -> Finding:
    return Finding(
        Severity.ERROR,
        "file-too-large",
        None,
        "",
        f"the images next to it were not read: the brandings before it already hold "
        f"{MAX_TREE_BYTES // (1024 * 1024)} MiB of images, the most one check reads",
        "check the tree in parts (one folder per run)",
        Location(file),
    )


def _too_large_finding(file: str, size: int, budget: int) -> Finding:
    if size > MAX_FILE_BYTES:
        message = f"is {size / 1024:,.0f} KiB; files over {MAX_FILE_BYTES // 1024:,} KiB are not read"
        fix = (
            f"split the file; no Kubernetes object can be larger than {MAX_OBJECT_BYTES // 1024:,} KiB "
            "(etcd's request limit)"
        )
    else:
        message = (
            f"was not read: the files before it already hold {(MAX_TREE_BYTES - budget) >> 20} MiB, "
            f"and one check reads at most {MAX_TREE_BYTES // (1024 * 1024)} MiB"
        )
        fix = "check the tree in parts (one folder per run), or remove files that are not manifests"
    return Finding(Severity.ERROR, "file-too-large", None, "", message, fix, Location(file))


def add_text(workspace: Workspace, text: str, file: str) -> None:
    """Parse one file's text into `workspace` (pure apart from mutating the workspace)."""
    workspace.files.append(file)
    try:
        composed = compose_documents(text, json_text=file.endswith(".json"))
    except YamlRefused as exc:
        _salvage(workspace, text)
        workspace.findings.append(
            Finding(
                Severity.ERROR,
                "yaml-limit",
                None,
                "",
                f"refused: {exc.message}",
                f"{exc.fix}; nothing in this file was checked",
                Location(file, exc.line, exc.column),
            )
        )
        return
    except yaml.YAMLError as exc:
        _salvage(workspace, text)
        workspace.findings.append(_yaml_finding(exc, file, text))
        return
    except RecursionError:
        _salvage(workspace, text)
        workspace.findings.append(_too_deep_finding(file))
        return
    documents: list[tuple[Any, yaml.Node, str]] = []
    for document in composed:
        if document.error is not None:
            start, end = document.error_span or (0, len(text))
            _salvage(workspace, text[start:end])
            workspace.findings.append(_yaml_finding(document.error, file, text))
            continue
        for duplicate in document.duplicates:
            workspace.findings.append(_duplicate_finding(document.data, duplicate, file))
        for data, node, suffix in _objects_of(document.data, document.node):
            documents.append((data, node, suffix))
    for index, (data, node, suffix) in enumerate(documents, start=1):
        label = f"{file} (document {index})" if len(documents) > 1 else file
        label += suffix
        try:
            positions: DocumentPositions | None = index_node(node)
        except RecursionError:
            positions = None
        workspace.documents[label] = (file, positions)
        add_document(workspace, data, label)


_DOCUMENT_START = re.compile(r"^---", re.MULTILINE)
_KIND = re.compile(r"^kind:\s*[\"']?([A-Za-z]+)", re.MULTILINE)
_NAME = re.compile(r"^\s+name:\s*[\"']?([-a-z0-9.]+)", re.MULTILINE)
_NAMESPACE = re.compile(r"^\s+namespace:\s*[\"']?([-a-z0-9]+)", re.MULTILINE)
_ORGANISATION = re.compile(r"vdx\.medcom\.dk/organisation:\s*[\"']?([-a-z0-9]+)")


def _salvage(workspace: Workspace, text: str) -> None:
    """What a file that did not parse appears to declare, so it is not reported missing as well.

    The parse error is the first cause; without this, every resource of a tenant whose Tenant file
    is broken would also be "in a namespace of no Tenant", and every reference to an object of the
    file "not in the tree". A few patterns over the raw text are enough to name objects; nothing
    here is trusted beyond suppressing those follow-on errors.
    """
    for chunk in _DOCUMENT_START.split(text):
        kind, name = _KIND.search(chunk), _NAME.search(chunk)
        if kind is None or name is None:
            continue
        namespace = _NAMESPACE.search(chunk)
        if kind.group(1) == "Tenant":
            workspace.unloaded.add(ResourceRef("Tenant", None, name.group(1)))
            if namespace:
                workspace.unloaded_tenant_namespaces.add(namespace.group(1))
            organisation = _ORGANISATION.search(chunk)
            if organisation:
                workspace.unloaded_organisations.add(organisation.group(1))
        else:
            workspace.unloaded.add(
                ResourceRef(kind.group(1), namespace.group(1) if namespace else None, name.group(1))
            )


def _objects_of(data: Any, node: yaml.Node) -> Iterator[tuple[Any, yaml.Node, str]]:
    """The objects of one document: itself, or the items of a `kind: List` (kubectl applies each)."""
    if (
        isinstance(data, dict)
        and isinstance(data.get("kind"), str)
        and data["kind"].endswith("List")
        and data.get("apiVersion") == "v1"
        and isinstance(data.get("items"), list)
        and isinstance(node, yaml.MappingNode)
    ):
        items_node = next(
            (v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == "items"), None
        )
        if isinstance(items_node, yaml.SequenceNode) and len(items_node.value) == len(data["items"]):
            for position, (item, item_node) in enumerate(zip(data["items"], items_node.value, strict=True)):
                yield item, item_node, f" item {position}"
            return
    yield data, node, ""


def _duplicate_finding(data: Any, duplicate: DuplicateKey, file: str) -> Finding:
    return Finding(
        Severity.ERROR,
        "duplicate-key",
        raw_ref(data),
        duplicate.path + ("." if duplicate.path else "") + duplicate.key,
        f"the key {duplicate.key} is written twice in this mapping; YAML keeps the last one silently, "
        "and the API server refuses the object",
        "keep one of them (the one the review meant)",
        Location(file, duplicate.line, duplicate.column),
    )


def add_document(workspace: Workspace, data: Any, label: str) -> None:
    """Validate one document with the loader; its problems become findings."""
    if isinstance(data, dict):
        _secret_hygiene(workspace, data, label)
    problems = load_document(data, label, workspace.tree)
    if not problems:
        return
    ref = raw_ref(data)
    if ref is not None and _is_vdx(data):
        workspace.unloaded.add(ref)
        spec = data.get("spec")
        if ref.kind == "Tenant" and isinstance(spec, dict) and isinstance(spec.get("namespace"), str):
            workspace.unloaded_tenant_namespaces.add(spec["namespace"])
        labels = (
            (data.get("metadata") or {}).get("labels") if isinstance(data.get("metadata"), dict) else None
        )
        if ref.kind == "Tenant" and isinstance(labels, dict):
            organisation = labels.get("vdx.medcom.dk/organisation")
            if isinstance(organisation, str):
                workspace.unloaded_organisations.add(organisation)
    for problem in problems:
        workspace.findings.append(problem_finding(problem, ref, workspace.locate(label, problem.field)))


def _secret_hygiene(workspace: Workspace, data: dict[str, Any], label: str) -> None:
    """Secrets in clear text and credentials in fields: errors, and their values never printed."""
    ref = raw_ref(data)
    if hygiene.is_secret(data):
        workspace.sensitive |= hygiene.secret_values(data)
        for section in hygiene.committed_secret(data):
            workspace.findings.append(
                Finding(
                    Severity.ERROR,
                    hygiene.SECRET_IN_TREE,
                    ref,
                    section,
                    f"a Secret with its values in clear text ({section}) is committed to the tree, where "
                    "every reviewer, CI job and supplier with access to the repository can read it",
                    hygiene.SEALED_FIX,
                    workspace.locate(label, section),
                )
            )
        return
    for path, value in hygiene.credentials_in_fields(data):
        workspace.sensitive.add(value)
        workspace.findings.append(
            Finding(
                Severity.ERROR,
                hygiene.CREDENTIAL_IN_SPEC,
                ref,
                path,
                "holds a credential (a PIN, password, key or token) in clear text in the tree",
                "move the value into a Secret that is not committed in clear text and reference it (a "
                "MeetingRoom reads its PINs through spec.pinSecretRef, a Device its password through "
                "spec.credentialsSecretRef); " + hygiene.SEALED_FIX,
                workspace.locate(label, path),
            )
        )


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
    """A vdx object, or one meant to be (a typo in the group): never reported as missing elsewhere."""
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if not isinstance(api_version, str):
        return False
    return api_version.startswith(API_GROUP + "/") or near_miss(api_version, str(kind))


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


def _yaml_finding(exc: yaml.YAMLError, file: str, text: str = "") -> Finding:
    # The parser's own text quotes the input (an alias name, a tag, a character), and the input
    # may be a Secret's value: only the scrubbed reason and the position are shown.
    line, column = error_position(exc)
    mark = getattr(exc, "problem_mark", None)
    index = getattr(mark, "index", None)
    hint = ""
    if isinstance(index, int) and 0 <= index < len(text) and text[index] == "\t":
        hint = " (a tab character: YAML indents with spaces only)"
    return Finding(
        Severity.ERROR,
        "yaml-syntax",
        None,
        "",
        f"broken YAML: {error_text(exc)}{hint}",
        "fix the YAML syntax at this line (indentation, a missing ':', an unclosed bracket or quote, or a "
        "value starting with * or ! that must be quoted); documents after the error in this file were "
        "not checked",
        Location(file, line, column),
    )

"""Load a GitOps tree of YAML files into resource models, with errors people can act on.

Every problem names the file and document, the kind and name, the field path, what was wrong and
how to fix it; nothing here prints a traceback or a field's secret value (the vdx kinds hold no
secrets; Secrets in the tree are passed through unparsed and never echoed).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from vdx.api.kinds import KINDS_BY_NAME
from vdx.api.meta import API_GROUP, GROUP_VERSION
from vdx.api.patterns import meaning_of
from vdx.api.resource import Resource
from vdx.yamlio import MAX_FILE_BYTES, YamlRefused, error_position, error_text, load_all

NESTED_TOO_DEEPLY = "is nested too deeply to parse"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one document."""

    source: str
    resource: str
    field: str
    message: str
    fix: str
    # What kind of problem this is, for tools that group or filter them (`vdx check` turns it into
    # a rule id): file, yaml, document, api-version, kind, schema, object-rule or scope.
    code: str = "schema"

    def __str__(self) -> str:
        where = f"{self.resource}, field {self.field}" if self.field else self.resource
        return f"{self.source}: {where}: {self.message}. Fix: {self.fix}"


class LoadError(Exception):
    """The tree did not load; `problems` lists every problem found, not only the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{len(problems)} {noun}:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass
class LoadedResource:
    resource: Resource
    source: str


@dataclass
class Tree:
    """A loaded GitOps tree: the vdx resources, plus the other Kubernetes objects it carries."""

    resources: list[LoadedResource] = field(default_factory=list)
    # Namespaces, ConfigMaps, Secrets...: applied as they are, checked only for shape.
    others: list[tuple[dict[str, Any], str]] = field(default_factory=list)

    def of_kind(self, kind: type[Resource]) -> list[Any]:
        return [loaded.resource for loaded in self.resources if isinstance(loaded.resource, kind)]


# kubectl apply -R and Argo CD apply JSON manifests as well as YAML: a tree is all of them.
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
# `vdx check`'s configuration (vdx.policies.checkconfig) and its conventional baseline: files of
# the tree's tooling, not manifests, so no reader of the tree takes them for objects.
CHECK_CONFIG_NAME = ".vdx-check.yaml"
CHECK_BASELINE_NAME = ".vdx-check-baseline.json"
NOT_MANIFESTS = frozenset({CHECK_CONFIG_NAME, CHECK_BASELINE_NAME})


@dataclass(frozen=True)
class TreeFiles:
    """The manifests under some paths, and the symlinks that lead out of them (never followed)."""

    files: list[Path]
    escaping: list[Path]


def tree_files(paths: Iterable[Path]) -> TreeFiles:
    """Every manifest under `paths`, in a stable order; a symlink whose target lies outside the
    path it was found under is listed in `escaping` and not read: a tree must not pull in files
    (a host's secrets, another checkout) that the review never saw.
    """
    files: list[Path] = []
    escaping: list[Path] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        root = path.resolve()
        found: list[Path] = []
        for folder, dirs, names in os.walk(path, followlinks=False):
            base = Path(folder)
            for name in dirs:
                if (base / name).is_symlink() and not _within(base / name, root):
                    escaping.append(base / name)
            for name in names:
                candidate = base / name
                if candidate.suffix not in MANIFEST_SUFFIXES or name in NOT_MANIFESTS:
                    continue
                if candidate.is_symlink() and not _within(candidate, root):
                    escaping.append(candidate)
                elif candidate.is_file():
                    found.append(candidate)
        files.extend(sorted(found))
    return TreeFiles(files, sorted(escaping))


def _within(link: Path, root: Path) -> bool:
    try:
        link.resolve().relative_to(root)
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def yaml_files(paths: Iterable[Path]) -> list[Path]:
    return tree_files(paths).files


def escaping_problem(link: Path) -> Problem:
    return Problem(
        str(link),
        "file",
        "",
        "is a symbolic link to a place outside the tree, which is not read",
        "copy the file into the tree, or remove the link",
        "symlink",
    )


def load_tree(paths: Iterable[Path]) -> Tree:
    """Load every YAML document under `paths`; raise LoadError listing all problems."""
    tree = Tree()
    problems: list[Problem] = []
    found = tree_files(paths)
    problems.extend(escaping_problem(link) for link in found.escaping)
    for path in found.files:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise YamlRefused(f"is over {MAX_FILE_BYTES // (1024 * 1024)} MiB", "split the file")
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            problems.append(
                Problem(str(path), "file", "", f"cannot be read ({exc.strerror})", "check the path", "file")
            )
            continue
        except YamlRefused as exc:
            problems.append(Problem(str(path), "file", "", exc.message, exc.fix, "size"))
            continue
        _load_text(text, str(path), tree, problems)
    if problems:
        raise LoadError(problems)
    return tree


def load_text(text: str, source: str = "<input>") -> Tree:
    tree = Tree()
    problems: list[Problem] = []
    _load_text(text, source, tree, problems)
    if problems:
        raise LoadError(problems)
    return tree


def _load_text(text: str, source: str, tree: Tree, problems: list[Problem]) -> None:
    try:
        # Bounded (aliases, nodes, depth, size) and strict about duplicate keys, as the API server is.
        documents = load_all(text, json_text=source.endswith(".json"))
    except RecursionError:
        problems.append(Problem(source, "YAML", "", NESTED_TOO_DEEPLY, "flatten the document", "yaml"))
        return
    except YamlRefused as exc:
        line = f" at line {exc.line}" if exc.line else ""
        problems.append(Problem(source, "YAML", "", f"{exc.message}{line}", exc.fix, "yaml-limit"))
        return
    except yaml.YAMLError as exc:
        # Never the parser's own text: it quotes the input, which may be a Secret's value.
        line_no, column = error_position(exc)
        line = f" at line {line_no}, column {column}" if line_no else ""
        problems.append(
            Problem(source, "YAML", "", f"{error_text(exc)}{line}", "fix the YAML syntax", "yaml")
        )
        return
    for index, document in enumerate(documents, start=1):
        where = f"{source} (document {index})" if len(documents) > 1 else source
        problems.extend(load_document(document, where, tree))


def load_document(document: Any, source: str, tree: Tree) -> list[Problem]:
    """Validate one parsed document and add it to `tree` when it has no problems.

    Public so that callers which parse YAML themselves (`vdx check` keeps line numbers, admission
    gets objects from the API server) validate with exactly the same code.
    """
    if not isinstance(document, dict):
        return [
            Problem(
                source,
                "document",
                "",
                "is not a mapping",
                "each YAML document must be a Kubernetes object",
                "document",
            )
        ]
    api_version = document.get("apiVersion")
    kind_name = document.get("kind")
    name = (
        (document.get("metadata") or {}).get("name", "<no name>")
        if isinstance(document.get("metadata"), dict)
        else "<no name>"
    )
    label = f"{kind_name or '<no kind>'} {name}"
    if not isinstance(api_version, str) or not isinstance(kind_name, str):
        return [
            Problem(
                source,
                label,
                "apiVersion/kind",
                "missing",
                "every object needs apiVersion and kind",
                "document",
            )
        ]
    if not api_version.startswith(API_GROUP + "/"):
        if near_miss(api_version, kind_name):
            return [
                Problem(
                    source,
                    label,
                    "apiVersion",
                    f"group of {api_version!r} is not {API_GROUP}, so this object would never be checked "
                    f"or reconciled: did you mean {API_GROUP}?",
                    f"use apiVersion: {GROUP_VERSION}",
                    "api-group",
                )
            ]
        tree.others.append((document, source))
        return []
    if api_version != GROUP_VERSION:
        return [
            Problem(
                source,
                label,
                "apiVersion",
                f"unknown version {api_version!r}",
                f"use {GROUP_VERSION}",
                "api-version",
            )
        ]
    kind = KINDS_BY_NAME.get(kind_name)
    if kind is None:
        known = ", ".join(sorted(KINDS_BY_NAME))
        return [Problem(source, label, "kind", f"unknown kind {kind_name!r}", f"use one of {known}", "kind")]
    namespace = document["metadata"].get("namespace") if isinstance(document.get("metadata"), dict) else None
    if namespace:
        label = f"{kind_name} {namespace}/{name}"
    try:
        resource = kind.model_validate(document)
    except ValidationError as exc:
        return [_problem_from_error(error, source, label, kind) for error in exc.errors()]
    problems = [
        Problem(
            source, label, path.lstrip("."), message, "change the field as the message says", "object-rule"
        )
        for path, message in resource.rule_violations()
    ]
    if kind.crd.scope == "Namespaced" and not resource.metadata.namespace:
        problems.append(
            Problem(
                source, label, "metadata.namespace", "is missing", "set it to the tenant's namespace", "scope"
            )
        )
    if kind.crd.scope == "Cluster" and resource.metadata.namespace:
        problems.append(
            Problem(
                source,
                label,
                "metadata.namespace",
                f"{kind_name} is cluster-scoped",
                "remove metadata.namespace",
                "scope",
            )
        )
    if not problems:
        tree.resources.append(LoadedResource(resource, source))
    return problems


def near_miss(api_version: str, kind_name: str) -> bool:
    """Whether `api_version` is most likely a typo of the vdx group (so the object is not foreign).

    A foreign object is applied as it is and never judged, so a typo in the group would silently
    switch every check off for that object: a group within three edits of the vdx group, another
    group under medcom.dk, or a vdx kind with no group at all.
    """
    group, _, _ = api_version.rpartition("/")
    group = group.lower()
    if group == API_GROUP:
        return False
    if not group:
        return kind_name in KINDS_BY_NAME and api_version.lower().startswith("v1alpha")
    if group.endswith("medcom.dk") or ("vdx" in group and "medcom" in group):
        return True
    return _distance(group, API_GROUP) <= 3


def _distance(a: str, b: str) -> int:
    """Levenshtein distance with adjacent transpositions (typing mistakes)."""
    if abs(len(a) - len(b)) > 3:
        return 4
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current.append(value)
        previous2, previous = previous, current
    return previous[-1]


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not part:
            # An empty key (`"": x`) must still be visible, or the problem names no field at all.
            out += '[""]'
        else:
            out += f".{part}" if out else str(part)
    return out


def _problem_from_error(error: Any, source: str, label: str, kind: type[Resource]) -> Problem:
    loc: tuple[int | str, ...] = tuple(error["loc"])
    kind_of_error: str = error["type"]
    ctx: dict[str, Any] = error.get("ctx") or {}
    path = _field_path(loc)
    message: str = error["msg"]
    fix = "correct the value"
    if kind_of_error == "missing":
        message = "is required but missing"
        fix = f"add {loc[-1]}" + _describe(kind, loc)
    elif kind_of_error == "extra_forbidden":
        message = "is not a known field"
        known = _known_fields(kind, loc[:-1])
        fix = "remove it or correct the spelling" + (
            f"; known fields here: {', '.join(known)}" if known else ""
        )
    elif kind_of_error == "string_pattern_mismatch":
        meaning = meaning_of(str(ctx.get("pattern", "")))
        message = f"{error.get('input')!r} is not valid"
        fix = f"use {meaning}" if meaning else f"match the pattern {ctx.get('pattern')}"
    elif kind_of_error in ("enum", "literal_error"):
        message = f"{error.get('input')!r} is not allowed"
        fix = f"use {ctx.get('expected', 'one of the allowed values')}"
    elif kind_of_error in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        fix = "use a value within the bounds"
    elif kind_of_error in ("string_too_short", "string_too_long") and (meaning := _meaning_at(kind, loc)):
        # The length is checked before the pattern: say what the value must look like (a colour is
        # "#RRGGBB", not "lengthen it").
        message = f"{error.get('input')!r} is not {meaning}"
        fix = f"use {meaning}"
    elif kind_of_error in ("too_short", "too_long", "string_too_short", "string_too_long"):
        fix = "shorten or lengthen it as the message says"
    return Problem(source, label, path, message.rstrip("."), fix)


def _meaning_at(kind: type[Resource], loc: tuple[int | str, ...]) -> str | None:
    """What a string field's pattern means, for the field at `loc` (list items included)."""
    names = [part for part in loc if isinstance(part, str)]
    if not names:
        return None
    model = _model_at(kind, tuple(names[:-1]))
    if model is None:
        return None
    info = next((f for n, f in model.model_fields.items() if names[-1] in (n, f.alias)), None)
    if info is None:
        return None
    for pattern in _patterns_in([*info.metadata, info.annotation]):
        meaning = meaning_of(pattern)
        if meaning:
            return meaning
    return None


def _patterns_in(items: Iterable[Any]) -> Iterator[str]:
    for item in items:
        pattern = getattr(item, "pattern", None)
        if isinstance(pattern, str):
            yield pattern
        yield from _patterns_in(getattr(item, "metadata", None) or ())
        yield from _patterns_in(getattr(item, "__metadata__", None) or ())
        yield from _patterns_in(getattr(item, "__args__", None) or ())


def _model_at(kind: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class that a location inside `kind` points into, if any."""
    model: type[BaseModel] | None = kind
    for part in loc:
        if model is None or isinstance(part, int):
            continue
        target = next(
            (f for n, f in model.model_fields.items() if part in (n, f.alias)),
            None,
        )
        if target is None:
            return None
        model = next(_models_in(target.annotation), None)
    return model


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _models_in(arg)


def _known_fields(kind: type[Resource], loc: tuple[int | str, ...]) -> list[str]:
    model = _model_at(kind, loc)
    if model is None:
        return []
    return [f.alias or n for n, f in model.model_fields.items()]


def _describe(kind: type[Resource], loc: tuple[int | str, ...]) -> str:
    model = _model_at(kind, loc[:-1])
    if model is None:
        return ""
    for name, info in model.model_fields.items():
        if loc[-1] in (name, info.alias) and info.description:
            return f" ({info.description})"
    return ""

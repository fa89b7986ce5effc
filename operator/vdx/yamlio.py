"""YAML in and out, the same way everywhere: written in block style, key order kept, no aliases;
read within bounds, so that no input can make a reader hang, exhaust memory or quote a value."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml


class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_NoAliasDumper.add_representer(str, _str_representer)


def dump_yaml(data: Any) -> str:
    return yaml.dump(
        data, Dumper=_NoAliasDumper, sort_keys=False, default_flow_style=False, width=100, allow_unicode=True
    )


def dump_all_yaml(documents: list[Any]) -> str:
    return yaml.dump_all(
        documents,
        Dumper=_NoAliasDumper,
        sort_keys=False,
        default_flow_style=False,
        width=100,
        allow_unicode=True,
    )


# --- Reading YAML that anyone may have written ------------------------------------------------
#
# Every YAML a contributor can put in front of the project (the GitOps tree in `vdx check`, the
# loader behind plan/apply and admission, `--secrets`) goes through `compose_documents` or
# `load_all`, so one set of bounds holds everywhere: a few hundred bytes of anchors and aliases
# ("billion laughs") would otherwise expand into millions of nodes, and every walk over the node
# graph (positions, validation, size sums) follows every alias path.

# Kubernetes refuses a ConfigMap or Secret whose data exceeds 1 MiB, and etcd's request limit
# (about 1.5 MiB) refuses anything much larger: a bigger object can never be applied, so it is
# refused before it costs anything to parse.
MAX_OBJECT_BYTES = 1024 * 1024
# A file of several objects may be larger than one object, but not without bound: files over
# this are not read at all.
MAX_FILE_BYTES = 8 * 1024 * 1024
# The whole tree, read by one `vdx check`: a national tree is about 1 MiB.
MAX_TREE_BYTES = 64 * 1024 * 1024
# Nodes of one document, counting each alias as the nodes it repeats (what a consumer that
# expands aliases, such as the API server's JSON conversion, would build). The largest document
# of a national tree has a few hundred.
MAX_NODES = 100_000
MAX_ALIASES = 1_000
# Nesting levels of one document (a Kubernetes object nests about 10 deep).
MAX_DEPTH = 100

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlRefused(Exception):
    """Input refused before it was fully parsed: over a limit, or holding duplicate keys.

    `line` is 1-based (None when the whole file is meant). The message never quotes a value.
    """

    def __init__(self, message: str, fix: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.line = line
        self.column = column


@dataclass(frozen=True)
class DuplicateKey:
    """A mapping key written twice: YAML keeps the last value, the API server refuses the object."""

    path: str
    key: str
    line: int
    column: int


@dataclass(frozen=True)
class Composed:
    """One document: its node graph (for positions) and its data."""

    node: yaml.Node
    data: Any
    duplicates: tuple[DuplicateKey, ...]
    # A document that composed but could not be built (an unknown tag): the others still count.
    error: yaml.YAMLError | None = None
    # Where the text of a broken document (or of the broken rest of the file) begins and ends.
    error_span: tuple[int, int] | None = None


def _kib(size: int) -> str:
    return f"{size / 1024:,.0f} KiB"


def check_bounds(text: str) -> None:
    """Refuse `text` when any document is over a limit, before anything is composed or built.

    One pass over the parser's events (libyaml's C parser where available, so this costs little
    next to composing), counting nodes as aliases would expand them.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise YamlRefused(
            f"is {_kib(size)}; files over {_kib(MAX_FILE_BYTES)} are not read",
            "split the file; no Kubernetes object can be larger than "
            f"{_kib(MAX_OBJECT_BYTES)} (etcd's request limit)",
        )
    loader = _LOADER(text)
    try:
        _scan_events(loader, text)
    except yaml.YAMLError:
        pass  # broken YAML: the composer reports it, after the documents before it
    finally:
        loader.dispose()


def _scan_events(loader: yaml.SafeLoader, text: str) -> None:
    document = 0
    start_index = 0
    start_line = 1
    nodes = aliases = 0
    sizes: dict[str, int] = {}
    # One entry per open collection: [nodes inside so far, anchor].
    stack: list[list[Any]] = []

    def add(count: int, mark: Any) -> None:
        nonlocal nodes
        nodes += count
        if stack:
            stack[-1][0] += count
        if nodes > MAX_NODES:
            raise YamlRefused(
                f"document {document} expands to more than {MAX_NODES:,} nodes (an alias counts as "
                "every node it repeats)",
                "write the values out instead of repeating them through anchors and aliases",
                mark.line + 1,
                mark.column + 1,
            )

    while loader.check_event():
        event: Any = loader.get_event()  # type: ignore[no-untyped-call]
        mark = event.start_mark
        if isinstance(event, yaml.DocumentStartEvent):
            document += 1
            start_index, start_line = mark.index, mark.line + 1
            nodes = aliases = 0
            sizes = {}
        elif isinstance(event, yaml.DocumentEndEvent):
            end = event.end_mark.index if event.end_mark is not None else len(text)
            length = len(text[start_index:end].encode("utf-8", "surrogatepass"))
            if length > MAX_OBJECT_BYTES:
                raise YamlRefused(
                    f"document {document} is {_kib(length)}; Kubernetes refuses objects over "
                    f"{_kib(MAX_OBJECT_BYTES)} (etcd's request limit)",
                    "split the object (for images: one ConfigMap per image, each at most 700 KiB before "
                    "base64)",
                    start_line,
                )
        elif isinstance(event, yaml.ScalarEvent):
            add(1, mark)
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            add(1, mark)
            stack.append([0, event.anchor])
            if len(stack) > MAX_DEPTH:
                raise YamlRefused(
                    f"document {document} is nested more than {MAX_DEPTH} levels deep",
                    "flatten the document (a Kubernetes object nests about 10 levels)",
                    mark.line + 1,
                    mark.column + 1,
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            inside, anchor = stack.pop()
            if anchor is not None:
                sizes[anchor] = inside + 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise YamlRefused(
                    f"document {document} uses more than {MAX_ALIASES:,} aliases",
                    "write the values out instead of repeating them through anchors and aliases",
                    mark.line + 1,
                    mark.column + 1,
                )
            if any(anchor == event.anchor for _, anchor in stack):
                raise YamlRefused(
                    f"document {document} has an alias inside the anchor it refers to (a structure "
                    "that contains itself)",
                    "remove the alias; Kubernetes objects cannot contain themselves",
                    mark.line + 1,
                    mark.column + 1,
                )
            # An undefined alias is the composer's error, reported with its line.
            add(sizes.get(str(event.anchor), 1), mark)


def compose_documents(text: str, json_text: bool = False) -> list[Composed]:
    """Every non-empty document of `text`, within the bounds; raises YamlRefused or yaml.YAMLError.

    `json_text`: the text is JSON, whose tabs are whitespace (a tab inside a JSON string must be
    escaped), which YAML 1.1 refuses as indentation.
    """
    if json_text:
        text = text.replace("\t", " ")
    check_bounds(text)
    loader = _LOADER(text)
    nodes: list[yaml.Node] = []
    broken: yaml.YAMLError | None = None
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                nodes.append(node)
    except yaml.YAMLError as exc:
        broken = exc  # the documents before it still count
    finally:
        loader.dispose()
    composed = []
    for node in nodes:
        try:
            data = yaml.SafeLoader("").construct_document(node)
        except yaml.YAMLError as exc:
            composed.append(Composed(node, None, (), exc, (node.start_mark.index, node.end_mark.index)))
            continue
        if data is not None:
            composed.append(Composed(node, data, tuple(duplicate_keys(node))))
    if broken is not None:
        end = nodes[-1].end_mark.index if nodes else 0
        composed.append(
            Composed(yaml.ScalarNode("tag:yaml.org,2002:null", ""), None, (), broken, (end, len(text)))
        )
    return composed


def load_all(text: str, json_text: bool = False) -> list[Any]:
    """The data of every non-empty document, bounded as `compose_documents`; duplicate keys refused."""
    documents = compose_documents(text, json_text)
    for document in documents:
        if document.error is not None:
            raise document.error
        if document.duplicates:
            first = document.duplicates[0]
            raise YamlRefused(
                f"key {first.key} is written twice in {first.path or 'the document'}",
                "keep one of them; the API server refuses a mapping with duplicate keys",
                first.line,
                first.column,
            )
    return [document.data for document in documents]


def duplicate_keys(node: yaml.Node) -> Iterator[DuplicateKey]:
    """Keys written twice in one mapping (each mapping node visited once, aliases included)."""
    seen: set[int] = set()
    pending: list[tuple[yaml.Node, str]] = [(node, "")]
    while pending:
        current, path = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            keys: set[tuple[str, str]] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    identity = (key.tag, str(key.value))
                    if identity in keys and key.value != "<<":
                        yield DuplicateKey(
                            path, str(key.value), key.start_mark.line + 1, key.start_mark.column + 1
                        )
                    keys.add(identity)
                    child = f"{path}.{key.value}" if path else str(key.value)
                else:
                    child = path
                pending.append((value, child))
        elif isinstance(current, yaml.SequenceNode):
            pending.extend((item, f"{path}[{index}]") for index, item in enumerate(current.value))


# Quoted parts of a parser message: they may be the input itself (an alias name, a tag, a
# character), and the input may be a Secret's value.
_QUOTED = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\"""")
# Kept: the parser's token names ('<block end>') and punctuation it expected (',' or ']').
_TOKEN = re.compile(r"""^['"](<[a-z ]+>|[^\w\s'"]{1,3})['"]$""")


def error_text(exc: yaml.YAMLError) -> str:
    """The parser's message without anything it quotes from the input (a value may be a secret)."""
    parts = []
    for text in (getattr(exc, "context", None), getattr(exc, "problem", None)):
        if text:
            scrubbed = _QUOTED.sub(lambda m: m.group(0) if _TOKEN.match(m.group(0)) else "", str(text))
            parts.append(" ".join(scrubbed.replace(" ,", ",").split()))
    return ", ".join(parts) or "invalid YAML"


def error_position(exc: yaml.YAMLError) -> tuple[int | None, int | None]:
    """1-based line and column of a parser error, when it has them."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is None:
        return None, None
    return mark.line + 1, mark.column + 1

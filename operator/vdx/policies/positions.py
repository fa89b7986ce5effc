"""Line numbers for field paths inside one YAML document.

Pydantic and the rules speak in field paths (`spec.dnsNames[1]`); a reviewer needs a line. PyYAML
keeps the position of every node while composing, so one walk over the node tree gives a map from
path to position, and a path that is not written (a missing field) falls back to its nearest
written parent, which is where the field would have to be added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass
class DocumentPositions:
    """Positions of every key and list item in one document, by field path."""

    start: Position
    paths: dict[str, Position] = field(default_factory=dict)

    def locate(self, path: str) -> Position:
        """The position of `path`, or of its nearest written parent, or of the document."""
        parts = split_path(path)
        while parts:
            found = self.paths.get(join_path(parts))
            if found is not None:
                return found
            parts = parts[:-1]
        return self.start


def split_path(path: str) -> list[str | int]:
    return [name if name else int(index) for name, index in _SEGMENT.findall(path)]


def join_path(parts: list[str | int]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def index_node(node: yaml.Node) -> DocumentPositions:
    """Walk a composed document and record where each key (or list item) is written.

    A node reached again through an alias is not walked again: its positions are where it was
    written, and a path inside a repeated node falls back to the alias (its nearest written
    parent). Walking every alias path would cost as much as expanding the aliases.
    """
    positions = DocumentPositions(_position(node))
    seen: set[int] = set()
    pending: list[tuple[yaml.Node, list[str | int]]] = [(node, [])]
    out = positions.paths
    while pending:
        current, prefix = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                if not isinstance(key, yaml.ScalarNode):
                    continue
                path = [*prefix, str(key.value)]
                out.setdefault(join_path(path), _position(key))
                pending.append((value, path))
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                path = [*prefix, index]
                out.setdefault(join_path(path), _position(item))
                pending.append((item, path))
    return positions


def _position(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)

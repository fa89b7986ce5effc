"""A tiny reader of NGINX configuration for the tests: tokens, then a tree of directives and blocks.

Comments run from # to the end of the line; ';' ends a directive; '{' opens a block that '}'
closes; quotes group. That is all NGINX's own parser does for structure, which is what the tests
need to see: which directives exist, where, with which arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] | None = None
    children: list[Directive] = field(default_factory=list)

    def all(self, name: str) -> list[Directive]:
        return [d for d in self.block or [] if d.name == name]

    def one(self, name: str) -> Directive:
        found = self.all(name)
        assert len(found) == 1, f"{self.name}: {len(found)} {name!r} directives"
        return found[0]


def tokens(text: str) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == "#":
            while i < len(text) and text[i] != "\n":
                i += 1
        elif ch in ";{}":
            out.append(ch)
            i += 1
        elif ch in "\"'":
            end = text.index(ch, i + 1)
            out.append(text[i + 1 : end])
            i = end + 1
        else:
            start = i
            while i < len(text) and not text[i].isspace() and text[i] not in ";{}#\"'":
                i += 1
            out.append(text[start:i])
    return out


def parse(text: str) -> Directive:
    """The whole file as the block of a root directive; AssertionError if braces do not balance."""
    stack: list[list[Directive]] = [[]]
    words: list[str] = []
    for token in tokens(text):
        if token == ";":
            assert words, "empty directive"
            stack[-1].append(Directive(words[0], words[1:]))
            words = []
        elif token == "{":
            assert words, "block without a name"
            block: list[Directive] = []
            stack[-1].append(Directive(words[0], words[1:], block))
            stack.append(block)
            words = []
        elif token == "}":
            assert not words, f"directive {words} not ended with ';'"
            assert len(stack) > 1, "unbalanced '}'"
            stack.pop()
        else:
            words.append(token)
    assert not words, f"trailing words {words}"
    assert len(stack) == 1, "unclosed block"
    return Directive("", [], stack[0])

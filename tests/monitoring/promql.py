"""Metric names in PromQL expressions, for the tests that hold rules and panels to the registry."""

from __future__ import annotations

import re

NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
KEYWORDS = {
    "and",
    "or",
    "unless",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "offset",
}
# Prometheus' own series, not the operator's.
PROMETHEUS_SERIES = {"up"}


def metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression: identifiers that are not functions, keywords, label
    lists (by/on/group_left (...)), label matchers ({...}), strings, durations or numbers."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(offset\s+-?|@\s*)[0-9.][0-9.a-z]*", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in NAME.finditer(text):
        rest = text[match.end() :].lstrip()
        word = match.group(0)
        if rest.startswith("(") or word in KEYWORDS or re.fullmatch(r"\d.*", word):
            continue
        names.add(word)
    return names

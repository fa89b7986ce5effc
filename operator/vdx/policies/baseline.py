"""A baseline: the findings a tree already had, so `vdx check` reports only what a change adds.

Why: a tree adopted with many known findings buries a new one among them (the examples alone warn
75 times). As with code scanning or detekt, `--write-baseline FILE` records today's findings and
`--baseline FILE` reports only findings not in it; fixing one simply drops it from the output.

A finding is recognised by what it is about, not where it is written: the rule, the severity, the
resource (or, for a finding about a whole file, the file), the field and the message, with
positions inside messages (`first at a.yaml:3:5`) left out. So adding a line above an old finding
or moving a resource to another file does not make it new; a finding whose message changed (a
quota now exceeded by more) is new. Several identical findings are counted: a third copy of a
twice-recorded finding is new.

The file is JSON, sorted, one entry per finding, so its diff in review shows what was accepted.
Pure apart from reading and writing that file.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vdx.policies.findings import Finding

VERSION = 1
_POSITION = re.compile(r"(\.(?:ya?ml|json)):\d+(?::\d+)?")

Key = tuple[str, str, str, str, str, str]


class BaselineError(Exception):
    """The baseline file cannot be used; the message names the file and the fix."""


def key_of(finding: Finding) -> Key:
    resource = str(finding.resource) if finding.resource else ""
    file = finding.location.file if finding.location and not finding.resource else ""
    message = _POSITION.sub(r"\1", finding.message)
    return (finding.rule, finding.severity.value, resource, file, finding.field, message)


def _entry(key: Key) -> dict[str, str]:
    rule, severity, resource, file, field, message = key
    entry = {"rule": rule, "severity": severity, "resource": resource, "field": field, "message": message}
    if file:
        entry["file"] = file
    return entry


def render(findings: Sequence[Finding]) -> str:
    """The baseline file's text for these findings."""
    entries = [_entry(key) for key in sorted(key_of(f) for f in findings)]
    return json.dumps({"version": VERSION, "findings": entries}, indent=2, ensure_ascii=False) + "\n"


def parse(text: str, name: str) -> Counter[Key]:
    try:
        document: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{name}: not JSON ({exc}); write it again with --write-baseline") from None
    if not isinstance(document, dict) or document.get("version") != VERSION:
        raise BaselineError(
            f"{name}: not a vdx check baseline of version {VERSION}; write it again with --write-baseline"
        )
    entries = document.get("findings")
    if not isinstance(entries, list):
        raise BaselineError(f"{name}: has no findings list; write it again with --write-baseline")
    keys: Counter[Key] = Counter()
    for index, entry in enumerate(entries):
        fields = ("rule", "severity", "resource", "field", "message")
        if not isinstance(entry, dict) or not all(isinstance(entry.get(f), str) for f in fields):
            raise BaselineError(
                f"{name}: findings[{index}] lacks one of {', '.join(fields)}; write it again with "
                "--write-baseline"
            )
        file = entry.get("file", "")
        keys[
            (entry["rule"], entry["severity"], entry["resource"], str(file), entry["field"], entry["message"])
        ] += 1
    return keys


def load(path: Path, name: str | None = None) -> Counter[Key]:
    shown = name or path.as_posix()
    try:
        return parse(path.read_text(encoding="utf-8"), shown)
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{shown}: cannot be read ({exc})") from None


@dataclass(frozen=True)
class Compared:
    """Findings not in the baseline, those that were, and how many recorded ones are gone."""

    new: list[Finding]
    known: list[Finding]
    gone: int


def compare(findings: Sequence[Finding], baseline: Counter[Key]) -> Compared:
    remaining = Counter(baseline)
    new: list[Finding] = []
    known: list[Finding] = []
    for finding in findings:
        key = key_of(finding)
        if remaining[key] > 0:
            remaining[key] -= 1
            known.append(finding)
        else:
            new.append(finding)
    return Compared(new, known, sum(remaining.values()))

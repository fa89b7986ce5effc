"""Findings as text for people, workflow annotations for GitHub, SARIF for code scanning, JSON.

Pure functions from findings to a string. Every format carries the same facts (file and line,
kind/name, field, rule, message, fix), so whichever a pipeline picks, a reviewer can act on it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from vdx.policies import suppressions
from vdx.policies.findings import Finding, Severity
from vdx.policies.registry import LOAD_RULES, RULES
from vdx.policies.triage import Hidden

NOTHING_HIDDEN = Hidden()

FORMATS = ("text", "github", "sarif", "json")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
HELP = "What the rule decides, why, and how to fix its findings: docs/policies.md#{anchor}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def summary(findings: Sequence[Finding], files: int, hidden: Hidden = NOTHING_HIDDEN) -> str:
    errors = sum(1 for f in findings if f.is_error)
    warnings = len(findings) - errors
    verdict = "clean" if not findings else "failed" if errors else "passed with warnings"
    line = (
        f"vdx check: {verdict}: {_plural(errors, 'error')}, {_plural(warnings, 'warning')} "
        f"in {_plural(files, 'file')}"
    )
    return line + hidden_note(hidden)


def hidden_note(hidden: Hidden) -> str:
    """'; not shown: 60 ignored by .vdx-check.yaml, ...' (empty when nothing was hidden)."""
    parts = []
    if hidden.ignored:
        parts.append(f"{hidden.ignored} ignored by {hidden.config_file}")
    if hidden.suppressed:
        parts.append(f"{hidden.suppressed} suppressed inline")
    if hidden.baselined:
        parts.append(f"{hidden.baselined} in the baseline")
    note = f"; not shown: {', '.join(parts)}" if parts else ""
    if hidden.gone:
        note += (
            f"; {_plural(hidden.gone, 'baseline entry')} no longer found (write the baseline again)"
        ).replace("entrys", "entries")
    return note


def render(
    findings: Sequence[Finding], output_format: str, files: int, hidden: Hidden = NOTHING_HIDDEN
) -> str:
    if output_format == "text":
        return to_text(findings, files, hidden)
    if output_format == "github":
        return to_github(findings, files, hidden)
    if output_format == "sarif":
        return to_sarif(findings)
    if output_format == "json":
        return to_json(findings, files, hidden)
    raise ValueError(f"unknown format {output_format!r}; use one of {', '.join(FORMATS)}")


def to_text(findings: Sequence[Finding], files: int, hidden: Hidden = NOTHING_HIDDEN) -> str:
    return "".join(f"{finding}\n" for finding in findings) + summary(findings, files, hidden) + "\n"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def to_github(findings: Sequence[Finding], files: int, hidden: Hidden = NOTHING_HIDDEN) -> str:
    """GitHub Actions workflow commands: each finding becomes an annotation on its file and line."""
    lines = []
    for finding in findings:
        properties = []
        if finding.location:
            properties.append(f"file={_escape_property(finding.location.file)}")
            if finding.location.line is not None:
                properties.append(f"line={finding.location.line}")
            if finding.location.column is not None:
                properties.append(f"col={finding.location.column}")
        title = f"vdx {finding.rule}" + (f": {finding.resource}" if finding.resource else "")
        properties.append(f"title={_escape_property(title)}")
        body = f"{finding.subject()}{finding.message}. Fix: {finding.fix} [{finding.rule}]"
        lines.append(f"::{finding.severity.value} {','.join(properties)}::{_escape_data(body)}")
    lines.append(summary(findings, files, hidden))
    return "\n".join(lines) + "\n"


def finding_json(finding: Finding) -> dict[str, Any]:
    resource = finding.resource
    location = finding.location
    return {
        "severity": finding.severity.value,
        "rule": finding.rule,
        "resource": (
            {"kind": resource.kind, "namespace": resource.namespace, "name": resource.name}
            if resource
            else None
        ),
        "field": finding.field,
        "message": finding.message,
        "fix": finding.fix,
        "file": location.file if location else None,
        "line": location.line if location else None,
        "column": location.column if location else None,
        "related": [
            {"kind": ref.kind, "namespace": ref.namespace, "name": ref.name} for ref in finding.related
        ],
    }


def to_json(findings: Sequence[Finding], files: int, hidden: Hidden = NOTHING_HIDDEN) -> str:
    errors = sum(1 for f in findings if f.is_error)
    document = {
        "summary": {
            "errors": errors,
            "warnings": len(findings) - errors,
            "files": files,
            "notShown": {
                "ignoredByConfig": hidden.ignored,
                "suppressedInline": hidden.suppressed,
                "inBaseline": hidden.baselined,
            },
            "baselineEntriesGone": hidden.gone,
        },
        "findings": [finding_json(f) for f in findings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _rule_descriptors() -> list[dict[str, Any]]:
    descriptors = [
        {
            "id": rule_id,
            "name": rule_id,
            "shortDescription": {"text": text},
            "help": {"text": HELP.format(anchor="the-rules")},
            "defaultConfiguration": {"level": "error"},
        }
        for rule_id, text in (*LOAD_RULES.items(), (suppressions.ID, suppressions.TITLE))
    ]
    for rule in RULES:
        descriptors.append(
            {
                "id": rule.id,
                "name": rule.id,
                "shortDescription": {"text": rule.title},
                "fullDescription": {"text": rule.decision},
                "help": {"text": HELP.format(anchor=rule.id)},
                "defaultConfiguration": {"level": rule.level},
            }
        )
    return descriptors


def file_uri(path: str) -> str:
    """A relative path as a SARIF artifact URI (RFC 3986: reserved characters percent-encoded)."""
    return quote(path.replace("\\", "/"), safe="/-._~")


def to_sarif(findings: Sequence[Finding]) -> str:
    """SARIF 2.1.0, as GitHub code scanning and other tools read it."""
    rules = _rule_descriptors()
    index = {descriptor["id"]: i for i, descriptor in enumerate(rules)}
    results = []
    for finding in findings:
        result: dict[str, Any] = {
            "ruleId": finding.rule,
            "level": "error" if finding.severity is Severity.ERROR else "warning",
            "message": {"text": f"{finding.subject()}{finding.message}. Fix: {finding.fix}"},
            "properties": {"field": finding.field, "fix": finding.fix},
        }
        if finding.rule in index:
            result["ruleIndex"] = index[finding.rule]
        location: dict[str, Any] = {}
        if finding.location:
            # A URI reference: spaces, '#', '%' and non-ASCII letters percent-encoded. Every result
            # has a region (line 1 for a finding about a whole file): GitHub drops those without.
            physical: dict[str, Any] = {"artifactLocation": {"uri": file_uri(finding.location.file)}}
            region: dict[str, Any] = {"startLine": finding.location.line or 1}
            if finding.location.line is not None and finding.location.column is not None:
                region["startColumn"] = finding.location.column
            physical["region"] = region
            location["physicalLocation"] = physical
        if finding.resource:
            location["logicalLocations"] = [{"fullyQualifiedName": str(finding.resource), "kind": "resource"}]
        if location:
            result["locations"] = [location]
        results.append(result)
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "vdx check",
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

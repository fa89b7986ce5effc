"""Findings as text for people, workflow annotations for GitHub, SARIF for code scanning, JSON.

Pure functions from findings to a string. Every format carries the same facts (file and line,
kind/name, field, rule, message, fix), so whichever a pipeline picks, a reviewer can act on it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from vdx.policies.findings import Finding, Severity
from vdx.policies.registry import LOAD_RULES, RULES

FORMATS = ("text", "github", "sarif", "json")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
HELP = "What the rule decides, why, and how to fix its findings: docs/policies.md#{anchor}"


def summary(findings: Sequence[Finding], files: int) -> str:
    errors = sum(1 for f in findings if f.is_error)
    warnings = len(findings) - errors
    verdict = "clean" if not findings else "failed" if errors else "passed with warnings"
    return (
        f"vdx check: {verdict}: {errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''} in {files} file{'s' if files != 1 else ''}"
    )


def render(findings: Sequence[Finding], output_format: str, files: int) -> str:
    if output_format == "text":
        return to_text(findings, files)
    if output_format == "github":
        return to_github(findings, files)
    if output_format == "sarif":
        return to_sarif(findings)
    if output_format == "json":
        return to_json(findings, files)
    raise ValueError(f"unknown format {output_format!r}; use one of {', '.join(FORMATS)}")


def to_text(findings: Sequence[Finding], files: int) -> str:
    return "".join(f"{finding}\n" for finding in findings) + summary(findings, files) + "\n"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def to_github(findings: Sequence[Finding], files: int) -> str:
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
    lines.append(summary(findings, files))
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


def to_json(findings: Sequence[Finding], files: int) -> str:
    errors = sum(1 for f in findings if f.is_error)
    document = {
        "summary": {"errors": errors, "warnings": len(findings) - errors, "files": files},
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
        for rule_id, text in LOAD_RULES.items()
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

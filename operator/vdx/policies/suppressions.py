"""Inline suppressions: `suppress.vdx.medcom.dk/<rule>: "<reason>"` on the resource a warning is about.

Why an annotation and not a YAML comment: an annotation is part of the object, so it survives
formatters, `kubectl get -o yaml` round trips and moving the object to another file, and the
reason can be read in the cluster too (kube-linter's `ignore-check.kube-linter.io/<check>` works
the same way). One annotation per rule keeps each reason next to what it excuses.

Decisions:
- The reason is mandatory: an empty one is itself an **error** (`suppression`), and the warning it
  meant to hide is still reported.
- Only **warnings** can be suppressed inline. An error is what the API server or the operator
  refuses, and a tenant's own annotation must not talk a review past that: suppressing an error
  inline is an error that says so (platform engineers may downgrade a rule for some paths in
  `.vdx-check.yaml`).
- A suppression naming something that is not a platform rule, or that matches no finding any
  more, is a **warning**, so stale exceptions are removed instead of piling up.

Pure: findings and the loaded tree in, findings out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vdx.policies.context import PolicyContext, ref_of
from vdx.policies.findings import Finding, Location, ResourceRef, Severity
from vdx.policies.registry import RULES_BY_ID

ID = "suppression"
PREFIX = "suppress.vdx.medcom.dk/"
TITLE = "An inline suppression without a reason, of an error, of an unknown rule, or matching nothing."


@dataclass(frozen=True)
class Suppression:
    """One annotation: which rule, why, on which object, and where it is written."""

    rule: str
    reason: str
    resource: ResourceRef
    location: Location | None

    @property
    def field(self) -> str:
        return f"metadata.annotations.{PREFIX}{self.rule}"


@dataclass(frozen=True)
class Suppressed:
    """The outcome: findings still reported (with the suppressions' own), and those suppressed."""

    findings: list[Finding]
    suppressed: list[Finding]


def _annotations(metadata: Any) -> Mapping[str, Any]:
    if isinstance(metadata, dict):
        annotations = metadata.get("annotations")
        return annotations if isinstance(annotations, dict) else {}
    return {}


def suppressions(ctx: PolicyContext) -> list[Suppression]:
    """Every suppression annotation in the tree, on vdx objects and on the others (a Secret)."""
    found: list[Suppression] = []

    def add(ref: ResourceRef, annotations: Mapping[str, Any], source: str) -> None:
        for key, value in sorted(annotations.items()):
            if isinstance(key, str) and key.startswith(PREFIX):
                rule = key.removeprefix(PREFIX)
                reason = value.strip() if isinstance(value, str) else ""
                location = ctx.locator(source, f"metadata.annotations.{key}")
                found.append(Suppression(rule, reason, ref, location))

    for loaded in ctx.tree.resources:
        add(ref_of(loaded.resource), loaded.resource.metadata.annotations, loaded.source)
    for ref, documents in sorted(ctx.others_by_ref.items()):
        for document, source in documents:
            add(ref, _annotations(document.get("metadata")), source)
    return found


def _problem(s: Suppression, severity: Severity, message: str, fix: str) -> Finding:
    return Finding(severity, ID, s.resource, s.field, message, fix, s.location)


def suppress(findings: Sequence[Finding], annotations: Sequence[Suppression]) -> Suppressed:
    """Drop the warnings an annotation with a reason excuses; report the suppressions' problems."""
    valid: dict[tuple[ResourceRef, str], Suppression] = {}
    problems: list[Finding] = []
    for s in annotations:
        if s.rule not in RULES_BY_ID:
            problems.append(
                _problem(
                    s,
                    Severity.WARNING,
                    f"{s.rule!r} is not a platform rule that can be suppressed, so nothing is suppressed",
                    f"name one of {', '.join(sorted(RULES_BY_ID))} after {PREFIX}, or remove the annotation",
                )
            )
        elif not s.reason:
            problems.append(
                _problem(
                    s,
                    Severity.ERROR,
                    f"the suppression of {s.rule} has no reason, so nothing is suppressed",
                    f'write why: {PREFIX}{s.rule}: "<reason>", or remove the annotation',
                )
            )
        else:
            valid[(s.resource, s.rule)] = s
    used: set[tuple[ResourceRef, str]] = set()
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    for finding in findings:
        key = (finding.resource, finding.rule) if finding.resource else None
        match = valid.get(key) if key else None
        if match is None or key is None:
            kept.append(finding)
            continue
        used.add(key)
        if finding.is_error:
            kept.append(finding)
            problems.append(
                _problem(
                    match,
                    Severity.ERROR,
                    f"an error of {match.rule} cannot be suppressed inline (the API server or the operator "
                    "refuses it anyway), so it is still reported",
                    "fix what the error says; a rule the platform engineers decide not to enforce for some "
                    "paths is configured in .vdx-check.yaml",
                )
            )
        else:
            suppressed.append(finding)
    problems.extend(
        _problem(
            s,
            Severity.WARNING,
            f"the suppression of {s.rule} matches no finding of this resource any more",
            "remove the annotation",
        )
        for key, s in valid.items()
        if key not in used
    )
    return Suppressed([*kept, *dict.fromkeys(problems)], suppressed)

"""Run the rules over a context and put the findings in a stable order.

Stable order matters: CI output, SARIF results and pull-request comments are compared between
runs, and a reviewer reads findings file by file, line by line.
"""

from __future__ import annotations

from collections.abc import Iterable

from vdx.policies.context import PolicyContext
from vdx.policies.findings import Finding
from vdx.policies.hygiene import redact
from vdx.policies.registry import RULES
from vdx.policies.rule import PolicyRule
from vdx.policies.source import Workspace


def run_rules(ctx: PolicyContext, rules: Iterable[PolicyRule] = RULES) -> list[Finding]:
    findings: list[Finding] = []
    for rule in rules:
        findings.extend(rule.check(ctx))
    return findings


def context_of(workspace: Workspace) -> PolicyContext:
    return PolicyContext(
        workspace.tree,
        locator=workspace.locate,
        unloaded=frozenset(workspace.unloaded),
        unloaded_tenant_namespaces=frozenset(workspace.unloaded_tenant_namespaces),
    )


def check_workspace(workspace: Workspace, rules: Iterable[PolicyRule] = RULES) -> list[Finding]:
    """Every finding for a read tree: loading problems first-class, then every rule."""
    findings = [*workspace.findings, *run_rules(context_of(workspace), rules)]
    # The one place every finding passes before it is printed: no secret the tree holds leaves it.
    findings = redact(findings, workspace.sensitive)
    return sorted(set(findings), key=Finding.sort_key)

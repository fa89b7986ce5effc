"""Run the rules over a context and put the findings in a stable order.

Stable order matters: CI output, SARIF results and pull-request comments are compared between
runs, and a reviewer reads findings file by file, line by line.
"""

from __future__ import annotations

from collections.abc import Iterable

from vdx.policies.context import PolicyContext
from vdx.policies.findings import Finding
from vdx.policies.hygiene import redact
from vdx.policies.platform_secrets import OPERATOR_NAMESPACE
from vdx.policies.registry import LOAD_RULES, RULES
from vdx.policies.rule import PolicyRule
from vdx.policies.source import Workspace


def run_rules(ctx: PolicyContext, rules: Iterable[PolicyRule] = RULES) -> list[Finding]:
    findings: list[Finding] = []
    for rule in rules:
        findings.extend(rule.check(ctx))
    return findings


def context_of(workspace: Workspace, platform_namespaces: Iterable[str] = ()) -> PolicyContext:
    return PolicyContext(
        workspace.tree,
        locator=workspace.locate,
        unloaded=frozenset(workspace.unloaded),
        unloaded_tenant_namespaces=frozenset(workspace.unloaded_tenant_namespaces),
        unloaded_organisations=frozenset(workspace.unloaded_organisations),
        platform_namespaces=frozenset({OPERATOR_NAMESPACE, *platform_namespaces}),
        branding_files=workspace.branding_files,
        unread_generated=frozenset(workspace.unread_generated),
    )


def check_workspace(
    workspace: Workspace, rules: Iterable[PolicyRule] = RULES, platform_namespaces: Iterable[str] = ()
) -> list[Finding]:
    """Every finding for a read tree: loading problems first-class, then every rule."""
    findings = [*workspace.findings, *run_rules(context_of(workspace, platform_namespaces), rules)]
    # The one place every finding passes before it is printed: no secret the tree holds leaves it.
    findings = redact(findings, workspace.sensitive)
    return sorted(first_causes(findings), key=Finding.sort_key)


def first_causes(findings: Iterable[Finding]) -> list[Finding]:
    """Without the consequences of a loading error: once a field of an object failed to load (a
    schema error, a duplicate key), no rule's error about the same field of the same object.
    """
    unique = list(dict.fromkeys(findings))
    failed = {(f.resource, f.field) for f in unique if f.rule in LOAD_RULES and f.resource is not None}
    return [
        f for f in unique if f.rule in LOAD_RULES or not f.is_error or (f.resource, f.field) not in failed
    ]

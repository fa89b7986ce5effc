"""Every platform rule, in the order findings are reported; `vdx check` and admission run these.

Adding a rule: write a module in `vdx.policies.rules` with a docstring naming the platform
decision, a `check(ctx)` and a `RULE`; add it here, to docs/policies.md and to policies/README.md.
"""

from __future__ import annotations

from vdx.policies.rule import PolicyRule
from vdx.policies.rules import (
    branding_assets,
    branding_configmap,
    branding_web_app,
    certificate_coverage,
    direct_media,
    domain_fqdn,
    duplicates,
    idn,
    onetouch,
    operator_checks,
    outlook,
    ownership,
    platform_credentials,
    promotion,
    quotas,
    recording,
    references,
    san_certificates,
    secret_refs,
    services,
    tenancy,
    turn,
)

RULES: tuple[PolicyRule, ...] = (
    duplicates.RULE,
    tenancy.RULE,
    ownership.RULE,
    idn.RULE,
    platform_credentials.RULE,
    domain_fqdn.RULE,
    references.RULE,
    turn.RULE,
    secret_refs.RULE,
    san_certificates.RULE,
    certificate_coverage.RULE,
    branding_web_app.RULE,
    branding_assets.RULE,
    branding_configmap.RULE,
    direct_media.RULE,
    services.RULE,
    outlook.RULE,
    onetouch.RULE,
    recording.RULE,
    quotas.RULE,
    promotion.RULE,
    operator_checks.RULE,
)
RULES_BY_ID: dict[str, PolicyRule] = {rule.id: rule for rule in RULES}

# Findings that come from loading the tree (the models and their CEL rules), not from a rule module.
LOAD_RULES: dict[str, str] = {
    "file-unreadable": "The file could not be read.",
    "yaml-syntax": "The file is not valid YAML.",
    "not-an-object": "A YAML document is not a Kubernetes object (a mapping with apiVersion and kind).",
    "api-version": "A vdx.medcom.dk object with an unknown API version.",
    "unknown-kind": "A vdx.medcom.dk object of a kind the API does not have.",
    "schema": "A field does not match the resource model (the same schema as the CRD).",
    "object-rule": "A per-object CEL rule of the CRD, checked offline with the same message.",
    "scope": "metadata.namespace set on a cluster-scoped kind, or missing on a namespaced one.",
    "api-group": "An apiVersion whose group is a near miss of vdx.medcom.dk (a typo would skip every check).",
    "yaml-limit": "Refused unparsed: too many aliases or nodes, too deep, or an object over 1 MiB.",
    "file-too-large": "A file over the size limit, or beyond what one check reads.",
    "symlink-outside-tree": "A symbolic link leading outside the checked tree; it is not followed.",
    "duplicate-key": "A key written twice in one mapping; the API server refuses the object.",
    "secret-in-tree": "A Secret with values in clear text committed to the tree.",
    "credential-in-spec": "A PIN, password, key or token written into an object's fields.",
}

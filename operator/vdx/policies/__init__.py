"""The platform rules of VDX, run offline by `vdx check` and in the cluster at admission.

They live in the `vdx` package (not in the top-level `policies/` folder, which holds the Pulumi
CrossGuard pack for the stacks and an index of every rule) because the operator's validating
webhook runs exactly this code. Each rule is a pure function of a loaded tree; see
`vdx.policies.registry` for the list and docs/policies.md for what each one decides and why.
"""

from __future__ import annotations

from vdx.policies.findings import Finding, Location, ResourceRef, Severity

__all__ = ["Finding", "Location", "ResourceRef", "Severity"]

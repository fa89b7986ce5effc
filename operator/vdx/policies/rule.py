"""The shape of a platform rule: an id people can search for, the decision it encodes, a check.

Kept apart from the registry so that rule modules import only this, never each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from vdx.policies.context import PolicyContext
from vdx.policies.findings import Finding


@dataclass(frozen=True)
class PolicyRule:
    """One platform rule.

    `admission` says how the API server enforces it: the name of a generated
    ValidatingAdmissionPolicy when the rule fits CEL on one object, otherwise "webhook" (the
    operator's validating webhook calls `vdx.policies.admission.review`).
    """

    id: str
    title: str
    decision: str
    check: Callable[[PolicyContext], Iterable[Finding]]
    admission: str = "webhook"
    # The SARIF default level: "warning" for a rule that only ever warns (code scanning shows a
    # rule's default level, so an error there would misstate it).
    level: str = "error"

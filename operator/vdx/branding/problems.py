"""What is wrong with a branding, phrased for the region that has to fix it.

One shape for every finding (a missing image, a colour that is hard to read, a text left in
English), so the CLI, the operator's status and a pull-request comment can all print the same
sentence: where, what, and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """Errors block packaging; warnings are shown but a region may knowingly accept them."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class BrandingProblem:
    """One finding about one field of a CviBranding (or one object it points at)."""

    field: str
    message: str
    fix: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.severity.value}: {self.field}: {self.message}. Fix: {self.fix}"


class BrandingError(Exception):
    """Rendering was impossible; `problems` says why, field by field."""

    def __init__(self, resource: str, problems: list[BrandingProblem]) -> None:
        self.resource = resource
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"CviBranding {resource} cannot be rendered:\n{lines}")


def errors(problems: list[BrandingProblem]) -> list[BrandingProblem]:
    return [p for p in problems if p.severity is Severity.ERROR]

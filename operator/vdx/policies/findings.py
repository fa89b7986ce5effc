"""What a policy says about a tree: findings, each one enough to act on without reading code.

A finding names the resource, the field, what is wrong and how to fix it, and where in the Git
tree the field is written, because the person reading it is reviewing a pull request, not
debugging the checker. Findings are plain frozen data so that the CLI, the formats and the
admission webhook can share them without knowing where they came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from enum import StrEnum


class Severity(StrEnum):
    """Errors block a merge (and an admission); warnings are shown and block only under --strict."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class ResourceRef:
    """A Kubernetes object by identity: kind, namespace (None when cluster-scoped) and name."""

    kind: str
    namespace: str | None
    name: str

    def __str__(self) -> str:
        if self.namespace:
            return f"{self.kind} {self.namespace}/{self.name}"
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class Location:
    """Where a finding points in the tree; line and column are 1-based, None when unknown."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Finding:
    """One rule broken by one resource (or one document that is not a resource at all)."""

    severity: Severity
    rule: str
    resource: ResourceRef | None
    field: str
    message: str
    fix: str
    location: Location | None = None
    # Other resources the finding is about (a quota counts brandings; a conflict names the other
    # claimant). Admission refuses a change to any of them, not only to `resource`.
    related: tuple[ResourceRef, ...] = dataclass_field(default=())

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def concerns(self, ref: ResourceRef) -> bool:
        """Whether admitting a change to `ref` should report this finding."""
        return self.resource == ref or ref in self.related

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (
            loc.file if loc else "",
            loc.line or 0 if loc else 0,
            loc.column or 0 if loc else 0,
            self.rule,
            self.message,
        )

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.severity.value}[{self.rule}] {self.subject()}{self.message}. Fix: {self.fix}"

    def subject(self) -> str:
        """'Kind ns/name, field f: ' (or less, when the finding is about a file, not a resource)."""
        what = str(self.resource) if self.resource else ""
        if self.field:
            what += f", field {self.field}" if what else f"field {self.field}"
        return f"{what}: " if what else ""

"""An object is declared once: the same kind, namespace and name twice in the tree is an error.

Decision: the API server keeps one object per kind, namespace and name, so with two declarations
whichever GitOps applies last silently wins, and the review showed the other. The tree must say
one thing. This applies to every object the tree carries, Secrets and ConfigMaps included.
"""

from __future__ import annotations

from collections.abc import Iterator

from vdx.policies.context import PolicyContext
from vdx.policies.findings import Finding, Location, Severity
from vdx.policies.rule import PolicyRule

ID = "duplicate-name"


def check(ctx: PolicyContext) -> Iterator[Finding]:
    for ref, loaded_all in sorted(ctx.by_ref.items()):
        first = ctx.locator(loaded_all[0].source, "metadata.name")
        for loaded in loaded_all[1:]:
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                "metadata.name",
                f"{ref} is declared {len(loaded_all)} times" + _first(first),
                "keep one declaration: rename this object or delete the duplicate",
            )
    for ref, documents in sorted(ctx.others_by_ref.items()):
        first = ctx.locator(documents[0][1], "metadata.name")
        for _, source in documents[1:]:
            yield Finding(
                Severity.ERROR,
                ID,
                ref,
                "metadata.name",
                f"{ref} is declared {len(documents)} times" + _first(first),
                "keep one declaration: rename this object or delete the duplicate",
                ctx.locator(source, "metadata.name"),
            )


def _first(location: Location | None) -> str:
    return f"; first at {location}" if location else ""


RULE = PolicyRule(
    ID,
    "Each object (kind, namespace, name) is declared once",
    "The API server keeps one object per identity; the last one applied would silently win.",
    check,
)

"""The ownership marker the operator puts on every Pexip object it creates.

Pexip has no labels, so the marker lives in a free-text field (`description` where the resource has
one). The operator acts only on objects whose marker names the resource being reconciled, or whose
resource URI that resource recorded when it created or explicitly adopted them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MARKER = re.compile(r"^\[vdx:(?P<kind>[A-Za-z]+)/(?:(?P<namespace>[a-z0-9-]+)/)?(?P<name>[a-z0-9.-]+)\] ?")
# Pexip's description fields hold 250 characters.
DESCRIPTION_LIMIT = 250


@dataclass(frozen=True)
class Owner:
    kind: str
    namespace: str | None
    name: str

    def marker(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"[vdx:{self.kind}/{where}]"

    def describe(self, text: str | None) -> str:
        """A description carrying the marker, then the human text, cut to Pexip's limit."""
        full = self.marker() if not text else f"{self.marker()} {text}"
        return full[:DESCRIPTION_LIMIT]

    def __str__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where}"


def owner_of(description: str | None) -> Owner | None:
    """The owner named by a description's marker, or None for objects made by others."""
    if not description:
        return None
    match = _MARKER.match(description)
    if match is None:
        return None
    return Owner(match["kind"], match["namespace"], match["name"])


def without_marker(description: str | None) -> str:
    """The description with the marker removed: what Orphan deletion leaves behind."""
    if not description:
        return ""
    return _MARKER.sub("", description, count=1)

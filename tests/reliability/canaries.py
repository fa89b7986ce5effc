"""Canary secrets and a search that reports where they were found without ever showing them.

A failing leak test must not print the secret it found, or the test output becomes the leak: the
report names the canary by label and the place by source, with a count.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping


def forms(value: str) -> dict[str, str]:
    """The ways a value could show up: itself, base64 (a Secret's data), and for a PEM key its body."""
    found = {"plain": value, "base64": base64.b64encode(value.encode()).decode()}
    body = [ln for ln in value.splitlines() if ln and not ln.startswith("-----")]
    if "-----BEGIN" in value and body:
        found["pem-line"] = body[0][:40]
    return found


def hits(canaries: Mapping[str, str], outputs: Iterable[tuple[str, str]]) -> list[str]:
    """`label/form in source: n` for every occurrence; empty when nothing leaked."""
    report: list[str] = []
    texts = list(outputs)
    for label, value in canaries.items():
        for form, needle in forms(value).items():
            for source, text in texts:
                count = text.count(needle)
                if count:
                    report.append(f"{label}/{form} in {source}: {count}")
    return report

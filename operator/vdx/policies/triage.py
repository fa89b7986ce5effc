"""Which findings `vdx check` reports: the configuration, then inline suppressions, then the baseline.

The order is the order of authority: the platform engineers' configuration decides a rule's
severity for a path; an annotation on a resource may then excuse one of the remaining warnings
with its reason; the baseline finally hides what the tree already had. What is hidden is counted,
never silently lost: the summary says how many findings each step hid. Pure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vdx.policies.baseline import Key, compare
from vdx.policies.checkconfig import LoadedConfig, configure
from vdx.policies.findings import Finding
from vdx.policies.suppressions import Suppression, suppress


@dataclass(frozen=True)
class Hidden:
    """How many findings were not reported, and why."""

    config_file: str = ""
    ignored: int = 0
    suppressed: int = 0
    baselined: int = 0
    # Baseline entries no finding matched any more: the baseline can be written again.
    gone: int = 0


@dataclass(frozen=True)
class Triaged:
    findings: list[Finding]
    hidden: Hidden
    # Findings before the baseline: what --write-baseline records.
    before_baseline: list[Finding]


def triage(
    findings: Sequence[Finding],
    config: LoadedConfig | None,
    annotations: Sequence[Suppression],
    baseline: Counter[Key] | None,
    cwd: Path,
) -> Triaged:
    configured = configure(findings, config, cwd)
    suppressed = suppress(configured.findings, annotations)
    current = sorted(suppressed.findings, key=Finding.sort_key)
    compared = compare(current, baseline) if baseline is not None else None
    reported = compared.new if compared else current
    return Triaged(
        reported,
        Hidden(
            config.file if config else "",
            len(configured.ignored),
            len(suppressed.suppressed),
            len(compared.known) if compared else 0,
            compared.gone if compared else 0,
        ),
        current,
    )

"""Is a tenant's firewall proven open? Decided from its probe reports and the current port table;
pure, so the Tenant's FirewallReady condition and `vdx ports status` say the same thing.

A report counts only while it is recent (a firewall changes under its owners' hands) and was made
against the table that is current now: a new TURN server or TURN on 443 switched on changes the
table's fingerprint, and every earlier report becomes stale until the probe is run again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from vdx.controller.reasons import Reason
from vdx.ports.probe_plan import SpecError, load_spec
from vdx.ports.report import ProbeReport, ReportError, load_report

MAX_AGE = timedelta(days=90)
CONDITION = "FirewallReady"

State = Literal["ready", "failing", "stale", "never-tested"]
HOW = "run `vdx ports probe` from inside the network and send the report (docs/firewall.md)"


@dataclass(frozen=True)
class Readiness:
    state: State
    status: Literal["True", "False", "Unknown"]
    reason: str
    message: str
    failing: tuple[str, ...] = ()  # the required openings that do not work, as the report names them
    report: ProbeReport | None = None


def latest(reports: Sequence[ProbeReport], tenant: str, platform: str) -> ProbeReport | None:
    mine = [r for r in reports if r.tenant == tenant and r.platform == platform]
    return max(mine, key=lambda r: r.finished) if mine else None


def _failing(report: ProbeReport) -> tuple[str, ...]:
    return tuple(f"{c.target} ({c.reason})" for c in report.failing())


def decide(
    reports: Sequence[ProbeReport],
    tenant: str,
    platform: str,
    fingerprint: str | None,
    now: datetime,
    max_age: timedelta = MAX_AGE,
) -> Readiness:
    """FirewallReady from the tenant's reports: True when the latest is recent, passed and made
    against the current table; False naming what fails or why the report no longer counts; Unknown
    when there is no report (or the current table could not be read)."""
    report = latest(reports, tenant, platform)
    if report is None:
        return Readiness("never-tested", "Unknown", Reason.NO_REPORT, f"no firewall probe report yet: {HOW}")
    when = report.finished.date().isoformat()
    if fingerprint is None:
        return Readiness(
            "stale",
            "Unknown",
            Reason.TABLE_UNKNOWN,
            f"the current port table could not be read, so the report of {when} cannot be compared with it",
            report=report,
        )
    if report.table_fingerprint != fingerprint:
        return Readiness(
            "stale",
            "False",
            Reason.TABLE_CHANGED,
            f"the report of {when} tested port table {report.table_fingerprint}; the table is now "
            f"{fingerprint} (a TURN server, TURN on 443, an edge node or a domain changed): {HOW}",
            failing=_failing(report),
            report=report,
        )
    if now - report.finished > max_age:
        return Readiness(
            "stale",
            "False",
            Reason.REPORT_TOO_OLD,
            f"the latest report is from {when}, older than {max_age.days} days: {HOW}",
            failing=_failing(report),
            report=report,
        )
    failing = _failing(report)
    if not report.passed:
        return Readiness(
            "failing",
            "False",
            Reason.OPENINGS_FAIL,
            f"the report of {when} found {len(failing)} required opening(s) not working: "
            + ", ".join(failing),
            failing=failing,
            report=report,
        )
    origin = f" from {report.public_address}" if report.public_address else ""
    return Readiness(
        "ready", "True", "ProbePassed", f"every required opening worked on {when}{origin}", report=report
    )


# In the cluster, a tenant's readiness/<tenant>/ folder of the GitOps tree becomes this ConfigMap in
# the tenant's namespace (kustomize configMapGenerator, written by `vdx ports publish`): the
# published probe file under PUBLISHED_KEY, each report the municipality sent under its file name.
READINESS_CONFIGMAP = "vdx-firewall-readiness"
PUBLISHED_KEY = "probe.json"


def from_files(
    files: Mapping[str, str] | None, tenant: str, platform: str, now: datetime, max_age: timedelta = MAX_AGE
) -> Readiness:
    """The decision from a readiness folder's files (or the ConfigMap made of them): the published
    probe file gives the current table's fingerprint, every other `*.json` is a report. A file that
    does not parse is named in the message rather than silently ignored."""
    files = files or {}
    fingerprint: str | None = None
    unreadable: list[str] = []
    if PUBLISHED_KEY in files:
        try:
            fingerprint = load_spec(files[PUBLISHED_KEY], PUBLISHED_KEY).table_fingerprint
        except SpecError:
            unreadable.append(PUBLISHED_KEY)
    reports: list[ProbeReport] = []
    for name, text in sorted(files.items()):
        if name == PUBLISHED_KEY or not name.endswith(".json"):
            continue
        try:
            reports.append(load_report(text, name))
        except ReportError:
            unreadable.append(name)
    decided = decide(reports, tenant, platform, fingerprint, now, max_age)
    if PUBLISHED_KEY not in files and decided.report is not None:
        decided = replace(
            decided,
            message=decided.message + f"; no published probe file ({PUBLISHED_KEY}): run `vdx ports publish`",
        )
    if unreadable:
        decided = replace(
            decided,
            message=decided.message + f"; ignored unreadable file(s): {', '.join(unreadable)} (not the JSON "
            "`vdx ports probe --out` writes)",
        )
    return decided


def condition(readiness: Readiness, generation: int | None) -> dict[str, object]:
    """The Tenant's FirewallReady condition (kstatus shape; the runtime sets lastTransitionTime)."""
    return {
        "type": CONDITION,
        "status": readiness.status,
        "reason": readiness.reason,
        "message": readiness.message[:1000],
        "observedGeneration": generation,
    }

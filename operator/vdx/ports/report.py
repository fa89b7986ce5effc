"""A probe report: every check's outcome, the verdict, and its text for people; pure.

The same JSON is what the municipality sends back (`readiness/<tenant>/*.json` in the GitOps tree,
see docs/firewall.md) and what `vdx ports status` and the Tenant's FirewallReady condition read.
"""

from __future__ import annotations

import textwrap
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

REPORT_FORMAT: Literal["vdx-ports-report/v1"] = "vdx-ports-report/v1"

Status = Literal["pass", "fail", "skipped"]
# Why a check failed, in words a network team knows; `message` says it for the one check.
Reason = Literal[
    "ok",
    "dns",
    "timeout",
    "refused",
    "unreachable",
    "tls-untrusted",
    "tls-name-mismatch",
    "tls-error",
    "stun-error",
    "no-responder",
    "error",
]


class CheckResult(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: str
    target: str  # host:port or the port range, as people write it
    required: bool
    status: Status
    reason: Reason
    message: str = Field(max_length=1000)
    why: str = Field(default="", max_length=500)  # what the opening is for, from the probe file
    elapsed_ms: float | None = None
    rtt_ms: float | None = None
    reflexive: str | None = None  # address:port the STUN server saw


class ProbeReport(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["vdx-ports-report/v1"] = REPORT_FORMAT
    tenant: str = Field(min_length=1, max_length=253)
    platform: str = Field(min_length=1, max_length=253)
    table_fingerprint: str
    tool: str
    started: datetime
    finished: datetime
    public_address: str | None = None
    passed: bool
    checks: tuple[CheckResult, ...]

    def failing(self) -> list[CheckResult]:
        """The required openings that do not work: what the network team must fix."""
        return [c for c in self.checks if c.required and c.status != "pass"]


class ReportError(ValueError):
    """A report file that cannot be read; the message names the file and the field."""


def verdict(checks: tuple[CheckResult, ...]) -> bool:
    """Passed only when every required opening works; optional and skipped checks never fail it."""
    return all(c.status == "pass" for c in checks if c.required)


def load_report(text: str, source: str) -> ProbeReport:
    try:
        return ProbeReport.model_validate_json(text)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(the file)"
        raise ReportError(
            f"{source}: field {where}: {first['msg']}; a report is the JSON `vdx ports probe --out` "
            "writes, unchanged"
        ) from None


_MARK = {"pass": "PASS", "fail": "FAIL", "skipped": "SKIP"}


def render_text(report: ProbeReport, width: int = 100) -> str:
    """The report for the person who ran the probe: verdict first, then each check and what to do."""
    failing = report.failing()
    lines = [
        f"VDX firewall probe for tenant {report.tenant} on {report.platform}",
        f"  run {report.started.isoformat(timespec='seconds')} with {report.tool}, "
        f"from public address {report.public_address or 'unknown (no STUN server answered)'}",
        f"  port table {report.table_fingerprint}",
        "",
        "RESULT: every required opening works"
        if report.passed
        else f"RESULT: {len(failing)} required opening(s) do not work",
        "",
    ]
    for check in report.checks:
        timing = f" {check.rtt_ms:.0f} ms" if check.rtt_ms is not None else ""
        optional = "" if check.required else " (not required)"
        lines.append(f"{_MARK[check.status]}  {check.kind} {check.target}{timing}{optional}")
        if check.why:
            lines += textwrap.wrap(
                f"({check.why})", width=width, initial_indent="      ", subsequent_indent="       "
            )
        lines += textwrap.wrap(
            check.message, width=width, initial_indent="      ", subsequent_indent="      "
        )
    return "\n".join(lines) + "\n"

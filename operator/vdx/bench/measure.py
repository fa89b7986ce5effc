"""Measuring the operator process and the API server from the outside (Linux /proc, /metrics)."""

from __future__ import annotations

import os
import re
import statistics
from dataclasses import dataclass

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcessSample:
    cpu_seconds: float
    rss_mib: float
    peak_rss_mib: float


def sample_process(pid: int) -> ProcessSample:
    """CPU seconds so far, current and peak resident memory of one process."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / _TICKS
    rss = peak = 0.0
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return ProcessSample(cpu, rss, peak)


_REQUEST_TOTAL = re.compile(r"^apiserver_request_total\{[^}]*\} (\d+(?:\.\d+)?(?:e\+\d+)?)$", re.MULTILINE)


def apiserver_requests(metrics_text: str) -> int:
    """Total requests the API server has served, from its Prometheus text."""
    return int(sum(float(value) for value in _REQUEST_TOTAL.findall(metrics_text)))


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]

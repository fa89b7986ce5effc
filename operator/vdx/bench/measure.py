"""Measuring the operator process and the API server from the outside (Linux /proc, /metrics)."""

from __future__ import annotations

import os
import re
import statistics
from dataclasses import dataclass

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcessSample:
    # The process's own CPU and its children's: those it has reaped (the kernel adds theirs to its
    # own `cutime`) and those alive now (the operator's branding renderer runs in a child).
    cpu_seconds: float
    rss_mib: float  # the process alone
    peak_rss_mib: float  # the process alone (VmHWM)
    # Threads alive now: each keeps the stack pages its deepest call touched (vdx.controller.workers).
    threads: int = 0
    children_rss_mib: float = 0.0  # the children alive now
    children_peak_rss_mib: float = 0.0  # the largest VmHWM among the children alive now


def _stat_fields(pid: int | str) -> list[str]:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().rsplit(")", 1)[1].split()


def _memory(pid: int | str) -> tuple[float, float, int]:
    """VmRSS and VmHWM in MiB, and the thread count, of one process."""
    rss = peak = 0.0
    threads = 0
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss, peak, threads


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid`, now."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(_stat_fields(entry)[1]) == pid:
                    found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
    return found


def sample_process(pid: int) -> ProcessSample:
    """CPU seconds so far (with the children's), current and peak resident memory of one process
    and of its children alive now."""
    fields = _stat_fields(pid)
    cpu = sum(int(f) for f in fields[11:15]) / _TICKS  # utime, stime, cutime, cstime
    rss, peak, threads = _memory(pid)
    children_rss = children_peak = 0.0
    for child in children_of(pid):
        try:
            cpu += sum(int(f) for f in _stat_fields(child)[11:13]) / _TICKS
            child_rss, child_peak, _ = _memory(child)
        except OSError:
            continue
        children_rss += child_rss
        children_peak = max(children_peak, child_peak)
    return ProcessSample(cpu, rss, peak, threads, children_rss, children_peak)


_REQUEST_TOTAL = re.compile(r"^apiserver_request_total\{[^}]*\} (\d+(?:\.\d+)?(?:e\+\d+)?)$", re.MULTILINE)


def apiserver_requests(metrics_text: str) -> int:
    """Total requests the API server has served, from its Prometheus text."""
    return int(sum(float(value) for value in _REQUEST_TOTAL.findall(metrics_text)))


_REQUEST_LABELS = re.compile(r"^apiserver_request_total\{([^}]*)\} (\S+)$", re.MULTILINE)
_LABEL = re.compile(r'(\w+)="([^"]*)"')


def apiserver_requests_by_kind(metrics_text: str) -> dict[str, int]:
    """The API server's served requests by "VERB resource[/subresource]" (its own labels), so a figure
    that rose says which requests rose; requests without a resource (`/metrics`) are left out."""
    counts: dict[str, int] = {}
    for labels, value in _REQUEST_LABELS.findall(metrics_text):
        found = dict(_LABEL.findall(labels))
        resource = found.get("resource")
        if not resource:
            continue
        what = f"{found.get('verb', '?')} {resource}" + (
            f"/{found['subresource']}" if found.get("subresource") else ""
        )
        counts[what] = counts.get(what, 0) + int(float(value))
    return counts


def request_difference(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    """What `after` counts beyond `before`, largest first, zeros left out."""
    grown = {key: count - before.get(key, 0) for key, count in after.items()}
    return dict(sorted(((k, v) for k, v in grown.items() if v), key=lambda kv: (-kv[1], kv[0])))


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def minimum_seconds(requests: int, latency_ms: float, in_flight: int) -> float:
    """How long `requests` take at the simulator's mean latency with `in_flight` always busy: the
    time target's yardstick (no dependency waits, no CPU cost anywhere)."""
    return requests * latency_ms / 1000 / in_flight


def load_average() -> list[float]:
    """The machine's 1, 5 and 15 minute load averages: time figures mean little without them on a
    machine shared with other work (request counts and memory do not depend on them)."""
    return [round(x, 2) for x in os.getloadavg()]


def pipe_timeline(
    requests: list[tuple[float, float, str]], start: float, end: float, width: float, in_flight: int
) -> list[dict[str, object]]:
    """How full the Pexip request pipe was, window by window: where a time ratio above 1 comes from.

    `requests` are (start time, duration, resource) as the simulator logged them. A window's
    `busy` is the request time spent in it over what `in_flight` slots could hold (1.0: always
    full); `top` is the resource most of its requests went to; `served_ms` is how long the simulator
    took, on average, for the requests begun in it (its latency plus its own work: above the
    latency, the simulator was short of CPU, and the slots' time was its, not the operator's).
    """
    windows: list[dict[str, object]] = []
    edge = start
    while edge < end:
        upper = min(edge + width, end)
        busy = 0.0
        counts: dict[str, int] = {}
        served = 0.0
        for began, duration, resource in requests:
            overlap = min(began + duration, upper) - max(began, edge)
            if overlap > 0:
                busy += overlap
            if edge <= began < upper:
                counts[resource] = counts.get(resource, 0) + 1
                served += duration
        top = max(counts, key=lambda r: counts[r]) if counts else ""
        windows.append(
            {
                "from_s": round(edge - start, 1),
                "requests": sum(counts.values()),
                "busy": round(busy / ((upper - edge) * in_flight), 2),
                "top": top,
                "served_ms": round(1000 * served / max(1, sum(counts.values())), 2),
            }
        )
        edge = upper
    return windows


def request_windows(requests: list[tuple[float, str, str]], start: float) -> dict[str, list[float]]:
    """Per method and resource: seconds from `start` to its first and its last request, from
    (start time, method, resource) as the simulator logged them: which stage of a cold start waits
    for which (the rooms' listing, the themes, the rooms' writes)."""
    windows: dict[str, list[float]] = {}
    for began, method, resource in requests:
        at = round(began - start, 1)
        window = windows.setdefault(_request_key(method, resource), [at, at])
        window[0], window[1] = min(window[0], at), max(window[1], at)
    return windows


def requests_by_resource(requests: list[tuple[str, str]]) -> dict[str, int]:
    """How many requests per "METHOD resource", from (method, resource) as the simulator logged
    them: a count that moved against an earlier run says which writes moved (the totals by method
    cannot tell a room's PATCH from a system location's)."""
    counts: dict[str, int] = {}
    for method, resource in requests:
        key = _request_key(method, resource)
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def _request_key(method: str, resource: str) -> str:
    """How the figures name a request: a PATCH of configuration/conference is "PATCH conference"."""
    return f"{method} {resource.rsplit('/', 1)[-1]}"

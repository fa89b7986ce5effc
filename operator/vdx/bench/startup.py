"""`vdx bench --startup`: what starting the `vdx` command and the operator process costs.

Each probe runs as a fresh interpreter several times; the figures are the median wall and CPU
seconds (from `wait4`) and the highest peak RSS. The peak is the child's own high-water mark
(`VmHWM`, read as it exits): the kernel's `ru_maxrss` would carry over the memory of the process
that forked it. On a shared machine the wall
time is the load's as much as ours; CPU seconds and RSS are the trustworthy figures, and the load
averages are printed with them.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from vdx.bench.measure import load_average
from vdx.paths import EXAMPLES_DIR

_VDX = "from vdx.cli.main import main; main()"
# name -> the code of `python -c` and its arguments. The last one is what the operator process has
# loaded before it reconciles anything: its imports, the floor of its RSS.
PROBES: dict[str, list[str]] = {
    "vdx --help": [_VDX, "--help"],
    "vdx check --help": [_VDX, "check", "--help"],
    "vdx operator run --help": [_VDX, "operator", "run", "--help"],
    "vdx check examples": [_VDX, "check", str(EXAMPLES_DIR)],
    "operator imports": [
        "from vdx.controller.memory import prepare_operator_process; prepare_operator_process(); "
        "import vdx.controller.run, vdx.cli.operator",
    ],
}


# Prefixed to each probe's code: at exit (SystemExit included) the child writes its VmHWM in KiB
# to the file named in its first argument, which it then removes from argv.
_REPORT_PEAK = (
    "import atexit, sys\n"
    "def _vdx_peak(path=sys.argv.pop(1)):\n"
    "    with open('/proc/self/status') as status:\n"
    "        kib = [line.split()[1] for line in status if line.startswith('VmHWM:')]\n"
    "    with open(path, 'w') as out:\n"
    "        out.write(kib[0])\n"
    "atexit.register(_vdx_peak)\n"
)


@dataclass(frozen=True)
class Probe:
    name: str
    runs: int
    wall_seconds: float  # median
    cpu_seconds: float  # median, user + system
    peak_rss_mib: float  # the highest of the runs
    exit_status: int


def run_once(code: str, *args: str) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds, peak RSS in MiB and exit status of `python -c code args...`."""
    with tempfile.TemporaryDirectory(prefix="vdx-startup-") as tmp:
        peak_file = Path(tmp) / "peak"
        argv = [sys.executable, "-c", _REPORT_PEAK + code, str(peak_file), *args]
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped: keep Popen from waiting again
        peak = int(peak_file.read_text(encoding="ascii")) / 1024 if peak_file.exists() else float("nan")
    return wall, usage.ru_utime + usage.ru_stime, peak, child.returncode


def probe(name: str, args: list[str], runs: int) -> Probe:
    """`args`: the code of `python -c` and its arguments."""
    samples = [run_once(*args) for _ in range(runs)]
    return Probe(
        name=name,
        runs=runs,
        wall_seconds=round(statistics.median(s[0] for s in samples), 3),
        cpu_seconds=round(statistics.median(s[1] for s in samples), 3),
        peak_rss_mib=round(max(s[2] for s in samples), 1),
        exit_status=max(s[3] for s in samples),
    )


def run_startup(runs: int, say: Callable[[str], None]) -> dict[str, Any]:
    load_before = load_average()
    results = []
    for name, args in PROBES.items():
        result = probe(name, args, runs)
        results.append(result)
        say(
            f"{name}: {result.wall_seconds:.2f} s wall, {result.cpu_seconds:.2f} CPU s, "
            f"peak RSS {result.peak_rss_mib:.0f} MiB (median of {runs}; exit {result.exit_status})"
        )
    load = {"start": load_before, "end": load_average()}
    say(f"load average (1/5/15 min): {load['start']} at the start, {load['end']} at the end")
    return {"startup": [asdict(r) for r in results], "load_average": load, "cores": os.cpu_count()}

"""The startup benchmark's measuring (it prints figures; nothing here is timed)."""

from __future__ import annotations

import math

from vdx.bench.startup import PROBES, probe, run_once


def test_run_once_reports_the_childs_own_memory_and_exit_status() -> None:
    _, cpu, small_rss, status = run_once("pass")
    assert status == 0
    assert cpu >= 0
    # Touch 80 MiB, then exit with a status of its own: the peak is the child's, taken at exit.
    _, _, big_rss, status = run_once(
        "import sys; b = bytearray(80 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); sys.exit(3)"
    )
    assert status == 3
    assert 70 < big_rss - small_rss < 120
    assert small_rss < 40  # a bare interpreter, not the memory of the process that forked it


def test_arguments_reach_the_child_and_a_crash_reports_no_peak() -> None:
    _, _, _, status = run_once("import sys; sys.exit(int(sys.argv[1]))", "7")
    assert status == 7
    _, _, peak, status = run_once("import os; os._exit(5)")  # no atexit: no peak to read
    assert status == 5
    assert math.isnan(peak)


def test_help_probe_runs_the_real_command() -> None:
    result = probe("vdx --help", PROBES["vdx --help"], runs=1)
    assert result.exit_status == 0
    assert result.peak_rss_mib > 0
    failing = probe("unknown family", ["from vdx.cli.main import main; main()", "nope"], runs=1)
    assert failing.exit_status == 2

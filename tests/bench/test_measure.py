"""The benchmark's pipe timeline: how full the five request slots were, window by window."""

from __future__ import annotations

import os
import threading

from vdx.bench.measure import pipe_timeline, request_windows, requests_by_resource, sample_process


def test_full_idle_and_partial_windows() -> None:
    # Window 0-10 s: five requests each lasting the whole window (full); 10-20 s: nothing;
    # 20-25 s: one request of 5 s, and one that started at 8 s and spills 2 s over into 10-20 s.
    requests = [(0.0, 10.0, "conference")] * 4 + [(8.0, 4.0, "ivr_theme"), (20.0, 5.0, "turn_server")]
    windows = pipe_timeline(requests, 0.0, 25.0, 10.0, 5)
    assert [w["from_s"] for w in windows] == [0.0, 10.0, 20.0]
    assert windows[0]["busy"] == round((40 + 2) / 50, 2)
    assert windows[0]["requests"] == 5
    assert windows[0]["top"] == "conference"
    assert windows[0]["served_ms"] == round(1000 * (40 + 4) / 5, 2)  # begun in it, wherever they end
    assert windows[1] == {
        "from_s": 10.0,
        "requests": 0,
        "busy": round(2 / 50, 2),
        "top": "",
        "served_ms": 0.0,  # nothing begun in it
    }
    assert windows[2]["busy"] == round(5 / 25, 2)  # a short last window is judged on its own length


def test_request_windows_per_resource() -> None:
    logged = [
        (100.0, "POST", "configuration/ivr_theme"),
        (101.5, "GET", "configuration/conference"),
        (103.0, "PATCH", "configuration/conference"),
        (109.0, "PATCH", "configuration/conference"),
        (104.0, "POST", "configuration/ivr_theme"),
    ]
    assert request_windows(logged, 100.0) == {
        "POST ivr_theme": [0.0, 4.0],
        "GET conference": [1.5, 1.5],
        "PATCH conference": [3.0, 9.0],
    }


def test_a_process_sample_reads_cpu_memory_and_threads_of_a_live_process() -> None:
    gate = threading.Event()
    extra = [threading.Thread(target=gate.wait) for _ in range(3)]
    for thread in extra:
        thread.start()
    try:
        sample = sample_process(os.getpid())
        assert sample.threads >= 4  # this one and the three waiting
        assert 0 < sample.rss_mib <= sample.peak_rss_mib
        assert sample.cpu_seconds > 0
    finally:
        gate.set()
        for thread in extra:
            thread.join()


def test_requests_by_resource_counts_each_method_and_resource() -> None:
    logged = [
        ("PATCH", "configuration/conference"),
        ("PATCH", "configuration/system_location"),
        ("PATCH", "configuration/conference"),
        ("GET", "configuration/conference"),
    ]
    assert requests_by_resource(logged) == {
        "GET conference": 1,
        "PATCH conference": 2,
        "PATCH system_location": 1,
    }

"""The cold start's summary line names both time ratios when they differ, and the operator's pauses
in the garbage collector when its metrics have them."""

from __future__ import annotations

from vdx.bench.run import ScenarioResult, format_result


def result(notes: dict[str, object]) -> ScenarioResult:
    return ScenarioResult(
        name="cold-start",
        wall_seconds=180.0,
        pexip_requests={"PATCH": 10},
        minimum_requests=10,
        kubernetes_requests=5,
        operator_cpu_seconds=1.0,
        operator_peak_rss_mib=100.0,
        notes=dict(notes),
    )


def test_the_ratio_from_the_first_request_is_shown_beside_the_one_from_the_apply() -> None:
    line = format_result(
        result({"time_ratio": 1.44, "minimum_seconds": 104.2, "time_ratio_since_first_request": 1.72})
    )
    assert "converged in 1.44x the 104 s minimum; 1.72x counted from the operator's first request)" in line


def test_one_ratio_when_both_are_counted_alike() -> None:
    line = format_result(
        result({"time_ratio": 1.02, "minimum_seconds": 1818.0, "time_ratio_since_first_request": 1.02})
    )
    assert "(converged in 1.02x the 1818 s minimum)" in line
    assert "first request" not in line


def test_the_garbage_collector_s_time_and_full_collections_are_shown() -> None:
    collected = {"seconds_0": 1.0, "seconds_1": 0.7, "seconds_2": 0.72, "collections_2": 27.0}
    assert "; GC 2.4 s, 27 full in 0.7 s" in format_result(result({"operator_gc": collected}))
    assert "GC" not in format_result(result({}))

"""The benchmark's fleet and its arithmetic (the benchmark itself prints figures; it is not a test)."""

from __future__ import annotations

from collections import Counter

import pytest

from vdx.api.loader import load_text
from vdx.bench.fleet import FLEETS, bench_fleet, minimum_cold_start_writes, national_fleet, pexip_objects
from vdx.bench.measure import (
    apiserver_requests,
    apiserver_requests_by_kind,
    load_average,
    minimum_seconds,
    percentile,
    request_difference,
)
from vdx.cli.bench import FLEETS as CLI_FLEETS
from vdx.yamlio import dump_all_yaml


def test_full_scale_fleet_is_the_danish_platform() -> None:
    fleet = national_fleet(1.0)
    kinds = Counter(t["spec"]["organisationKind"] for t in fleet.tenants)
    assert kinds == {"Region": 5, "Municipality": 98, "Other": 21}
    assert len(fleet.domains) == 250
    assert fleet.count("CviBranding") == 120
    assert (len(fleet.rooms), len(fleet.devices)) == (25_000, 10_000)
    off = sum(1 for r in fleet.rooms if r.direct_media == "never")
    assert 4_500 < off < 5_500  # about a fifth


def test_fleet_is_deterministic_and_valid() -> None:
    one, two = national_fleet(0.05, seed=3), national_fleet(0.05, seed=3)
    assert one.rooms == two.rooms
    tree = load_text(dump_all_yaml(one.tenants + one.namespaced), "fleet.yaml")
    assert len(tree.resources) == len(one.tenants) + len(one.namespaced)


def test_minimum_writes_count_each_room_once() -> None:
    fleet = national_fleet(0.02)
    writes = minimum_cold_start_writes(fleet)
    assert writes["turn_server"] == writes["tls_certificate"] == len(fleet.domains)
    expected_rooms = sum(
        1
        for r in fleet.rooms
        if r.direct_media != "best_effort" or r.alias.rsplit("@", 1)[1] in fleet.branded_domains
    )
    assert writes["conference"] == expected_rooms


def test_measure_helpers() -> None:
    text = (
        'apiserver_request_total{code="200",verb="GET"} 12\n'
        'apiserver_request_total{code="201",verb="POST"} 3\n'
        "apiserver_request_duration_seconds_count 99\n"
    )
    assert apiserver_requests(text) == 15
    assert percentile([1.0], 0.99) == 1.0
    assert percentile([float(n) for n in range(1, 101)], 0.5) == 50.5


def test_requests_by_kind() -> None:
    text = (
        'apiserver_request_total{code="200",component="apiserver",resource="configmaps",scope="resource",'
        'subresource="",verb="GET",version="v1"} 7\n'
        'apiserver_request_total{code="404",component="apiserver",resource="configmaps",scope="resource",'
        'subresource="",verb="GET",version="v1"} 2\n'
        'apiserver_request_total{code="200",component="apiserver",group="vdx.medcom.dk",resource="tenants",'
        'scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 4\n'
        'apiserver_request_total{code="200",component="apiserver",resource="",verb="GET"} 40\n'
    )
    counted = apiserver_requests_by_kind(text)
    assert counted == {"GET configmaps": 9, "PATCH tenants/status": 4}
    before = {"GET configmaps": 9, "PATCH tenants/status": 1, "LIST leases": 3}
    after = {**counted, "LIST leases": 3, "WATCH secrets": 1}
    assert request_difference(after, before) == {"PATCH tenants/status": 3, "WATCH secrets": 1}


def test_time_yardstick_and_load() -> None:
    # 25 853 requests at 20 ms with 5 in flight: the 103 s the full-scale time target is measured by.
    assert round(minimum_seconds(25_853, 20.0, 5)) == 103
    assert len(load_average()) == 3


def test_small_platform_is_fifty_tenants_and_about_500_pexip_objects() -> None:
    fleet = bench_fleet("small", scale=0.3)  # the scale does not change the small platform
    assert len(fleet.tenants) == 50
    assert 450 <= pexip_objects(fleet) <= 550
    kinds = Counter(t["spec"]["organisationKind"] for t in fleet.tenants)
    assert kinds["Region"] >= 1
    assert kinds["Municipality"] >= 1
    tree = load_text(dump_all_yaml(fleet.tenants + fleet.namespaced), "small.yaml")
    assert len(tree.resources) == len(fleet.tenants) + len(fleet.namespaced)
    assert pexip_objects(national_fleet(1.0)) == 2 * 250 + 3 * 120 + 25_000 + 10_000


def test_unknown_fleet_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown fleet 'tiny': choose one of national, small"):
        bench_fleet("tiny", 1.0)
    assert FLEETS == CLI_FLEETS

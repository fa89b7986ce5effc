"""What a no-op resync costs in Kubernetes requests, counted on the operator's own client.

Every resync reconciles every resource. At the small platform's size that once read each Secret and
ConfigMap again (238 GETs per 30 s, 85 % of the operator's Kubernetes requests in steady state); the
operator now keeps what it read current from its watch (`vdx.controller.kube.WatchedObjects`). This
counts every request the operator's `ApiClient` sends while a small tree is already in line, so a read
or a write that creeps back into the resync path fails here. (kopf's watch streams use their own
connection and are not counted: they do not grow with resyncs.)
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from kubernetes import client

from tests.e2e.conftest import start_operator
from tests.e2e.harness import Harness, wait_for, wait_ready
from tests.e2e.test_lifecycle import full_tenant

# Resyncs are every 2 s in the tests' settings (conftest.FAST), the sweep as often.
WINDOW_SECONDS = 7.0


def request_kind(method: str, url: str) -> str:
    """'GET secrets', 'LIST tenants', 'PATCH tenants/status', ... from a request's method and URL."""
    parts = urlsplit(url).path.strip("/").split("/")
    parts = parts[2:] if parts[0] == "api" else parts[3:]  # after api/v1 or apis/GROUP/VERSION
    if parts[:1] == ["namespaces"] and len(parts) > 2:
        parts = parts[2:]
    plural, rest = parts[0], parts[1:]
    if method == "GET" and not rest:
        return f"LIST {plural}"
    return f"{method} {plural}" + (f"/{rest[1]}" if len(rest) > 1 else "")


class CountingApiClient(client.ApiClient):
    """An ApiClient that counts the requests it sends, by `request_kind`."""

    def __init__(self, configuration: client.Configuration) -> None:
        super().__init__(configuration)
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()

    def call_api(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.requests[request_kind(method, url)] += 1
        return super().call_api(method, url, *args, **kwargs)

    def take(self) -> Counter[str]:
        with self._lock:
            taken, self.requests = self.requests, Counter()
        return taken


def test_request_kind() -> None:
    base = "https://127.0.0.1:6443"
    assert request_kind("GET", f"{base}/api/v1/namespaces/t/secrets/tls") == "GET secrets"
    assert request_kind("GET", f"{base}/apis/vdx.medcom.dk/v1alpha1/tenants") == "LIST tenants"
    assert request_kind("GET", f"{base}/apis/vdx.medcom.dk/v1alpha1/namespaces/t/domains") == "LIST domains"
    assert (
        request_kind("PATCH", f"{base}/apis/vdx.medcom.dk/v1alpha1/tenants/region/status")
        == "PATCH tenants/status"
    )
    assert (
        request_kind("PUT", f"{base}/apis/coordination.k8s.io/v1/namespaces/vdx-system/leases/vdx?x=1")
        == "PUT leases"
    )


def test_a_no_op_resync_reads_no_secret_and_writes_nothing(
    kube_api_client: client.ApiClient, operator_namespace: str, h: Harness
) -> None:
    api = CountingApiClient(kube_api_client.configuration)
    operator = start_operator(api, identity="counted-operator")
    try:
        full_tenant(h)
        for plural, name in (("turnservices", "turn"), ("tlscertificates", "cert"), ("domains", "domain")):
            wait_ready(h, plural, name)
        wait_ready(h, "tenants", h.tenant, namespaced=False)
        time.sleep(3.0)  # the last status writes and roll-ups of the cold start settle
        runtime = operator.state.runtime if operator.state else None
        assert runtime is not None
        api.take()
        reconciled = runtime.reconcile_count
        started = time.monotonic()
        time.sleep(WINDOW_SECONDS)
        # Every resource reconciled by the resyncs of the window (platform, tenant and three kinds),
        # twice: the window lasts until they did. Resyncs are every 2 s only on a quiet machine (a
        # resync lists every Pexip type first); a fixed window counted too few under load.
        wait_for(
            lambda: runtime.reconcile_count - reconciled >= 2 * 5,
            60,
            "two resyncs of every resource: no resync ran",
        )
        counted = api.take()
        window = time.monotonic() - started
    finally:
        operator.stop()
    # None read a Secret or ConfigMap (the watch keeps them), wrote a status or posted an event.
    assert not [what for what in counted if what.split()[0] in ("POST", "PATCH", "DELETE")], counted
    assert counted["GET secrets"] == 0, counted
    assert counted["GET configmaps"] == 0, counted
    # What remains: the leader's lease, the periodic list of each kind (the sweep) and the Tenants'
    # domain claims (listed at most every 2 s for all reconciles).
    allowed = {"GET leases", "PUT leases"} | {f"LIST {plural}" for plural in _plurals()}
    assert set(counted) <= allowed, counted
    sweeps = window / 2.0 / 0.9 + 1
    assert sum(n for what, n in counted.items() if what.startswith("LIST")) <= sweeps * (
        len(_plurals()) + 1
    ), counted


def _plurals() -> tuple[str, ...]:
    from vdx.controller.registry import PLURALS

    return tuple(PLURALS.values())

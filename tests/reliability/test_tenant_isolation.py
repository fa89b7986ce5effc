"""One tenant's Pexip objects answered with garbage must not stop the operator serving the others.

A proxy on loopback stands between the operator and the simulator. It forwards everything, except
that it answers writes about tenant A's objects with bad responses (no Location, malformed JSON,
a status Pexip does not use) after the simulator has committed them. Tenant B, on the same
platform, must still become Ready, and tenant A's failure must be visible on its resource.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator

import httpx
import pytest
from kubernetes import client

from tests.e2e.harness import Harness, condition, wait_for, wait_ready
from tests.reliability.fuzzserver import FuzzServer, http_response, running
from vdx.testing.controlplane import temporary_namespace
from vdx.testing.operator import OperatorThread

BAD_CREATE_ANSWERS = [
    (201, b"", {}),  # created, but no Location to read it back from
    (200, b'{"id": 1, "name": ', {}),  # truncated JSON where a Location was due
    (418, b"\xff\xfe not json", {}),  # a status Pexip never sends
]
# A PATCH's success carries no body the client reads, so a 200 would be an honest acceptance
# of a change the simulator did commit: only answers that are failures whatever the body.
BAD_UPDATE_ANSWERS = [
    (201, b"", {}),  # a status a PATCH never gets
    (418, b"\xff\xfe not json", {}),
]


def corrupting_proxy(upstream: str, victim: str) -> FuzzServer:
    """Answer every write about the victim's objects badly, for as long as the test runs.

    A create is recognised by the victim's name in its body; the object it made is remembered by
    its path, so later PATCHes to it (which may carry only a changed secret, not the name) are
    answered badly too. Otherwise the operator would, correctly, find the committed object on its
    next listing and complete it, and tenant A would recover while the test expects it failing.
    """
    bad_create = itertools.cycle(BAD_CREATE_ANSWERS)
    bad_update = itertools.cycle(BAD_UPDATE_ANSWERS)
    victim_paths: set[str] = set()
    forward = httpx.Client(base_url=upstream, timeout=30)

    def respond(method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
        sent = {k: v for k, v in headers.items() if k in ("authorization", "content-type", "accept")}
        answer = forward.request(method, path, headers=sent, content=body)
        if method == "POST" and victim.encode() in body:
            if "location" in answer.headers:
                victim_paths.add(httpx.URL(answer.headers["location"]).path)
            status, text, extra = next(bad_create)
            return http_response(status, text, extra)
        if method == "PATCH" and (path in victim_paths or victim.encode() in body):
            status, text, extra = next(bad_update)
            return http_response(status, text, extra)
        keep = {k: v for k, v in answer.headers.items() if k.lower() in ("location", "retry-after")}
        return http_response(answer.status_code, answer.content, keep)

    return FuzzServer(respond=respond)


@pytest.fixture
def second_namespace(kube_api_client: client.ApiClient) -> Iterator[str]:
    with temporary_namespace(kube_api_client, prefix="t-isolation-b") as name:
        yield name


def test_bad_responses_for_one_tenant_do_not_stop_another(
    operator: OperatorThread, h: Harness, second_namespace: str
) -> None:
    proxy = corrupting_proxy(h.sim.base_url, f"{h.namespace}/")
    with running(proxy):
        h.sim = dataclasses.replace(h.sim, base_url=proxy.url)  # the platform points at the proxy
        other = Harness(h.api, second_namespace, h.sim, h.ca)
        other.platform = h.platform
        try:
            h.platform_and_tenant(["vdx.a.test.dk"])
            other.create(
                "tenants",
                "Tenant",
                other.tenant,
                {
                    "organisationKind": "Region",
                    "displayName": "Region B",
                    "namespace": other.namespace,
                    "platformRef": {"name": h.platform},
                    "domains": ["vdx.b.test.dk"],
                },
                namespaced=False,
            )
            for harness in (h, other):
                harness.secret("turn-secret", {"secret": "isolation-turn"})
                harness.create(
                    "turnservices",
                    "TurnService",
                    "turn",
                    {"address": "turn.test.dk", "secretRef": {"name": "turn-secret"}},
                )
            wait_ready(other, "turnservices", "turn", timeout=60)

            def a_failed() -> str | None:
                cond = condition(h.get("turnservices", "turn"), "Synced")
                return cond["reason"] if cond and cond["status"] == "False" else None

            reason = wait_for(a_failed, 30, "tenant A's failure on its resource")
            assert reason.startswith("Pexip")
            # And B keeps being served: a change to it goes through while A still fails.
            other.patch("turnservices", "turn", {"spec": {"port": 3480}})
            wait_for(
                lambda: (
                    (other.get("turnservices", "turn").get("status") or {}).get("observedGeneration") == 2
                    and condition(other.get("turnservices", "turn"), "Ready")["status"] == "True"
                ),
                30,
                "B updated",
            )
            assert operator.leading
            assert operator.error is None
            assert condition(h.get("turnservices", "turn"), "Ready")["status"] != "True"
        finally:
            other.cleanup()
            h.cleanup()

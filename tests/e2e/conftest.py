"""Fixtures for operator tests: a simulator and an operator of the test's own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.e2e.harness import OPERATOR_NAMESPACE, Harness
from vdx.controller.run import OperatorOptions
from vdx.controller.runtime import RuntimeSettings
from vdx.pexip.retry import RetryPolicy
from vdx.pexip.simulator import RunningServer, Simulator, serve
from vdx.testing.operator import OperatorThread
from vdx.tls.issue import LocalCA

FAST = RuntimeSettings(
    resync_seconds=2.0,
    retry_base_seconds=0.5,
    retry_max_seconds=5.0,
    client_options={"retry": RetryPolicy(max_attempts=2, base_delay=0.05, max_delay=0.2)},
)


@pytest.fixture(scope="session")
def operator_namespace(kube_api_client: client.ApiClient) -> str:
    core = client.CoreV1Api(kube_api_client)
    try:
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=OPERATOR_NAMESPACE)))
    except ApiException as exc:
        if exc.status != 409:
            raise
    return OPERATOR_NAMESPACE


@pytest.fixture(scope="session")
def ca() -> LocalCA:
    return LocalCA()


@pytest.fixture
def sim() -> Iterator[RunningServer]:
    with serve(Simulator()) as running:
        yield running


def start_operator(
    api: client.ApiClient, identity: str = "test-operator", **overrides: object
) -> OperatorThread:
    options = OperatorOptions(
        namespace=OPERATOR_NAMESPACE,
        identity=identity,
        http_port=None,
        lease_seconds=4,
        renew_seconds=1.0,
        runtime=FAST,
    )
    for key, value in overrides.items():
        setattr(options, key, value)
    thread = OperatorThread(api, options).start()
    assert thread.wait_leading(30), "the operator did not start leading"
    return thread


@pytest.fixture
def operator(kube_api_client: client.ApiClient, operator_namespace: str) -> Iterator[OperatorThread]:
    thread = start_operator(kube_api_client)
    yield thread
    thread.stop()


@pytest.fixture
def h(
    kube_api_client: client.ApiClient,
    kube_namespace: str,
    sim: RunningServer,
    ca: LocalCA,
    operator_namespace: str,
) -> Iterator[Harness]:
    harness = Harness(kube_api_client, kube_namespace, sim, ca)
    yield harness
    harness.cleanup()

"""pytest fixtures for tests against the real control plane (enable with `pytest_plugins`).

* `control_plane` (session): one etcd + kube-apiserver for the whole run, CRDs installed; started
  on first use, so a run that selects no Kubernetes test pays nothing.
* `kube_api_client` (session): an admin kubernetes-client `ApiClient` for it.
* `kube_namespace`: a fresh namespace per test.
* `kube_user`: a factory `kube_user(name, groups=())` returning a non-admin `User`.

Tests that use these fixtures get the `kube` marker automatically, so `-m "not kube"` deselects
them.  If no binaries are available the fixture fails (not skips) with the command to run: a CI
job that forgot to build should go red, not green.  Building inside the fixture is deliberately
avoided: a cold build takes far longer than the per-test timeout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import pytest
from kubernetes import client

from vdx.controlplane.binaries import BinariesNotFoundError, locate_binaries
from vdx.controlplane.crds import CRDError
from vdx.controlplane.server import ControlPlane, ControlPlaneError, User
from vdx.testing.controlplane import default_crd_dir, temporary_namespace

_FIXTURES = frozenset({"control_plane", "kube_api_client", "kube_namespace", "kube_user"})
_STARTED = pytest.StashKey[ControlPlane]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "kube: needs the real kube-apiserver + etcd control plane")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.kube)


@pytest.fixture(scope="session")
def control_plane(request: pytest.FixtureRequest) -> Iterator[ControlPlane]:
    """The session's control plane; torn down at session end, on failure and on Ctrl-C."""
    problem = None  # failing outside `except` keeps pytest from printing chained tracebacks
    try:
        plane = ControlPlane(locate_binaries(), crd_paths=[default_crd_dir()]).start()
    except BinariesNotFoundError as error:
        problem = f"{error}\n(or deselect these tests with -m 'not kube')"
    except (ControlPlaneError, CRDError) as error:
        problem = f"control plane did not start: {error}"
    if problem is not None:
        pytest.fail(problem, pytrace=False)
    request.config.stash[_STARTED] = plane
    try:
        yield plane
    finally:
        plane.stop()


@pytest.fixture(scope="session")
def kube_api_client(control_plane: ControlPlane) -> Iterator[client.ApiClient]:
    """Admin (`system:masters`) ApiClient shared by the session."""
    with control_plane.api_client() as api:
        yield api


@pytest.fixture
def kube_namespace(kube_api_client: client.ApiClient, request: pytest.FixtureRequest) -> Iterator[str]:
    """A namespace of this test's own, named after it, deleted afterwards."""
    with temporary_namespace(kube_api_client, prefix=f"t-{request.node.name}") as name:
        yield name


@pytest.fixture
def kube_user(control_plane: ControlPlane) -> Callable[..., User]:
    """Factory for client-certificate identities: `kube_user("alice", groups=["team-a"])`."""

    def make(name: str, groups: Iterable[str] = ()) -> User:
        return control_plane.add_user(name, groups)

    return make


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    plane = config.stash.get(_STARTED, None)
    if plane is not None and plane.startup_seconds is not None:
        crds = len(plane.installed_crds)
        terminalreporter.write_line(
            f"control plane: started in {plane.startup_seconds:.1f}s with {crds} CRD(s) "
            f"(binaries from {plane.binaries.origin})"
        )

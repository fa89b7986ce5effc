"""The control plane itself: it answers, enforces RBAC, isolates tests, and cleans up after itself."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kubernetes import client

from vdx.controlplane.crds import CRDError
from vdx.controlplane.process import port_is_bound, wait_until
from vdx.controlplane.server import ControlPlane, ControlPlaneError, User
from vdx.controlplane.versions import pinned_versions
from vdx.testing.controlplane import bind_cluster_role

pytestmark = pytest.mark.kube

DATA = Path(__file__).parent / "data"
WIDGETS = ("controlplane-tests.example.com", "v1", "widgets")

# Started in a child Python so the test can kill or interrupt the *owner* of the control plane.
OWNER_SCRIPT = """
import json, sys, time
from vdx.controlplane.server import ControlPlane
with ControlPlane() as plane:
    print(json.dumps({"pids": plane.pids, "server": plane.server, "etcd": plane.etcd_url,
                      "dir": str(plane.directory)}), flush=True)
    while True:
        time.sleep(0.2)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def start_owner() -> tuple[subprocess.Popen[str], dict[str, object]]:
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER_SCRIPT], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert owner.stdout is not None
    line = owner.stdout.readline()
    assert line, "the owner process did not start a control plane"
    return owner, json.loads(line)


@pytest.fixture
def widgets_installed(control_plane: ControlPlane) -> list[str]:
    return control_plane.install_crds([DATA / "crds"])


# -- it runs and answers -------------------------------------------------------------------------


def test_server_reports_the_pinned_version(
    control_plane: ControlPlane, kube_api_client: client.ApiClient
) -> None:
    version = client.VersionApi(kube_api_client).get_code()
    if control_plane.binaries.origin == "cache":
        assert version.git_version == pinned_versions().kubernetes
    assert version.git_version.startswith("v1.")


def test_admin_can_list_namespaces(kube_api_client: client.ApiClient) -> None:
    names = {ns.metadata.name for ns in client.CoreV1Api(kube_api_client).list_namespace().items}
    assert {"default", "kube-system"} <= names


def test_kubeconfig_works_with_kubectl(control_plane: ControlPlane, kube_namespace: str) -> None:
    if control_plane.binaries.kubectl is None:
        pytest.skip("no kubectl binary")
    result = subprocess.run(
        [str(control_plane.binaries.kubectl), "get", "namespace", kube_namespace, "-o", "name"],
        env={**os.environ, "KUBECONFIG": str(control_plane.kubeconfig)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == f"namespace/{kube_namespace}"
    who = control_plane.kubectl("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
    assert who.stdout == "vdx-admin"


# -- RBAC ----------------------------------------------------------------------------------------


def test_rbac_forbids_a_non_admin_identity(kube_user: Callable[..., User], kube_namespace: str) -> None:
    nobody = kube_user("nobody", groups=["some-team"])
    with nobody.api_client() as api, pytest.raises(client.ApiException) as caught:
        client.CoreV1Api(api).list_namespaced_config_map(kube_namespace)
    assert caught.value.status == 403
    assert 'User "nobody" cannot list' in json.loads(caught.value.body)["message"]


def test_rbac_grants_apply_to_one_namespace_only(
    kube_api_client: client.ApiClient, kube_user: Callable[..., User], kube_namespace: str
) -> None:
    # Not the built-in `view`: aggregated roles stay empty without kube-controller-manager.
    reader = client.V1ClusterRole(
        metadata=client.V1ObjectMeta(name="controlplane-tests-configmap-reader"),
        rules=[client.V1PolicyRule(api_groups=[""], resources=["configmaps"], verbs=["get", "list"])],
    )
    rbac = client.RbacAuthorizationV1Api(kube_api_client)
    try:
        rbac.create_cluster_role(reader)
    except client.ApiException as error:
        if error.status != 409:
            raise
    bind_cluster_role(kube_api_client, reader.metadata.name, group="viewers", namespace=kube_namespace)
    viewer = kube_user("victor", groups=["viewers"])
    with viewer.api_client() as api:
        core = client.CoreV1Api(api)
        assert wait_until(lambda: _can_list(core, kube_namespace), timeout=5)
        with pytest.raises(client.ApiException) as caught:
            core.list_namespaced_config_map("default")
        assert caught.value.status == 403
        with pytest.raises(client.ApiException) as caught:
            core.create_namespaced_config_map(
                kube_namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="x"))
            )
        assert caught.value.status == 403


def _can_list(core: client.CoreV1Api, namespace: str) -> bool:
    try:
        core.list_namespaced_config_map(namespace)
    except client.ApiException:
        return False
    return True


# -- a namespace per test ------------------------------------------------------------------------

_seen_namespaces: list[str] = []


@pytest.mark.parametrize("round_", [1, 2])
def test_each_test_gets_its_own_namespace(
    kube_api_client: client.ApiClient, kube_namespace: str, round_: int
) -> None:
    namespace = client.CoreV1Api(kube_api_client).read_namespace(kube_namespace)
    assert namespace.status.phase == "Active"
    assert kube_namespace not in _seen_namespaces
    _seen_namespaces.append(kube_namespace)
    assert len(_seen_namespaces) == round_


# -- CRDs ----------------------------------------------------------------------------------------


def test_crds_from_a_directory_are_established_and_usable(
    control_plane: ControlPlane,
    widgets_installed: list[str],
    kube_api_client: client.ApiClient,
    kube_namespace: str,
) -> None:
    assert widgets_installed == ["widgets.controlplane-tests.example.com"]  # the ConfigMap is skipped
    objects = client.CustomObjectsApi(kube_api_client)
    group, version, plural = WIDGETS
    body = {
        "apiVersion": f"{group}/{version}",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": 3},
    }
    objects.create_namespaced_custom_object(group, version, kube_namespace, plural, body)
    too_big = {**body, "metadata": {"name": "big"}, "spec": {"size": 11}}
    with pytest.raises(client.ApiException) as caught:
        objects.create_namespaced_custom_object(group, version, kube_namespace, plural, too_big)
    assert "size must be at most 10" in str(caught.value.body)
    # Installing again is harmless (server-side apply).
    assert control_plane.install_crds([DATA / "crds"]) == widgets_installed


def test_a_rejected_crd_names_itself_and_the_reason(control_plane: ControlPlane) -> None:
    with pytest.raises(CRDError, match=r"brokens\.controlplane-tests\.example\.com.*metadata"):
        control_plane.install_crds([DATA / "invalid"])


def test_missing_crd_directory_installs_nothing(control_plane: ControlPlane, tmp_path: Path) -> None:
    assert control_plane.install_crds([tmp_path / "does-not-exist"]) == []


# -- teardown ------------------------------------------------------------------------------------


def test_stop_leaves_no_process_port_or_directory() -> None:
    plane = ControlPlane(crd_paths=[DATA / "crds"]).start()
    pids = list(plane.pids.values())
    ports = [port_of(plane.server), port_of(plane.etcd_url)]
    directory = plane.directory
    assert plane.installed_crds
    plane.stop()
    assert not any(alive(pid) for pid in pids)
    assert not any(port_is_bound(port) for port in ports)
    assert not directory.exists()
    plane.stop()  # idempotent


def test_failed_start_cleans_up(tmp_path: Path) -> None:
    work = tmp_path / "work"
    plane = ControlPlane(work_dir=work, extra_apiserver_args=["--no-such-flag"], start_timeout=30)
    with pytest.raises(ControlPlaneError, match="kube-apiserver exited") as caught:
        plane.start()
    assert "no-such-flag" in str(caught.value)
    assert not plane.running
    assert not _processes_mentioning(str(work))


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture
def owner() -> Iterator[tuple[subprocess.Popen[str], dict[str, object]]]:
    process, info = start_owner()
    try:
        yield process, info
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_ctrl_c_in_the_owner_tears_everything_down(
    owner: tuple[subprocess.Popen[str], dict[str, object]],
) -> None:
    process, info = owner
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    pids = info["pids"]
    assert isinstance(pids, dict)
    assert wait_until(lambda: not any(alive(pid) for pid in pids.values()), timeout=10)
    assert not port_is_bound(port_of(str(info["server"])))
    assert not Path(str(info["dir"])).exists()


def test_children_die_when_the_owner_is_killed(
    owner: tuple[subprocess.Popen[str], dict[str, object]],
) -> None:
    process, info = owner
    process.kill()  # SIGKILL: no Python cleanup runs at all
    process.wait()
    pids = info["pids"]
    assert isinstance(pids, dict)
    assert wait_until(lambda: not any(alive(pid) for pid in pids.values()), timeout=10)
    assert wait_until(lambda: not port_is_bound(port_of(str(info["server"]))), timeout=5)
    # The owner could not delete its directory; the next control plane sweeps it away.
    orphan = Path(str(info["dir"]))
    assert orphan.exists()
    ControlPlane().start().stop()
    assert not orphan.exists()

"""Start and stop one control plane: etcd + kube-apiserver on loopback, envtest-style.

What runs is what controller-runtime's envtest runs (secure serving only, RBAC, client-certificate
users, the ServiceAccount admission plugin off because no controller manager creates default
service accounts).  What does *not* run: kube-controller-manager, scheduler, kubelet — so namespaces
stay `Terminating` after deletion and there is no garbage collection.  A CRD-only operator does not
need them, and leaving them out keeps a warm start in a few seconds.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import ssl
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx
from kubernetes import client

from vdx.controlplane.admission import install_admission, load_admission
from vdx.controlplane.binaries import Binaries, locate_binaries
from vdx.controlplane.certs import CertificateAuthority, KeyPair, service_account_keys
from vdx.controlplane.crds import install_crds, load_crds
from vdx.controlplane.kubeconfig import write_kubeconfig
from vdx.controlplane.process import ManagedProcess, free_port, wait_until

ADMIN_USER = "vdx-admin"
ADMIN_GROUPS = ("system:masters",)
SERVICE_CIDR = "10.0.0.0/24"
_ATTEMPTS = 3  # another process may grab a port between free_port() and the bind
_WORK_DIR_PREFIX = "vdx-controlplane-"
_OWNER_FILE = "owner.pid"


class ControlPlaneError(RuntimeError):
    """The control plane did not come up; the message carries the tail of the failing log."""


def _duration(value: str | None, default: float) -> float:
    """Parse envtest's `KUBEBUILDER_CONTROLPLANE_*_TIMEOUT` (Go durations like `20s`, `1m`)."""
    if not value:
        return default
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)?", value.strip())
    if not match:
        return default
    number = float(match[1])
    return number / 1000 if match[2] == "ms" else number * 60 if match[2] == "m" else number


@dataclass(frozen=True)
class User:
    """An identity the API server authenticates by client certificate: CN = name, O = groups."""

    name: str
    groups: tuple[str, ...]
    credentials: KeyPair
    kubeconfig: Path
    server: str
    ca_file: Path

    def configuration(self) -> client.Configuration:
        """A kubernetes-client Configuration that talks to the control plane as this user."""
        configuration = client.Configuration()
        configuration.host = self.server
        configuration.ssl_ca_cert = str(self.ca_file)
        configuration.cert_file = str(self.credentials.cert_file)
        configuration.key_file = str(self.credentials.key_file)
        configuration.verify_ssl = True
        # More pooled connections than the operator has Kubernetes calls in flight (32), so a test's
        # own calls fit too: with urllib3's default of 10, every start logged "Connection pool is full".
        configuration.connection_pool_maxsize = 48
        return configuration

    def api_client(self) -> client.ApiClient:
        """A new ApiClient for this user; close it (or use `with`) when done."""
        return client.ApiClient(self.configuration())


@dataclass
class _Running:
    directory: Path
    owns_directory: bool
    ca: CertificateAuthority
    etcd: ManagedProcess
    apiserver: ManagedProcess
    etcd_url: str
    server: str
    admin: User
    users: dict[str, User] = field(default_factory=dict)


class ControlPlane:
    """One etcd + kube-apiserver pair; use as a context manager, or call start()/stop().

    `crd_paths` are files or directories whose CustomResourceDefinitions are installed (and awaited)
    right after start-up; paths that do not exist are skipped. `admission_paths` likewise hold
    ValidatingAdmissionPolicies and bindings, installed right after the CRDs and awaited until the
    API server enforces them (`vdx.controlplane.admission`); none by default, since tests of the
    operator's own refusals need objects that admission would keep out.
    """

    def __init__(
        self,
        binaries: Binaries | None = None,
        *,
        crd_paths: Sequence[Path] = (),
        admission_paths: Sequence[Path] = (),
        work_dir: Path | None = None,
        start_timeout: float | None = None,
        stop_timeout: float | None = None,
        extra_apiserver_args: Sequence[str] = (),
    ) -> None:
        self._binaries = binaries
        self.crd_paths = [Path(path) for path in crd_paths]
        self.admission_paths = [Path(path) for path in admission_paths]
        self._work_dir = work_dir
        self.start_timeout = start_timeout or _duration(
            os.environ.get("KUBEBUILDER_CONTROLPLANE_START_TIMEOUT"), 60.0
        )
        self.stop_timeout = stop_timeout or _duration(
            os.environ.get("KUBEBUILDER_CONTROLPLANE_STOP_TIMEOUT"), 20.0
        )
        self.extra_apiserver_args = list(extra_apiserver_args)
        self.installed_crds: list[str] = []
        self.installed_admission: list[str] = []
        self.startup_seconds: float | None = None
        self._running: _Running | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> ControlPlane:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def binaries(self) -> Binaries:
        if self._binaries is None:
            self._binaries = locate_binaries()
        return self._binaries

    def start(self) -> ControlPlane:
        """Start etcd, then kube-apiserver; wait for /readyz; install CRDs, then admission policies.

        Cleans up if anything fails."""
        if self._running is not None:
            return self
        started = time.monotonic()
        binaries = self.binaries
        last_error: ControlPlaneError | None = None
        for _ in range(_ATTEMPTS):
            try:
                self._running = self._start_once(binaries)
                break
            except ControlPlaneError as error:
                last_error = error
                if "address already in use" not in str(error):
                    raise
        else:
            assert last_error is not None
            raise last_error
        atexit.register(self.stop)
        try:
            if self.crd_paths:
                self.installed_crds = self.install_crds(self.crd_paths)
            if self.admission_paths:
                self.installed_admission = self.install_admission(self.admission_paths)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _start_once(self, binaries: Binaries) -> _Running:
        owns_directory = self._work_dir is None
        if self._work_dir is None:
            _sweep_orphaned_work_dirs()
            directory = Path(tempfile.mkdtemp(prefix=_WORK_DIR_PREFIX))
            (directory / _OWNER_FILE).write_text(str(os.getpid()))
        else:
            directory = self._work_dir
            directory.mkdir(parents=True, exist_ok=True)
        processes: list[ManagedProcess] = []
        try:
            shutil.rmtree(directory / "etcd", ignore_errors=True)  # fresh data on every (re)try
            pki = directory / "pki"
            pki.mkdir(exist_ok=True)
            ca = CertificateAuthority(pki)
            serving = ca.issue(
                "kube-apiserver",
                client=False,
                server_names=(
                    "localhost",
                    "kubernetes",
                    "kubernetes.default",
                    "kubernetes.default.svc",
                    "kubernetes.default.svc.cluster.local",
                ),
                server_ips=("127.0.0.1", "10.0.0.1"),
            )
            sa_private, sa_public = service_account_keys(pki)

            etcd_port, peer_port, api_port = free_port(), free_port(), free_port()
            etcd_url = f"http://127.0.0.1:{etcd_port}"
            peer_url = f"http://127.0.0.1:{peer_port}"
            etcd = ManagedProcess(
                "etcd",
                [
                    str(binaries.etcd),
                    f"--data-dir={directory / 'etcd'}",
                    f"--listen-client-urls={etcd_url}",
                    f"--advertise-client-urls={etcd_url}",
                    f"--listen-peer-urls={peer_url}",
                    f"--initial-advertise-peer-urls={peer_url}",
                    f"--initial-cluster=default={peer_url}",
                    "--unsafe-no-fsync=true",  # throw-away data: durability only costs start-up time
                    "--log-level=warn",
                ],
                directory / "etcd.log",
                cwd=directory,
            )
            processes.append(etcd)
            # kube-apiserver is started right away: it waits for etcd by itself, and its own
            # initialisation overlaps etcd's start-up (about half a second saved).

            server = f"https://127.0.0.1:{api_port}"
            apiserver = ManagedProcess(
                "kube-apiserver",
                [
                    str(binaries.kube_apiserver),
                    f"--etcd-servers={etcd_url}",
                    f"--secure-port={api_port}",
                    "--bind-address=127.0.0.1",
                    "--advertise-address=127.0.0.1",
                    f"--cert-dir={directory / 'apiserver-certs'}",
                    f"--tls-cert-file={serving.cert_file}",
                    f"--tls-private-key-file={serving.key_file}",
                    f"--client-ca-file={ca.cert_file}",
                    "--authorization-mode=RBAC",
                    f"--service-account-issuer={server}",
                    f"--service-account-key-file={sa_public}",
                    f"--service-account-signing-key-file={sa_private}",
                    f"--service-cluster-ip-range={SERVICE_CIDR}",
                    "--disable-admission-plugins=ServiceAccount",
                    "--allow-privileged=true",
                    # The kubernetes Service would point at 127.0.0.1, which endpoints reject.
                    "--endpoint-reconciler-type=none",
                    *self.extra_apiserver_args,
                ],
                directory / "kube-apiserver.log",
                cwd=directory,
            )
            processes.append(apiserver)
            self._await(etcd, lambda: _http_ok(f"{etcd_url}/health"), "etcd /health")
            admin_credentials = ca.issue(ADMIN_USER, organizations=ADMIN_GROUPS)
            context = ssl.create_default_context(cafile=str(ca.cert_file))
            context.load_cert_chain(str(admin_credentials.cert_file), str(admin_credentials.key_file))
            self._await(apiserver, lambda: _http_ok(f"{server}/readyz", context), "kube-apiserver /readyz")

            admin = self._make_user(directory, ca, server, ADMIN_USER, ADMIN_GROUPS, admin_credentials)
            return _Running(directory, owns_directory, ca, etcd, apiserver, etcd_url, server, admin)
        except BaseException:
            for process in reversed(processes):
                process.stop(timeout=self.stop_timeout)
            if owns_directory:
                shutil.rmtree(directory, ignore_errors=True)
            raise

    def _await(self, process: ManagedProcess, ready: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + self.start_timeout

        def done() -> bool:
            return not process.running() or ready()

        wait_until(done, max(0.0, deadline - time.monotonic()))
        if not process.running():
            raise ControlPlaneError(
                f"{process.name} exited with {process.returncode} while waiting for {what}; "
                f"last lines of its log:\n{process.log_tail()}"
            )
        if not ready():
            raise ControlPlaneError(
                f"{what} not ready after {self.start_timeout:.0f}s; last lines of the "
                f"{process.name} log:\n{process.log_tail()}"
            )

    def restart_apiserver(self) -> float:
        """Stop kube-apiserver and start it again on the same port over the same etcd; seconds down.

        For fault campaigns: clients see connections refused, then the same server again, with
        every object (and resourceVersion) kept, as after a control-plane node's restart.
        """
        state = self._state()
        old = state.apiserver
        started = time.monotonic()
        old.stop(timeout=self.stop_timeout)
        state.apiserver = ManagedProcess(old.name, old.argv, old.log_file, cwd=state.directory)
        context = ssl.create_default_context(cafile=str(state.ca.cert_file))
        keys = state.admin.credentials
        context.load_cert_chain(str(keys.cert_file), str(keys.key_file))
        self._await(
            state.apiserver, lambda: _http_ok(f"{state.server}/readyz", context), "kube-apiserver /readyz"
        )
        return time.monotonic() - started

    def stop(self) -> None:
        """Stop kube-apiserver, then etcd, and delete the work directory. Safe to call twice."""
        running, self._running = self._running, None
        with contextlib.suppress(ValueError):
            atexit.unregister(self.stop)
        if running is None:
            return
        try:
            running.apiserver.stop(timeout=self.stop_timeout)
        finally:
            running.etcd.stop(timeout=self.stop_timeout)
            if running.owns_directory:
                shutil.rmtree(running.directory, ignore_errors=True)

    # -- accessors -------------------------------------------------------------------------------

    def _state(self) -> _Running:
        if self._running is None:
            raise ControlPlaneError("the control plane is not running")
        return self._running

    @property
    def running(self) -> bool:
        return self._running is not None and self._running.apiserver.running()

    @property
    def server(self) -> str:
        """The API server URL, `https://127.0.0.1:<port>`."""
        return self._state().server

    @property
    def etcd_url(self) -> str:
        return self._state().etcd_url

    @property
    def directory(self) -> Path:
        """The work directory: pki/, etcd data, logs, kubeconfigs. Deleted by stop()."""
        return self._state().directory

    @property
    def ca_file(self) -> Path:
        return self._state().ca.cert_file

    @property
    def admin(self) -> User:
        """The `system:masters` user every helper uses unless told otherwise."""
        return self._state().admin

    @property
    def kubeconfig(self) -> Path:
        """The admin kubeconfig (certificates embedded); `KUBECONFIG=<this> kubectl ...` works."""
        return self.admin.kubeconfig

    @property
    def pids(self) -> dict[str, int]:
        state = self._state()
        return {"etcd": state.etcd.pid, "kube-apiserver": state.apiserver.pid}

    def api_client(self, user: User | None = None) -> client.ApiClient:
        """A new kubernetes-client ApiClient, as admin unless a user is given."""
        return (user or self.admin).api_client()

    # -- users, CRDs, kubectl -------------------------------------------------------------------

    def _make_user(
        self,
        directory: Path,
        ca: CertificateAuthority,
        server: str,
        name: str,
        groups: tuple[str, ...],
        credentials: KeyPair | None = None,
    ) -> User:
        credentials = credentials or ca.issue(name, organizations=groups)
        stem = credentials.cert_file.stem
        kubeconfig = write_kubeconfig(
            directory / "kubeconfigs" / f"{stem}.kubeconfig",
            server=server,
            ca_pem=ca.cert_pem,
            user=name,
            cert_pem=credentials.cert_pem,
            key_pem=credentials.key_pem,
        )
        return User(name, groups, credentials, kubeconfig, server, ca.cert_file)

    def add_user(self, name: str, groups: Iterable[str] = ()) -> User:
        """Mint a client certificate for `name` in `groups`; it has no permissions until RBAC grants some."""
        state = self._state()
        if name in state.users:
            return state.users[name]
        user = self._make_user(state.directory, state.ca, state.server, name, tuple(groups))
        state.users[name] = user
        return user

    def install_crds(self, paths: Iterable[Path], timeout: float = 30.0) -> list[str]:
        """Apply every CRD found under `paths` and wait until each is Established and served."""
        documents = load_crds(Path(path) for path in paths)
        if not documents:
            return []
        with self.api_client() as api:
            return install_crds(api, documents, timeout=timeout)

    def install_admission(self, paths: Iterable[Path], timeout: float = 30.0) -> list[str]:
        """Apply the admission policies and bindings under `paths`; return once they are enforced."""
        objects = load_admission(Path(path) for path in paths)
        with self.api_client() as api:
            return install_admission(api, objects, timeout=timeout)

    def kubectl(
        self,
        *args: str,
        user: User | None = None,
        input: str | None = None,
        check: bool = True,
        timeout: float = 60.0,
    ) -> subprocess.CompletedProcess[str]:
        """Run the matching kubectl against this control plane (as admin unless a user is given)."""
        if self.binaries.kubectl is None:
            raise ControlPlaneError(
                "no kubectl binary: set TEST_ASSET_KUBECTL or run `vdx controlplane build`"
            )
        kubeconfig = (user or self.admin).kubeconfig
        return subprocess.run(
            [str(self.binaries.kubectl), f"--kubeconfig={kubeconfig}", *args],
            input=input,
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
        )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sweep_orphaned_work_dirs() -> None:
    """Delete work directories whose owner was SIGKILLed (so it could not clean up).

    Their etcd and kube-apiserver died with the owner (PR_SET_PDEATHSIG); only the files remain.
    Only this user's directories with a dead owner pid are touched.
    """
    for directory in Path(tempfile.gettempdir()).glob(f"{_WORK_DIR_PREFIX}*"):
        try:
            if directory.stat().st_uid != os.getuid():
                continue
            owner = int((directory / _OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        if not _pid_alive(owner):
            shutil.rmtree(directory, ignore_errors=True)


def _http_ok(url: str, context: ssl.SSLContext | None = None) -> bool:
    try:
        response = httpx.get(url, verify=context or True, timeout=1.0)
    except httpx.HTTPError:
        return False
    return response.status_code == 200

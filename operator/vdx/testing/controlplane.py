"""The runtime API that pytest fixtures and `vdx demo` use to get a real Kubernetes API.

    with running_control_plane() as plane:          # etcd + kube-apiserver + the project's CRDs
        with plane.api_client() as api, temporary_namespace(api) as ns:
            ...

Start-up is a few seconds, so tests share one control plane per session and isolate themselves
with a namespace each (`temporary_namespace`); RBAC tests mint non-admin identities with
`plane.add_user(name, groups)` and grant them roles with `bind_cluster_role`.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from kubernetes import client

from vdx.controlplane.binaries import Binaries, BinariesNotFoundError, locate_binaries
from vdx.controlplane.build import build_binaries
from vdx.controlplane.server import ControlPlane, User
from vdx.controlplane.versions import SourceNotFoundError, source_dir

__all__ = [
    "ControlPlane",
    "User",
    "bind_cluster_role",
    "default_admission_dir",
    "default_crd_dir",
    "ensure_binaries",
    "running_control_plane",
    "temporary_namespace",
]

ENV_CRD_DIR = "VDX_CRD_DIR"


def default_crd_dir() -> Path:
    """The repository's `schemas/crds/` (or `$VDX_CRD_DIR`); it may not exist yet, which is fine."""
    override = os.environ.get(ENV_CRD_DIR)
    if override:
        return Path(override)
    try:
        return source_dir().parents[1] / "schemas" / "crds"
    except SourceNotFoundError:
        return Path("schemas") / "crds"


def default_admission_dir() -> Path:
    """The generated admission policies beside the CRDs (`schemas/admission/`)."""
    return default_crd_dir().parent / "admission"


def ensure_binaries(*, build: bool = False, log: Callable[[str], None] | None = None) -> Binaries:
    """Locate the binaries; with `build=True` compile them first if none are found (minutes, once)."""
    try:
        return locate_binaries()
    except BinariesNotFoundError:
        if not build:
            raise
    build_binaries(log=log or (lambda _: None))
    return locate_binaries()


@contextlib.contextmanager
def running_control_plane(
    crd_paths: Sequence[Path] | None = None,
    *,
    binaries: Binaries | None = None,
    build: bool = False,
    admission: bool = False,
) -> Iterator[ControlPlane]:
    """Start a control plane with the CRDs installed; stop it on exit, error or Ctrl-C.

    With `admission`, the generated ValidatingAdmissionPolicies are installed too, and in force
    when this yields.
    """
    plane = ControlPlane(
        binaries or ensure_binaries(build=build),
        crd_paths=[default_crd_dir()] if crd_paths is None else crd_paths,
        admission_paths=[default_admission_dir()] if admission else (),
    )
    with plane:
        yield plane


def _namespace_name(prefix: str) -> str:
    slug = re.sub(r"[^a-z0-9-]+", "-", prefix.lower()).strip("-")[:50].rstrip("-") or "test"
    return f"{slug}-{secrets.token_hex(3)}"


@contextlib.contextmanager
def temporary_namespace(
    api: client.ApiClient, prefix: str = "test", labels: dict[str, str] | None = None
) -> Iterator[str]:
    """Create a uniquely named namespace and delete it afterwards.

    Without a controller manager a deleted namespace stays `Terminating` and its objects remain in
    etcd; that is harmless for a throw-away control plane, and names never collide.
    """
    core = client.CoreV1Api(api)
    name = _namespace_name(prefix)
    body = client.V1Namespace(
        metadata=client.V1ObjectMeta(name=name, labels={"vdx.test/temporary": "true", **(labels or {})})
    )
    core.create_namespace(body)
    try:
        yield name
    finally:
        with contextlib.suppress(client.ApiException):
            core.delete_namespace(name)


def bind_cluster_role(
    api: client.ApiClient,
    cluster_role: str,
    *,
    user: str | None = None,
    group: str | None = None,
    namespace: str | None = None,
) -> str:
    """Grant a ClusterRole to a user or group, in one namespace or cluster-wide.

    Beware: the built-in aggregated roles (`view`, `edit`, `admin`) have *no rules* here, because
    their rules are filled in by kube-controller-manager's aggregation controller, which does not
    run.  Create a ClusterRole with explicit rules (or use `cluster-admin`) instead.

    Returns the binding's name.  Bindings in a temporary namespace go away with it; cluster-wide
    ones are the caller's to delete.
    """
    if (user is None) == (group is None):
        raise ValueError("give exactly one of user= or group=")
    subject = client.RbacV1Subject(
        kind="User" if user else "Group", name=user or group or "", api_group="rbac.authorization.k8s.io"
    )
    role_ref = client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=cluster_role)
    name = _namespace_name(f"{cluster_role}-{user or group}")
    rbac = client.RbacAuthorizationV1Api(api)
    if namespace:
        rbac.create_namespaced_role_binding(
            namespace,
            client.V1RoleBinding(
                metadata=client.V1ObjectMeta(name=name), role_ref=role_ref, subjects=[subject]
            ),
        )
    else:
        rbac.create_cluster_role_binding(
            client.V1ClusterRoleBinding(
                metadata=client.V1ObjectMeta(name=name), role_ref=role_ref, subjects=[subject]
            )
        )
    return name

"""A small harness for operator tests: one control plane, a simulator and an operator per test."""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from vdx.api.meta import API_GROUP, API_VERSION, GROUP_VERSION
from vdx.pexip.client import PexipClient
from vdx.pexip.simulator import RunningServer
from vdx.tls.issue import LocalCA

OPERATOR_NAMESPACE = "vdx-system"


class Harness:
    def __init__(self, api: client.ApiClient, namespace: str, sim: RunningServer, ca: LocalCA) -> None:
        self.api = api
        self.core = client.CoreV1Api(api)
        self.custom = client.CustomObjectsApi(api)
        self.namespace = namespace
        self.sim = sim
        self.ca = ca
        self.suffix = secrets.token_hex(3)
        self.platform = f"plat-{self.suffix}"
        self.tenant = f"tenant-{self.suffix}"
        self.created: list[tuple[str, str, str | None]] = []

    # ------------------------------------------------------------------ Kubernetes objects
    def secret(
        self, name: str, data: dict[str, str], type_: str = "Opaque", namespace: str | None = None
    ) -> None:
        ns = namespace or self.namespace
        body = client.V1Secret(
            metadata=client.V1ObjectMeta(name=name, namespace=ns),
            type=type_,
            data={k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
        )
        try:
            self.core.create_namespaced_secret(ns, body)
        except ApiException as exc:
            if exc.status != 409:
                raise
            self.core.replace_namespaced_secret(name, ns, body)

    def tls_secret(self, name: str, names: list[str], **issue: Any) -> None:
        issued = self.ca.issue(names, **issue)
        self.secret(
            name,
            {"tls.crt": issued.certificate_pem.decode(), "tls.key": issued.key_pem.decode()},
            type_="kubernetes.io/tls",
        )

    def create(
        self,
        plural: str,
        kind: str,
        name: str,
        spec: dict[str, Any],
        namespaced: bool = True,
        annotations: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        body = {
            "apiVersion": GROUP_VERSION,
            "kind": kind,
            "metadata": {"name": name, **({"annotations": annotations} if annotations else {})},
            "spec": spec,
        }
        if namespaced:
            body["metadata"]["namespace"] = self.namespace
            result = self.custom.create_namespaced_custom_object(
                API_GROUP, API_VERSION, self.namespace, plural, body
            )
        else:
            result = self.custom.create_cluster_custom_object(API_GROUP, API_VERSION, plural, body)
        self.created.append((plural, name, self.namespace if namespaced else None))
        return dict(result)

    def get(self, plural: str, name: str, namespaced: bool = True) -> dict[str, Any]:
        if namespaced:
            return dict(
                self.custom.get_namespaced_custom_object(API_GROUP, API_VERSION, self.namespace, plural, name)
            )
        return dict(self.custom.get_cluster_custom_object(API_GROUP, API_VERSION, plural, name))

    def patch(self, plural: str, name: str, patch: dict[str, Any], namespaced: bool = True) -> None:
        if namespaced:
            self.custom.patch_namespaced_custom_object(
                API_GROUP, API_VERSION, self.namespace, plural, name, patch
            )
        else:
            self.custom.patch_cluster_custom_object(API_GROUP, API_VERSION, plural, name, patch)

    def delete(self, plural: str, name: str, namespaced: bool = True) -> None:
        if namespaced:
            self.custom.delete_namespaced_custom_object(API_GROUP, API_VERSION, self.namespace, plural, name)
        else:
            self.custom.delete_cluster_custom_object(API_GROUP, API_VERSION, plural, name)

    def gone(self, plural: str, name: str, namespaced: bool = True) -> bool:
        try:
            self.get(plural, name, namespaced)
        except ApiException as exc:
            return exc.status == 404
        return False

    # ------------------------------------------------------------------ the standard tenant
    def platform_and_tenant(
        self, domains: list[str], platform_spec: dict[str, Any] | None = None, **tenant_spec: Any
    ) -> None:
        self.secret(
            "pexip-credentials", {"username": "admin", "password": "admin"}, namespace=OPERATOR_NAMESPACE
        )
        self.create(
            "pexipplatforms",
            "PexipPlatform",
            self.platform,
            {
                "url": self.sim.base_url,
                "environment": "Test",
                "credentials": {"secretRef": {"namespace": OPERATOR_NAMESPACE, "name": "pexip-credentials"}},
                "resyncIntervalSeconds": 30,
                **(platform_spec or {}),
            },
            namespaced=False,
        )
        self.create(
            "tenants",
            "Tenant",
            self.tenant,
            {
                "organisationKind": "Region",
                "displayName": "Region Test",
                "namespace": self.namespace,
                "platformRef": {"name": self.platform},
                "domains": domains,
                **tenant_spec,
            },
            namespaced=False,
        )

    def pexip(self) -> PexipClient:
        return PexipClient(self.sim.base_url, auth=("admin", "admin"))

    def cleanup(self, timeout: float = 30.0) -> None:
        """Delete everything the test made, dependents first, while the operator still runs."""
        for plural, name, namespace in reversed(self.created):
            try:
                self.delete(plural, name, namespace is not None)
            except ApiException:
                continue
        deadline = time.monotonic() + timeout
        for plural, name, namespace in reversed(self.created):
            while time.monotonic() < deadline and not self.gone(plural, name, namespace is not None):
                time.sleep(0.2)


def condition(obj: dict[str, Any], type_: str) -> dict[str, Any] | None:
    return next(
        (c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == type_), None
    )


def wait_past_creation_second(obj: dict[str, Any]) -> None:
    """Return once an object created from now on is stamped later than `obj`.

    `metadata.creationTimestamp` counts whole seconds, so two objects made in one second are the
    same age, and the operator breaks the tie by name (the claim rule, `vdx.policies.claims`): a
    test whose point is that one Tenant is older must make the next one in a later second. The
    test control plane runs on this machine, on this clock.
    """
    stamp = datetime.fromisoformat(str(obj["metadata"]["creationTimestamp"]).replace("Z", "+00:00"))
    left = (stamp + timedelta(seconds=1) - datetime.now(UTC)).total_seconds()
    if left > 0:
        time.sleep(left + 0.05)


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


def wait_ready(
    h: Harness, plural: str, name: str, namespaced: bool = True, timeout: float = 30.0
) -> dict[str, Any]:
    def ready() -> dict[str, Any] | None:
        obj = h.get(plural, name, namespaced)
        cond = condition(obj, "Ready")
        return (
            obj
            if cond
            and cond["status"] == "True"
            and obj["status"].get("observedGeneration") == obj["metadata"]["generation"]
            else None
        )

    try:
        return wait_for(ready, timeout, f"{plural}/{name} Ready")  # type: ignore[no-any-return]
    except AssertionError:
        obj = h.get(plural, name, namespaced)
        raise AssertionError(
            f"{plural}/{name} not Ready: {(obj.get('status') or {}).get('conditions')}"
        ) from None

"""The operator's Kubernetes edge: reads, status writes and events through the `kubernetes` client.

The client is synchronous, so every call runs in a worker thread; the operator's event loop never
blocks on the API server. Nothing here logs object contents: Secrets pass through as bytes.
"""

from __future__ import annotations

import asyncio
import base64
import builtins
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from vdx import logsetup
from vdx.api.meta import API_GROUP, API_VERSION

FIELD_MANAGER = "vdx-operator"


class Kube:
    """Async helpers over one `kubernetes.client.ApiClient`."""

    def __init__(self, api: client.ApiClient) -> None:
        self.api = api
        self.core = client.CoreV1Api(api)
        self.custom = client.CustomObjectsApi(api)
        self.coordination = client.CoordinationV1Api(api)

    async def secret_data(self, namespace: str, name: str) -> tuple[dict[str, str], str] | None:
        """(decoded data, resourceVersion) of a Secret, or None if it does not exist."""
        try:
            secret = await asyncio.to_thread(self.core.read_namespaced_secret, name, namespace)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        data = {
            k: base64.b64decode(v).decode("utf-8", errors="replace") for k, v in (secret.data or {}).items()
        }
        logsetup.remember_secrets(data)  # no log line may show them from now on
        version = secret.metadata.resource_version if secret.metadata else None
        return data, str(version)

    async def config_map(self, namespace: str, name: str) -> tuple[dict[str, str], dict[str, bytes]] | None:
        try:
            cm = await asyncio.to_thread(self.core.read_namespaced_config_map, name, namespace)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        binary = {k: base64.b64decode(v) for k, v in (cm.binary_data or {}).items()}
        return dict(cm.data or {}), binary

    async def write_config_map(
        self, namespace: str, name: str, data: dict[str, str], labels: dict[str, str]
    ) -> None:
        """Replace the ConfigMap's data (creating it the first time): the operator's own records."""
        body = client.V1ConfigMap(
            metadata=client.V1ObjectMeta(name=name, namespace=namespace, labels=labels), data=data
        )
        try:
            await asyncio.to_thread(self.core.replace_namespaced_config_map, name, namespace, body)
        except ApiException as exc:
            if exc.status != 404:
                raise
            await asyncio.to_thread(self.core.create_namespaced_config_map, namespace, body)

    async def raw(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        """A ConfigMap or Secret as a manifest-shaped dict, or None if it does not exist."""
        read = (
            self.core.read_namespaced_config_map if kind == "ConfigMap" else self.core.read_namespaced_secret
        )
        try:
            obj = await asyncio.to_thread(read, name, namespace)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        return raw_object(kind, obj)

    async def _custom_object(
        self, verb: str, plural: str, name: str, namespace: str | None, *body: dict[str, Any]
    ) -> Any:
        """One custom-object call (get, patch, patch_status); cluster-scoped when there is no namespace."""
        calls: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
            "get": (self.custom.get_namespaced_custom_object, self.custom.get_cluster_custom_object),
            "patch": (self.custom.patch_namespaced_custom_object, self.custom.patch_cluster_custom_object),
            "patch_status": (
                self.custom.patch_namespaced_custom_object_status,
                self.custom.patch_cluster_custom_object_status,
            ),
        }
        namespaced, cluster = calls[verb]
        if namespace:
            return await asyncio.to_thread(namespaced, API_GROUP, API_VERSION, namespace, plural, name, *body)
        return await asyncio.to_thread(cluster, API_GROUP, API_VERSION, plural, name, *body)

    async def get(self, plural: str, name: str, namespace: str | None) -> dict[str, Any] | None:
        try:
            obj = await self._custom_object("get", plural, name, namespace)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        assert isinstance(obj, dict)
        return obj

    async def list(self, plural: str) -> list[dict[str, Any]]:
        """Every object of a vdx kind, across namespaces."""
        result: Any = await asyncio.to_thread(
            self.custom.list_cluster_custom_object, API_GROUP, API_VERSION, plural
        )
        items = result.get("items", [])
        assert isinstance(items, list)
        return items

    async def list_namespaced(self, plural: str, namespace: str) -> builtins.list[dict[str, Any]]:
        result: Any = await asyncio.to_thread(
            self.custom.list_namespaced_custom_object, API_GROUP, API_VERSION, namespace, plural
        )
        items = result.get("items", [])
        assert isinstance(items, list)
        return items

    async def patch_status(
        self, plural: str, name: str, namespace: str | None, status: dict[str, Any]
    ) -> bool:
        """False when the resource no longer exists (the caller may have Pexip objects to undo)."""
        try:
            await self._custom_object("patch_status", plural, name, namespace, {"status": status})
        except ApiException as exc:
            if exc.status != 404:
                raise
            return False
        return True

    async def patch_annotations(
        self, plural: str, name: str, namespace: str | None, annotations: dict[str, str | None]
    ) -> None:
        await self._custom_object(
            "patch", plural, name, namespace, {"metadata": {"annotations": annotations}}
        )

    async def set_finalizers(
        self,
        plural: str,
        name: str,
        namespace: str | None,
        finalizers: builtins.list[str],
        resource_version: str,
    ) -> bool:
        """Write the finalizer list if the resource is still at resource_version; False on a conflict."""
        body = {"metadata": {"finalizers": finalizers, "resourceVersion": resource_version}}
        try:
            await self._custom_object("patch", plural, name, namespace, body)
        except ApiException as exc:
            if exc.status not in (404, 409):
                raise
            return False
        return True

    async def event(
        self,
        body: dict[str, Any],
        *,
        type_: str,
        reason: str,
        message: str,
    ) -> None:
        """A core/v1 Event on the object; events are best effort and never fail a reconcile."""
        meta = body.get("metadata", {})
        namespace = meta.get("namespace") or "default"
        now = datetime.now(UTC)
        event = client.CoreV1Event(
            metadata=client.V1ObjectMeta(generate_name=f"{meta.get('name', 'vdx')}.", namespace=namespace),
            involved_object=client.V1ObjectReference(
                api_version=body.get("apiVersion"),
                kind=body.get("kind"),
                name=meta.get("name"),
                namespace=meta.get("namespace"),
                uid=meta.get("uid"),
                resource_version=meta.get("resourceVersion"),
            ),
            reason=reason,
            message=message[:1024],
            type=type_,
            source=client.V1EventSource(component=FIELD_MANAGER),
            first_timestamp=now,
            last_timestamp=now,
            count=1,
            reporting_component=FIELD_MANAGER,
            reporting_instance=FIELD_MANAGER,
        )
        with contextlib.suppress(ApiException):
            await asyncio.to_thread(self.core.create_namespaced_event, namespace, event)


def raw_object(kind: str, obj: Any) -> dict[str, Any]:
    """A ConfigMap or Secret from the client as the plain manifest shape (base64 where Kubernetes has it)."""
    meta = obj.metadata
    document: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": kind,
        "metadata": {
            "name": meta.name,
            "namespace": meta.namespace,
            "resourceVersion": meta.resource_version,
        },
    }
    if kind == "ConfigMap":
        document["data"] = dict(obj.data or {})
        document["binaryData"] = dict(obj.binary_data or {})
    else:
        document["data"] = dict(obj.data or {})
    return document

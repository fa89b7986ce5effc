"""The operator's Kubernetes edge: reads, status writes and events through the `kubernetes` client.

The client is synchronous, so every call runs in a worker thread; the operator's event loop never
blocks on the API server. Nothing here logs object contents: Secrets pass through as bytes.

The calls go through the client's `ApiClient` (its configuration, authentication, TLS and connection
pool) as plain JSON requests, not through its generated `CoreV1Api`/`CustomObjectsApi`: importing
those builds the signatures of about 1 300 methods and imports 250 model modules, 27 MiB of the
operator's resident memory for the eight calls it makes (measured: `CoreV1Api` 23 MiB,
`CustomObjectsApi` 4 MiB, after the heap was trimmed). The answers are the API server's JSON as dicts.
"""

from __future__ import annotations

import asyncio
import base64
import builtins
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from vdx import logsetup
from vdx.api.meta import API_GROUP, API_VERSION
from vdx.controller.events import EventSender

FIELD_MANAGER = "vdx-operator"
MERGE_PATCH = "application/merge-patch+json"


def core_path(namespace: str, plural: str, name: str | None = None) -> str:
    """/api/v1/namespaces/NS/PLURAL[/NAME], each part escaped."""
    path = f"/api/v1/namespaces/{quote(namespace, safe='')}/{plural}"
    return path if name is None else f"{path}/{quote(name, safe='')}"


def custom_path(plural: str, namespace: str | None, name: str | None = None, subresource: str = "") -> str:
    """The path of a vdx resource (cluster-scoped when there is no namespace), or of its collection."""
    base = f"/apis/{API_GROUP}/{API_VERSION}"
    if namespace:
        base += f"/namespaces/{quote(namespace, safe='')}"
    path = f"{base}/{plural}"
    if name is not None:
        path += f"/{quote(name, safe='')}"
    return path + (f"/{subresource}" if subresource else "")


ObjectKey = tuple[str, str, str]  # (Secret | ConfigMap, namespace, name)


class WatchedObjects:
    """The Secrets and ConfigMaps the operator has read, kept current by its watch of them.

    Every resync reconciles every resource, and each read its Secrets and ConfigMaps again: 238 GETs
    per 30 s for the small platform's certificates and TURN services, 85 % of the operator's
    Kubernetes requests in steady state. The operator already watches both kinds (a change wakes
    their readers), so it keeps what it read (only that: not every Secret of the cluster) and takes
    each watch event for it, the watch's re-listing after a reconnect included. A read that was in
    flight while an event for the same object arrived is not kept (it may be older than the event).
    Only namespaces the watch covers are kept (`namespaces`, empty: all).
    """

    def __init__(self, namespaces: tuple[str, ...] = ()) -> None:
        self.namespaces = namespaces
        self._documents: dict[ObjectKey, dict[str, Any] | None] = {}
        self._events: dict[ObjectKey, int] = {}

    def covers(self, namespace: str) -> bool:
        return not self.namespaces or namespace in self.namespaces

    def known(self, key: ObjectKey) -> bool:
        return key in self._documents

    def get(self, key: ObjectKey) -> dict[str, Any] | None:
        """The manifest-shaped object (None: it does not exist); call only when `known`."""
        return self._documents[key]

    def events_seen(self, key: ObjectKey) -> int:
        return self._events.get(key, 0)

    def store(self, key: ObjectKey, document: dict[str, Any] | None, events_before: int) -> None:
        """Keep what a read returned, unless a watch event for it came while the read was in flight."""
        if self.covers(key[1]) and self._events.get(key, 0) == events_before:
            self._documents[key] = document

    def observe(self, key: ObjectKey, event_type: str | None, body: Any) -> None:
        """A watch event (None: the watch's listing): replace what is kept, if anything is."""
        self._events[key] = self._events.get(key, 0) + 1
        if key in self._documents:
            self._documents[key] = None if event_type == "DELETED" else raw_object(key[0], body)

    def forget(self, key: ObjectKey) -> None:
        """The operator wrote it: the next read asks the API server (the event may not be here yet)."""
        self._events[key] = self._events.get(key, 0) + 1
        self._documents.pop(key, None)

    def __len__(self) -> int:
        return len(self._documents)


# How long one Event's POST may take before the sender gives up on it and goes on to the next.
EVENT_POST_SECONDS = 10.0


class Kube:
    """Async helpers over one `kubernetes.client.ApiClient`."""

    def __init__(self, api: client.ApiClient, watched: WatchedObjects | None = None) -> None:
        self.api = api
        # Secrets and ConfigMaps kept current by the watch; None: every read asks the API server.
        self.watched = watched
        self.events = EventSender(self._post_event)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str | None = None,
        request_seconds: float | None = None,
    ) -> Any:
        """One call to the API server (blocking): the decoded JSON answer; ApiException on an error
        status, as the generated APIs raise it (`status` 404, 409, ...)."""
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = content_type or "application/json"
        method, url, headers, body, post = self.api.param_serialize(
            method=method,
            resource_path=path,
            header_params=headers,
            body=body,
            auth_settings=["BearerToken"],
        )
        response = self.api.call_api(method, url, headers, body, post, _request_timeout=request_seconds)
        data: bytes | None = response.read()  # type: ignore[no-untyped-call]
        if not 200 <= response.status <= 299:
            raise ApiException.from_response(
                http_resp=response, body=data.decode("utf-8", errors="replace") if data else None, data=None
            )
        return json.loads(data) if data else None

    async def _call(
        self, method: str, path: str, body: Any = None, *, content_type: str | None = None
    ) -> Any:
        return await asyncio.to_thread(self.request, method, path, body, content_type=content_type)

    async def _read(self, path: str) -> dict[str, Any] | None:
        """A GET; None when the object does not exist."""
        try:
            found = await self._call("GET", path)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        assert isinstance(found, dict)
        return found

    async def _object(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        """A Secret or ConfigMap, manifest-shaped: what the watch keeps current, else a read."""
        key = (kind, namespace, name)
        watched = self.watched
        if watched is not None and watched.known(key):
            return watched.get(key)
        events_before = watched.events_seen(key) if watched is not None else 0
        plural = "configmaps" if kind == "ConfigMap" else "secrets"
        found = await self._read(core_path(namespace, plural, name))
        document = None if found is None else raw_object(kind, found)
        if watched is not None:
            watched.store(key, document, events_before)
        return document

    async def secret_data(self, namespace: str, name: str) -> tuple[dict[str, str], str] | None:
        """(decoded data, resourceVersion) of a Secret, or None if it does not exist."""
        secret = await self._object("Secret", namespace, name)
        if secret is None:
            return None
        data = {
            k: base64.b64decode(v).decode("utf-8", errors="replace")
            for k, v in (secret.get("data") or {}).items()
        }
        logsetup.remember_secrets(data)  # no log line may show them from now on
        return data, str((secret.get("metadata") or {}).get("resourceVersion"))

    async def config_map(self, namespace: str, name: str) -> tuple[dict[str, str], dict[str, bytes]] | None:
        cm = await self._object("ConfigMap", namespace, name)
        if cm is None:
            return None
        binary = {k: base64.b64decode(v) for k, v in (cm.get("binaryData") or {}).items()}
        return dict(cm.get("data") or {}), binary

    async def write_config_map(
        self, namespace: str, name: str, data: dict[str, str], labels: dict[str, str]
    ) -> None:
        """Replace the ConfigMap's data (creating it the first time): the operator's own records."""
        body = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "data": data,
        }
        try:
            await self._call("PUT", core_path(namespace, "configmaps", name), body)
        except ApiException as exc:
            if exc.status != 404:
                raise
            await self._call("POST", core_path(namespace, "configmaps"), body)
        finally:
            if self.watched is not None:
                self.watched.forget(("ConfigMap", namespace, name))

    async def raw(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        """A ConfigMap or Secret as a manifest-shaped dict, or None if it does not exist."""
        found = await self._object(kind, namespace, name)
        if found is None:
            return None
        copied = {key: dict(value) if isinstance(value, dict) else value for key, value in found.items()}
        return copied

    async def get(self, plural: str, name: str, namespace: str | None) -> dict[str, Any] | None:
        return await self._read(custom_path(plural, namespace, name))

    async def current(self, plural: str, name: str, namespace: str | None) -> dict[str, Any] | None:
        """The vdx resource of that name as the API server holds it now; None only when the API
        server says that object does not exist.

        For a caller that deletes what the resource owns when it is gone (`Runtime`'s undo of a
        resource deleted before its finalizer was on it): a 404 that does not name the object says
        the path is unknown (the CRD, or this API version of it, no longer served) and nothing about
        the object, so it raises like any other error rather than read as a deletion."""
        try:
            found = await self._call("GET", custom_path(plural, namespace, name))
        except ApiException as exc:
            if exc.status == 404 and not_found_names(exc, name):
                return None
            raise
        assert isinstance(found, dict)
        return found

    async def list(self, plural: str) -> list[dict[str, Any]]:
        """Every object of a vdx kind, across namespaces."""
        result: Any = await self._call("GET", custom_path(plural, None))
        items = result.get("items", [])
        assert isinstance(items, list)
        return items

    async def list_namespaced(self, plural: str, namespace: str) -> builtins.list[dict[str, Any]]:
        result: Any = await self._call("GET", custom_path(plural, namespace))
        items = result.get("items", [])
        assert isinstance(items, list)
        return items

    async def patch_status(
        self, plural: str, name: str, namespace: str | None, status: dict[str, Any]
    ) -> bool:
        """False when the resource no longer exists (the caller may have Pexip objects to undo)."""
        try:
            await self._call(
                "PATCH",
                custom_path(plural, namespace, name, "status"),
                {"status": status},
                content_type=MERGE_PATCH,
            )
        except ApiException as exc:
            if exc.status != 404:
                raise
            return False
        return True

    async def patch_annotations(
        self, plural: str, name: str, namespace: str | None, annotations: dict[str, str | None]
    ) -> None:
        await self._call(
            "PATCH",
            custom_path(plural, namespace, name),
            {"metadata": {"annotations": annotations}},
            content_type=MERGE_PATCH,
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
            await self._call("PATCH", custom_path(plural, namespace, name), body, content_type=MERGE_PATCH)
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
        """A core/v1 Event on the object, as it is now; sent in the background (`controller.events`):
        events are best effort, never fail a reconcile and never hold one up."""
        meta = body.get("metadata", {})
        namespace = meta.get("namespace") or "default"
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        involved = {
            "apiVersion": body.get("apiVersion"),
            "kind": body.get("kind"),
            "name": meta.get("name"),
            "namespace": meta.get("namespace"),
            "uid": meta.get("uid"),
            "resourceVersion": meta.get("resourceVersion"),
        }
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"generateName": f"{meta.get('name', 'vdx')}.", "namespace": namespace},
            "involvedObject": {k: v for k, v in involved.items() if v is not None},
            "reason": reason,
            "message": message[:1024],
            "type": type_,
            "source": {"component": FIELD_MANAGER},
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "reportingComponent": FIELD_MANAGER,
            "reportingInstance": FIELD_MANAGER,
        }
        self.events.record(namespace, event)

    async def _post_event(self, namespace: str, event: dict[str, Any]) -> None:
        # Bounded: one POST stuck on a half-open connection would otherwise hold every later Event
        # (a timeout of the blocking call itself: asyncio's would leave the thread waiting).
        path = core_path(namespace, "events")
        await asyncio.to_thread(self.request, "POST", path, event, request_seconds=EVENT_POST_SECONDS)


def not_found_names(exc: ApiException, name: str) -> bool:
    """Whether an error is the API server's NotFound for the object `name`: its Status names the
    object (`details.name`), as it does for a missing object and not for a path it does not serve."""
    try:
        answer = json.loads(exc.body or "")
    except ValueError:
        return False
    details = answer.get("details") if isinstance(answer, dict) else None
    return isinstance(details, dict) and answer.get("reason") == "NotFound" and details.get("name") == name


def raw_object(kind: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    """A ConfigMap or Secret as read from the API server, in the plain manifest shape (base64 where
    Kubernetes has it), without what the reconcilers never read (managedFields, annotations)."""
    meta = obj.get("metadata") or {}
    document: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": kind,
        "metadata": {
            "name": meta.get("name"),
            "namespace": meta.get("namespace"),
            "resourceVersion": meta.get("resourceVersion"),
        },
        "data": dict(obj.get("data") or {}),
    }
    if kind == "ConfigMap":
        document["binaryData"] = dict(obj.get("binaryData") or {})
    return document

"""The Secrets and ConfigMaps the operator keeps current from its watch (`vdx.controller.kube`)."""

from __future__ import annotations

import asyncio
from typing import Any

from kubernetes.client.exceptions import ApiException

from vdx.controller.kube import Kube, WatchedObjects

KEY = ("Secret", "tenant-a", "tls")


def _secret(version: str, value: str = "Y2VydA==") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "tls",
            "namespace": "tenant-a",
            "resourceVersion": version,
            "managedFields": [{}],
        },
        "data": {"tls.crt": value},
    }


class _Served(Kube):
    """A Kube whose API server is a dict; counts the requests it answers."""

    def __init__(self, objects: dict[str, dict[str, Any]], watched: WatchedObjects | None) -> None:
        super().__init__(api=None, watched=watched)  # type: ignore[arg-type]
        self.objects = objects
        self.requests: list[str] = []
        self.during_read: Any = None

    def request(self, method: str, path: str, body: Any = None, *, content_type: str | None = None) -> Any:
        self.requests.append(f"{method} {path}")
        if self.during_read is not None:
            self.during_read()
        if path not in self.objects:
            raise ApiException(status=404, reason="Not Found")
        return self.objects[path]


PATH = "/api/v1/namespaces/tenant-a/secrets/tls"


def test_a_secret_read_once_is_served_from_what_the_watch_keeps_current() -> None:
    watched = WatchedObjects()
    kube = _Served({PATH: _secret("1")}, watched)
    assert asyncio.run(kube.secret_data("tenant-a", "tls")) == ({"tls.crt": "cert"}, "1")
    assert asyncio.run(kube.secret_data("tenant-a", "tls")) == ({"tls.crt": "cert"}, "1")
    assert kube.requests == [f"GET {PATH}"]
    # cert-manager renews it: the watch event replaces what is kept, with no request.
    watched.observe(KEY, "MODIFIED", _secret("2", "bmV3"))
    assert asyncio.run(kube.secret_data("tenant-a", "tls")) == ({"tls.crt": "new"}, "2")
    watched.observe(KEY, "DELETED", _secret("2", "bmV3"))
    assert asyncio.run(kube.secret_data("tenant-a", "tls")) is None
    assert len(kube.requests) == 1
    # What is kept is the manifest's shape, without managedFields.
    watched.observe(KEY, "ADDED", _secret("3"))
    assert asyncio.run(kube.raw("Secret", "tenant-a", "tls")) == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "tls", "namespace": "tenant-a", "resourceVersion": "3"},
        "data": {"tls.crt": "Y2VydA=="},
    }


def test_a_missing_secret_is_kept_missing_until_the_watch_sees_it_created() -> None:
    watched = WatchedObjects()
    kube = _Served({}, watched)
    assert asyncio.run(kube.secret_data("tenant-a", "tls")) is None
    assert asyncio.run(kube.secret_data("tenant-a", "tls")) is None
    assert len(kube.requests) == 1
    watched.observe(KEY, "ADDED", _secret("5"))
    assert asyncio.run(kube.secret_data("tenant-a", "tls")) == ({"tls.crt": "cert"}, "5")


def test_a_read_overtaken_by_a_watch_event_is_not_kept() -> None:
    watched = WatchedObjects()
    kube = _Served({PATH: _secret("1")}, watched)
    # The Secret changes while the read is in flight: its answer may predate the change.
    kube.during_read = lambda: watched.observe(KEY, "MODIFIED", _secret("2", "bmV3"))
    assert asyncio.run(kube.secret_data("tenant-a", "tls")) == ({"tls.crt": "cert"}, "1")
    assert not watched.known(KEY)
    kube.during_read = None
    kube.objects[PATH] = _secret("2", "bmV3")
    assert asyncio.run(kube.secret_data("tenant-a", "tls")) == ({"tls.crt": "new"}, "2")
    assert watched.known(KEY)


def test_namespaces_outside_the_watch_and_a_kube_without_one_always_ask() -> None:
    outside = _Served({PATH: _secret("1")}, WatchedObjects(("vdx-system",)))
    unwatched = _Served({PATH: _secret("1")}, None)
    for kube in (outside, unwatched):
        for _ in range(2):
            asyncio.run(kube.secret_data("tenant-a", "tls"))
        assert len(kube.requests) == 2


def test_the_operators_own_configmap_write_is_read_back_from_the_api_server() -> None:
    watched = WatchedObjects()
    path = "/api/v1/namespaces/vdx-system/configmaps/vdx-incidents"
    kube = _Served({path: {"metadata": {"name": "vdx-incidents"}, "data": {"log": "old"}}}, watched)
    assert asyncio.run(kube.config_map("vdx-system", "vdx-incidents")) == ({"log": "old"}, {})
    asyncio.run(kube.write_config_map("vdx-system", "vdx-incidents", {"log": "new"}, {}))
    kube.objects[path] = {"metadata": {"name": "vdx-incidents"}, "data": {"log": "new"}}
    assert asyncio.run(kube.config_map("vdx-system", "vdx-incidents")) == ({"log": "new"}, {})
    assert [r.split()[0] for r in kube.requests] == ["GET", "PUT", "GET"]

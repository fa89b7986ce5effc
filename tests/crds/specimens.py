"""Valid specimens of every kind, and helpers to mutate them and to read the API server's refusals.

The specimens are the smallest objects the models accept; the invalid cases in the tests are one
change away from them, so each case breaks exactly one rule. Expected messages are built from the
models (rule objects, patterns, field bounds), never copied, so the tests follow the models.
"""

from __future__ import annotations

import copy
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from kubernetes import client
from pydantic import BaseModel

from vdx.api.kinds import KINDS_BY_NAME
from vdx.api.meta import API_GROUP, API_VERSION, GROUP_VERSION

Obj = dict[str, Any]

DOMAIN = "vdx.crdtest.dk"


def unique(prefix: str) -> str:
    """A name nobody else in the session uses (cluster-scoped objects are shared by every test)."""
    return f"{prefix}-{secrets.token_hex(3)}"


def specs() -> dict[str, Obj]:
    """The smallest valid spec of every kind (fresh copies: callers mutate them)."""
    return {
        "PexipPlatform": {
            "url": "https://pexip-mgmt.crdtest.dk",
            "environment": "Test",
            "credentials": {"secretRef": {"namespace": "vdx-system", "name": "pexip-credentials"}},
            "systemLocations": [
                {"name": "Core", "description": "Transcoding nodes", "mtu": 1400},
                {"name": "Region Test", "transcodingLocation": "Core", "overflowLocations": ["Core"]},
            ],
        },
        "Tenant": {
            "organisationKind": "Region",
            "displayName": "Region Test",
            "region": "midtjylland",
            "namespace": "vdx-crdtest",
            "platformRef": {"name": "crdtest"},
            "domains": [DOMAIN],
        },
        "Domain": {
            "fqdn": DOMAIN,
            "uses": ["WebApp", "SIP"],
            "tlsCertificateRef": {"name": "cert"},
            "turnServiceRef": {"name": "turn"},
        },
        "TurnService": {"address": f"turn.{DOMAIN}", "secretRef": {"name": "turn-secret"}},
        "TlsCertificate": {"secretRef": {"name": "tls-secret"}, "dnsNames": [DOMAIN]},
        "CviBranding": {
            "brandName": "Region Test",
            "colours": {"base": "#007DBB"},
            "images": {"logo": {"configMapKeyRef": {"name": "cvi-assets", "key": "logo.svg"}}},
            "texts": {"da": {"appTitle": "Videomøde"}, "en": {"appTitle": "Video meeting"}},
            "webApp": {"domain": DOMAIN, "slug": "crdtest"},
        },
        "IdentityProvider": {
            "displayName": "Region Test ADFS",
            "entityId": "http://adfs.crdtest.dk/adfs/services/trust",
            "ssoUrl": "https://adfs.crdtest.dk/adfs/ls/",
            "tokenSigningCertificate": {"configMapKeyRef": {"name": "adfs", "key": "token-signing.pem"}},
        },
        "Recorder": {
            "url": "rtmp://rec.crdtest.dk:1935",
            "streamKeySecretRef": {"name": "recorder", "key": "streamKey"},
            "consentNotice": "Mødet optages. Ved at deltage giver du samtykke til optagelsen.",
            "retentionDays": 30,
            "dataController": {"name": "Region Test", "email": "dpo@crdtest.dk"},
        },
        "MeetingRoom": {
            "displayName": "Region Test - Møderum 1",
            "aliases": [{"alias": f"room1@{DOMAIN}"}],
        },
        "Device": {
            "alias": f"stue1@{DOMAIN}",
            "displayName": "Region Test - Stue 1",
            "credentialsSecretRef": {"name": "stue1"},
        },
        "OutlookScheduling": {
            "exchange": {
                "type": "Microsoft365",
                "authentication": "AppPermissions",
                "entraTenantId": "8c2f6b1e-3d4a-4f5b-9c6d-7e8f9a0b1c2d",
                "applicationId": "5a7d3c9e-1b2f-4e6a-8d0c-2f4e6a8c0e1b",
                "serviceMailbox": "vdx-booking@crdtest.dk",
                "credentialsSecretRef": {"name": "outlook-exchange"},
            },
            "keyPairSecretRef": {"name": "outlook-key-pair"},
            "aliases": {"prefix": "test", "domain": DOMAIN},
            "addIn": {"serverDomain": DOMAIN},
        },
        "OneTouchJoin": {
            "calendar": {
                "type": "Microsoft365",
                "entraTenantId": "1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
                "applicationId": "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a",
                "credentialsSecretRef": {"name": "otj-graph"},
            },
            "endpointGroups": [
                {
                    "name": "rooms",
                    "systemLocation": "Region Test",
                    "endpoints": [
                        {
                            "name": "mr-1",
                            "type": "Cisco",
                            "roomMailbox": "mr1@crdtest.dk",
                            "address": "mr1.crdtest.dk",
                            "credentialsSecretRef": {"name": "otj-mr-1"},
                        }
                    ],
                }
            ],
        },
    }


# One change to a mutable spec field per kind: proves a write went through (or was ignored).
SPEC_CHANGES: dict[str, Obj] = {
    "PexipPlatform": {"resyncIntervalSeconds": 900},
    "Tenant": {"displayName": "Region Renamed"},
    "Domain": {"systemLocation": "Elsewhere"},
    "TurnService": {"port": 3479},
    "TlsCertificate": {"renewalWarningDays": 14},
    "CviBranding": {"brandName": "Renamed"},
    "IdentityProvider": {"displayName": "Renamed ADFS"},
    "Recorder": {"retentionDays": 60},
    "MeetingRoom": {"displayName": "Renamed room"},
    "Device": {"displayName": "Renamed device"},
    "OutlookScheduling": {"description": "Renamed booking"},
    "OneTouchJoin": {"description": "Renamed profile"},
}

# Kind-specific status fields, so every printer column has something to show.
STATUS_EXTRAS: dict[str, Obj] = {
    "PexipPlatform": {"version": "36.1", "reachable": True},
    "Tenant": {"meetingRooms": 12, "resourcesReady": "13/14"},
    "Domain": {"tenant": "crdtest"},
    "TurnService": {"domains": [DOMAIN]},
    "TlsCertificate": {"notAfter": "2099-01-01T00:00:00Z", "daysLeft": 26000},
    "CviBranding": {"webAppUrl": f"https://{DOMAIN}/crdtest"},
    "IdentityProvider": {"uuid": "0b7e2f4e-7f7c-5d7e-9a51-2f1f3b0c9d11"},
    "Recorder": {"rooms": ["room1"]},
    "MeetingRoom": {"directMedia": "best_effort"},
    "Device": {"device": "/api/admin/configuration/v1/device/1/"},
    "OutlookScheduling": {"connector": "/api/admin/configuration/v1/ms_exchange_connector/1/"},
    "OneTouchJoin": {"endpoints": 1},
}


def condition(type_: str, status: str, message: str, reason: str = "Reconciled") -> Obj:
    """One condition as the operator writes it."""
    return {
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": "2026-01-01T00:00:00Z",
    }


# Kind-specific conditions shown in a printer column of their own.
EXTRA_CONDITIONS: dict[str, list[Obj]] = {
    "Tenant": [
        condition("FirewallReady", "False", "the report of 2026-12-01 found 1 opening", "OpeningsFail")
    ],
}


def status_of(kind: str, message: str = "in line with Pexip", generation: int = 1) -> Obj:
    """A status as the operator writes it: Ready True with `message`, Synced False."""
    return {
        "observedGeneration": generation,
        "conditions": [
            condition("Ready", "True", message),
            condition("Synced", "False", "Pexip timed out"),
            *EXTRA_CONDITIONS.get(kind, []),
        ],
        **STATUS_EXTRAS[kind],
    }


def plural(kind: str) -> str:
    return KINDS_BY_NAME[kind].crd.plural


def namespaced(kind: str) -> bool:
    return KINDS_BY_NAME[kind].crd.scope == "Namespaced"


def specimen(kind: str, name: str, namespace: str | None) -> Obj:
    """A valid object of `kind`; `namespace` is ignored for cluster-scoped kinds."""
    metadata: Obj = {"name": name}
    if namespaced(kind):
        metadata["namespace"] = namespace
    return {"apiVersion": GROUP_VERSION, "kind": kind, "metadata": metadata, "spec": specs()[kind]}


DELETE = object()  # as a value in `changed`: remove the key


def changed(obj: Obj, changes: dict[str, Any]) -> Obj:
    """A copy of `obj` with dotted paths ("spec.rateLimit.burst") set (or removed with DELETE)."""
    result = copy.deepcopy(obj)
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = result
        for key in parents:
            target = target.setdefault(key, {})
        if value is DELETE:
            target.pop(last, None)
        else:
            target[last] = copy.deepcopy(value)
    return result


class Custom:
    """CustomObjectsApi for the vdx group, hiding the namespaced/cluster split."""

    def __init__(self, api: client.ApiClient) -> None:
        self.api = client.CustomObjectsApi(api)

    def create(self, obj: Obj, *, dry_run: bool = False, strict: bool = False) -> Obj:
        kind, namespace = obj["kind"], obj["metadata"].get("namespace")
        extra: dict[str, str] = {}
        if dry_run:
            extra["dry_run"] = "All"
        if strict:
            extra["field_validation"] = "Strict"
        if namespaced(kind):
            return dict(
                self.api.create_namespaced_custom_object(
                    API_GROUP, API_VERSION, namespace, plural(kind), obj, **extra
                )
            )
        return dict(self.api.create_cluster_custom_object(API_GROUP, API_VERSION, plural(kind), obj, **extra))

    def get(self, kind: str, name: str, namespace: str | None = None) -> Obj:
        if namespaced(kind):
            return dict(
                self.api.get_namespaced_custom_object(API_GROUP, API_VERSION, namespace, plural(kind), name)
            )
        return dict(self.api.get_cluster_custom_object(API_GROUP, API_VERSION, plural(kind), name))

    def patch(
        self,
        kind: str,
        name: str,
        namespace: str | None,
        body: Obj,
        *,
        status: bool = False,
        dry_run: bool = False,
    ) -> Obj:
        """A JSON merge patch, of the main resource or (status=True) of the /status subresource."""
        extra: dict[str, Any] = {"_content_type": "application/merge-patch+json"}
        if dry_run:
            extra["dry_run"] = "All"
        if namespaced(kind):
            method = (
                self.api.patch_namespaced_custom_object_status
                if status
                else self.api.patch_namespaced_custom_object
            )
            return dict(method(API_GROUP, API_VERSION, namespace, plural(kind), name, body, **extra))
        cluster_method = (
            self.api.patch_cluster_custom_object_status if status else self.api.patch_cluster_custom_object
        )
        return dict(cluster_method(API_GROUP, API_VERSION, plural(kind), name, body, **extra))

    def replace(self, obj: Obj, *, status: bool = False) -> Obj:
        """PUT the whole object, to the main resource or (status=True) to /status."""
        kind, name, namespace = obj["kind"], obj["metadata"]["name"], obj["metadata"].get("namespace")
        if namespaced(kind):
            method = (
                self.api.replace_namespaced_custom_object_status
                if status
                else self.api.replace_namespaced_custom_object
            )
            return dict(method(API_GROUP, API_VERSION, namespace, plural(kind), name, obj))
        cluster_method = (
            self.api.replace_cluster_custom_object_status
            if status
            else self.api.replace_cluster_custom_object
        )
        return dict(cluster_method(API_GROUP, API_VERSION, plural(kind), name, obj))

    def delete(self, kind: str, name: str, namespace: str | None = None) -> None:
        try:
            if namespaced(kind):
                self.api.delete_namespaced_custom_object(
                    API_GROUP, API_VERSION, namespace, plural(kind), name
                )
            else:
                self.api.delete_cluster_custom_object(API_GROUP, API_VERSION, plural(kind), name)
        except client.ApiException as error:
            if error.status != 404:
                raise


@dataclass(frozen=True)
class Refusal:
    """The API server's 422: its one-line message and its causes as (field, message) pairs."""

    message: str
    causes: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, error: client.ApiException) -> Refusal:
        assert error.status == 422, f"expected 422 Invalid, got {error.status}: {error.body}"
        body = json.loads(error.body)
        causes = tuple(
            (cause.get("field", ""), cause.get("message", ""))
            for cause in (body.get("details") or {}).get("causes", [])
        )
        return cls(body.get("message", ""), causes)

    def has(self, field: str, *fragments: str) -> bool:
        """Whether one cause is about `field` and carries every fragment."""
        return any(f == field and all(x in m for x in fragments) for f, m in self.causes)


# -- what the API server says, built from the model ------------------------------------------------


def constraint(model: type[BaseModel], field: str, name: str) -> Any:
    """A bound declared on a model field (`ge`, `le`, `min_length`, `max_length`, `pattern`)."""
    for item in model.model_fields[field].metadata:
        value = getattr(item, name, None)
        if value is not None:
            return value
    raise AssertionError(f"{model.__name__}.{field} declares no {name}")


def should_match(path: str, regex: str) -> str:
    return f"{path} in body should match '{regex}'"


def at_least(path: str, bound: int) -> str:
    return f"{path} in body should be greater than or equal to {bound}"


def at_most(path: str, bound: int) -> str:
    return f"{path} in body should be less than or equal to {bound}"


def at_least_items(path: str, bound: int) -> str:
    return f"{path} in body should have at least {bound} items"


def at_most_items(bound: int) -> str:
    return f"must have at most {bound} items"


def at_most_bytes(bound: int) -> str:
    return f"may not be more than {bound} bytes"


def supported_values(values: Iterable[str | Enum]) -> str:
    names = [value.value if isinstance(value, Enum) else value for value in values]
    return "supported values: " + ", ".join(f'"{name}"' for name in names)

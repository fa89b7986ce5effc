"""A small tree with a Tenant and its Recorder, as models and as YAML."""

from __future__ import annotations

from typing import Any

from vdx.api.recorder import Recorder
from vdx.api.tenant import Tenant

KEY = "Abcdefgh12345678Zz"


def tenant_body(recording: bool = True) -> dict[str, Any]:
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": "regionh"},
        "spec": {
            "organisationKind": "Region",
            "displayName": "Region Hovedstaden",
            "namespace": "vdx-regionh",
            "platformRef": {"name": "prod"},
            "domains": ["vdx.regionh.dk"],
            "recording": {"enabled": recording},
        },
    }


def recorder_body(**spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "url": "rtmp://rec.regionh.dk:1935",
        "streamKeySecretRef": {"name": "recorder-key", "key": "streamKey"},
        "consentNotice": "Mødet optages. Optagelsen gemmes i 30 dage og slettes derefter.",
        "retentionDays": 30,
        "dataController": {"name": "Region Hovedstaden, Databeskyttelse", "email": "dpo@regionh.dk"},
        "allowedPublishers": ["10.20.0.0/16", "192.0.2.7"],
    }
    base.update(spec)
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "Recorder",
        "metadata": {"name": "recorder", "namespace": "vdx-regionh"},
        "spec": base,
    }


def tenant(recording: bool = True) -> Tenant:
    return Tenant.model_validate(tenant_body(recording))


def recorder(**spec: Any) -> Recorder:
    return Recorder.model_validate(recorder_body(**spec))

"""What kopf counts as a change: the operator's own notes are not, a person's annotations are."""

from __future__ import annotations

from typing import Any

import kopf

from vdx.api.names import ADOPT_ANNOTATION, UPLOAD_PENDING_ANNOTATION
from vdx.controller.handlers import settings


def essence(annotations: dict[str, str]) -> Any:
    body = {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "TlsCertificate",
        "metadata": {"name": "cert", "namespace": "aarhus", "annotations": annotations},
        "spec": {"secretRef": {"name": "cert"}},
    }
    return settings().persistence.diffbase_storage.build(body=kopf.Body(body))


def test_the_upload_note_written_and_cleared_by_the_operator_is_no_change() -> None:
    # Written before each certificate upload and cleared after it: as a change it woke a reconcile
    # and a diff-base patch each time.
    assert essence({UPLOAD_PENDING_ANNOTATION: "ab12"}) == essence({})


def test_a_persons_annotation_is_still_a_change() -> None:
    assert essence({ADOPT_ANNOTATION: "/api/admin/configuration/v1/tls_certificate/3/"}) != essence({})
    assert essence({"example.org/owner": "team-a"}) != essence({})

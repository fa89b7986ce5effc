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


def _body(uid: str, port: int, deleting: bool = False) -> kopf.Body:
    meta: dict[str, Any] = {"name": "turn", "namespace": "aarhus", "uid": uid}
    if deleting:
        meta["deletionTimestamp"] = "2026-12-05T10:00:00Z"
    return kopf.Body(
        {
            "apiVersion": "vdx.medcom.dk/v1alpha1",
            "kind": "TurnService",
            "metadata": meta,
            "spec": {"port": port},
        }
    )


def test_the_diff_base_is_kept_in_memory_and_never_patched_onto_the_resource() -> None:
    storage = settings().persistence.diffbase_storage
    body = _body("u-1", 3478)
    assert storage.fetch(body=body) is None  # never seen: kopf calls it a create
    patch = kopf.Patch()
    storage.store(body=body, patch=patch, essence=storage.build(body=body))
    assert not patch  # the annotation storage put the whole spec here: one PATCH per handled change
    assert storage.fetch(body=_body("u-1", 3478)) == storage.build(body=body)
    assert storage.fetch(body=_body("u-1", 3479)) != storage.build(body=_body("u-1", 3479))  # an update
    assert storage.fetch(body=_body("u-2", 3478)) is None  # same name, another object: a create


def test_a_deleted_resource_leaves_nothing_behind() -> None:
    storage = settings().persistence.diffbase_storage
    body = _body("u-1", 3478)
    storage.store(body=body, patch=kopf.Patch(), essence=storage.build(body=body))
    assert len(storage) == 1  # type: ignore[arg-type]
    assert storage.fetch(body=_body("u-1", 3478, deleting=True)) is None
    assert len(storage) == 0  # type: ignore[arg-type]
    # kopf's deletion cycles do not put it back.
    deleting = _body("u-1", 3478, deleting=True)
    storage.store(body=deleting, patch=kopf.Patch(), essence=storage.build(body=deleting))
    assert len(storage) == 0  # type: ignore[arg-type]

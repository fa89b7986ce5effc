"""The status subresource separates the writers: users write spec, the operator writes status.

With `subresources.status` the API server ignores `status` in writes to the main resource and
ignores everything but `status` in writes to `/status`. So a GitOps tool cannot forge a Ready
condition, and the operator's status updates cannot change what the user declared. Every kind is
checked, through both JSON merge patch and PUT.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.crds.specimens import (
    SPEC_CHANGES,
    Custom,
    Obj,
    condition,
    specimen,
    status_of,
    unique,
)
from vdx.api.kinds import KINDS_BY_NAME

KINDS = sorted(KINDS_BY_NAME)


@pytest.fixture
def made(custom: Custom, kube_namespace: str) -> Iterator[list[Obj]]:
    """Objects the test creates; cluster-scoped ones must not outlive it (other tests list them)."""
    objects: list[Obj] = []
    yield objects
    for obj in objects:
        custom.delete(obj["kind"], obj["metadata"]["name"], obj["metadata"].get("namespace"))


def create(custom: Custom, made: list[Obj], obj: Obj) -> Obj:
    created = custom.create(obj)
    made.append(created)
    return created


def ident(obj: Obj) -> tuple[str, str, str | None]:
    return obj["kind"], obj["metadata"]["name"], obj["metadata"].get("namespace")


@pytest.mark.parametrize("kind", KINDS)
def test_status_sent_with_create_is_dropped(
    custom: Custom, kube_namespace: str, made: list[Obj], kind: str
) -> None:
    obj = {**specimen(kind, unique("forged"), kube_namespace), "status": status_of(kind)}
    created = create(custom, made, obj)
    assert not created.get("status"), f"{kind}: create kept the status {created.get('status')}"
    assert not custom.get(*ident(created)).get("status")


@pytest.mark.parametrize("kind", KINDS)
def test_status_cannot_be_written_through_the_main_resource(
    custom: Custom, kube_namespace: str, made: list[Obj], kind: str
) -> None:
    created = create(custom, made, specimen(kind, unique("main"), kube_namespace))
    genuine = custom.patch(*ident(created), {"status": status_of(kind)}, status=True)["status"]
    forged = {"observedGeneration": 99, "conditions": [condition("Ready", "False", "forged by a user")]}

    patched = custom.patch(*ident(created), {"spec": SPEC_CHANGES[kind], "status": forged})
    assert patched["status"] == genuine, f"{kind}: a merge patch of the main resource changed status"
    assert_has(patched["spec"], SPEC_CHANGES[kind])  # the spec part of the same write did apply

    replaced = custom.replace({**patched, "status": forged})
    assert replaced["status"] == genuine, f"{kind}: a PUT of the main resource changed status"
    assert custom.get(*ident(created))["status"] == genuine


@pytest.mark.parametrize("kind", KINDS)
def test_spec_cannot_be_written_through_status(
    custom: Custom, kube_namespace: str, made: list[Obj], kind: str
) -> None:
    created = create(custom, made, specimen(kind, unique("status"), kube_namespace))
    spec, generation = created["spec"], created["metadata"]["generation"]

    patched = custom.patch(
        *ident(created), {"spec": SPEC_CHANGES[kind], "status": status_of(kind)}, status=True
    )
    assert patched["spec"] == spec, f"{kind}: a /status patch changed spec"
    assert patched["metadata"]["generation"] == generation
    assert patched["status"]["conditions"][0]["message"] == "in line with Pexip"  # status did apply

    changed_spec = {**spec, **SPEC_CHANGES[kind]}
    replaced = custom.replace(
        {**patched, "spec": changed_spec, "status": status_of(kind, "again")}, status=True
    )
    assert replaced["spec"] == spec, f"{kind}: a PUT to /status changed spec"
    assert replaced["status"]["conditions"][0]["message"] == "again"
    assert custom.get(*ident(created))["spec"] == spec


def test_a_spec_change_bumps_the_generation_and_a_status_change_does_not(
    custom: Custom, kube_namespace: str, made: list[Obj]
) -> None:
    """observedGeneration only means something if status writes leave metadata.generation alone."""
    created = create(custom, made, specimen("Domain", unique("generation"), kube_namespace))
    generation = created["metadata"]["generation"]
    after_status = custom.patch(*ident(created), {"status": status_of("Domain")}, status=True)
    assert after_status["metadata"]["generation"] == generation
    after_spec = custom.patch(*ident(created), {"spec": SPEC_CHANGES["Domain"]})
    assert after_spec["metadata"]["generation"] == generation + 1


def assert_has(actual: Obj, expected: Obj) -> None:
    for key, value in expected.items():
        assert actual.get(key) == value, f"{key}: expected {value!r}, got {actual.get(key)!r}"

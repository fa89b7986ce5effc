"""`Kube.current`: a read of a vdx resource by name that says "gone" only when the API server says
so of that object. The runtime deletes a resource's Pexip objects on that answer (the undo of a
resource deleted before its finalizer was on it), so a 404 for a path the API server does not serve
(the CRD, or this API version of it, gone) must not read as one."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException

from vdx.controller.kube import Kube

PATH = "/apis/vdx.medcom.dk/v1alpha1/namespaces/vdx-rm/turnservices/turn"
TURN = {"kind": "TurnService", "metadata": {"name": "turn", "namespace": "vdx-rm", "uid": "u-1"}}


def _not_found(name: str | None) -> ApiException:
    """The API server's answer to a GET of a missing object (its Status names it), or, without a
    name, of a path no API serves."""
    if name is None:
        return ApiException(status=404, reason="Not Found", body="404 page not found\n")
    status = {
        "kind": "Status",
        "status": "Failure",
        "reason": "NotFound",
        "message": f'turnservices.vdx.medcom.dk "{name}" not found',
        "details": {"name": name, "group": "vdx.medcom.dk", "kind": "turnservices"},
        "code": 404,
    }
    return ApiException(status=404, reason="Not Found", body=json.dumps(status))


class _Answering(Kube):
    def __init__(self, answer: dict[str, Any] | ApiException) -> None:
        super().__init__(api=None)  # type: ignore[arg-type]
        self.answer = answer
        self.paths: list[str] = []

    def request(self, method: str, path: str, body: Any = None, **_: Any) -> Any:
        self.paths.append(f"{method} {path}")
        if isinstance(self.answer, ApiException):
            raise self.answer
        return self.answer


def test_the_resource_there_is_returned() -> None:
    kube = _Answering(TURN)
    assert asyncio.run(kube.current("turnservices", "turn", "vdx-rm")) == TURN
    assert kube.paths == [f"GET {PATH}"]


def test_an_object_the_api_server_says_is_not_found_is_none() -> None:
    assert asyncio.run(_Answering(_not_found("turn")).current("turnservices", "turn", "vdx-rm")) is None


@pytest.mark.parametrize(
    "answer",
    [
        _not_found(None),  # the path is not served: the CRD or its version is gone
        _not_found("another"),  # not this object
        ApiException(status=404, reason="Not Found"),  # no body at all
        ApiException(status=503, reason="Service Unavailable"),
    ],
    ids=["path-not-served", "another-object", "no-body", "unavailable"],
)
def test_any_other_answer_raises_rather_than_say_it_is_gone(answer: ApiException) -> None:
    with pytest.raises(ApiException):
        asyncio.run(_Answering(answer).current("turnservices", "turn", "vdx-rm"))

"""The client's models read a node of another version: unknown fields kept, missing ones defaulted.

A v42 node adds fields and a v40 node lacks some of v41's; the operator must read both. Each case
takes what the simulator (v41) really answers, drops every field its model does not require and
adds fields no version has, and the model still reads it.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from vdx.pexip import (
    CONFERENCE,
    GLOBAL,
    MANAGEMENT_VM,
    SYSTEM_LOCATION,
    TLS_CERTIFICATE,
    WEBAPP_ALIAS,
    WORKER_VM,
    Kind,
)

EXTRA = {"v42_only_field": {"nested": [1, 2]}, "enable_quantum_media": True}


def _required(kind: Kind[Any]) -> set[str]:
    return {name for name, info in kind.model.model_fields.items() if info.is_required()}


@pytest.mark.parametrize(
    "kind", [GLOBAL, SYSTEM_LOCATION, WORKER_VM, CONFERENCE, WEBAPP_ALIAS, TLS_CERTIFICATE, MANAGEMENT_VM]
)
async def test_model_reads_a_response_with_extra_and_missing_fields(
    http: httpx.AsyncClient, kind: Kind[Any]
) -> None:
    if kind is CONFERENCE:
        created = await http.post(kind.path, json={"name": "room", "aliases": [{"alias": "room@vdx.rm.dk"}]})
        assert created.status_code == 201
    objects = (await http.get(kind.path)).json()["objects"]
    assert objects, kind.label
    full = objects[0]
    required = _required(kind)
    dropped = [k for k in full if k not in required and k != "resource_uri"]
    assert dropped, "nothing to drop: the case proves nothing"
    partial = {k: v for k, v in full.items() if k in required or k == "resource_uri"} | EXTRA

    model = kind.model.model_validate(partial)

    assert model.model_extra is not None
    assert model.model_extra["v42_only_field"] == {"nested": [1, 2]}
    assert model.model_extra["enable_quantum_media"] is True
    reference = kind.model.model_validate(full)
    for name in required:
        assert getattr(model, name) == getattr(reference, name)
    for name, info in kind.model.model_fields.items():
        if name in dropped:
            assert getattr(model, name) == info.get_default(call_default_factory=True), name

"""A Tenant whose own claim the operator's snapshot of the claims does not hold yet still brings its
rooms in line: "nobody's claim is known" is no conflict (`planners.rooms.claim_refusal`).

Found by the national benchmark's check of every room in the node: the four Tenants without a
branding (nothing else wakes them) reported Ready after a reconcile that had read the claims before
their own Tenant was listed, with none of their rooms looked at, in some cold starts.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.harness import Harness, wait_for, wait_ready
from tests.e2e.test_lifecycle import DOMAIN, pexip_list, run
from vdx.controller.runtime import Runtime
from vdx.pexip.resources import CONFERENCE
from vdx.testing.operator import OperatorThread


def test_a_tenant_not_yet_among_the_claims_still_corrects_its_rooms(
    operator: OperatorThread, h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def nobody_known(self: Runtime, platform_name: str, fqdn: str) -> str | None:
        return None  # as for a Tenant created after the claims were last listed

    monkeypatch.setattr(Runtime, "domain_owner", nobody_known)

    async def booking_portal() -> Any:
        async with h.pexip() as pexip:
            return await pexip.create(
                CONFERENCE, {"name": f"room-{h.suffix}", "aliases": [{"alias": f"meet.a@{DOMAIN}"}]}
            )

    assert run(booking_portal()).direct_media == "never"
    h.platform_and_tenant([DOMAIN])

    def corrected() -> bool:
        rooms = {c.name: c for c in run(pexip_list(h, CONFERENCE))}
        return rooms[f"room-{h.suffix}"].direct_media == "best_effort"

    wait_for(corrected, 30, "the room brought in line")
    tenant = wait_ready(h, "tenants", h.tenant, namespaced=False)
    assert tenant["status"]["meetingRooms"] == 1

"""Read what a platform holds: one list per Pexip type the kinds write or read, and nothing else.

Only GETs, so `vdx plan` can be pointed at production without risk (a test holds it to that). The
types come from the kinds' registrations; a type that a listed type's GET embeds whole (a
conference's aliases and recording participants) is never listed on its own.
"""

from __future__ import annotations

from typing import Any

from vdx.controller.registry import pexip_kinds
from vdx.gitops.planning import Observed
from vdx.pexip.client import PexipClient
from vdx.pexip.resources import GLOBAL, Kind


def listed_kinds() -> list[Kind[Any]]:
    """The configuration collections `vdx plan` lists, in a stable order."""
    return sorted(
        (
            kind
            for kind in pexip_kinds().values()
            if kind.api == "configuration" and not kind.singleton and kind.embedded_in is None
        ),
        key=lambda k: k.name,
    )


async def read_observed(client: PexipClient) -> Observed:
    settings = await client.list(GLOBAL)
    lists: dict[str, list[Any]] = {}
    for kind in listed_kinds():
        lists[kind.name] = await client.list(kind)
    return Observed(lists, global_settings=settings[0] if settings else None, version=await client.version())

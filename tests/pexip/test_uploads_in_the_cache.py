"""An uploaded object is read back into the operator's cache (controller.reconcilers.base).

Pexip derives fields from an uploaded file (a theme's uuid, package and timestamps). Rooms folded
with a guessed copy of their theme all differed from the next listing, which then replaced every
cached room at once: at national scale, tens of MiB of peak memory for nothing.
"""

from __future__ import annotations

from vdx.controller.cache import PexipCache
from vdx.controller.metrics import OperatorMetrics
from vdx.controller.platforms import PlatformRuntime
from vdx.controller.reconcilers.base import create_object, update_object
from vdx.pexip import PexipClient
from vdx.pexip.resources import CONFERENCE, IVR_THEME
from vdx.pexip.simulator import Simulator

from .support import theme_zip


async def test_a_room_given_an_uploaded_theme_matches_the_next_listing(
    client: PexipClient, sim: Simulator
) -> None:
    room = await client.create(CONFERENCE, {"name": "room-1"})
    platform = PlatformRuntime("p", "f", client, PexipCache(client), OperatorMetrics())
    await platform.cache.ensure(CONFERENCE)
    await platform.cache.ensure(IVR_THEME)

    theme = await create_object(platform, IVR_THEME, {"name": "rm"}, file=("t.zip", theme_zip()))
    listed = {t.resource_uri: t for t in await client.list(IVR_THEME)}
    assert theme == listed[theme.resource_uri]  # the server's own fields, not a guess

    await update_object(platform, CONFERENCE, room.resource_uri, {"ivr_theme": theme.resource_uri})
    folded = platform.cache.find(room.resource_uri)
    await platform.cache.refresh()
    assert platform.cache.find(room.resource_uri) is folded  # the listing agreed: nothing replaced

    # A new package for the theme: read back again (its timestamps and package change).
    again = await update_object(
        platform, IVR_THEME, theme.resource_uri, {"name": "rm"}, file=("t.zip", theme_zip())
    )
    assert again == {t.resource_uri: t for t in await client.list(IVR_THEME)}[theme.resource_uri]

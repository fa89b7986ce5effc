"""Read what a platform holds: one list per Pexip type the operator writes, and nothing else.

Only GETs, so `vdx plan` can be pointed at production without risk (a test holds it to that).
"""

from __future__ import annotations

from vdx.gitops.planning import Observed
from vdx.pexip.client import PexipClient
from vdx.pexip.resources import (
    CONFERENCE,
    IVR_THEME,
    SYSTEM_LOCATION,
    TLS_CERTIFICATE,
    TURN_SERVER,
    WEBAPP_ALIAS,
    WEBAPP_BRANDING,
)


async def read_observed(client: PexipClient) -> Observed:
    return Observed(
        turn_servers=await client.list(TURN_SERVER),
        tls_certificates=await client.list(TLS_CERTIFICATE),
        system_locations=await client.list(SYSTEM_LOCATION),
        conferences=await client.list(CONFERENCE),
        webapp_brandings=await client.list(WEBAPP_BRANDING),
        webapp_aliases=await client.list(WEBAPP_ALIAS),
        ivr_themes=await client.list(IVR_THEME),
        version=await client.version(),
    )

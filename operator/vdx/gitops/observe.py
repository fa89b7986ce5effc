"""Read what a platform holds: one list per Pexip type the operator writes or reads, and nothing else.

Only GETs, so `vdx plan` can be pointed at production without risk (a test holds it to that).
Conferences embed their aliases and recording participants, so those two types are never listed.
"""

from __future__ import annotations

from vdx.gitops.planning import Observed
from vdx.pexip.client import PexipClient
from vdx.pexip.resources import (
    CONFERENCE,
    DEVICE,
    EXCHANGE_DOMAIN,
    GLOBAL,
    IDENTITY_PROVIDER,
    IDENTITY_PROVIDER_ATTRIBUTE,
    IDENTITY_PROVIDER_GROUP,
    IVR_THEME,
    MJX_ENDPOINT,
    MJX_ENDPOINT_GROUP,
    MJX_EXCHANGE_AUTODISCOVER_URL,
    MJX_EXCHANGE_DEPLOYMENT,
    MJX_GOOGLE_DEPLOYMENT,
    MJX_GRAPH_DEPLOYMENT,
    MJX_INTEGRATION,
    MJX_MEETING_PROCESSING_RULE,
    MS_EXCHANGE_CONNECTOR,
    SYSTEM_LOCATION,
    TLS_CERTIFICATE,
    TURN_SERVER,
    WEBAPP_ALIAS,
    WEBAPP_BRANDING,
)


async def read_observed(client: PexipClient) -> Observed:
    settings = await client.list(GLOBAL)
    return Observed(
        turn_servers=await client.list(TURN_SERVER),
        tls_certificates=await client.list(TLS_CERTIFICATE),
        system_locations=await client.list(SYSTEM_LOCATION),
        conferences=await client.list(CONFERENCE),
        webapp_brandings=await client.list(WEBAPP_BRANDING),
        webapp_aliases=await client.list(WEBAPP_ALIAS),
        ivr_themes=await client.list(IVR_THEME),
        devices=await client.list(DEVICE),
        identity_providers=await client.list(IDENTITY_PROVIDER),
        identity_provider_groups=await client.list(IDENTITY_PROVIDER_GROUP),
        identity_provider_attributes=await client.list(IDENTITY_PROVIDER_ATTRIBUTE),
        exchange_connectors=await client.list(MS_EXCHANGE_CONNECTOR),
        exchange_domains=await client.list(EXCHANGE_DOMAIN),
        mjx_deployments={
            MJX_GRAPH_DEPLOYMENT.name: list(await client.list(MJX_GRAPH_DEPLOYMENT)),
            MJX_EXCHANGE_DEPLOYMENT.name: list(await client.list(MJX_EXCHANGE_DEPLOYMENT)),
            MJX_GOOGLE_DEPLOYMENT.name: list(await client.list(MJX_GOOGLE_DEPLOYMENT)),
        },
        mjx_autodiscover_urls=await client.list(MJX_EXCHANGE_AUTODISCOVER_URL),
        mjx_integrations=await client.list(MJX_INTEGRATION),
        mjx_endpoint_groups=await client.list(MJX_ENDPOINT_GROUP),
        mjx_endpoints=await client.list(MJX_ENDPOINT),
        mjx_rules=await client.list(MJX_MEETING_PROCESSING_RULE),
        global_settings=settings[0] if settings else None,
        version=await client.version(),
    )

"""Finding what a namespaced resource depends on: its Tenant, its platform, its Secrets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vdx.api.tenant import Tenant
from vdx.controller.conditions import Phase
from vdx.controller.reconcilers.base import Stop

if TYPE_CHECKING:
    from vdx.controller.platforms import PlatformRuntime
    from vdx.controller.runtime import Runtime

ADOPT_ANNOTATION = "vdx.medcom.dk/adopt"


async def tenant_of_namespace(rt: Runtime, namespace: str) -> Tenant:
    tenant = await rt.tenant_for_namespace(namespace)
    if tenant is None:
        raise Stop(
            Phase.STALLED,
            "NoTenant",
            f"namespace {namespace} belongs to no Tenant; create a Tenant with spec.namespace: {namespace}",
        )
    return tenant


def connected_platform(rt: Runtime, tenant: Tenant) -> PlatformRuntime:
    name = tenant.spec.platform_ref.name
    platform = rt.platforms.get(name)
    if platform is None:
        raise Stop(
            Phase.FAILED,
            "PlatformNotReady",
            f"PexipPlatform {name} (of Tenant {tenant.name}) is not connected yet; see its status",
        )
    if platform.breaker.is_open:
        raise Stop(
            Phase.FAILED,
            "PexipUnavailable",
            f"platform {name} failed repeatedly; calls paused for {platform.breaker.remaining():.0f} s",
        )
    return platform


async def secret(
    rt: Runtime, body: dict[str, Any], namespace: str, name: str, purpose: str
) -> tuple[dict[str, str], str]:
    """The Secret's data and resourceVersion, remembering that this object depends on it."""
    rt.watch_secret(namespace, name, body)
    found = await rt.kube.secret_data(namespace, name)
    if found is None:
        raise Stop(
            Phase.STALLED,
            "SecretNotFound",
            f"Secret {namespace}/{name} ({purpose}) does not exist; create it in namespace {namespace}",
        )
    return found


def recorded_uris(body: dict[str, Any], resource: str) -> list[str]:
    objects = (body.get("status") or {}).get("pexipObjects") or []
    return [o["resourceUri"] for o in objects if o.get("resource") == resource and o.get("resourceUri")]


def adopt_uri(body: dict[str, Any]) -> str | None:
    value = ((body.get("metadata") or {}).get("annotations") or {}).get(ADOPT_ANNOTATION)
    return str(value) if value else None


def spec_changed(body: dict[str, Any]) -> bool:
    """True when the spec moved since the last reconcile: writes then are updates, not drift."""
    generation = (body.get("metadata") or {}).get("generation")
    observed = (body.get("status") or {}).get("observedGeneration")
    return generation != observed

"""Finding what a namespaced resource depends on: its Tenant, its platform, its Secrets."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from vdx.api.common import FileSource
from vdx.api.names import ADOPT_ANNOTATION
from vdx.api.tenant import Tenant
from vdx.controller.conditions import Phase
from vdx.controller.planners.common import (
    Dependency,
    DependencyState,
    Plan,
    key_missing_refusal,
    object_missing_refusal,
)
from vdx.controller.reasons import Reason
from vdx.controller.reconcilers.base import Stop
from vdx.controller.status import status_of

if TYPE_CHECKING:
    from vdx.controller.context import Context
    from vdx.controller.platforms import PlatformRuntime


async def tenant_of_namespace(rt: Context, namespace: str) -> Tenant:
    tenant = await rt.tenant_for_namespace(namespace)
    if tenant is None:
        raise Stop(
            Phase.STALLED,
            Reason.NO_TENANT,
            f"namespace {namespace} belongs to no Tenant; create a Tenant with spec.namespace: {namespace}",
        )
    return tenant


def declared_locations(rt: Context, platform: str) -> frozenset[str]:
    """The system locations the platform declares (spec.systemLocations), from the watched body: a
    user of one that Pexip lacks waits for the platform to create it instead of being refused."""
    body = rt.known.get(("PexipPlatform", None, platform)) or {}
    declared = (body.get("spec") or {}).get("systemLocations") or []
    return frozenset(str(loc.get("name")) for loc in declared if isinstance(loc, dict) and loc.get("name"))


def connected_platform(rt: Context, tenant: Tenant) -> PlatformRuntime:
    name = tenant.spec.platform_ref.name
    platform = rt.platforms.get(name)
    known = rt.known.get(("PexipPlatform", None, name))
    if (platform is None or platform.version is None) and (
        known is not None and status_of(known).get("reachable") is False
    ):
        # Its management node did not answer the platform's probe (an outage): for a person to see.
        raise Stop(
            Phase.FAILED,
            Reason.PEXIP_UNAVAILABLE,
            f"PexipPlatform {name} (of Tenant {tenant.name}) cannot reach its management node; "
            "see its status",
        )
    if platform is None:
        # A wait, not a failure: the platform wakes its members when it connects.
        raise Stop(
            Phase.PROGRESSING,
            Reason.PLATFORM_NOT_READY,
            f"PexipPlatform {name} (of Tenant {tenant.name}) is not connected yet; see its status",
        )
    if platform.breaker.is_open:
        raise Stop(
            Phase.FAILED,
            Reason.PEXIP_UNAVAILABLE,
            f"platform {name} failed repeatedly; calls paused for {platform.breaker.remaining():.0f} s",
        )
    return platform


async def secret(
    rt: Context, body: dict[str, Any], namespace: str, name: str, purpose: str
) -> tuple[dict[str, str], str]:
    """The Secret's data and resourceVersion, remembering that this object depends on it."""
    rt.watch_secret(namespace, name, body)
    found = await rt.kube.secret_data(namespace, name)
    if found is None:
        raise Stop(
            Phase.STALLED,
            Reason.SECRET_NOT_FOUND,
            f"Secret {namespace}/{name} ({purpose}) does not exist; create it in namespace {namespace}",
        )
    return found


async def secret_if_any(
    rt: Context, body: dict[str, Any], namespace: str, name: str
) -> tuple[dict[str, str], str] | None:
    """The Secret's data and resourceVersion, or None; watched either way, so its creation wakes us."""
    rt.watch_secret(namespace, name, body)
    return await rt.kube.secret_data(namespace, name)


def recorded_uris(body: dict[str, Any], resource: str) -> list[str]:
    return status_of(body).recorded(resource)


def adopt_uri(body: dict[str, Any]) -> str | None:
    value = ((body.get("metadata") or {}).get("annotations") or {}).get(ADOPT_ANNOTATION)
    return str(value) if value else None


def was_in_line(body: dict[str, Any]) -> bool:
    """True when the last reconcile of this very spec ended Ready: Pexip was as wanted, so a write
    now corrects drift (someone changed Pexip by hand). The first convergence of a spec (creates,
    and the writes made once a dependency it waited for became Ready) is configuration, not drift."""
    return not spec_changed(body) and status_of(body).ready


def spec_changed(body: dict[str, Any]) -> bool:
    """True when the spec moved since the last reconcile: writes then are updates, not drift."""
    generation = (body.get("metadata") or {}).get("generation")
    observed = status_of(body).observed_generation
    return generation != observed


async def file_text(
    rt: Context, body: dict[str, Any], namespace: str, source: FileSource, purpose: str
) -> tuple[str, str] | Plan:
    """(text, resourceVersion) of a ConfigMap or Secret key named by a FileSource, or the refusal
    when it cannot be read; watched for changes either way."""
    selector = source.config_map_key_ref or source.secret_key_ref
    kind = "ConfigMap" if source.config_map_key_ref else "Secret"
    assert selector is not None
    rt.watch_object(kind, namespace, selector.name, body)
    found = await rt.kube.raw(kind, namespace, selector.name)
    if found is None:
        return object_missing_refusal(kind, namespace, selector.name, purpose)
    version = str((found.get("metadata") or {}).get("resourceVersion"))
    if kind == "ConfigMap" and selector.key in (found.get("data") or {}):
        return str(found["data"][selector.key]), version
    encoded = (found.get("binaryData") if kind == "ConfigMap" else found.get("data")) or {}
    if selector.key not in encoded:
        return key_missing_refusal(kind, namespace, selector.name, selector.key, purpose)
    return base64.b64decode(encoded[selector.key]).decode("utf-8", errors="replace"), version


async def namespaced_resource(rt: Context, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
    """A vdx resource in a namespace: what the watch delivered, else a read from the API server."""
    known = rt.known.get((kind, namespace, name))
    if known is not None:
        return known
    from vdx.api.kinds import KINDS_BY_NAME

    return await rt.kube.get(KINDS_BY_NAME[kind].crd.plural, name, namespace)


def is_ready(body: dict[str, Any]) -> bool:
    return status_of(body).ready


async def identity_provider(rt: Context, namespace: str, name: str) -> Dependency:
    """An IdentityProvider a room or device signs in with; its `uri` is the Pexip group's."""
    body = await namespaced_resource(rt, "IdentityProvider", namespace, name)
    if body is None:
        return Dependency("IdentityProvider", namespace, name, DependencyState.MISSING)
    if (body.get("metadata") or {}).get("deletionTimestamp"):
        # Its finalizer waits for its users: they say so and name the reference to remove, rather
        # than wait for it to be Ready again.
        return Dependency("IdentityProvider", namespace, name, DependencyState.DELETING)
    group = status_of(body).get("group")
    if not group or not is_ready(body):
        return Dependency("IdentityProvider", namespace, name, DependencyState.WAITING)
    return Dependency("IdentityProvider", namespace, name, DependencyState.READY, str(group))

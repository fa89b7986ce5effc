"""PexipPlatform: connect, verify TLS, read the version, own the client, cache and resync loop."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from vdx.api.platform import PexipPlatform
from vdx.controller.cache import PexipCache
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.plan import resolve
from vdx.controller.planners import locations as planner
from vdx.controller.planners.locations import LocationDecision, LocationInputs, decide
from vdx.controller.platforms import CredentialsProblem, PlatformRuntime, build_client, fingerprint
from vdx.controller.reasons import Reason
from vdx.controller.reconcilers import lookups
from vdx.controller.reconcilers.base import (
    Event,
    Reconciled,
    Stop,
    apply_change,
    change_event,
    parse,
    pexip_failure,
)
from vdx.controller.registration import Registration
from vdx.controller.status import status_of
from vdx.pexip.client import one_attempt
from vdx.pexip.errors import PexipError
from vdx.pexip.resources import MANAGEMENT_VM, SYSTEM_LOCATION
from vdx.policies.platform_secrets import credentials_namespace_problem, fix_for

if TYPE_CHECKING:
    from vdx.controller.context import Context


async def _ca_bundle(
    rt: Context, platform: PexipPlatform, body: dict[str, Any]
) -> tuple[str | None, str | None]:
    ref = platform.spec.ca_bundle_ref
    if ref is None:
        return None, None
    if ref.kind == "Secret":
        data, version = await lookups.secret(rt, body, ref.namespace, ref.name, "CA bundle")
        pem = data.get(ref.key)
    else:
        found = await rt.kube.config_map(ref.namespace, ref.name)
        if found is None:
            raise Stop(
                Phase.STALLED,
                Reason.CA_BUNDLE_NOT_FOUND,
                f"ConfigMap {ref.namespace}/{ref.name} (spec.caBundleRef) does not exist; create it",
            )
        pem = found[0].get(ref.key)
        version = hashlib.sha256((pem or "").encode()).hexdigest()
    if not pem:
        raise Stop(
            Phase.STALLED,
            Reason.CA_BUNDLE_INCOMPLETE,
            f"{ref.kind} {ref.namespace}/{ref.name} has no key {ref.key}",
        )
    return pem, version


async def reconcile(rt: Context, body: dict[str, Any]) -> Reconciled:
    platform = parse(PexipPlatform, body)
    ref = platform.spec.credentials.secret_ref
    # Issue 22: the rule shared with vdx check and admission (vdx.policies.platform_secrets).
    tenant_namespaces = {t.spec.namespace for t in rt.tenants.values()}
    problem = credentials_namespace_problem(ref.namespace, rt.settings.platform_namespaces, tenant_namespaces)
    if problem:
        raise Stop(
            Phase.STALLED,
            Reason.CREDENTIALS_NAMESPACE_REFUSED,
            f"{problem}; {fix_for(rt.settings.platform_namespaces)}",
        )
    credentials, secret_version = await lookups.secret(rt, body, ref.namespace, ref.name, "Pexip credentials")
    ca_pem, ca_version = await _ca_bundle(rt, platform, body)
    wanted = fingerprint(platform, secret_version, ca_version)
    runtime = rt.platforms.get(platform.name)
    events: list[Event] = []
    if runtime is None or runtime.fingerprint != wanted:
        try:
            client = build_client(platform, credentials, ca_pem, **rt.settings.client_options)
        except CredentialsProblem as problem:
            raise Stop(
                Phase.STALLED, Reason.CREDENTIALS_INCOMPLETE, f"Secret {ref.namespace}/{ref.name}: {problem}"
            ) from None
        if runtime is not None:
            await rt.drop_platform(platform.name)
        resync = rt.settings.resync_seconds or float(platform.spec.resync_interval_seconds)
        runtime = PlatformRuntime(
            platform.name, wanted, client, PexipCache(client), rt.metrics, resync_seconds=resync
        )
        rt.add_platform(runtime)
        events.append(Event("Normal", Reason.CONNECTING, f"client for {platform.spec.url} (re)built"))
    try:
        with one_attempt():  # an outage shows in the status at once; the retry is the next probe
            version = await runtime.client.version()
    except PexipError as exc:
        runtime.breaker.failure()
        rt.metrics.platform_up.labels(platform.name).set(0)
        return Reconciled(
            pexip_failure(exc), status={"reachable": False}, events=events, platform=platform.name
        )
    runtime.breaker.success()
    rt.metrics.platform_up.labels(platform.name).set(1)
    if runtime.version is None:
        rt.spawn(runtime.warm_up())
    was_reachable = status_of(body).get("reachable")
    runtime.version = version
    status: dict[str, Any] = {"version": version, "reachable": True}
    outcome = Outcome(Phase.READY, Reason.CONNECTED, f"Pexip Infinity {version} at {platform.spec.url}")
    created = False
    if not platform.spec.system_locations:
        status["systemLocations"] = []
    else:
        # Before the members are woken: their Domains bind TURN servers in these locations.
        try:
            decision, written = await _system_locations(runtime, platform, lookups.was_in_line(body))
        except PexipError as exc:
            refused = pexip_failure(exc, planner.SPEC_FIELDS)
            return Reconciled(refused, status=status, events=events, platform=platform.name)
        events.extend(written)
        created = any(e.reason == Reason.CREATED_EXTERNAL_RESOURCE for e in written)
        for _ in (e for e in written if e.reason == Reason.DRIFT_CORRECTED):
            rt.metrics.drift_corrections.labels("PexipPlatform", platform.name, SYSTEM_LOCATION.name).inc()
        status["systemLocations"] = [
            {"resource": SYSTEM_LOCATION.name, "resourceUri": uri, "name": name}
            for name, uri in decision.uris.items()
        ]
        if decision.plan.blocked or decision.plan.changes:
            outcome = decision.plan.outcome
            if decision.plan.field_path:
                outcome = replace(outcome, message=f"{decision.plan.field_path}: {outcome.message}")
    if was_reachable is not True:
        status["lastContactTime"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        rt.wake_platform_members(platform.name)
    elif created:
        # Domains and One-Touch Join waiting for a new location follow at once.
        rt.wake_platform_members(platform.name)
    return Reconciled(outcome, status=status, events=events, platform=platform.name)


async def _system_locations(
    runtime: PlatformRuntime, platform: PexipPlatform, drift: bool
) -> tuple[LocationDecision, list[Event]]:
    """Make the node's locations what spec.systemLocations declares (`planners.locations`); a
    second decision confirms, and what is left (Pexip changed them meanwhile) waits for the next."""
    inputs = LocationInputs(platform.name, tuple(platform.spec.system_locations))
    events: list[Event] = []
    for _ in range(2):
        decision = decide(inputs, await runtime.cache.objects(SYSTEM_LOCATION))
        if decision.plan.blocked or not decision.plan.changes:
            return decision, events
        known: dict[str, str] = {}
        for index, original in enumerate(decision.plan.changes):
            change = replace(
                original,
                uri=resolve(original.uri, known) if original.uri else None,
                fields=resolve(dict(original.fields), known),
            )
            # Domains rewrite these objects' client_turn_servers: one writer at a time.
            async with runtime.cache.write_lock(SYSTEM_LOCATION, change.label):
                obj = await apply_change(runtime, change)
            if index in decision.provides:
                known[decision.provides[index]] = obj.resource_uri
            events.append(change_event(change, platform.name, drift and change.action == "update"))
    return decision, events


async def finalize(rt: Context, body: dict[str, Any]) -> None:
    """Wait for the platform's tenants to go first: their resources need the platform to clean up."""
    name = str(body["metadata"]["name"])
    users = [
        t["metadata"]["name"]
        for t in await rt.kube.list("tenants")
        if ((t.get("spec") or {}).get("platformRef") or {}).get("name") == name
    ]
    if users:
        if name not in rt.platforms:
            # Deleted before this process connected it (a restart, a sweep's resource): its tenants'
            # resources release their Pexip objects through it, so it must connect, or their
            # finalizers and this one would wait for each other for ever.
            await reconcile(rt, body)
        raise Stop(
            Phase.FAILED, Reason.IN_USE, f"waiting for Tenants {', '.join(sorted(users))} to be deleted first"
        )
    await rt.drop_platform(name)


REGISTRATION = Registration(
    PexipPlatform,
    reconcile,
    finalize,
    writes=(SYSTEM_LOCATION,),
    reads=(MANAGEMENT_VM,),
    reads_objects=("Secret", "ConfigMap"),
    offline="vdx.gitops.phases.platform",
    spec_fields=planner.SPEC_FIELDS,
)

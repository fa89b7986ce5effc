"""The state one operator instance keeps, and the generic reconcile driver every kind goes through.

Reconciles are level-triggered: whatever woke them (a Kubernetes change, a Secret change, a resync of
the Pexip cache, a retry), they read the resource and the cached Pexip state, plan, apply and write
status. One lock per object keeps two triggers from reconciling the same object at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import functools
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError as KubeConnectionError

from vdx import logsetup
from vdx.api.tenant import Tenant
from vdx.controller import rollup
from vdx.controller.conditions import Outcome, Phase, conditions_for
from vdx.controller.known import KnownBodies
from vdx.controller.kube import Kube
from vdx.controller.memory import release_free_memory
from vdx.controller.metrics import OperatorMetrics
from vdx.controller.platforms import PlatformRuntime
from vdx.controller.reasons import Reason
from vdx.controller.reconcilers.base import Reconciled, Stop, carried, pexip_failure
from vdx.controller.registration import Key, Registration
from vdx.controller.registry import BY_KIND, ORDER, PLURALS, USED_BY
from vdx.controller.settings import RuntimeSettings as RuntimeSettings
from vdx.controller.status import status_of
from vdx.controller.sweep import Sweeper, generation_of, with_finalizer
from vdx.pexip.errors import PexipError
from vdx.policies import claims

logger = logging.getLogger("vdx.operator")

T = TypeVar("T")


SWEEP_SECONDS = 300.0
# How soon a resource that waits (for its platform, a dependency, its own writes to settle) is
# looked at again; a dependency becoming Ready wakes it sooner.
PROGRESSING_RECHECK_SECONDS = 5.0
# At start, the longest a reconcile waits for kopf to deliver the resources that already existed
# (`Runtime.note_existing`); kopf delivers them within a second or two.
STARTUP_DELIVERY_SECONDS = 15.0
ROLLUP_DELAY_SECONDS = 1.0


# Metadata the reconcilers never read: the API server's record of who wrote which field, and kopf's
# own progress and diff-base annotations (its last-handled-configuration repeats the whole spec).
UNREAD_ANNOTATION_PREFIX = "kopf.vdx.medcom.dk/"


def slim(body: dict[str, Any]) -> dict[str, Any]:
    """The body as the runtime keeps it (`Runtime.known`, one per resource for as long as it exists):
    without `managedFields` and kopf's annotations, which nothing here reads. Returns `body` itself
    when there is nothing to drop."""
    meta = body.get("metadata")
    if not isinstance(meta, dict):
        return body
    annotations = meta.get("annotations") or {}
    unread = [k for k in annotations if k.startswith(UNREAD_ANNOTATION_PREFIX)]
    if "managedFields" not in meta and not unread:
        return body
    kept = {k: v for k, v in meta.items() if k != "managedFields"}
    if unread:
        kept["annotations"] = {k: v for k, v in annotations.items() if k not in unread}
    return {**body, "metadata": kept}


def _generation(body: dict[str, Any]) -> Any:
    return (body.get("metadata") or {}).get("generation")


def key_of(body: dict[str, Any]) -> Key:
    meta = body["metadata"]
    return (str(body["kind"]), meta.get("namespace"), str(meta["name"]))


class Runtime:
    def __init__(self, kube: Kube, settings: RuntimeSettings | None = None) -> None:
        self.kube = kube
        self.settings = settings or RuntimeSettings()
        self.metrics = OperatorMetrics()
        self.platforms: dict[str, PlatformRuntime] = {}
        self.tenants: dict[str, Tenant] = {}
        self.known: KnownBodies = KnownBodies()
        self._locks: dict[Key, asyncio.Lock] = {}
        # UIDs whose finalizer has run: a reconcile still queued for one (a retry, a resync, a wake)
        # must not write to Pexip again, or it re-creates what the finalizer just deleted.
        self._finalized: set[str] = set()
        # Resources deleted before our finalizer was on them, being undone now (`_undo_for_vanished`).
        self._vanishing: set[Key] = set()
        self._failures: dict[Key, int] = {}
        # (kind, namespace, name) of a Secret or ConfigMap -> the resources that read it.
        self._object_users: dict[tuple[str, str, str], set[Key]] = {}
        # What a kind keeps between reconciles (its module says what): see `kind_state`.
        self._kind_state: dict[str, Any] = {}
        self._resync_tasks: dict[str, asyncio.Task[None]] = {}
        self._sweeper = Sweeper()
        self._sweep_task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._claims: tuple[float, claims.Owners] | None = None
        self._claims_lock = asyncio.Lock()
        self._rng = random.Random()  # noqa: S311 - jitter, not cryptography
        # Objects with a recheck scheduled (`requeue`): one pending recheck each.
        self._requeued: set[Key] = set()
        # Objects woken (`_wake`) whose reconcile has not started yet: one queued wake each.
        self._waking: dict[Key, object] = {}
        # Namespaces whose Tenant roll-up is to be refreshed (`_rollup_soon`).
        self._rollups: set[str] = set()
        # The resources that existed when this process started leading and that kopf has not
        # delivered yet (`note_existing`); set when all were, or when the wait is over.
        self._undelivered: set[Key] = set()
        self._all_delivered = asyncio.Event()
        self._all_delivered.set()
        self._delivery_deadline = 0.0
        self.reconcile_count = 0

    # ------------------------------------------------------------------ lookups used by reconcilers
    async def tenant_for_namespace(self, namespace: str) -> Tenant | None:
        for known in self.tenants.values():
            if known.spec.namespace == namespace:
                return known
        for body in await self.kube.list("tenants"):
            if (body.get("spec") or {}).get("namespace") == namespace:
                found = Tenant.model_validate(body)
                self.tenants[found.name] = found
                return found
        return None

    async def domain_owner(self, platform_name: str, fqdn: str) -> str | None:
        """The tenant that owns `fqdn` on a platform (vdx.policies.claims.domain_owner)."""
        if self._claims is None or time.monotonic() - self._claims[0] > 2.0:
            # One listing for every reconcile that finds the claims stale, not one each: with many
            # Kubernetes calls in flight, a resync at national scale had dozens of copies of every
            # Tenant in memory at once (150 MiB for a few seconds).
            async with self._claims_lock:
                if self._claims is None or time.monotonic() - self._claims[0] > 2.0:
                    tenants = await self.kube.list("tenants")
                    self._claims = (time.monotonic(), claims.Owners(claims.claims_from_bodies(tenants)))
        assert self._claims is not None
        # Issue 22: the rule shared with vdx check and admission (oldest claim; a subdomain of another
        # tenant's domain only by its delegation).
        return self._claims[1].owner(platform_name, fqdn)

    def watch_object(self, kind: str, namespace: str, name: str, body: dict[str, Any]) -> None:
        """Remember that a resource reads a Secret or ConfigMap, so a change to it wakes the resource."""
        self._object_users.setdefault((kind, namespace, name), set()).add(key_of(body))

    def watch_secret(self, namespace: str, name: str, body: dict[str, Any]) -> None:
        self.watch_object("Secret", namespace, name, body)

    def kind_state(self, name: str, factory: Callable[[], T]) -> T:
        """The state a kind keeps in this process (TURN users, upload notes, renderings), made on
        first use: the driver holds it without knowing what it is."""
        state = self._kind_state.get(name)
        if state is None:
            state = self._kind_state[name] = factory()
        return state

    def wake_tenant(self, namespace: str) -> None:
        for key, body in list(self.known.items()):
            if key[0] == "Tenant" and (body.get("spec") or {}).get("namespace") == namespace:
                self.spawn(self.reconcile("Tenant", body, from_resync=True))

    def wake_users(
        self,
        namespace: str,
        kinds: tuple[str, ...] = ("MeetingRoom", "Device"),
        *,
        only_unready: bool = True,
    ) -> None:
        """Reconcile the rooms and devices of a namespace soon: something they depend on changed."""
        for key, body in list(self.known.items()):
            if key[0] in kinds and key[1] == namespace:
                ready = status_of(body).ready
                if not (only_unready and ready):
                    self.spawn(self.reconcile(key[0], body, from_resync=True))

    # ------------------------------------------------------------------ platforms
    def add_platform(self, runtime: PlatformRuntime) -> None:
        self.platforms[runtime.name] = runtime
        self._resync_tasks[runtime.name] = asyncio.create_task(self._resync_loop(runtime.name))

    async def drop_platform(self, name: str) -> None:
        task = self._resync_tasks.pop(name, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        runtime = self.platforms.pop(name, None)
        if runtime is not None:
            await runtime.close()

    def platform_of(self, key: Key, body: dict[str, Any]) -> str | None:
        kind, namespace, name = key
        if kind == "PexipPlatform":
            return name
        if kind == "Tenant":
            return str(((body.get("spec") or {}).get("platformRef") or {}).get("name"))
        for known in self.tenants.values():
            if known.spec.namespace == namespace:
                return known.spec.platform_ref.name
        return None

    def wake_platform_members(self, name: str) -> None:
        """Reconcile everything on a platform soon (it just became reachable)."""
        self.spawn(self.reconcile_platform_members(name))

    async def reconcile_platform_members(self, name: str) -> None:
        members = [
            (k, b)
            for k, b in self.known.items()
            if k[0] != "PexipPlatform" and self.platform_of(k, b) == name
        ]
        members.sort(key=lambda kb: ORDER.index(kb[0][0]))
        gate = asyncio.Semaphore(self.settings.resync_concurrency)

        async def one(kind: str, body: dict[str, Any]) -> None:
            async with gate:
                await self.reconcile(kind, body, from_resync=True)

        for kind in ORDER[1:]:
            await asyncio.gather(*(one(k[0], b) for k, b in members if k[0] == kind))

    async def _resync_loop(self, name: str) -> None:
        while True:
            runtime = self.platforms.get(name)
            if runtime is None:
                return
            await asyncio.sleep(runtime.resync_seconds * self._rng.uniform(0.9, 1.1))
            if runtime.breaker.is_open or runtime.defer_resync():
                continue
            try:
                await runtime.cache.refresh()
                runtime.breaker.success()
            except PexipError as exc:
                runtime.breaker.failure()
                logger.warning("resync of platform %s failed: %s", name, exc.message)
                continue
            platform = self.known.get(("PexipPlatform", None, name))
            if platform is not None and (platform.get("spec") or {}).get("systemLocations"):
                # Its declared system locations drift like any object (on its own task: a
                # reconcile that rebuilds the client replaces this loop).
                self.spawn(self.reconcile("PexipPlatform", platform, from_resync=True))
            await self.reconcile_platform_members(name)
            self.export_managed_objects()
            release_free_memory()

    # ------------------------------------------------------------------ the sweep
    @property
    def sweep_seconds(self) -> float:
        return self.settings.sweep_seconds or self.settings.resync_seconds or SWEEP_SECONDS

    async def note_existing(self, namespaces: tuple[str, ...]) -> None:
        """List what exists before kopf starts, so that a reconcile can wait until kopf has
        delivered the resources it reads (the informers' "wait for cache sync").

        Without this, a restart or a tree applied before the operator started let a MeetingRoom
        be reconciled before kopf had delivered its namespace's CviBranding: with no branding in
        sight its conference was created without the IVR theme and corrected a moment later, a
        second write that also read as drift. A listing that fails leaves nothing to wait for
        (the behaviour before); kopf's delivery is waited for at most `STARTUP_DELIVERY_SECONDS`.
        """
        try:
            existing = [key_of(body) for _kind, body in await self._list_all(namespaces)]
        except (ApiException, KubeConnectionError) as exc:
            logger.warning("the resources at start could not be listed: %s", _kube_error(exc))
            return
        self._undelivered = {key for key in existing if key not in self.known}
        if self._undelivered:
            self._delivery_deadline = time.monotonic() + STARTUP_DELIVERY_SECONDS
            self._all_delivered.clear()

    def _delivered(self, key: Key) -> None:
        if self._undelivered:
            self._undelivered.discard(key)
            if not self._undelivered:
                self._all_delivered.set()

    async def _wait_for_delivery(self, kind: str) -> None:
        """A kind that reads others' state waits until the resources that existed at start are
        all delivered (each is kept the moment kopf hands it over, before any wait: no cycle)."""
        if self._all_delivered.is_set() or not BY_KIND[kind].depends_on:
            return
        left = self._delivery_deadline - time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._all_delivered.wait(), timeout=max(0.0, left))
        if not self._all_delivered.is_set():
            logger.info(
                "%d resources that existed at start were not delivered within %.0f s; going on without them",
                len(self._undelivered),
                STARTUP_DELIVERY_SECONDS,
            )
            self._undelivered.clear()
            self._all_delivered.set()

    async def _list_all(self, namespaces: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
        """Every vdx resource, kind by kind in dependency order (in `namespaces` only, if given)."""
        listed: list[tuple[str, dict[str, Any]]] = []
        for kind in ORDER:
            plural = PLURALS[kind]
            if not BY_KIND[kind].namespaced or not namespaces:
                items = await self.kube.list(plural)
            else:
                items = [item for ns in namespaces for item in await self.kube.list_namespaced(plural, ns)]
            for item in items:
                item.setdefault("kind", kind)
                listed.append((kind, item))
        return listed

    def start_sweep(self, namespaces: tuple[str, ...]) -> None:
        self._sweep_task = asyncio.create_task(self.sweep_loop(namespaces))

    async def sweep_loop(self, namespaces: tuple[str, ...]) -> None:
        """List every kind now and then, and reconcile what the watch never delivered."""
        while True:
            await asyncio.sleep(self.sweep_seconds * self._rng.uniform(0.9, 1.1))
            try:
                await self.sweep(namespaces)
            except (ApiException, KubeConnectionError) as exc:
                logger.warning("periodic list of resources failed: %s", _kube_error(exc))

    async def sweep(self, namespaces: tuple[str, ...]) -> int:
        """One pass of controller.sweep; returns how many resources it reconciled."""
        listed = await self._list_all(namespaces)
        delivered = {key: generation_of(body) for key, body in self.known.items()}
        due = self._sweeper.due(listed, delivered)
        for kind, body in due:
            meta = body["metadata"]
            namespace, name = meta.get("namespace"), str(meta["name"])
            logger.warning(
                "%s %s/%s: generation %s was never reconciled (the watch did not deliver it); "
                "reconciling it from the periodic list",
                kind,
                namespace or "",
                name,
                meta.get("generation"),
            )
            self.metrics.watch_missed.labels(kind).inc()
            finalizers = with_finalizer(body)
            if finalizers is not None:
                written = await self.kube.set_finalizers(
                    PLURALS[kind], name, namespace, finalizers, str(meta.get("resourceVersion"))
                )
                if not written:
                    continue  # changed or gone meanwhile: the next sweep looks again
                meta["finalizers"] = finalizers
            await self.reconcile(kind, body)
        return len(due)

    def export_managed_objects(self) -> None:
        """The objects-managed gauge, from what each resource records in its status."""
        counts = dict.fromkeys(PLURALS, 0)
        for (kind, _, _), body in self.known.items():
            counts[kind] += len(status_of(body).pexip_objects)
        for kind, count in counts.items():
            self.metrics.managed_objects.labels(kind).set(count)

    # ------------------------------------------------------------------ the driver
    def spawn(self, coroutine: Awaitable[Any]) -> None:
        self._spawn_task(coroutine)

    def _spawn_task(self, coroutine: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def requeue(self, kind: str, key: Key, delay: float) -> None:
        """Reconcile `key` again after `delay`, and again while it is still waiting or failing.

        The operator's own retry, not kopf's: kopf logs every retry it schedules as an ERROR
        ("failed temporarily"), so a healthy start, where resources wait for their platform and
        dependencies, read like an outage. A wait is rechecked every few seconds; a failure backs
        off (`retry_delay`) and says so once per reason, as a Warning event and log line.
        """
        if key in self._requeued:
            return
        self._requeued.add(key)

        async def later() -> None:
            await asyncio.sleep(delay)
            self._requeued.discard(key)
            body = self.known.get(key)
            if body is None:
                return  # deleted meanwhile
            outcome = await self.reconcile(kind, body, from_resync=True)
            self.follow_up(kind, key, outcome)

        self.spawn(later())

    def follow_up(self, kind: str, key: Key, outcome: Outcome) -> None:
        """What comes after a reconcile: a recheck while it waits, a backed-off retry after a failure."""
        if outcome.phase is Phase.PROGRESSING:
            self.requeue(kind, key, PROGRESSING_RECHECK_SECONDS)
        elif outcome.phase is Phase.FAILED:
            self.requeue(kind, key, self.retry_delay(key))

    def retry_delay(self, key: Key) -> float:
        failures = self._failures.get(key, 1)
        delay = min(self.settings.retry_max_seconds, self.settings.retry_base_seconds * 2 ** (failures - 1))
        return float(delay * self._rng.uniform(0.8, 1.2))

    async def reconcile(self, kind: str, body: dict[str, Any], *, from_resync: bool = False) -> Outcome:
        key = key_of(body)
        # Every line logged meanwhile (here, in the reconciler, in the Pexip client) names the resource.
        with logsetup.about(kind, key[1], key[2]):
            return await self._reconcile(kind, key, body, from_resync=from_resync)

    async def _reconcile(self, kind: str, key: Key, body: dict[str, Any], *, from_resync: bool) -> Outcome:
        if from_resync:
            body = self.known.get(key, body)
        else:
            before = self.known.get(key)
            body = self.known[key] = slim(body)
            self._delivered(key)
            if key[1] is not None and before is not None and _generation(before) != _generation(body):
                self._rollup_soon(key[1])  # an edit: in progress until reconciled
        await self._wait_for_delivery(kind)
        lock = self._locks.setdefault(key, asyncio.Lock())
        uid = str((body.get("metadata") or {}).get("uid") or "")
        async with lock:
            # A wake from now on needs a reconcile after this one: this one may have read too early.
            self._waking.pop(key, None)
            if uid and uid in self._finalized:
                return Outcome(Phase.READY, Reason.DELETED, "the resource was deleted; nothing to reconcile")
            started = time.monotonic()
            self.reconcile_count += 1
            result = await self._run(kind, body)
            try:
                await self._report(kind, key, body, result)
            except ApiException as exc:
                if exc.status != 404:
                    logger.warning(
                        "%s %s/%s: status not written: %s", kind, key[1] or "", key[2], _kube_error(exc)
                    )
                    result = Reconciled(
                        Outcome(Phase.FAILED, Reason.KUBERNETES_UNAVAILABLE, _kube_error(exc))
                    )
                else:
                    result = await self._undo_for_vanished(kind, key, body, result)
            except KubeConnectionError as exc:
                # The API server is restarting or unreachable: retry on our own backoff (kopf's
                # default is a minute, with a traceback), and say so in one line.
                logger.warning(
                    "%s %s/%s: status not written: %s", kind, key[1] or "", key[2], _kube_error(exc)
                )
                result = Reconciled(Outcome(Phase.FAILED, Reason.KUBERNETES_UNAVAILABLE, _kube_error(exc)))
            platform = result.platform or self.platform_of(key, body) or ""
            self.metrics.reconcile_seconds.labels(kind, platform).observe(time.monotonic() - started)
            self.metrics.reconciles.labels(kind, platform, result.outcome.phase.value.lower()).inc()
        if result.outcome.phase is Phase.FAILED:
            self._failures[key] = self._failures.get(key, 0) + 1
        else:
            self._failures.pop(key, None)
        if result.outcome.phase is Phase.READY:
            for dependent in BY_KIND[kind].wakes_when_ready:
                self._wake(dependent, key[1])
        for reader in result.wake if key[1] is not None else ():
            # Ready or not: what they read from this status changed.
            self._wake(reader, key[1], only_unready=False)
        return result.outcome

    async def _run(self, kind: str, body: dict[str, Any]) -> Reconciled:
        try:
            return await BY_KIND[kind].reconcile(self, body)
        except Stop as stop:
            return Reconciled(stop.outcome, extra_conditions=carried(stop))
        except PexipError as exc:
            name = self.platform_of(key_of(body), body)
            if name in self.platforms and (exc.status is None or exc.status >= 500 or exc.status == 429):
                self.platforms[name].breaker.failure()
            return Reconciled(pexip_failure(exc, BY_KIND[kind].spec_fields), extra_conditions=carried(exc))
        except (ApiException, KubeConnectionError) as exc:
            return Reconciled(Outcome(Phase.FAILED, Reason.KUBERNETES_UNAVAILABLE, _kube_error(exc)))

    async def _report(self, kind: str, key: Key, body: dict[str, Any], result: Reconciled) -> None:
        previous = dict(body.get("status") or {})
        generation = (body.get("metadata") or {}).get("generation")
        conditions = conditions_for(result.outcome, generation, previous.get("conditions"))
        conditions += result.extra_conditions
        if not result.extra_conditions and result.outcome.phase is not Phase.READY:
            # It stopped before working them out (a Kubernetes error, a missing Secret): the last
            # ones stay, with the generation they were worked out for, rather than vanish. Those
            # worked out before a stop travel with it (`reconcilers.base.carrying`).
            main = {c["type"] for c in conditions}
            conditions += [c for c in previous.get("conditions") or [] if c.get("type") not in main]
        for extra in result.extra_conditions:
            old = next((c for c in previous.get("conditions") or [] if c.get("type") == extra["type"]), None)
            extra["lastTransitionTime"] = (
                old["lastTransitionTime"]
                if old and old.get("status") == extra["status"]
                else conditions[0]["lastTransitionTime"]
            )
        status = {**previous, **result.status, "observedGeneration": generation, "conditions": conditions}
        if status != previous:
            if not await self.kube.patch_status(PLURALS[kind], key[2], key[1], status):
                raise ApiException(status=404, reason="the resource no longer exists")
            body["status"] = status
            if key in self.known:
                self.known[key]["status"] = status
        for event in result.events:
            await self.kube.event(body, type_=event.type, reason=event.reason, message=event.message)
        old_ready = next((c for c in previous.get("conditions") or [] if c.get("type") == "Ready"), None)
        changed = old_ready is None or old_ready.get("reason") != result.outcome.reason
        # A new generation reconciled counts in the roll-up even when its Ready reads as before.
        caught_up = old_ready is not None and old_ready.get("observedGeneration") != generation
        if key[1] is not None and (changed or caught_up):
            self._rollup_soon(key[1])
        if result.outcome.phase in (Phase.STALLED, Phase.FAILED) and changed:
            logger.warning(
                "%s %s/%s: %s: %s", kind, key[1] or "", key[2], result.outcome.reason, result.outcome.message
            )
            await self.kube.event(
                body, type_="Warning", reason=result.outcome.reason, message=result.outcome.message
            )

    def _rollup_soon(self, namespace: str) -> None:
        """Refresh the namespace's Tenant roll-up shortly: once for a burst of changes (a cold start
        changes every resource's readiness; the Tenant is written once a second at most)."""
        if namespace in self._rollups:
            return
        self._rollups.add(namespace)

        async def later() -> None:
            await asyncio.sleep(ROLLUP_DELAY_SECONDS)
            self._rollups.discard(namespace)
            with contextlib.suppress(ApiException, KubeConnectionError):
                await self._refresh_rollup(namespace)

        self.spawn(later())

    async def _refresh_rollup(self, namespace: str) -> None:
        tenants = self.known.of_kind("Tenant")
        tenant_key = next((k for k, b in tenants if _namespace_of_tenant(b) == namespace), None)
        if tenant_key is None:
            return
        async with self._locks.setdefault(tenant_key, asyncio.Lock()):
            body = self.known.get(tenant_key)
            if body is None:
                return
            previous = dict(body.get("status") or {})
            if not previous:
                return  # the Tenant's first reconcile writes it
            condition, counted = rollup.rollup(
                rollup.members(self.known, namespace), (body.get("metadata") or {}).get("generation")
            )
            old = list(previous.get("conditions") or [])
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            conditions = [c for c in old if c.get("type") != rollup.CONDITION]
            conditions.append(rollup.with_transition(condition, old, now))
            status = {**previous, **counted, "conditions": conditions}
            if status != previous and await self.kube.patch_status(
                PLURALS["Tenant"], tenant_key[2], None, status
            ):
                body["status"] = status

    def _wake(self, kind: str, namespace: str | None, *, only_unready: bool = True) -> None:
        """Reconcile now the resources of `kind` in `namespace` that are not Ready (all of them with
        `only_unready=False`): what they waited for just became Ready, and their own recheck
        (`requeue`) would come seconds later; or what they read from its status changed.

        A resource already woken whose reconcile has not started is not woken again: that reconcile
        reads what it depends on when it runs, as a workqueue keeps one entry per key. In a national
        cold start each region's ten certificates and ten TURN services becoming Ready one after
        the other woke each of its ten Domains twenty times (4 100 Domain reconciles for 250
        Domains, on the event loop while the fleet arrived)."""
        for other_key, other in self.known.of_kind(kind):
            # A Tenant is cluster-scoped: it lives in the namespace its spec names.
            home = (other.get("spec") or {}).get("namespace") if kind == "Tenant" else other_key[1]
            if home != namespace or other_key in self._waking or (only_unready and status_of(other).ready):
                continue
            self._waking[other_key] = token = object()
            task = self._spawn_task(self.reconcile(kind, other, from_resync=True))
            task.add_done_callback(functools.partial(self._woken, other_key, token))

    def _woken(self, key: Key, token: object, _task: asyncio.Task[Any]) -> None:
        """The mark is normally gone when the reconcile started (`_reconcile`); this drops it if it
        never did (it failed first, or was cancelled before its first step). A later wake's mark
        stays: its reconcile is still to come."""
        if self._waking.get(key) is token:
            del self._waking[key]

    async def _undo_for_vanished(
        self, kind: str, key: Key, body: dict[str, Any], result: Reconciled
    ) -> Reconciled:
        """The status write found no resource: it was deleted before our finalizer was on it, so no
        finalize will ever run. Called with the key's lock held.

        Whatever this reconcile just made in Pexip would be orphaned: it is undone here as the
        finalizer would have (`_release_vanished`), once the API server says no resource holds the
        name (`_name_now`). A resource created again under the name (a delete and re-apply) owns
        those objects by their marker (kind, namespace, name), and its reconcile, queued behind
        this lock, takes them over: they are left to it, and so is its body in `known`. A 404 for a
        resource still there (its API version no longer served) leaves them to its users; when the
        API server cannot tell, they are kept and this reconcile fails, to be retried on the usual
        backoff from the body kept in `known`.

        After an undo, the kinds that depend on it and the readers of its status (`Reconciled.wake`)
        are woken, Ready or not, once it is gone from `known`, so that they say at once it is missing.
        """
        uid = str((body.get("metadata") or {}).get("uid") or "")
        where = f"{kind} {key[1] or ''}/{key[2]}"
        try:
            # A create of this reconcile whose outcome is unknown is waited out first, as `finalize`
            # waits for it, or a late commit would be missed; and before the name is read, or a
            # resource created again during the wait would find its objects deleted.
            await self._sleep_out_creates_in_doubt(
                BY_KIND[kind], {**body, "status": {**(body.get("status") or {}), **result.status}}
            )
            now = await self._name_now(kind, key, uid)
        except (ApiException, KubeConnectionError) as exc:
            logger.warning(
                "%s: the status write found nothing, and whether it still exists (or its tenant) "
                "could not be read (%s); what it has in Pexip is kept, and it is looked at again",
                where,
                _kube_error(exc),
            )
            return Reconciled(
                Outcome(
                    Phase.FAILED,
                    Reason.KUBERNETES_UNAVAILABLE,
                    "the status write found no resource, and whether it still exists could not be "
                    f"read: {_kube_error(exc)}",
                )
            )
        if now is _NameNow.ITSELF:
            logger.warning(
                "%s: the status write answered 404, yet the resource is there (is its API version "
                "still served?); what it has in Pexip is kept",
                where,
            )
            return Reconciled(
                Outcome(
                    Phase.FAILED,
                    Reason.KUBERNETES_UNAVAILABLE,
                    "the status write answered 404 (not found) though the resource exists; check "
                    "that the operator's API version of the CRD is served",
                )
            )
        wake: tuple[str, ...] = ()
        if now is _NameNow.ANOTHER:
            logger.info(
                "%s was deleted before the operator's finalizer was on it and created again under "
                "that name; what it had in Pexip is left to the resource of the same name",
                where,
            )
        else:
            await self._release_vanished(kind, key, body, result)
            # Its users and the readers of its status (`Reconciled.wake`, a branding's theme for the
            # Tenant) say at once that it is missing: it is gone from `known` when they are woken.
            wake = tuple(dict.fromkeys((*USED_BY[kind], *result.wake)))
        if uid:
            self._finalized.add(uid)
        if self._forget_body(key, uid):
            # As after a finalizer: what was kept for it goes (a certificate's expiry series with it).
            forget = BY_KIND[kind].forget
            if forget is not None:
                forget(self, key)
        if key[1] is not None:
            self._rollup_soon(key[1])
        return Reconciled(
            Outcome(Phase.READY, Reason.DELETED, "the resource was deleted; nothing to reconcile"), wake=wake
        )

    async def _name_now(self, kind: str, key: Key, uid: str) -> _NameNow:
        """Who holds the name of a resource whose status write found nothing: a resource delivered
        since (its body in `known` has another UID), else what the API server holds now. Raises
        ApiException or KubeConnectionError when that cannot be read (`Kube.current`)."""
        known = self.known.get(key)
        if known is not None and _uid(known) != uid:
            return _NameNow.ANOTHER
        found = await self.kube.current(PLURALS[kind], key[2], key[1])
        if found is None:
            return _NameNow.NOBODY
        return _NameNow.ITSELF if _uid(found) == uid else _NameNow.ANOTHER

    def _forget_body(self, key: Key, uid: str) -> bool:
        """Drop the body of the resource with `uid` from `known`, never that of a resource created
        again under its name (delivered while this one was undone): its rechecks (`requeue`) and its
        users read it there. Whether nothing is known under the key now."""
        known = self.known.get(key)
        if known is not None and _uid(known) == uid:
            self.known.pop(key, None)
            return True
        return known is None

    async def _release_vanished(self, kind: str, key: Key, body: dict[str, Any], result: Reconciled) -> None:
        """Run the finalizer for a vanished resource, at once and once.

        Its wait for users (`wait_for_users`) is skipped: the resource is gone from the cluster, so
        a user naming it can never let go of it, and the users see it missing whether or not its
        objects stay. Its creates in doubt were waited out before (`_undo_for_vanished`). A failure
        (Pexip unavailable) is logged and leaves the objects, as `vdx plan` then shows."""
        registration = BY_KIND[kind]
        gone = {**body, "status": {**(body.get("status") or {}), **result.status}}
        self._vanishing.add(key)
        try:
            await registration.finalize(self, gone)
        except (Stop, PexipError, ApiException, KubeConnectionError) as exc:
            why = _kube_error(exc) if isinstance(exc, ApiException | KubeConnectionError) else str(exc)
            logger.warning(
                "%s %s/%s vanished; its Pexip objects were not cleaned up: %s",
                kind,
                key[1] or "",
                key[2],
                why,
            )
        else:
            logger.info(
                "%s %s/%s was deleted before the operator's finalizer was on it; what it had in Pexip "
                "was let go as its deletionPolicy and managementPolicy say",
                kind,
                key[1] or "",
                key[2],
            )
        finally:
            self._vanishing.discard(key)

    def vanishing(self, body: dict[str, Any]) -> bool:
        """Whether `body` is a resource being undone after it vanished (`_undo_for_vanished`): its
        finalizer then waits for no user."""
        return key_of(body) in self._vanishing

    async def finalize(self, kind: str, body: dict[str, Any]) -> None:
        """Honour deletionPolicy; raise PexipError to have the deletion retried."""
        key = key_of(body)
        lock = self._locks.setdefault(key, asyncio.Lock())
        registration = BY_KIND[kind]
        # Its users read it from here: from now on they see it being deleted.
        self.known[key] = slim(body)
        self._delivered(key)
        async with lock:
            body = self._with_latest_status(key, body)
            try:
                await self._wait_for_creates_in_doubt(registration, body)
                await registration.finalize(self, body)
            except Stop as stop:
                # The deletion waits (for users to let go, a platform to drain): say who holds it.
                with contextlib.suppress(ApiException, KubeConnectionError):
                    await self._report(kind, key, body, Reconciled(stop.outcome))
                raise
            uid = (body.get("metadata") or {}).get("uid")
            if uid:
                self._finalized.add(str(uid))
        self.known.pop(key, None)
        if key[1] is not None:
            self._rollup_soon(key[1])
        if registration.forget is not None:
            registration.forget(self, key)

    def _with_latest_status(self, key: Key, body: dict[str, Any]) -> dict[str, Any]:
        """`body` with the status this process wrote last, for a finalizer that waited for the lock.

        kopf hands the finalizer the body of the deletion event. A reconcile that held the lock
        meanwhile (a resync, a retry, a Secret's renewal) may have uploaded, bound or recorded more
        since, and written that into the status (and into `known`, which `_report` keeps current).
        A finalizer that deletes what the status records must see that, or the new object is left
        in Pexip with nobody to delete it."""
        latest = self.known.get(key)
        status = latest.get("status") if latest is not None else None
        if status is None or status is body.get("status"):
            return body
        return {**body, "status": status}

    async def _wait_for_creates_in_doubt(self, registration: Registration, body: dict[str, Any]) -> None:
        """Stop (the deletion is retried) while a create of a type this kind writes may still be
        committing on its platform. A finalizer finds its object by marker or unique key; a create
        the node finishes after the operator stopped waiting for it (a timeout, a dropped
        connection) is not there yet, so the finalizer would let the resource go and the object
        would be left in Pexip with nobody to delete it (the fault campaign's orphaned TURN server).
        After `PexipClient.in_doubt_seconds` the lookup is conclusive."""
        doubt = await self._create_in_doubt(registration, body)
        if doubt is None:
            return
        platform, label, since = doubt
        raise Stop(
            Phase.PROGRESSING,
            Reason.CREATE_IN_DOUBT,
            f"a create of {label.rsplit('/', 1)[-1]} on platform {platform.name} had no answer "
            f"{since:.0f} s ago and may still be committing; the deletion waits until "
            f"{platform.client.in_doubt_seconds:.0f} s have passed, so that it cannot be left "
            "behind in Pexip",
            retry_after=platform.client.in_doubt_seconds - since + 0.5,
        )

    async def _sleep_out_creates_in_doubt(self, registration: Registration, body: dict[str, Any]) -> None:
        """`_wait_for_creates_in_doubt` for the undo of a vanished resource, which is not retried:
        sleep until no create of a type it writes is in doubt, under the key's lock.

        Bounded by `PexipClient.in_doubt_seconds` from now (twice the request timeout, at least
        10 s): every create this resource made started before now, so by then none of them can
        still commit, even while other resources' creates of the same types keep the type in doubt.
        Only this key waits meanwhile (a resource created again under its name, its wakes)."""
        deadline: float | None = None
        while (doubt := await self._create_in_doubt(registration, body)) is not None:
            platform, _, since = doubt
            now = time.monotonic()
            if deadline is None:
                deadline = now + platform.client.in_doubt_seconds
            if now >= deadline:
                return
            await asyncio.sleep(min(platform.client.in_doubt_seconds - since, deadline - now) + 0.05)

    async def _create_in_doubt(
        self, registration: Registration, body: dict[str, Any]
    ) -> tuple[PlatformRuntime, str, float] | None:
        """(platform, type, seconds since) of the create of a type the kind writes that is in doubt
        the longest from now on (`PexipClient.creates_in_doubt`), if any, on the resource's platform."""
        namespace = (body.get("metadata") or {}).get("namespace")
        if not namespace or not registration.writes:
            return None
        tenant = await self.tenant_for_namespace(str(namespace))
        platform = self.platforms.get(tenant.spec.platform_ref.name) if tenant is not None else None
        if platform is None:
            return None
        in_doubt = platform.client.creates_in_doubt(kind.label for kind in registration.writes)
        if not in_doubt:
            return None
        label, since = min(in_doubt.items(), key=lambda item: item[1])  # the last to settle
        return platform, label, since

    async def object_changed(self, kind: str, namespace: str, name: str) -> None:
        """A Secret or ConfigMap changed: reconcile whatever reads it."""
        for key in sorted(self._object_users.get((kind, namespace, name), set())):
            body = self.known.get(key)
            if body is not None:
                await self.reconcile(key[0], body, from_resync=True)

    async def close(self) -> None:
        if self._sweep_task is not None:
            self._sweep_task.cancel()
        for name in list(self.platforms):
            await self.drop_platform(name)
        for task in list(self._background):
            task.cancel()


class _NameNow(enum.Enum):
    """Who holds a resource's name once its status write found nothing (`Runtime._name_now`)."""

    NOBODY = "nobody"  # it is gone and nothing took its name: undo what it made
    ITSELF = "itself"  # the same UID is there: the 404 said something else
    ANOTHER = "another"  # created again under the name: what it made is that one's


def _uid(body: dict[str, Any]) -> str:
    return str((body.get("metadata") or {}).get("uid") or "")


def _kube_error(exc: Exception) -> str:
    """One line about a failed Kubernetes call; urllib3's own text repeats the whole URL and pool."""
    if isinstance(exc, ApiException):
        return f"Kubernetes API error {exc.status}: {exc.reason}"
    return f"Kubernetes API unreachable ({type(exc).__name__})"


def _namespace_of_tenant(body: dict[str, Any]) -> str | None:
    namespace = (body.get("spec") or {}).get("namespace")
    return str(namespace) if namespace else None

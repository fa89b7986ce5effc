"""Run one operator instance: wait for the lease, then run kopf until told to stop or the lease is lost."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

import kopf
import uvicorn
from kubernetes import client
from starlette.applications import Starlette

from vdx.controller.handlers import build_registry, settings
from vdx.controller.http import health_app, phonebook_app
from vdx.controller.incident_store import IncidentRecorder, Observation, observations
from vdx.controller.kube import Kube, WatchedObjects
from vdx.controller.leader import LeaderElector
from vdx.controller.metrics import OperatorMetrics
from vdx.controller.runtime import Runtime, RuntimeSettings
from vdx.controller.workers import ElasticThreadPool
from vdx.phonebook.book import PhoneBook
from vdx.phonebook.live import LivePhoneBook

logger = logging.getLogger("vdx.operator")


@dataclass
class OperatorOptions:
    namespace: str = "vdx-system"
    identity: str = field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    http_host: str = "0.0.0.0"  # noqa: S104 - probes and Prometheus reach the pod from outside
    http_port: int | None = 8080
    # The phone book: None serves it on the health/metrics listener (http_host:http_port) as before;
    # (host, port) on a listener of its own, which alone can then be exposed outside the cluster.
    phonebook_listener: tuple[str, int] | None = None
    phonebook_enabled: bool = True
    lease_seconds: int = 15
    renew_seconds: float = 5.0
    # The namespaces whose vdx resources, Secrets and ConfigMaps are served (the tenants' and the
    # operator's own); empty: every namespace. With least-privilege RBAC (Secrets readable only in
    # tenant namespaces, as the stacks grant) a cluster-wide Secret watch is refused, so the stacks
    # pass the list. Cluster-scoped kinds (PexipPlatform, Tenant) are served either way.
    watch_namespaces: tuple[str, ...] = ()
    runtime: RuntimeSettings = field(default_factory=RuntimeSettings)
    # How often the leader samples the platforms for the incident record (vdx.controller.incident_store).
    incident_interval_seconds: float = 15.0


@dataclass
class OperatorState:
    """What the outside (tests, the demo, probes) may look at while it runs."""

    runtime: Runtime | None = None
    leading: bool = False
    standing_by: bool = False
    kopf_ready: asyncio.Event = field(default_factory=asyncio.Event)


# The kubernetes client blocks, so every Kubernetes call runs in the loop's default executor; asyncio's
# default of cores + 4 threads (6 on 2 cores) queued a national platform's reconciles behind each
# other (in the benchmark a Domain reconcile spent about 36 s waiting for a thread). The steady state
# needs one or two, so a thread idle for BLOCKING_THREAD_IDLE_SECONDS exits (vdx.controller.workers).
KUBE_CALLS_IN_FLIGHT = 32
BLOCKING_THREAD_IDLE_SECONDS = 10.0


def phonebook_source(runtime: Runtime, state: OperatorState) -> Callable[[], PhoneBook | None]:
    """The phone book from the bodies the watch keeps (Tenants, MeetingRooms, Devices).

    A standby watches nothing, so it gives None (the HTTP app answers 503) rather than an empty
    book that phones would take as "no entries".
    """
    book = LivePhoneBook(lambda: runtime.known.values())
    return lambda: book() if state.leading else None


def platform_observations(runtime: Runtime) -> list[Observation]:
    """The incident record's observations from this instance's state (see `observations`)."""
    reachability = {
        name: (platform.reachable, platform.last_down) for name, platform in list(runtime.platforms.items())
    }
    return observations(reachability, list(runtime.known.values()))


Listener = tuple[uvicorn.Server, "asyncio.Task[None]"]


def start_listeners(
    options: OperatorOptions,
    metrics: OperatorMetrics,
    ready: Callable[[], bool],
    phonebook: Callable[[], PhoneBook | None],
) -> list[Listener]:
    """The health/metrics listener and, when asked for, the phone book's own (each may be off)."""
    book = phonebook if options.phonebook_enabled else None
    wanted: list[tuple[Starlette, str, int]] = []
    if options.http_port is not None:
        shared = book if options.phonebook_listener is None else None
        wanted.append((health_app(metrics, ready, shared), options.http_host, options.http_port))
    if book is not None and options.phonebook_listener is not None:
        host, port = options.phonebook_listener
        wanted.append((phonebook_app(book), host, port))
    listeners: list[Listener] = []
    for app, host, port in wanted:
        server = uvicorn.Server(
            uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off", log_config=None)
        )
        listeners.append((server, asyncio.create_task(server.serve())))
    return listeners


async def stop_listeners(listeners: list[Listener]) -> None:
    for server, _ in listeners:
        server.should_exit = True
    for _, task in listeners:
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=5)


async def run_operator(
    api: client.ApiClient, options: OperatorOptions, stop: asyncio.Event, state: OperatorState | None = None
) -> int:
    """0 on a requested stop, 1 when the lease was lost (the process should exit and restart)."""
    asyncio.get_running_loop().set_default_executor(
        ElasticThreadPool(
            KUBE_CALLS_IN_FLIGHT, idle_seconds=BLOCKING_THREAD_IDLE_SECONDS, thread_name_prefix="vdx-blocking"
        )
    )
    state = state or OperatorState()
    # The Secrets and ConfigMaps it reads are kept current by its own watch of them (kopf, below).
    runtime = Runtime(Kube(api, WatchedObjects(options.watch_namespaces)), options.runtime)
    state.runtime = runtime
    # Read at each scrape; list() copies in one step, so a scrape from another thread (tests read
    # the registry directly) never iterates a dict the operator is changing.
    runtime.metrics.watch_state(
        lambda: list(runtime.known.values()),
        lambda: {name: platform.breaker.is_open for name, platform in list(runtime.platforms.items())},
    )
    servers = start_listeners(
        options, runtime.metrics, lambda: state.leading or state.standing_by, phonebook_source(runtime, state)
    )
    elector = LeaderElector(
        api,
        options.namespace,
        options.identity,
        lease_seconds=options.lease_seconds,
        renew_seconds=options.renew_seconds,
    )
    state.standing_by = True
    lost = asyncio.Event()
    try:
        if not await elector.acquire(stop):
            return 0
        state.standing_by = False
        state.leading = True
        runtime.metrics.leader.set(1)
        hold_task = asyncio.create_task(elector.hold(lost))
        # What exists now is waited for before anything that reads it is reconciled.
        await runtime.note_existing(options.watch_namespaces)
        kopf_stop: asyncio.Event = asyncio.Event()
        kopf_task = asyncio.create_task(
            kopf.operator(
                registry=build_registry(runtime, api.configuration),
                settings=settings(),
                clusterwide=not options.watch_namespaces,
                namespaces=list(options.watch_namespaces),
                standalone=True,
                stop_flag=kopf_stop,
                ready_flag=state.kopf_ready,
            )
        )
        runtime.start_sweep(options.watch_namespaces)
        recorder = IncidentRecorder(
            runtime.kube,
            options.namespace,
            functools.partial(platform_observations, runtime),
            interval=options.incident_interval_seconds,
        )
        recorder_task = asyncio.create_task(recorder.run())
        waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(lost.wait()), kopf_task]
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        kopf_stop.set()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(kopf_task, timeout=10)
        for task in (*waiters, hold_task, recorder_task):
            task.cancel()
        await runtime.close()
        if not lost.is_set():
            await asyncio.to_thread(elector.release)
        return 1 if lost.is_set() else 0
    finally:
        state.leading = False
        state.standing_by = False
        runtime.metrics.leader.set(0)
        # The Events the last reconciles recorded, for a few seconds at most; after the lease went,
        # so a standby is not kept waiting for them.
        await runtime.kube.events.close()
        await stop_listeners(servers)

"""The operator's side of the incident record: observe the platforms, keep the log in a ConfigMap.

The leading instance samples each platform's reachability (what the last request to the node
found, as `vdx_platform_up` does) and its Stalled resources every `interval` seconds, feeds
`IncidentLog` (pure, `vdx.controller.incidents`) and writes the ConfigMap `vdx-incidents` in its
own namespace whenever the log changed. A new leader loads it first, so an outage that spans a
failover stays one incident. `vdx stats incidents` reads it for the monthly report.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError as KubeConnectionError

from vdx.controller.incidents import PLATFORM_UNREACHABLE, REFUSAL_STORM, STORM, IncidentLog
from vdx.controller.kube import Kube
from vdx.controller.metrics import owner_of

logger = logging.getLogger("vdx.operator")

CONFIG_MAP = "vdx-incidents"
KEY = "incidents.json"
LABELS = {"app.kubernetes.io/name": "vdx-operator", "app.kubernetes.io/component": "incident-record"}


@dataclass(frozen=True)
class Observation:
    """Whether a kind of incident is happening on a platform now, who it touches, and why."""

    kind: str
    platform: str
    active: bool
    tenants: tuple[str, ...]
    cause: str


def cause_of(status: str | None) -> str:
    """The incident's cause as the operator saw it, from the failing request's status label."""
    if status is None or status == "error":
        return "no answer from the management node (connection refused, reset or timed out)"
    return f"the management node answered {status}"


def observations(
    reachability: Mapping[str, tuple[bool | None, str | None]], bodies: Iterable[Mapping[str, Any]]
) -> list[Observation]:
    """What is happening on each platform now (pure): its reachability, from what its last request
    found (`(reachable, status label of the last failure)`; None before any request), and whether
    a refusal storm is on (at least `STORM` of its resources Stalled), from the resources' bodies."""
    bodies = list(bodies)
    by_namespace: dict[str, tuple[str, str]] = {}
    tenants: dict[str, set[str]] = {}
    for body in bodies:
        if body.get("kind") == "Tenant":
            spec = body.get("spec") or {}
            name = str(body["metadata"]["name"])
            platform = str((spec.get("platformRef") or {}).get("name") or "")
            by_namespace[str(spec.get("namespace") or "")] = (name, platform)
            tenants.setdefault(platform, set()).add(name)
    stalled: dict[str, list[tuple[str, str]]] = {}
    for body in bodies:
        conditions = (body.get("status") or {}).get("conditions") or []
        refusal = next(
            (c for c in conditions if c.get("type") == "Stalled" and c.get("status") == "True"), None
        )
        if refusal is None:
            continue
        kind, name = str(body.get("kind") or ""), str((body.get("metadata") or {}).get("name") or "")
        tenant, platform = owner_of(kind, name, body, by_namespace)
        if platform:
            stalled.setdefault(platform, []).append((tenant, str(refusal.get("reason") or "")))
    found = [
        Observation(
            PLATFORM_UNREACHABLE, name, not reachable, tuple(sorted(tenants.get(name, ()))), cause_of(last)
        )
        for name, (reachable, last) in sorted(reachability.items())
        if reachable is not None
    ]
    for platform in sorted(set(reachability) | set(stalled)):
        items = stalled.get(platform, [])
        reasons = Counter(reason for _, reason in items).most_common(3)
        cause = f"{len(items)} resources Stalled: " + ", ".join(f"{n} {reason}" for reason, n in reasons)
        affected = tuple(sorted({tenant for tenant, _ in items if tenant}))
        found.append(Observation(REFUSAL_STORM, platform, len(items) >= STORM, affected, cause))
    return found


class IncidentRecorder:
    def __init__(
        self,
        kube: Kube,
        namespace: str,
        observe: Callable[[], Iterable[Observation]],
        *,
        interval: float = 15.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.kube = kube
        self.namespace = namespace
        self.observe = observe
        self.interval = interval
        self.clock = clock
        self.log = IncidentLog()
        self._unsaved = False

    async def load(self) -> None:
        found = await self.kube.config_map(self.namespace, CONFIG_MAP)
        self.log = IncidentLog.from_text(found[0].get(KEY) if found else None)

    async def step(self) -> None:
        now = self.clock()
        for seen in self.observe():
            if self.log.observe(seen.kind, seen.platform, seen.active, now, seen.tenants, seen.cause):
                self._unsaved = True
        if self._unsaved:
            await self.kube.write_config_map(self.namespace, CONFIG_MAP, {KEY: self.log.to_text()}, LABELS)
            self._unsaved = False

    async def run(self) -> None:
        """Until cancelled; a Kubernetes error is logged and the write retried at the next step."""
        while True:
            try:
                await self.load()
                break
            except (ApiException, KubeConnectionError) as exc:
                logger.warning("incident record %s not read: %s", CONFIG_MAP, exc)
                await asyncio.sleep(self.interval)
        while True:
            try:
                await self.step()
            except (ApiException, KubeConnectionError) as exc:
                logger.warning("incident record %s not written: %s", CONFIG_MAP, exc)
            await asyncio.sleep(self.interval)

"""The operator's side of the incident record: observe the platforms, keep the log in a ConfigMap.

The leading instance samples each platform's reachability (`vdx_platform_up`, which follows every
request to the node) every `interval` seconds, feeds `IncidentLog` (pure, `vdx.controller.incidents`)
and writes the ConfigMap `vdx-incidents` in its own namespace whenever the log changed. A new leader
loads it first, so an outage that spans a failover stays one incident. `vdx stats incidents` reads
it for the monthly report.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError as KubeConnectionError

from vdx.controller.incidents import IncidentLog
from vdx.controller.kube import Kube

logger = logging.getLogger("vdx.operator")

CONFIG_MAP = "vdx-incidents"
KEY = "incidents.json"
LABELS = {"app.kubernetes.io/name": "vdx-operator", "app.kubernetes.io/component": "incident-record"}


@dataclass(frozen=True)
class PlatformObservation:
    platform: str
    reachable: bool
    tenants: tuple[str, ...]
    cause: str


def cause_of(status: str | None) -> str:
    """The incident's cause as the operator saw it, from the failing request's status label."""
    if status is None or status == "error":
        return "no answer from the management node (connection refused, reset or timed out)"
    return f"the management node answered {status}"


class IncidentRecorder:
    def __init__(
        self,
        kube: Kube,
        namespace: str,
        observe: Callable[[], Iterable[PlatformObservation]],
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
            if self.log.observe_platform(seen.platform, seen.reachable, now, seen.tenants, seen.cause):
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

"""Lease-based leader election, so two operator instances never act at once.

kopf's own peering freezes every instance when two have the same priority, which is exactly the
Deployment-with-two-replicas case; a coordination.k8s.io Lease with optimistic concurrency is what
client-go's leader election does, and what `kubectl get lease` can show.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from kubernetes import client
from kubernetes.client.exceptions import ApiException

logger = logging.getLogger("vdx.operator.leader")


class LeaderElector:
    def __init__(
        self,
        api: client.ApiClient,
        namespace: str,
        identity: str,
        *,
        name: str = "vdx-operator",
        lease_seconds: int = 15,
        renew_seconds: float = 5.0,
    ) -> None:
        self.leases = client.CoordinationV1Api(api)
        self.namespace = namespace
        self.identity = identity
        self.name = name
        self.lease_seconds = lease_seconds
        self.renew_seconds = renew_seconds

    def _spec(self, transitions: int, acquired: datetime | None) -> client.V1LeaseSpec:
        now = datetime.now(UTC)
        return client.V1LeaseSpec(
            holder_identity=self.identity,
            lease_duration_seconds=self.lease_seconds,
            acquire_time=acquired or now,
            renew_time=now,
            lease_transitions=transitions,
        )

    def try_acquire(self) -> bool:
        """One attempt (blocking; run it in a thread). True while we hold the lease."""
        try:
            lease = self.leases.read_namespaced_lease(self.name, self.namespace)
        except ApiException as exc:
            if exc.status != 404:
                raise
            body = client.V1Lease(
                metadata=client.V1ObjectMeta(name=self.name, namespace=self.namespace),
                spec=self._spec(0, None),
            )
            try:
                self.leases.create_namespaced_lease(self.namespace, body)
            except ApiException as conflict:
                if conflict.status == 409:
                    return False
                raise
            return True
        spec = lease.spec or client.V1LeaseSpec()
        now = datetime.now(UTC)
        mine = spec.holder_identity == self.identity
        renewed = spec.renew_time or spec.acquire_time
        expired = renewed is None or renewed + timedelta(seconds=spec.lease_duration_seconds or 0) < now
        if not (mine or expired or not spec.holder_identity):
            return False
        transitions = (spec.lease_transitions or 0) + (0 if mine else 1)
        lease.spec = self._spec(transitions, spec.acquire_time if mine else None)
        try:
            self.leases.replace_namespaced_lease(self.name, self.namespace, lease)  # resourceVersion guards
        except ApiException as exc:
            if exc.status == 409:
                return False
            raise
        return True

    async def acquire(self, stop: asyncio.Event) -> bool:
        """Wait until we lead (True) or are told to stop (False)."""
        announced = False
        while not stop.is_set():
            try:
                if await asyncio.to_thread(self.try_acquire):
                    logger.info("%s leads (lease %s/%s)", self.identity, self.namespace, self.name)
                    return True
            except ApiException as exc:
                logger.warning("leader election: Kubernetes API error %s", exc.status)
            if not announced:
                logger.info("%s is standing by: another instance holds the lease", self.identity)
                announced = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.renew_seconds)
        return False

    async def hold(self, lost: asyncio.Event) -> None:
        """Renew until renewal fails for longer than the lease; then set `lost`."""
        last_success = asyncio.get_running_loop().time()
        while True:
            await asyncio.sleep(self.renew_seconds)
            try:
                if await asyncio.to_thread(self.try_acquire):
                    last_success = asyncio.get_running_loop().time()
                    continue
                logger.error("%s lost the lease to another instance", self.identity)
                lost.set()
                return
            except ApiException as exc:
                logger.warning("lease renewal failed: Kubernetes API error %s", exc.status)
            if asyncio.get_running_loop().time() - last_success > self.lease_seconds:
                logger.error("%s could not renew the lease in time; stepping down", self.identity)
                lost.set()
                return

    def release(self) -> None:
        """Hand the lease over at once on a clean shutdown (blocking)."""
        try:
            lease = self.leases.read_namespaced_lease(self.name, self.namespace)
            if lease.spec and lease.spec.holder_identity == self.identity:
                lease.spec.holder_identity = None
                lease.spec.renew_time = None
                self.leases.replace_namespaced_lease(self.name, self.namespace, lease)
        except ApiException:
            logger.warning("could not release the lease; it will expire by itself")

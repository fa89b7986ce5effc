"""What a kind's reconciler may use of the operator: a narrow view of the runtime, by structure.

Reconcilers are handed this, not `controller.runtime.Runtime`, so a kind's module depends only on
the parts it uses and `runtime` (which imports every kind through the registry) is never imported
back by them. `Runtime` satisfies the protocol as it is (mypy checks it where the driver hands itself over).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from vdx.api.tenant import Tenant
from vdx.controller.conditions import Outcome
from vdx.controller.known import Key as Key  # re-exported: the key of every kept body
from vdx.controller.known import KnownBodies
from vdx.controller.kube import Kube
from vdx.controller.metrics import OperatorMetrics
from vdx.controller.settings import RuntimeSettings

if TYPE_CHECKING:
    from vdx.controller.platforms import PlatformRuntime

T = TypeVar("T")


class Context(Protocol):
    """The operator as one reconcile sees it."""

    kube: Kube
    settings: RuntimeSettings
    metrics: OperatorMetrics
    # Connected platforms by name, the Tenants seen so far by name, every watched body by key.
    platforms: dict[str, PlatformRuntime]
    tenants: dict[str, Tenant]
    known: KnownBodies

    async def tenant_for_namespace(self, namespace: str) -> Tenant | None: ...

    async def domain_owner(self, platform_name: str, fqdn: str) -> str | None: ...

    def watch_object(self, kind: str, namespace: str, name: str, body: dict[str, Any]) -> None: ...

    def watch_secret(self, namespace: str, name: str, body: dict[str, Any]) -> None: ...

    def kind_state(self, name: str, factory: Callable[[], T]) -> T: ...

    def wake_tenant(self, namespace: str) -> None: ...

    def wake_users(
        self,
        namespace: str,
        kinds: tuple[str, ...] = ...,
        *,
        only_unready: bool = ...,
    ) -> None: ...

    def wake_platform_members(self, name: str) -> None: ...

    def add_platform(self, runtime: PlatformRuntime) -> None: ...

    async def drop_platform(self, name: str) -> None: ...

    def spawn(self, coroutine: Awaitable[Any]) -> None: ...

    def vanishing(self, body: dict[str, Any]) -> bool: ...

    async def reconcile(self, kind: str, body: dict[str, Any], *, from_resync: bool = False) -> Outcome: ...

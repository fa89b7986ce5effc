"""What the operator knows of one kind, in one object: the kind's module declares it, nothing else.

Every table the generic parts need (plurals, reconcilers, finalizers, the dependency order, the
Pexip types to list, what wakes whom) is derived from these (`controller.registry`), so adding a
kind adds its registration and edits no central table.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vdx.api.resource import Resource
from vdx.pexip.resources import Kind

if TYPE_CHECKING:
    from vdx.controller.context import Context
    from vdx.controller.reconcilers.base import Reconciled

from vdx.controller.context import Key as Key


@dataclass(frozen=True)
class Registration:
    model: type[Resource]
    reconcile: Callable[[Context, dict[str, Any]], Awaitable[Reconciled]]
    finalize: Callable[[Context, dict[str, Any]], Awaitable[None]]
    # Kinds that must be reconciled before this one in a full pass (what it reads the status of).
    depends_on: tuple[str, ...] = ()
    # The Pexip types it creates, changes or deletes, and those it only reads.
    writes: tuple[Kind[Any], ...] = ()
    reads: tuple[Kind[Any], ...] = ()
    # The Kubernetes objects it reads besides vdx kinds (RBAC and the Secret watch follow them).
    reads_objects: tuple[str, ...] = ()
    # Kinds in the same namespace to wake, if not Ready, when one of this kind becomes Ready (a
    # Tenant, cluster-scoped, counts as in the namespace its spec names).
    wakes_when_ready: tuple[str, ...] = ()
    # Drops what the runtime kept for one resource of the kind once its finalizer has run.
    forget: Callable[[Context, Key], None] | None = None
    # The module of the kind's offline gatherer for `vdx plan` (`vdx.gitops.phases.<kind>`: its
    # `plan(planner)`, and `removed(planner)` for what the tree no longer has), named rather than
    # imported so the operator process never loads `vdx plan`'s code; the kinds whose plan it reads.
    offline: str | None = None
    plan_reads: tuple[str, ...] = ()
    # Pexip type -> Pexip field -> where the value comes from in the resource (`spec.port`), for
    # every field the kind writes: a refusal from Pexip then names the spec field to correct.
    spec_fields: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.model.__name__

    @property
    def plural(self) -> str:
        return self.model.crd.plural

    @property
    def namespaced(self) -> bool:
        return self.model.crd.scope == "Namespaced"

"""The operator's runtime writing statuses, with each kind's reconcile and finalize replaced by one
ending in the outcome a test names: what the status writer makes of an outcome is the real code."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from vdx.controller import registry
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.reasons import Reason
from vdx.controller.reconcilers.base import Reconciled, Stop
from vdx.controller.runtime import Runtime

Step = Callable[[], Reconciled]


class Operator:
    """The runtime with each kind's reconcile and finalize answering what the test says."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, kube: Any) -> None:
        self.kube = kube
        self.rt = Runtime(kube)
        self.next: Step = lambda: Reconciled(Outcome(Phase.READY, Reason.AVAILABLE, ""))
        self.holds: Outcome | None = None
        for kind, registration in list(registry.BY_KIND.items()):
            monkeypatch.setitem(
                registry.BY_KIND,
                kind,
                dataclasses.replace(registration, reconcile=self._reconcile, finalize=self._finalize),
            )

    async def _reconcile(self, rt: Any, body: dict[str, Any]) -> Reconciled:
        return self.next()

    async def _finalize(self, rt: Any, body: dict[str, Any]) -> None:
        if self.holds is not None:
            raise Stop(self.holds.phase, self.holds.reason, self.holds.message)

    async def reconcile(self, body: dict[str, Any], outcome: Outcome | Step) -> dict[str, Any]:
        """The object as the API server holds it after one reconcile ending in `outcome`."""
        self.next = outcome if callable(outcome) else (lambda: Reconciled(outcome))
        await self.rt.reconcile(str(body["kind"]), body)
        return copy.deepcopy(body)

    async def delete(self, body: dict[str, Any], holder: Outcome | None) -> dict[str, Any]:
        """The object once deleted: the API server sets deletionTimestamp and bumps the generation
        (it does for an object with finalizers); the finalizer may then hold it and say why."""
        changed(body)
        body["metadata"]["deletionTimestamp"] = "2026-12-04T12:00:00Z"
        return await self.finalize(body, holder)

    async def finalize(self, body: dict[str, Any], holder: Outcome | None) -> dict[str, Any]:
        """The finalizer run on a deleted object; `holder` is why it waits (None: it lets go)."""
        self.holds = holder
        if holder is not None:
            with pytest.raises(Stop):
                await self.rt.finalize(str(body["kind"]), body)
        return copy.deepcopy(body)


def changed(body: dict[str, Any]) -> None:
    """A spec change (or a deletion): the API server bumps metadata.generation."""
    body["metadata"]["generation"] += 1

"""The generated Argo CD health checks, run in real Lua (5.1, gopher-lua's language, and 5.4).

Every kind's script is run against objects whose status the operator's own writer produced: the
runtime (`Runtime.reconcile`, `Runtime.finalize`) turns an outcome into conditions and writes the
status through a recording Kubernetes stand-in, exactly as it would on a cluster. Only the kind's
reconcile is replaced by one returning the outcome under test; the outcomes come from the planners'
and reconcilers' own producers where there is one (a foreign object, a dependency not Ready, Pexip
unavailable, drift under ObserveOnly, a TurnService held by a Domain).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from vdx.api.kinds import ALL_KINDS
from vdx.api.resource import Resource
from vdx.controller import registry
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.plan import Change
from vdx.controller.planners.common import (
    Dependency,
    DependencyState,
    Plan,
    dependency_refusal,
    foreign_outcome,
    observe_only,
    observe_only_outcome,
)
from vdx.controller.reasons import Reason
from vdx.controller.reconcilers import turn
from vdx.controller.reconcilers.base import Reconciled, Stop
from vdx.crd import argocd
from vdx.pexip.errors import ServerError

from .lua import Health, interpreter_params, run_health
from .runtime import Operator, changed

KINDS = list(ALL_KINDS)
OBSERVE_ONLY_KINDS = [kind for kind in KINDS if argocd.kind_health(kind).observe_only_field]
PLAIN_KINDS = [kind for kind in KINDS if not argocd.kind_health(kind).observe_only_field]
NAMESPACE = "vdx-rm"


class Kube:
    """The Kubernetes calls a status write makes, recorded (the status lands in the body)."""

    def __init__(self) -> None:
        self.statuses: list[dict[str, Any]] = []
        self.domains: list[dict[str, Any]] = []

    async def patch_status(
        self, plural: str, name: str, namespace: str | None, status: dict[str, Any]
    ) -> bool:
        self.statuses.append(copy.deepcopy(status))
        return True

    async def event(self, body: dict[str, Any], **_: Any) -> None:
        return None

    async def list(self, plural: str) -> list[dict[str, Any]]:
        return []

    async def list_namespaced(self, plural: str, namespace: str) -> list[dict[str, Any]]:
        return copy.deepcopy(self.domains) if plural == "domains" else []


@pytest.fixture
async def operator(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Operator]:
    made = Operator(monkeypatch, Kube())
    yield made
    await made.rt.close()


def resource(kind: type[Resource], spec: dict[str, Any] | None = None) -> dict[str, Any]:
    """A new object of the kind as the watch delivers it: generation 1, no status yet."""
    metadata: dict[str, Any] = {"name": "rm-main", "generation": 1, "uid": f"uid-{kind.__name__}"}
    if kind.crd.scope == "Namespaced":
        metadata["namespace"] = NAMESPACE
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": kind.__name__,
        "metadata": metadata,
        "spec": spec or {},
    }


def health_of(lua: Path, body: dict[str, Any]) -> Health:
    script = argocd.health_scripts()[argocd.health_key(str(body["kind"]))]
    return run_health(lua, script, body)


def ready_message(body: dict[str, Any]) -> str:
    return next(c["message"] for c in body["status"]["conditions"] if c["type"] == "Ready")


INTERPRETERS = interpreter_params()
kinds = pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
interpreters = pytest.mark.parametrize("lua", INTERPRETERS)

STALLED = foreign_outcome("turn_server", "vdx-rm/rm-main", "/api/admin/configuration/v1/turn_server/7/")
WAITING = dependency_refusal(
    Dependency("TlsCertificate", NAMESPACE, "vdx-rm-dk", DependencyState.WAITING), "spec.certificateRef"
)
assert WAITING is not None


@interpreters
@kinds
async def test_a_new_object_is_progressing_until_the_operator_writes(
    operator: Operator, kind: type[Resource], lua: Path
) -> None:
    assert health_of(lua, resource(kind)) == Health("Progressing", argocd.NOT_RECONCILED)


@interpreters
@kinds
async def test_ready_for_the_current_generation_is_healthy_with_the_ready_message(
    operator: Operator, kind: type[Resource], lua: Path
) -> None:
    done = await operator.reconcile(resource(kind), Outcome(Phase.READY, Reason.CONNECTED, "matches Pexip"))
    assert health_of(lua, done) == Health("Healthy", "matches Pexip")
    # A Ready outcome without a message still says something: the condition's reason.
    done = await operator.reconcile(resource(kind), Plan().outcome)
    assert health_of(lua, done) == Health("Healthy", Reason.AVAILABLE.value)


@interpreters
@kinds
async def test_a_status_older_than_the_spec_is_progressing_whatever_it_says(
    operator: Operator, kind: type[Resource], lua: Path
) -> None:
    body = resource(kind)
    for outcome in (Outcome(Phase.READY, Reason.AVAILABLE, "fine"), STALLED):
        stale = await operator.reconcile(body, outcome)
        changed(stale)
        assert health_of(lua, stale) == Health(
            "Progressing", argocd.not_observed(stale["metadata"]["generation"])
        )
    # Once the operator has acted on the change, its verdict counts again.
    changed(body)
    done = await operator.reconcile(body, Outcome(Phase.READY, Reason.AVAILABLE, "fine again"))
    assert health_of(lua, done) == Health("Healthy", "fine again")


@interpreters
@kinds
async def test_stalled_is_degraded_with_the_operators_message(
    operator: Operator, kind: type[Resource], lua: Path
) -> None:
    done = await operator.reconcile(resource(kind), STALLED)
    assert health_of(lua, done) == Health("Degraded", STALLED.message)
    # ...and Healthy again once a person fixed it (the same Stalled condition, now False).
    recovered = await operator.reconcile(done, Outcome(Phase.READY, Reason.AVAILABLE, "adopted"))
    assert health_of(lua, recovered) == Health("Healthy", "adopted")


@interpreters
@kinds
async def test_not_ready_while_waiting_or_after_a_transient_failure_is_progressing(
    operator: Operator, kind: type[Resource], lua: Path
) -> None:
    assert WAITING is not None
    waiting = await operator.reconcile(resource(kind), WAITING.outcome)
    assert health_of(lua, waiting) == Health("Progressing", WAITING.outcome.message)

    def unavailable() -> Reconciled:
        # Raised inside the reconcile: the runtime's own error handling writes the Failed status.
        raise ServerError("503 Service Unavailable", status=503)

    failed = await operator.reconcile(resource(kind), unavailable)
    assert [c["reason"] for c in failed["status"]["conditions"] if c["type"] == "Ready"] == [
        Reason.PEXIP_UNAVAILABLE.value
    ]
    assert health_of(lua, failed) == Health("Progressing", ready_message(failed))


@interpreters
@kinds
async def test_deleting_is_progressing_and_names_what_holds_the_deletion(
    operator: Operator, kind: type[Resource], lua: Path
) -> None:
    ready = await operator.reconcile(resource(kind), Outcome(Phase.READY, Reason.AVAILABLE, "fine"))
    # Before the finalizer ran (or once it lets go): Argo CD's own words.
    assert health_of(lua, await operator.delete(copy.deepcopy(ready), None)) == Health(
        "Progressing", argocd.PENDING_DELETION
    )
    holder = Outcome(Phase.FAILED, Reason.IN_USE, "waiting for 1 Domain(s) that use it to stop: vdx-rm-dk")
    held = await operator.delete(ready, holder)
    assert health_of(lua, held) == Health("Progressing", f"{argocd.PENDING_DELETION}: {holder.message}")


@interpreters
async def test_a_turn_service_held_by_a_domain_says_so_through_its_real_finalizer(
    operator: Operator, monkeypatch: pytest.MonkeyPatch, lua: Path
) -> None:
    registration = registry.BY_KIND["TurnService"]
    monkeypatch.setitem(
        registry.BY_KIND, "TurnService", dataclasses.replace(registration, finalize=turn.finalize)
    )
    operator.kube.domains = [
        {
            "metadata": {"name": "vdx-rm-dk", "namespace": NAMESPACE},
            "spec": {"turnServiceRef": {"name": "rm-main"}},
        }
    ]
    body = resource(
        next(k for k in KINDS if k.__name__ == "TurnService"),
        {"address": "turn.vdx.rm.dk", "secretRef": {"name": "turn"}},
    )
    ready = await operator.reconcile(body, Outcome(Phase.READY, Reason.AVAILABLE, "fine"))
    changed(ready)
    ready["metadata"]["deletionTimestamp"] = "2026-12-04T12:00:00Z"
    with pytest.raises(Stop):
        await operator.rt.finalize("TurnService", ready)
    health = health_of(lua, ready)
    assert health.status == "Progressing"
    assert health.message.startswith(
        f"{argocd.PENDING_DELETION}: waiting for 1 Domain(s) that use it to stop: vdx-rm-dk"
    )


DRIFT = observe_only_outcome(
    [Change("update", "turn_server", "rm-main", uri="/x/", fields={"port": 5349}, before={"port": 3478})]
)


@interpreters
@pytest.mark.parametrize("kind", OBSERVE_ONLY_KINDS, ids=lambda k: k.__name__)
async def test_observe_only_drift_is_suspended_and_a_missing_object_degraded(
    operator: Operator, kind: type[Resource], lua: Path
) -> None:
    observed = resource(kind, {"managementPolicy": "ObserveOnly"})
    drifted = await operator.reconcile(observed, DRIFT)
    assert health_of(lua, drifted) == Health("Suspended", DRIFT.message)
    matching = await operator.reconcile(observed, observe_only_outcome([]))
    assert health_of(lua, matching) == Health("Healthy", "Pexip matches (observe only)")
    missing = observe_only(Plan(), "turn_server").outcome
    assert missing.reason == Reason.NOT_FOUND_IN_PEXIP
    assert health_of(lua, await operator.reconcile(observed, missing)) == Health("Degraded", missing.message)
    # Full management never suspends: Stalled is Degraded.
    managed = await operator.reconcile(resource(kind, {"managementPolicy": "Full"}), DRIFT)
    assert health_of(lua, managed).status == "Degraded"


@interpreters
@pytest.mark.parametrize("kind", PLAIN_KINDS, ids=lambda k: k.__name__)
async def test_kinds_without_observe_only_are_never_suspended(
    operator: Operator, kind: type[Resource], lua: Path
) -> None:
    done = await operator.reconcile(resource(kind, {"managementPolicy": "ObserveOnly"}), DRIFT)
    assert health_of(lua, done) == Health("Degraded", DRIFT.message)


@interpreters
@kinds
async def test_ready_false_with_nothing_in_progress_is_degraded(kind: type[Resource], lua: Path) -> None:
    # No writer of this operator leaves Ready=False without Reconciling or Stalled True (an older one
    # might have): nothing is being done about it, so a person must look.
    body = resource(kind)
    body["status"] = {
        "observedGeneration": 1,
        "conditions": [
            {
                "type": "Ready",
                "status": "False",
                "reason": "PexipRejected",
                "message": "refused",
                "observedGeneration": 1,
            }
        ],
    }
    assert health_of(lua, body) == Health("Degraded", "refused")
    body["status"]["conditions"][0]["status"] = "Unknown"
    assert health_of(lua, body) == Health("Progressing", "refused")


@interpreters
async def test_messages_keep_non_ascii_text(operator: Operator, lua: Path) -> None:
    done = await operator.reconcile(
        resource(KINDS[1]),
        Outcome(Phase.STALLED, Reason.DOMAIN_CONFLICT, "Aarhus Kommune ejer vdx.aarhus.dk — æøå"),
    )
    assert health_of(lua, done) == Health("Degraded", "Aarhus Kommune ejer vdx.aarhus.dk — æøå")


@interpreters
def test_scripts_run_with_argo_cds_libraries_only(lua: Path) -> None:
    # Argo CD opens no `string` library for a check from argocd-cm: a script calling string.format
    # fails there (health Unknown), so it must fail here too.
    with pytest.raises(AssertionError, match=r"failed: .*(string|format)"):
        run_health(lua, 'return {status = string.format("%s", "Healthy")}', {})
    assert run_health(lua, 'return {status = "Healthy", message = "g" .. obj.g}', {"g": 3}) == Health(
        "Healthy", "g3"
    )

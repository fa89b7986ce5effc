"""The sweep's decision (controller.sweep): which listed resources the watch must have missed."""

from __future__ import annotations

from typing import Any

from vdx.controller.sweep import FINALIZER, Sweeper, unreconciled, with_finalizer


def body(
    name: str,
    *,
    generation: int = 1,
    observed: int | None = None,
    version: str = "10",
    deleting: bool = False,
    finalizers: list[str] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "namespace": "vdx-regionh",
        "generation": generation,
        "resourceVersion": version,
    }
    if deleting:
        meta["deletionTimestamp"] = "2026-11-26T04:00:00Z"
    if finalizers is not None:
        meta["finalizers"] = finalizers
    result: dict[str, Any] = {"metadata": meta, "spec": {}}
    if observed is not None:
        result["status"] = {"observedGeneration": observed}
    return result


def test_unreconciled_means_the_status_does_not_record_the_generation() -> None:
    assert unreconciled(body("new"))
    assert unreconciled(body("edited", generation=3, observed=2))
    assert not unreconciled(body("current", generation=3, observed=3))
    assert not unreconciled(body("deleting", deleting=True))


def test_a_resource_is_due_only_after_a_whole_interval_at_the_same_version() -> None:
    sweeper = Sweeper()
    listed = [("TlsCertificate", body("cert")), ("Domain", body("domain", observed=1))]
    assert sweeper.due(listed, {}) == []  # first sight: a watch event may be in flight
    due = sweeper.due(listed, {})
    assert [(kind, b["metadata"]["name"]) for kind, b in due] == [("TlsCertificate", "cert")]


def test_a_resource_that_changed_meanwhile_waits_another_interval() -> None:
    sweeper = Sweeper()
    sweeper.due([("TlsCertificate", body("cert", version="10"))], {})
    assert sweeper.due([("TlsCertificate", body("cert", version="11"))], {}) == []
    assert len(sweeper.due([("TlsCertificate", body("cert", version="11"))], {})) == 1


def test_a_resource_reconciled_meanwhile_is_forgotten() -> None:
    sweeper = Sweeper()
    sweeper.due([("Domain", body("d"))], {})
    assert sweeper.due([("Domain", body("d", observed=1, version="12"))], {}) == []
    # Edited later: noted again from scratch, not due on the strength of the old sighting.
    assert sweeper.due([("Domain", body("d", generation=2, observed=1, version="10"))], {}) == []


def test_same_name_in_another_kind_or_namespace_is_another_resource() -> None:
    sweeper = Sweeper()
    sweeper.due([("Domain", body("x"))], {})
    assert sweeper.due([("TurnService", body("x"))], {}) == []


def test_the_finalizer_is_added_once_and_others_are_kept() -> None:
    assert with_finalizer(body("a")) == [FINALIZER]
    assert with_finalizer(body("b", finalizers=["example.org/keep"])) == ["example.org/keep", FINALIZER]
    assert with_finalizer(body("c", finalizers=[FINALIZER])) is None


def test_what_the_watch_delivered_is_left_to_kopf_and_the_resync() -> None:
    sweeper = Sweeper()
    listed = [("Domain", body("queued")), ("Domain", body("edited", generation=2, observed=1))]
    delivered = {("Domain", "vdx-regionh", "queued"): 1, ("Domain", "vdx-regionh", "edited"): 1}
    sweeper.due(listed, delivered)
    due = sweeper.due(listed, delivered)
    # generation 1 of "queued" was delivered (its reconcile is waiting its turn); generation 2 of
    # "edited" never was.
    assert [b["metadata"]["name"] for _, b in due] == ["edited"]

"""`vdx plan` and the operator make the same changes: both call each kind's one `decide`.

The example tree's prod and stage platforms, with the same Secrets, against two identically seeded nodes: one
is planned (read-only), the other is reconciled by the real operator on a control plane of its own
until every resource is Ready. Then the plan's steps and the writes the operator sent (the node's
request log) are compared change for change: creates by the name Pexip knows the object by (by
count where the log masks the name), updates and deletes of objects that existed before by their
URI. A decision that one path makes and the other does not shows up here.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from tests.gitops.conftest import PASSWORD, USERNAME, seed
from tests.gitops.equivalence import (
    assert_same_changes,
    created_since,
    decoded_secrets,
    is_ready,
    label,
    plan_against,
    planned_changes,
    reconcile_tree,
    table_ids,
    written_changes,
)
from vdx.paths import EXAMPLES_DIR
from vdx.pexip.simulator import SeedOptions, Simulator, SimulatorConfig, serve


@pytest.mark.kube
@pytest.mark.parametrize("platform", ["prod", "stage"])
def test_vdx_plan_and_the_operator_make_the_same_changes_on_the_examples(
    platform: str, secrets_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secrets, docs = decoded_secrets(secrets_dir)
    config = SimulatorConfig(username=USERNAME, password=PASSWORD, seed=SeedOptions(history=None))
    with serve(Simulator(config)) as planned_node, serve(Simulator(config)) as twin:
        for node in (planned_node, twin):
            asyncio.run(seed(node.base_url, EXAMPLES_DIR, platform=platform))
        plan = plan_against(planned_node.base_url, EXAMPLES_DIR, platform, secrets, docs)
        assert plan.problems == [], [str(p) for p in plan.problems]
        assert plan.unknowns == []
        planned = planned_changes(plan)
        assert planned, "the plan of the examples against a fresh node creates everything"
        twin.simulator.accounting.reset()
        before = table_ids(twin.simulator.engine)
        events: list[tuple[str, str, str]] = []
        with caplog.at_level(logging.INFO):
            objects = reconcile_tree(EXAMPLES_DIR, {platform: twin.base_url}, docs, events=events)
        waiting = [label(o) for o in objects if not is_ready(o)]
        assert waiting == [], f"not Ready: {waiting}"
        # A healthy start is quiet: waiting for the platform or a dependency is no failure, and
        # first-time setup is no drift. Warning is for what a person must act on.
        # The one Warning left is about content a person should change (the example logo keeps
        # its text as text, which `vdx check` reports at pull-request time too).
        noise = [
            e for e in events if (e[0] == "Warning" and e[1] != "BrandingWarning") or e[1] == "DriftCorrected"
        ]
        assert noise == []
        assert any(e[1] == "CreatedExternalResource" for e in events), "the check sees the events"
        # (kopf says it cannot take OS signals: the test runs the operator in a thread.)
        logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert [m for m in logged if not m.startswith("OS signals are ignored")] == []
        written = written_changes(
            list(twin.simulator.accounting.entries), created_since(twin.simulator.engine, before)
        )
    assert_same_changes(written, planned)

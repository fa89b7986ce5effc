"""Every Pexip field a kind writes names where its value comes from, so a refusal from Pexip can
name the spec field to correct (`Registration.spec_fields`, read by `pexip_failure`)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path

import pytest

from tests.gitops.conftest import PASSWORD, USERNAME, seed
from tests.gitops.equivalence import decoded_secrets, plan_against
from vdx.controller.registry import BY_KIND
from vdx.paths import EXAMPLES_DIR
from vdx.pexip.simulator import SeedOptions, Simulator, SimulatorConfig, serve


@pytest.mark.parametrize("platform", ["prod", "stage"])
def test_every_field_the_examples_write_is_traced_to_the_resource(platform: str, secrets_dir: Path) -> None:
    secrets, docs = decoded_secrets(secrets_dir)
    config = SimulatorConfig(username=USERNAME, password=PASSWORD, seed=SeedOptions(history=None))
    with serve(Simulator(config)) as node:
        asyncio.run(seed(node.base_url, EXAMPLES_DIR, platform=platform))
        plan = plan_against(node.base_url, EXAMPLES_DIR, platform, secrets, docs)
    written: dict[tuple[str, str], set[str]] = defaultdict(set)
    for step in plan.steps:
        written[(step.source.split(" ", 1)[0], step.change.resource)] |= set(step.change.fields)
    assert len(written) >= 12, sorted(written)  # the examples reach most kinds and types
    untraced = {
        f"{kind} {resource}": sorted(names - set(BY_KIND[kind].spec_fields.get(resource, {})))
        for (kind, resource), names in written.items()
    }
    left = {k: v for k, v in untraced.items() if v}
    assert left == {}, "\n".join(f"{k}: {v}" for k, v in sorted(left.items()))


def test_every_table_is_of_a_type_the_kind_writes() -> None:
    for kind, registration in BY_KIND.items():
        assert set(registration.spec_fields) <= {w.name for w in registration.writes}, kind

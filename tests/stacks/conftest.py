"""Fixtures for the stack tests: one mocked run of each committed stack config."""

from __future__ import annotations

import pytest

from tests.stacks.mocked import Run, run_program
from tests.stacks.stackconfig import PROD_IMAGE, stack_config

PASSWORD = "s3cret-Stage-Passw0rd"


@pytest.fixture(scope="module")
def stage_run() -> Run:
    return run_program(
        "stage", stack_config("stage"), {"stage": {"username": "vdx-operator", "password": PASSWORD}}
    )


@pytest.fixture(scope="module")
def prod_run() -> Run:
    config = {**stack_config("prod"), "image": PROD_IMAGE}
    return run_program("prod", config, {"prod": {"username": "vdx-operator", "password": PASSWORD}})

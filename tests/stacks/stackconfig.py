"""The committed stack configs (`Pulumi.<stack>.yaml`) as the program reads them, for tests."""

from __future__ import annotations

from typing import Any

import yaml

from vdx.paths import REPO_ROOT

PROJECT = "vdx-operator"
PROD_IMAGE = "registry.vdx.medcom.dk/vdx-operator@sha256:" + "ab" * 32


def stack_config(stack: str) -> dict[str, Any]:
    document = yaml.safe_load((REPO_ROOT / f"Pulumi.{stack}.yaml").read_text())
    prefix = f"{PROJECT}:"
    return {
        key.removeprefix(prefix): value for key, value in document["config"].items() if key.startswith(prefix)
    }

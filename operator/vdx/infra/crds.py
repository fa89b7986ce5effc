"""The CRDs the stack installs: exactly the generated files in `schemas/crds/` (`vdx schemas`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from vdx.paths import CRDS_DIR


def load_crds(directory: Path = CRDS_DIR) -> list[dict[str, Any]]:
    documents = []
    for path in sorted(directory.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document and document.get("kind") == "CustomResourceDefinition":
                documents.append(document)
    if not documents:
        raise FileNotFoundError(f"no CustomResourceDefinitions in {directory}: run `vdx schemas`")
    return documents

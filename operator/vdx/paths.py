"""Where the repository's own folders are, found from the package's location.

The package is installed editable from `operator/vdx`, so the repository root is two levels up.
Commands that work on the repository (schemas, examples) take an explicit path option too.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMAS_DIR = REPO_ROOT / "schemas"
CRDS_DIR = SCHEMAS_DIR / "crds"
ADMISSION_DIR = SCHEMAS_DIR / "admission"
EXAMPLES_DIR = REPO_ROOT / "examples"
# Reference material shared by the project's clones (CI puts a copy beside the clone); not shipped.
SHARED_DIR = REPO_ROOT.parent / "shared"

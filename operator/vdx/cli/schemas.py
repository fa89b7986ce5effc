"""`vdx schemas`: write (or check) what is generated from the models: the CRDs, editor JSON Schemas,
admission policies and Argo CD health checks."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from vdx.paths import SCHEMAS_DIR

# Sub-folders of schemas/ that hold only generated files: the CRDs, the editor JSON Schemas, the
# ValidatingAdmissionPolicies of the platform rules (vdx.policies.vap, via all_files()) and the
# Argo CD health checks of every kind (vdx.crd.argocd).
GENERATED_DIRS = ("crds", "jsonschema", "admission", "argocd")


def generated_files() -> dict[str, str]:
    """Every file `vdx schemas` writes, relative to schemas/ -> content."""
    from vdx.crd.argocd import argocd_files
    from vdx.crd.generate import all_files

    return {**all_files(), **argocd_files()}


def stale_files(out_dir: Path) -> list[str]:
    """Generated files that are missing, different, or no longer generated."""
    from vdx.generated import stale_files as stale

    return stale(out_dir, generated_files(), GENERATED_DIRS)


@click.command()
@click.option("--check", is_flag=True, help="Exit non-zero if schemas/ is stale; write nothing.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=SCHEMAS_DIR,
    show_default="the repository's schemas/",
    help="Folder to write into.",
)
def command(check: bool, out_dir: Path) -> None:
    """Generate the CRDs (schemas/crds) and JSON Schemas (schemas/jsonschema) from the models.

    With them the admission policies (schemas/admission) and the Argo CD health check of every kind
    (schemas/argocd/argocd-cm-health.yaml, docs/argocd-health.md).
    """
    if check:
        problems = stale_files(out_dir)
        if problems:
            for problem in problems:
                click.echo(problem, err=True)
            click.echo(
                "schemas/ is stale: run `vdx schemas` (or `make schemas`) and commit the result.", err=True
            )
            sys.exit(1)
        click.echo(f"schemas/ is current ({len(generated_files())} files).")
        return
    from vdx.generated import write_files

    files = generated_files()
    write_files(out_dir, files, GENERATED_DIRS)
    click.echo(f"wrote {len(files)} files under {out_dir}")

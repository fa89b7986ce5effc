"""`vdx monitoring`: write (or check) the Prometheus rules and the Grafana dashboard generated from
the operator's metrics."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from vdx.paths import REPO_ROOT, SCHEMAS_DIR

MONITORING_DIR = SCHEMAS_DIR / "monitoring"
# The drawing of the dashboard docs/operations.md shows (vdx.controller.dashboard_preview).
PREVIEW = REPO_ROOT / "docs" / "images" / "vdx-dashboard.svg"


def preview_svg() -> str:
    import json

    from vdx.controller.dashboard import dashboard_json
    from vdx.controller.dashboard_preview import render

    return render(json.loads(dashboard_json()))


def stale_files(out_dir: Path) -> list[str]:
    """Generated files that are missing, different, or no longer generated."""
    from vdx.controller.monitoring import all_files
    from vdx.generated import stale_files as stale

    return stale(out_dir, all_files(), ("",))


@click.command()
@click.option("--check", is_flag=True, help="Exit non-zero if the files are stale; write nothing.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=MONITORING_DIR,
    show_default="the repository's schemas/monitoring/",
    help="Folder to write into.",
)
@click.option(
    "--preview",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write (with --check: compare) an SVG drawing of the dashboard here, e.g. "
    "docs/images/vdx-dashboard.svg.",
)
def command(check: bool, out_dir: Path, preview: Path | None) -> None:
    """Generate the Prometheus rules and the Grafana dashboard (schemas/monitoring/) from the metrics."""
    from vdx.controller.monitoring import all_files

    files = all_files()
    if check:
        problems = stale_files(out_dir)
        if preview is not None and (
            not preview.exists() or preview.read_text(encoding="utf-8") != preview_svg()
        ):
            problems.append(f"out of date: {preview.name} (run `vdx monitoring --preview {preview}`)")
        if problems:
            for problem in problems:
                click.echo(problem, err=True)
            click.echo(f"{out_dir.name}/ is stale: run `vdx monitoring` and commit the result.", err=True)
            sys.exit(1)
        click.echo(f"{out_dir.name}/ is current ({len(files)} files).")
        return
    from vdx.generated import write_files

    write_files(out_dir, files, ("",))
    click.echo(f"wrote {len(files)} files under {out_dir}")
    if preview is not None:
        preview.parent.mkdir(parents=True, exist_ok=True)
        preview.write_text(preview_svg(), encoding="utf-8")
        click.echo(f"wrote {preview}")

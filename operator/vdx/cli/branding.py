"""`vdx branding`: check, preview and package a CviBranding from a file of the GitOps tree, offline.

These are the commands a region (or its reviewer) runs on a pull request: nothing here talks to
Kubernetes or Pexip, so the picture and the package are exactly what the files say.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vdx.cli.options import deprecated_alias, resolved

if TYPE_CHECKING:  # imported where used: rendering brings Pillow, resvg and jinja2
    from vdx.branding.files import FoundBranding
    from vdx.branding.problems import BrandingProblem

_FILE = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
_ASSETS = click.option(
    "--assets",
    "assets",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="More places to find the images: YAML files or folders with the ConfigMap/Secret, or image files "
    "named like the key (logo.svg). Repeatable.",
)
_NAME = click.option("--name", help="Which CviBranding, when FILE holds several (metadata.name).")


def _select(file: Path, assets: tuple[Path, ...], name: str | None) -> list[FoundBranding]:
    from vdx.api.loader import LoadError
    from vdx.branding.files import find_brandings

    try:
        found = find_brandings(file, assets)
    except LoadError as exc:
        raise click.ClickException(str(exc)) from None
    if not found:
        raise click.ClickException(
            f"{file} holds no CviBranding (kind: CviBranding, apiVersion vdx.medcom.dk/...)"
        )
    if name is not None:
        found = [f for f in found if f.branding.metadata.name == name]
        if not found:
            raise click.ClickException(f"{file} holds no CviBranding named {name}")
    return found


def _one(file: Path, assets: tuple[Path, ...], name: str | None) -> FoundBranding:
    found = _select(file, assets, name)
    if len(found) > 1:
        names = ", ".join(f.branding.metadata.name for f in found)
        raise click.ClickException(f"{file} holds several CviBrandings ({names}); choose one with --name")
    return found[0]


def _report(found: FoundBranding, problems: list[BrandingProblem]) -> None:
    meta = found.branding.metadata
    label = f"CviBranding {meta.namespace}/{meta.name}" if meta.namespace else f"CviBranding {meta.name}"
    if not problems:
        click.echo(f"{found.source}: {label}: all checks passed", err=True)
    for problem in problems:
        click.echo(f"{found.source}: {label}: {problem}", err=True)


def _has_errors(problems: list[BrandingProblem]) -> bool:
    from vdx.branding.problems import Severity

    return any(p.severity is Severity.ERROR for p in problems)


@click.group()
def command() -> None:
    """Corporate visual identity: check, preview and package a CviBranding offline."""


@command.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@_ASSETS
def check(path: Path, assets: tuple[Path, ...]) -> None:
    """Check every CviBranding in PATH (a file, or a folder of the tree): images, Danish texts, WCAG
    contrast. Exit 1 on errors."""
    from vdx.api.loader import LoadError, yaml_files
    from vdx.branding import validate_branding
    from vdx.branding.files import find_brandings

    failed = False
    files = [path] if path.is_file() else yaml_files([path])
    everything: list[FoundBranding] = []
    for file in files:
        try:
            everything.extend(find_brandings(file, assets))
        except LoadError as exc:
            raise click.ClickException(str(exc)) from None
    if not everything:
        raise click.ClickException(
            f"{path} holds no CviBranding (kind: CviBranding, apiVersion vdx.medcom.dk/...)"
        )
    for found in everything:
        problems = validate_branding(found.branding, found.assets)
        _report(found, problems)
        failed = failed or _has_errors(problems)
    if failed:
        sys.exit(1)


@command.command()
@_FILE
@click.option(
    "--out",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("preview.png"),
    show_default=True,
    callback=resolved("output", "--out"),
    help="The PNG to write.",
)
@deprecated_alias(("-o", "--output"), "output", "--out", type=click.Path(dir_okay=False, path_type=Path))
@_ASSETS
@_NAME
def preview(file: Path, output: Path, assets: tuple[Path, ...], name: str | None) -> None:
    """Draw the join screen and the IVR splash screen of a CviBranding into a PNG."""
    from vdx.branding import BrandingError, render_preview, validate_branding

    found = _one(file, assets, name)
    problems = validate_branding(found.branding, found.assets)
    _report(found, problems)
    try:
        png = render_preview(found.branding, found.assets, problems)
    except BrandingError as exc:
        raise click.ClickException(str(exc)) from None
    output.write_bytes(png)
    click.echo(f"wrote {output}")


@command.command()
@_FILE
@click.option(
    "--out",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("branding.zip"),
    show_default=True,
    callback=resolved("output", "--out"),
    help="The webapp3 branding package.",
)
@deprecated_alias(("-o", "--output"), "output", "--out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--ivr-theme",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the IVR theme package here.",
)
@click.option(
    "--ignore-checks", is_flag=True, help="Write the packages even if checks find errors (for inspection)."
)
@_ASSETS
@_NAME
def package(
    file: Path,
    output: Path,
    ivr_theme: Path | None,
    ignore_checks: bool,
    assets: tuple[Path, ...],
    name: str | None,
) -> None:
    """Write the webapp3 branding package (and the IVR theme) exactly as the operator would upload them."""
    from vdx.branding import BrandingError, render_ivr_theme, render_webapp_package, validate_branding

    found = _one(file, assets, name)
    problems = validate_branding(found.branding, found.assets)
    _report(found, problems)
    if _has_errors(problems) and not ignore_checks:
        raise click.ClickException(
            "checks found errors; fix them, or pass --ignore-checks to write the packages anyway"
        )
    try:
        rendered = [(output, render_webapp_package(found.branding, found.assets))]
        if ivr_theme is not None:
            rendered.append((ivr_theme, render_ivr_theme(found.branding, found.assets)))
    except BrandingError as exc:
        raise click.ClickException(str(exc)) from None
    for path, result in rendered:
        path.write_bytes(result.zip_bytes)
        click.echo(f"wrote {path} sha256={result.sha256} ({len(result.files)} files)")


@command.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing; exit 1 if a ConfigMap is out of date with its image files (for CI).",
)
def update(path: Path, check_only: bool) -> None:
    """Write the ConfigMap of each branding in PATH from the image files next to it.

    Put logo.svg (or .png) and background.jpg in the folder of your branding.yaml, under the names
    its configMapKeyRefs name, and run this: it writes <configmap-name>.yaml next to them, which is
    what the cluster gets. PATH is a folder (prod/rm) or a whole tree. Then the checks run.
    """
    from vdx.branding import validate_branding
    from vdx.branding.files import UpdateRefused, branding_folders, find_brandings, plan_update

    folders = branding_folders(path)
    if not folders:
        raise click.ClickException(
            f"{path} holds no CviBranding (kind: CviBranding, apiVersion vdx.medcom.dk/...)"
        )
    stale: list[Path] = []
    failed = False
    for folder in folders:
        try:
            planned = plan_update(folder)
        except UpdateRefused as exc:
            raise click.ClickException(str(exc)) from None
        for generated in planned:
            made_of = ", ".join(generated.made_of)
            if generated.current:
                click.echo(f"{generated.path}: up to date ({made_of})")
            elif check_only:
                stale.append(generated.path)
                click.echo(f"{generated.path}: out of date with {made_of}", err=True)
            else:
                generated.path.write_text(generated.text, encoding="utf-8")
                click.echo(f"wrote {generated.path} from {made_of}")
        if not planned:
            click.echo(
                f"{folder}: no picture its CviBranding names is a file here (symbolic links are not "
                f"followed), so its ConfigMap is written by hand; nothing to do"
            )
            continue
        if check_only:
            continue
        for file in sorted({p for p in folder.iterdir() if p.suffix in (".yaml", ".yml")}):
            for found in find_brandings(file):
                problems = validate_branding(found.branding, found.assets)
                _report(found, problems)
                failed = failed or _has_errors(problems)
    if stale:
        raise click.ClickException(
            f"{len(stale)} ConfigMap file(s) out of date: run `vdx branding update {path}`"
        )
    if failed:
        click.echo("the checks found errors (above): fix the files and run the command again", err=True)
        sys.exit(1)

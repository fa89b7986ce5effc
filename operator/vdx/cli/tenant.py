"""`vdx tenant new NAME [PATH]`: scaffold a new organisation in a GitOps tree and list what remains.

The files come from `vdx.onboarding.scaffold` (pure); this module reads the tree (its platforms and
tenants), judges the new files together with the tree by the platform rules before writing
anything, writes them, and prints the steps outside Git. docs/onboarding.md is the checklist.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from vdx.api.tenant import OrganisationKind


@click.group()
def command() -> None:
    """Tenants in a GitOps tree: onboarding a new organisation."""


@command.command("new")
@click.argument("name")
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--kind",
    "kind",
    type=click.Choice([k.value for k in OrganisationKind]),
    required=True,
    help="What kind of organisation this is (Tenant spec.organisationKind).",
)
@click.option(
    "--domain",
    "domains",
    multiple=True,
    required=True,
    help="The organisation's VDX domain (e.g. vdx.horsens.dk); repeat for each. Stage gets stage.<domain>.",
)
@click.option(
    "--region",
    default=None,
    help="The organisation's region (hovedstaden, sjaelland, syddanmark, midtjylland, nordjylland); "
    "required for a Municipality, written as the Tenant's spec.region.",
)
@click.option(
    "--display-name",
    default=None,
    help="The organisation's name as people read it (default for a Municipality: '<Name> Kommune').",
)
@click.option(
    "--system-location",
    default=None,
    help="The Pexip system location whose clients get the TURN service (default: none, not attached).",
)
@click.option(
    "--platform",
    "platforms",
    multiple=True,
    help="A PexipPlatform of the tree to scaffold for; repeat (default: every Production and Stage one).",
)
def new(
    name: str,
    path: Path,
    kind: str,
    domains: tuple[str, ...],
    region: str | None,
    display_name: str | None,
    system_location: str | None,
    platforms: tuple[str, ...],
) -> None:
    """Scaffold tenant NAME in the tree at PATH: Namespace, Tenant, a TlsCertificate, TurnService and
    Domain per domain, a CviBranding skeleton, on prod and its stage twin; then print the steps that
    remain outside Git (stack config, Secrets and their keys, DNS, system location, firewall).

    Nothing is written when a file exists already or the new files break a platform rule.
    """
    from vdx.api.platform import Environment, PexipPlatform
    from vdx.api.tenant import Tenant
    from vdx.onboarding.scaffold import Platform, Request, ScaffoldError, next_steps, scaffold
    from vdx.policies.engine import check_workspace
    from vdx.policies.formats import to_text
    from vdx.policies.source import add_text, read_paths

    organisation = OrganisationKind(kind)
    if display_name is None:
        if organisation is not OrganisationKind.MUNICIPALITY:
            raise click.UsageError(f"--display-name is required for a {kind} (e.g. 'Region Midtjylland')")
        # ikast-brande -> Ikast-Brande Kommune
        display_name = "-".join(part.capitalize() for part in name.split("-")) + " Kommune"
    workspace = read_paths([path])
    in_tree = {p.name: p for p in workspace.tree.of_kind(PexipPlatform)}
    chosen = list(platforms) or sorted(
        n for n, p in in_tree.items() if p.spec.environment in (Environment.PRODUCTION, Environment.STAGE)
    )
    unknown = [p for p in chosen if p not in in_tree]
    if unknown:
        raise click.UsageError(
            f"--platform {', '.join(unknown)}: not a PexipPlatform of the tree at {path} "
            f"(the platforms are {', '.join(sorted(in_tree)) or 'none'})"
        )
    request = Request(
        name=name,
        kind=organisation,
        display_name=display_name,
        domains=tuple(d.lower() for d in domains),
        region=region,
        system_location=system_location,
        platforms=tuple(Platform(p, in_tree[p].spec.environment is Environment.STAGE) for p in chosen),
    )
    try:
        result = scaffold(request)
    except ScaffoldError as error:
        raise click.UsageError(str(error)) from None

    taken = {t.name for t in workspace.tree.of_kind(Tenant)} & {twin.tenant for twin in result.twins}
    if taken:
        raise click.UsageError(f"the tree already has Tenant {', '.join(sorted(taken))}; choose another NAME")
    existing = [rel for rel in sorted(result.files) if (path / rel).exists()]
    if existing:
        raise click.UsageError(
            f"{', '.join((path / rel).as_posix() for rel in existing)} exists already; nothing was written"
        )

    # The new files judged with the whole tree, before anything is written.
    new_files = {(path / rel).as_posix(): text for rel, text in result.files.items()}
    for file, text in new_files.items():
        if file.endswith(".yaml"):  # the pictures are read by `vdx check` once they are written
            add_text(workspace, text, file)
            workspace.files.append(file)
    findings = check_workspace(workspace)
    concerning = [
        f
        for f in findings
        if f.is_error
        and (
            (f.location is not None and f.location.file in new_files)
            or any(r.name in {t.tenant for t in result.twins} for r in f.related)
        )
    ]
    if concerning:
        click.echo(to_text(concerning, len(new_files)), nl=False, err=True)
        click.echo("vdx tenant new: the new tenant breaks the rules above; nothing was written.", err=True)
        sys.exit(1)

    for file, text in new_files.items():
        target = Path(file)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    click.echo(next_steps(request, result), nl=False)

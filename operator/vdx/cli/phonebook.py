"""`vdx phonebook PATH...`: the phone book from a GitOps tree, offline, as the operator serves it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from vdx.cli.options import cluster_options, output_option, tenant_states
from vdx.phonebook.formats import FORMATS


@click.command()
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path), metavar="PATH..."
)
@click.option("--tenant", default=None, help="That tenant's view (Tenant metadata.name); default: all.")
@click.option(
    "--platform",
    default=None,
    help="Only this PexipPlatform's entries (stage, prod), or 'all' (default: the tenant's own platform; "
    "without --tenant, the Production platform).",
)
@output_option(
    FORMATS,
    "csv",
    help="csv for spreadsheets, json for tools, xml for phones and video endpoints.",
)
@cluster_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
def command(
    paths: tuple[Path, ...],
    tenant: str | None,
    platform: str | None,
    output_format: str,
    kubeconfig: Path | None,
    kube_context: str | None,
    out: Path | None,
) -> None:
    """Print or export the phone book: the listed MeetingRooms and Devices of every Tenant, with
    organisation and kind. With --tenant, what that tenant sees: its own entries and those of
    tenants whose spec.phoneBook.visibleToOtherTenants is true, on its own platform.

    Each tenant's state (Ready, or how many of its resources are not, naming the first) comes from
    the cluster given with --kubeconfig; a tree alone has no status: "state unknown (no cluster)".
    """
    from vdx.api.loader import LoadError, load_tree
    from vdx.phonebook.book import UnknownTenant, default_platform, view
    from vdx.phonebook.formats import render
    from vdx.phonebook.tree import from_tree

    try:
        tree = load_tree(paths)
    except LoadError as error:
        raise click.ClickException(
            f"the GitOps tree does not load (`vdx check` shows the same): {error}"
        ) from None
    book = replace(from_tree(tree), states=tenant_states(kubeconfig, kube_context))
    if tenant is None and platform is None and (chosen := default_platform(book)) is not None:
        others = sorted({t.platform for t in book.tenants} - {chosen})
        click.echo(
            f"phone book of platform {chosen} (Production); --platform {' or '.join(others)} for "
            "another, --platform all for every platform",
            err=True,
        )
    try:
        entries = view(book, tenant, platform)
    except UnknownTenant as error:
        known = ", ".join(error.known) or "none"
        raise click.ClickException(
            f"no Tenant named {error.name} in the tree (tenants: {known}); pass --tenant with one of them"
        ) from None
    data = render(entries, output_format, tenant=tenant, states=book.states)
    if out is None:
        click.echo(data, nl=False)
    else:
        out.write_bytes(data)
        click.echo(f"wrote {len(entries)} entries to {out}", err=True)

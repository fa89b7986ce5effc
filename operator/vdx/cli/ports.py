"""`vdx ports`: the firewall openings a tenant's network needs, from the platform's live configuration."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import click

from vdx.cli.options import connection_options
from vdx.paths import EXAMPLES_DIR


@click.command()
@click.option(
    "--platform", "platform_name", required=True, help="PexipPlatform name in the tree (stage, prod)."
)
@click.option("--tenant", default=None, help="Only this tenant (default: every tenant on the platform).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(("text", "csv", "markdown")),
    default="text",
    show_default=True,
    help="text for people, csv for spreadsheets, markdown for tickets and e-mails.",
)
@click.option(
    "--tree",
    type=click.Path(exists=True, path_type=Path),
    default=EXAMPLES_DIR,
    show_default="examples/",
    help="GitOps tree with the PexipPlatform, Tenants, Domains and TurnServices.",
)
@connection_options
def command(
    platform_name: str,
    tenant: str | None,
    output_format: str,
    tree: Path,
    url: str | None,
    credentials_file: Path | None,
    ca_bundle: Path | None,
) -> None:
    """Print, per tenant, what its network must allow: direction, protocol, ports, source,
    destination and why, derived from the platform's global settings (media and signalling port
    ranges, SIP, H.323, TURN on 443), its TURN servers and system locations, and the tenant's
    Domains and TurnServices in Git. CSV output carries notes on stderr.
    """
    from vdx.pexip import PexipError
    from vdx.ports.collect import live_config, tenant_network
    from vdx.ports.derive import derive
    from vdx.ports.render import render
    from vdx.stats import connect

    try:
        loaded = connect.load(tree)
        tenants = connect.tenants_of(loaded, platform_name, tenant)
        credentials = connect.load_credentials(credentials_file, os.environ)
        client = connect.open_client(
            loaded, platform_name, url=url, credentials=credentials, ca_bundle=ca_bundle
        )
    except connect.SetupError as error:
        raise click.ClickException(str(error)) from None
    if not tenants:
        raise click.ClickException(
            f"no Tenant in the tree has spec.platformRef.name {platform_name}; check --platform and --tree"
        )

    async def read() -> object:
        async with client:
            return await live_config(client)

    try:
        live = asyncio.run(read())
    except PexipError as error:
        raise click.ClickException(connect.explain(error, platform_name)) from None
    from vdx.ports.derive import LiveConfig

    assert isinstance(live, LiveConfig)
    results = [(t.name, derive(tenant_network(loaded, t), live)) for t in tenants]
    click.echo(render(results, output_format), nl=False)
    if output_format == "csv":
        for name, derivation in results:
            for note in derivation.notes:
                click.echo(f"note ({name}): {note}", err=True)

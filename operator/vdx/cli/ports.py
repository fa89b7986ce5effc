"""`vdx ports`: the firewall openings a tenant's network needs, from the platform's live configuration;
`vdx ports probe` tests them from inside the tenant's network; `vdx ports status` shows who is ready."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vdx.cli.options import (
    DefaultGroup,
    cluster_options,
    connection_options,
    output_option,
    tenant_states,
    tree_argument,
)
from vdx.paths import EXAMPLES_DIR

if TYPE_CHECKING:
    from vdx.api.tenant import Tenant
    from vdx.ports.derive import Derivation

FORMATS = ("text", "csv", "markdown", "probe")


def _derive(
    platform_name: str,
    tenant: str | None,
    tree: Path,
    url: str | None,
    credentials_file: Path | None,
    ca_bundle: Path | None,
) -> list[tuple[Tenant, Derivation]]:
    """Each tenant's port table from the live configuration (read-only credentials suffice)."""
    from vdx.pexip import PexipError
    from vdx.ports.collect import live_config, tenant_network
    from vdx.ports.derive import LiveConfig, derive
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
            f"no Tenant in the tree has spec.platformRef.name {platform_name}; "
            "check --platform and the tree's PATH"
        )

    async def read() -> LiveConfig:
        async with client:
            return await live_config(client)

    try:
        live = asyncio.run(read())
    except PexipError as error:
        raise click.ClickException(connect.explain(error, platform_name)) from None
    return [(t, derive(tenant_network(loaded, t), live)) for t in tenants]


@click.group(cls=DefaultGroup, default="show")
def command() -> None:
    """Print, per tenant, what its network must allow: direction, protocol, ports, source,
    destination and why (`vdx ports [PATH] --platform NAME`, the command `show`); probe the openings
    from a tenant's network, publish the probe files and track who is ready.
    """


@command.command("show")
@tree_argument(EXAMPLES_DIR)
@click.option(
    "--platform", "platform_name", default=None, help="PexipPlatform name in the tree (stage, prod)."
)
@click.option("--tenant", default=None, help="Only this tenant (default: every tenant on the platform).")
@output_option(
    FORMATS,
    "text",
    help="text for people, csv for spreadsheets, markdown for tickets and e-mails, probe for the JSON "
    "`vdx ports probe` reads (one tenant).",
)
@click.option(
    "--width",
    type=click.IntRange(min=60),
    default=None,
    help="Line width of the text format (default: the terminal's).",
)
@connection_options
@cluster_options
def show(
    tree: Path,
    platform_name: str | None,
    tenant: str | None,
    output_format: str,
    width: int | None,
    url: str | None,
    credentials_file: Path | None,
    ca_bundle: Path | None,
    kubeconfig: Path | None,
    kube_context: str | None,
) -> None:
    """Print, per tenant, what its network must allow: direction, protocol, ports, source,
    destination and why, derived from the platform's global settings (media and signalling port
    ranges, SIP, H.323, TURN on 443), its TURN servers, system locations and edge nodes, and the
    tenant's Domains, TurnServices and Recorders in the GitOps tree at PATH (default: examples/).
    CSV output carries notes on stderr. This is what `vdx ports PATH` runs.

    Each tenant's state (Ready, or how many of its resources are not) comes from the cluster given
    with --kubeconfig; from the tree alone it is "state unknown (no cluster)".
    """
    if platform_name is None:
        raise click.UsageError("--platform is required (the PexipPlatform name in the tree: stage, prod)")
    from vdx.ports.derive import table_fingerprint
    from vdx.ports.probe_plan import plan
    from vdx.ports.render import render

    if output_format == "probe" and tenant is None:
        raise click.UsageError("-o probe writes one tenant's file: add --tenant NAME")
    results = _derive(platform_name, tenant, tree, url, credentials_file, ca_bundle)
    states = None if output_format == "probe" else tenant_states(kubeconfig, kube_context)
    if output_format == "probe":
        (chosen, derivation), *_ = results
        spec = plan(chosen.name, platform_name, derivation, table_fingerprint(derivation), datetime.now(UTC))
        click.echo(spec.model_dump_json(indent=2))
        return
    columns = width or shutil.get_terminal_size((100, 24)).columns
    named = [(t.name, d) for t, d in results]
    click.echo(render(named, output_format, width=columns, states=states), nl=False)
    if output_format == "csv":
        for name, derivation in named:
            for note in derivation.notes:
                click.echo(f"note ({name}): {note}", err=True)


@command.command("probe")
@tree_argument(EXAMPLES_DIR)
@click.option("--tenant", required=True, help="The tenant whose openings to test (as in the probe file).")
@click.option("--platform", "platform_name", required=True, help="stage or prod (as in the probe file).")
@click.option(
    "--from",
    "source",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The probe file MedCom publishes for the tenant (`vdx ports -o probe`). Without it the "
    "table is read from the platform, which needs read credentials.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="Where to write the JSON report (send this file back, see docs/firewall.md).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.2, max=60),
    default=4.0,
    show_default=True,
    help="Seconds each check may take; no answer by then counts as filtered.",
)
@click.option(
    "--ca-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="PEM CA certificates to trust instead of the system's (a TLS-inspecting proxy's CA; tests).",
)
@connection_options
def probe(
    tree: Path,
    tenant: str,
    platform_name: str,
    source: Path | None,
    out: Path,
    timeout: float,
    ca_file: Path | None,
    url: str | None,
    credentials_file: Path | None,
    ca_bundle: Path | None,
) -> None:
    """Test, from inside the tenant's network, that every opening of its port table works: STUN to
    the TURN servers, TLS to the web app domains and edge nodes (the certificate must cover the
    name), TCP to SIP TLS and H.323. Needs no credentials with --from; without it the table is
    derived from the platform and the GitOps tree at PATH (default: examples/). Writes the JSON report to
    --out and prints it as text; exits 0 only when every required opening works, 1 otherwise.
    """
    from vdx.ports.derive import table_fingerprint
    from vdx.ports.probe_plan import SpecError, load_spec, plan
    from vdx.ports.probe_run import Runner
    from vdx.ports.report import render_text

    if source is not None:
        try:
            spec = load_spec(source.read_text(encoding="utf-8"), str(source))
        except (SpecError, UnicodeDecodeError) as error:
            raise click.ClickException(str(error)) from None
        for field, given, found in (
            ("--tenant", tenant, spec.tenant),
            ("--platform", platform_name, spec.platform),
        ):
            if given != found:
                raise click.ClickException(
                    f"{source} is the probe file for {spec.tenant} on {spec.platform}, not {field} {given}; "
                    "use the file made for this tenant and platform"
                )
    else:
        (chosen, derivation), *_ = _derive(platform_name, tenant, tree, url, credentials_file, ca_bundle)
        spec = plan(chosen.name, platform_name, derivation, table_fingerprint(derivation), datetime.now(UTC))
    report = asyncio.run(Runner(timeout=timeout, ca_file=ca_file).run(spec))
    out.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    click.echo(render_text(report, width=shutil.get_terminal_size((100, 24)).columns))
    click.echo(f"report written to {out}")
    sys.exit(0 if report.passed else 1)


@command.command("publish")
@tree_argument(EXAMPLES_DIR)
@click.option("--platform", "platform_name", required=True, help="stage or prod.")
@click.option("--tenant", default=None, help="Only this tenant (default: every tenant on the platform).")
@connection_options
def publish(
    tree: Path,
    platform_name: str,
    tenant: str | None,
    url: str | None,
    credentials_file: Path | None,
    ca_bundle: Path | None,
) -> None:
    """Write each tenant's probe file into the tree at PATH (readiness/<tenant>/firewall-readiness.yaml) from
    the live port table. Run it when the platform changes (or on a schedule) and merge the result:
    a tenant whose table changed has stale reports until its network team probes again.
    """
    from vdx.ports import readiness_tree
    from vdx.ports.derive import table_fingerprint
    from vdx.ports.probe_plan import plan

    now = datetime.now(UTC)
    for chosen, derivation in _derive(platform_name, tenant, tree, url, credentials_file, ca_bundle):
        spec = plan(chosen.name, platform_name, derivation, table_fingerprint(derivation), now)
        written, previous = readiness_tree.publish(tree, chosen.name, chosen.spec.namespace, spec)
        where = readiness_tree.path_of(tree, chosen.name).relative_to(tree)
        if not written:
            click.echo(f"{chosen.name}: table unchanged ({spec.table_fingerprint})")
        elif previous is None:
            click.echo(f"{chosen.name}: published {where} ({spec.table_fingerprint})")
        else:
            click.echo(
                f"{chosen.name}: the port table changed ({previous} -> {spec.table_fingerprint}); earlier "
                f"reports are stale until the tenant probes again; updated {where}"
            )


@command.command("accept")
@click.argument("report_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@tree_argument(EXAMPLES_DIR)
def accept(report_file: Path, tree: Path) -> None:
    """Add a probe report a tenant sent back to its readiness in the tree at PATH, after checking that it is
    a report, for a tenant and platform of the tree; commit the change in a pull request."""
    from vdx.ports import readiness_tree
    from vdx.ports.report import ReportError, load_report
    from vdx.stats import connect

    text = report_file.read_text(encoding="utf-8")
    try:
        report = load_report(text, str(report_file))
        loaded = connect.load(tree)
        (chosen,) = connect.tenants_of(loaded, report.platform, report.tenant)
        readiness_tree.accept(
            tree, chosen.name, chosen.spec.namespace, report.platform, text, str(report_file)
        )
    except (ReportError, ValueError, connect.SetupError) as error:
        raise click.ClickException(str(error)) from None
    verdict = "passed" if report.passed else f"failed ({len(report.failing())} required opening(s))"
    where = readiness_tree.path_of(tree, chosen.name).relative_to(tree)
    click.echo(f"{report.tenant}: report of {report.finished:%Y-%m-%d} {verdict}; added to {where}")


@command.command("status")
@tree_argument(EXAMPLES_DIR)
@click.option("--platform", "platform_name", required=True, help="stage or prod.")
@click.option(
    "--region",
    type=click.Choice(("hovedstaden", "sjaelland", "syddanmark", "midtjylland", "nordjylland")),
    default=None,
    help="Only this region's organisations (the Tenant's spec.region).",
)
@output_option(
    ("text", "markdown", "csv"),
    "text",
    help="text for the terminal, markdown for the e-mail to municipalities, csv for a spreadsheet.",
)
def status(tree: Path, platform_name: str, region: str | None, output_format: str) -> None:
    """Per region: organisations ready, failing (with the openings that fail), stale (the port table
    changed since, or the report is old) and never tested, from the readiness in the tree at PATH: the
    same files the operator's FirewallReady condition reads. Needs no credentials.
    """
    from vdx.ports.readiness import from_files
    from vdx.ports.readiness_tree import files_in
    from vdx.ports.status import Row, render
    from vdx.stats import connect

    try:
        loaded = connect.load(tree)
        tenants = connect.tenants_of(loaded, platform_name)
    except connect.SetupError as error:
        raise click.ClickException(str(error)) from None
    now = datetime.now(UTC)
    rows = [
        Row(
            str(t.spec.region or ""),
            t.name,
            t.spec.display_name,
            str(t.spec.organisation_kind),
            from_files(files_in(loaded, t.spec.namespace), t.name, platform_name, now),
        )
        for t in tenants
        if region is None or t.spec.region == region
    ]
    if not rows:
        raise click.ClickException(
            f"no Tenant on platform {platform_name}"
            + (f" has spec.region {region}" if region else "")
            + " in the tree; check --platform, --region and the tree's PATH"
        )
    click.echo(render(rows, output_format), nl=False)

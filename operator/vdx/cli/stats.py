"""`vdx stats export`: usage statistics per tenant and day, for Excel and Power BI (docs/statistics.md)."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click

from vdx.cli.options import connection_options, tree_argument
from vdx.paths import EXAMPLES_DIR


@click.group()
def command() -> None:
    """Usage statistics from Pexip's history, per tenant and per day."""


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date; write it as YYYY-MM-DD", param_hint=option
        ) from None


@command.command("export")
@tree_argument(EXAMPLES_DIR)
@click.option(
    "--platform", "platform_name", required=True, help="PexipPlatform name in the tree (stage, prod)."
)
@click.option("--from", "first", required=True, metavar="DATE", help="First UTC day, YYYY-MM-DD.")
@click.option("--to", "last", required=True, metavar="DATE", help="Last UTC day (included), YYYY-MM-DD.")
@click.option("--tenant", default=None, help="Only this tenant (unattributed meetings are still listed).")
@click.option(
    "--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Directory for the files."
)
@connection_options
@click.option(
    "--window-hours",
    type=click.IntRange(1, 24),
    default=24,
    show_default=True,
    help="Hours of history read per request series; busy windows are split further.",
)
@click.option("--quiet", is_flag=True, help="No progress line (it is shown only on a terminal anyway).")
def export(
    tree: Path,
    platform_name: str,
    first: str,
    last: str,
    tenant: str | None,
    out: Path,
    url: str | None,
    credentials_file: Path | None,
    ca_bundle: Path | None,
    window_hours: int,
    quiet: bool,
) -> None:
    """Export meetings, participants, minutes, protocols, directions, direct media, call quality and
    peak concurrency per tenant and UTC day into OUT, for the Tenants of the GitOps tree at PATH
    (default: examples/): CSV files, an Excel workbook and a flat table
    for Power BI. Re-runs add only days not yet exported.
    """
    from vdx.pexip import PexipError
    from vdx.stats import connect
    from vdx.stats.export import ExportOptions, run_export
    from vdx.stats.progress import Progress
    from vdx.stats.state import StateError
    from vdx.stats.tables import TableError

    start, end = _day(first, "--from"), _day(last, "--to")
    if end < start:
        raise click.BadParameter(f"--to {end} is before --from {start}; swap them", param_hint="--to")
    try:
        loaded = connect.load(tree)
        every = [connect.tenant_info(t) for t in connect.tenants_of(loaded, platform_name)]
        connect.tenants_of(loaded, platform_name, tenant)  # checks --tenant
        credentials = connect.load_credentials(credentials_file, os.environ)
        client = connect.open_client(
            loaded, platform_name, url=url, credentials=credentials, ca_bundle=ca_bundle
        )
    except connect.SetupError as error:
        raise click.ClickException(str(error)) from None
    if not every:
        raise click.ClickException(
            f"no Tenant in the tree has spec.platformRef.name {platform_name}; nothing can be attributed. "
            "Check --platform and the tree's PATH"
        )
    options = ExportOptions(platform_name, every, start, end, out, tenant, window_hours)
    now = datetime.now(UTC).replace(tzinfo=None)

    async def run() -> object:
        async with client:
            progress = Progress.for_stream(0, sys.stderr, quiet=quiet)

            def report(done: int, total: int, label: str) -> None:
                progress.total = total
                progress.update(done, label)

            try:
                return await run_export(client, options, now=now, progress=report)
            finally:
                progress.finish()

    try:
        result = asyncio.run(run())
    except (StateError, TableError) as error:
        raise click.ClickException(str(error)) from None
    except PexipError as error:
        raise click.ClickException(connect.explain(error, platform_name)) from None
    from vdx.stats.export import ExportResult

    assert isinstance(result, ExportResult)
    plan = result.plan
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"exported {len(plan.to_export)} day(s): {result.meetings} meetings, "
        f"{result.unattributed} unattributed"
        f"; {len(plan.already_done)} day(s) already in {out}; {len(plan.not_over)} day(s) not over yet"
    )
    for path in result.files:
        click.echo(f"  {path}")


def _record_options(func: Any) -> Any:
    """Where the incident record comes from, and the availability target."""
    for option in reversed(
        [
            click.option(
                "--target",
                type=click.FloatRange(0, 100),
                default=None,
                help="The availability goal in percent (the same as --goal availability=N; default 99.9).",
            ),
            click.option(
                "--goal",
                "goal_settings",
                multiple=True,
                metavar="KEY=VALUE",
                help="A service goal's target, repeatable: availability, changes, quality, capacity "
                "(percent), drift_incidents, critical_alerts (counts, at most), certificate_days "
                "(at least); defaults in docs/operations.md.",
            ),
            click.option(
                "--from-file",
                "source",
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help="The incident record as `kubectl get configmap vdx-incidents -o yaml` wrote it (or "
                "its incidents.json); default: read the ConfigMap from the cluster.",
            ),
            click.option(
                "--kubeconfig", type=click.Path(exists=True, dir_okay=False), help="Default: $KUBECONFIG."
            ),
            click.option(
                "--namespace", default="vdx-system", show_default=True, help="The operator's namespace."
            ),
            click.option(
                "--prometheus",
                metavar="URL",
                help="A Prometheus that scrapes the operator: adds changes written to Pexip, drift "
                "corrections, certificate renewals and alerts fired in the month.",
            ),
        ]
    ):
        func = option(func)
    return func


def _load_record(source: Path | None, kubeconfig: str | None, namespace: str) -> Any:
    from vdx.controller.incident_store import CONFIG_MAP, KEY
    from vdx.controller.incidents import IncidentLog

    if source is not None:
        return IncidentLog.from_text(_record_text(source.read_text(encoding="utf-8"), KEY))
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    from vdx.cli.operator import api_client

    try:
        found = client.CoreV1Api(api_client(kubeconfig)).read_namespaced_config_map(CONFIG_MAP, namespace)
    except ApiException as exc:
        if exc.status != 404:
            raise click.ClickException(f"ConfigMap {namespace}/{CONFIG_MAP}: {exc.reason}") from None
        found = None
    return IncidentLog.from_text(((found.data or {}) if found is not None else {}).get(KEY, ""))


def _service_report(
    log: Any,
    platform: str,
    month: str,
    target: float | None,
    goal_settings: tuple[str, ...],
    prometheus: str | None,
) -> Any:
    from vdx.stats.goals import TargetError, targets
    from vdx.stats.prometheus_goals import PrometheusError, fetch, goal_queries
    from vdx.stats.service_goals import MonthError, build_report

    try:
        chosen = targets(goal_settings, target)
    except TargetError as error:
        raise click.BadParameter(str(error), param_hint="--goal") from None
    try:
        report = build_report(log.incidents, platform, month, chosen, datetime.now(UTC))
    except MonthError as error:
        raise click.BadParameter(str(error), param_hint="--month") from None
    if prometheus is None:
        return report
    try:
        figures = fetch(prometheus, goal_queries(platform, report.first, min(report.last, report.now)))
    except PrometheusError as error:
        raise click.ClickException(str(error)) from None
    return report.with_figures(figures)


def _new_workbook() -> Any:
    from openpyxl import Workbook

    workbook = Workbook()
    if workbook.active is not None:
        workbook.remove(workbook.active)
    return workbook


def _save(workbook: Any, xlsx: Path) -> None:
    workbook.save(xlsx)
    click.echo(f"\nwrote {xlsx}", err=True)


@command.command("incidents")
@click.option("--platform", required=True, help="The PexipPlatform's name.")
@click.option("--month", required=True, metavar="YYYY-MM", help="The calendar month (UTC).")
@_record_options
@click.option(
    "--xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the figures as the sheets 'Service goals' and 'Incidents' of this workbook.",
)
def incidents(
    platform: str,
    month: str,
    target: float | None,
    goal_settings: tuple[str, ...],
    source: Path | None,
    kubeconfig: str | None,
    namespace: str,
    prometheus: str | None,
    xlsx: Path | None,
) -> None:
    """The month's service goals (each against its target: met, missed or not measured) and
    incidents, from the operator's incident record (and Prometheus with --prometheus), as Markdown
    for the user group's minutes (docs/operations.md)."""
    from vdx.stats.service_goals import add_sheets, to_markdown

    record = _load_record(source, kubeconfig, namespace)
    report = _service_report(record, platform, month, target, goal_settings, prometheus)
    click.echo(to_markdown(report), nl=False)
    if xlsx is not None:
        workbook = _new_workbook()
        add_sheets(workbook, report)
        _save(workbook, xlsx)


@command.command("kpi")
@click.option("--platform", required=True, help="The PexipPlatform's name.")
@click.option("--month", required=True, metavar="YYYY-MM", help="The calendar month (UTC).")
@click.option(
    "--export-dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The --out directory of `vdx stats export` for this platform (its daily.csv).",
)
@_record_options
@click.option(
    "--licence-ports",
    type=click.IntRange(1),
    help="Concurrent participants the platform's licence allows (Pexip's licensing status, port "
    "total): measures the capacity goal.",
)
@click.option(
    "--xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the sheets 'KPI', 'Service goals' and 'Incidents' of this workbook.",
)
def kpi(
    platform: str,
    month: str,
    export_dir: Path,
    target: float | None,
    goal_settings: tuple[str, ...],
    source: Path | None,
    kubeconfig: str | None,
    namespace: str,
    prometheus: str | None,
    licence_ports: int | None,
    xlsx: Path | None,
) -> None:
    """The month's KPIs for the user group's meeting: usage per tenant and for the platform (from
    `vdx stats export`), the service goals against their targets and the incidents (docs/operations.md)."""
    from vdx.stats import service_goals
    from vdx.stats.aggregate import DailyRow, PlatformDayRow
    from vdx.stats.kpi import add_sheet, monthly_usage, to_markdown, usage_goals
    from vdx.stats.tables import DAILY_CSV, PLATFORM_DAILY_CSV, TableError, read_rows

    record = _load_record(source, kubeconfig, namespace)
    report = _service_report(record, platform, month, target, goal_settings, prometheus)
    daily = export_dir / DAILY_CSV
    if not daily.exists():
        raise click.BadParameter(
            f"{export_dir} has no {DAILY_CSV}: run `vdx stats export --platform {platform} "
            f"--out {export_dir}` for the month first",
            param_hint="--export-dir",
        )
    try:
        rows = read_rows(daily, DailyRow)
        days_file = export_dir / PLATFORM_DAILY_CSV
        platform_days = read_rows(days_file, PlatformDayRow) if days_file.exists() else None
    except TableError as error:
        raise click.ClickException(str(error)) from None
    usage = monthly_usage(rows, platform, report.first.date(), report.last.date(), platform_days)
    report = report.with_usage(*usage_goals(usage, licence_ports))
    click.echo(to_markdown(usage, platform, month))
    click.echo(service_goals.to_markdown(report), nl=False)
    if xlsx is not None:
        workbook = _new_workbook()
        add_sheet(workbook, usage, platform, month)
        service_goals.add_sheets(workbook, report)
        _save(workbook, xlsx)


def _record_text(text: str, key: str) -> str:
    """The record's JSON from a ConfigMap manifest (YAML or JSON) or the bare document."""
    import yaml

    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        raise click.BadParameter(
            "neither a ConfigMap manifest nor the record's JSON", param_hint="--from-file"
        ) from None
    if isinstance(document, dict) and document.get("kind") == "ConfigMap":
        return str((document.get("data") or {}).get(key, ""))
    return text

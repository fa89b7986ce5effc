"""`vdx operator run`: the operator process (in a pod, or against a developer's control plane)."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

import click

from vdx.cli.options import deprecated_alias, resolved

if TYPE_CHECKING:
    from kubernetes import client

    from vdx.controller.run import OperatorOptions


def api_client(kubeconfig: str | None) -> client.ApiClient:
    """In-cluster when running in a pod; otherwise the given kubeconfig or $KUBECONFIG."""
    from kubernetes import client, config

    from vdx.controller.run import KUBE_CALLS_IN_FLIGHT

    configuration = client.Configuration()
    # One pooled connection per executor thread, else each call beyond the pool opens a new TLS one.
    configuration.connection_pool_maxsize = KUBE_CALLS_IN_FLIGHT
    if kubeconfig is None:
        try:
            config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
            return client.ApiClient(configuration)
        except config.ConfigException:
            pass
    config.load_kube_config(  # type: ignore[no-untyped-call]
        config_file=kubeconfig, client_configuration=configuration
    )
    return client.ApiClient(configuration)


@click.group()
def command() -> None:
    """The operator process."""


def _checked(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A bind address checked at parse time (a typo fails before the operator starts), kept as given."""
    from vdx.bindaddress import BindAddressError, parse

    try:
        parse(value)
    except BindAddressError as error:
        raise click.BadParameter(str(error), ctx=ctx, param=param) from None
    return value


def _bind_address_or_shared(ctx: click.Context, param: click.Parameter, value: str) -> str:
    return value if value == SAME_LISTENER else _checked(ctx, param, value)


_resolve_bind_address = resolved("bind_address", "--bind-address")


def _bind_address(ctx: click.Context, param: click.Parameter, value: str) -> str:
    return _checked(ctx, param, _resolve_bind_address(ctx, param, value))


def _port_as_address(port: int) -> str:
    return f":{port}" if port else "0"


def operator_options(
    namespace: str,
    bind_address: str,
    phonebook_bind_address: str,
    watch_namespaces: tuple[str, ...],
    platform_namespaces: tuple[str, ...],
    resync_seconds: float | None,
) -> OperatorOptions:
    """The run's options from the command line (pure: tests check the mapping without a cluster)."""
    from vdx.bindaddress import parse
    from vdx.controller.run import OperatorOptions
    from vdx.controller.runtime import RuntimeSettings

    health = parse(bind_address)
    shared = phonebook_bind_address == SAME_LISTENER
    phonebook = None if shared else parse(phonebook_bind_address)
    return OperatorOptions(
        namespace=namespace,
        http_host=health.host if health else "0.0.0.0",  # noqa: S104 - unused when off
        http_port=health.port if health else None,
        phonebook_listener=(phonebook.host, phonebook.port) if phonebook else None,
        phonebook_enabled=shared or phonebook is not None,
        watch_namespaces=tuple(watch_namespaces),
        runtime=RuntimeSettings(
            resync_seconds=resync_seconds, platform_namespaces=(namespace, *platform_namespaces)
        ),
    )


# --phonebook-bind-address's default: the phone book shares the health/metrics listener.
SAME_LISTENER = "shared"


@command.command()
@click.option(
    "--kubeconfig", type=click.Path(exists=True, dir_okay=False), help="Default: in-cluster or $KUBECONFIG."
)
@click.option("--namespace", default="vdx-system", show_default=True, help="Where the leader Lease lives.")
@click.option(
    "--bind-address",
    default=":8080",
    show_default=True,
    metavar="HOST:PORT",
    callback=_bind_address,
    help="Where /healthz, /readyz and /metrics listen, as controller-runtime's --*-bind-address: "
    ":8080 is every interface, 127.0.0.1:8080 loopback only, 0 off.",
)
@deprecated_alias("--http-port", "bind_address", "--bind-address :PORT", convert=_port_as_address, type=int)
@click.option(
    "--phonebook-bind-address",
    default=SAME_LISTENER,
    show_default=True,
    metavar="HOST:PORT",
    callback=_bind_address_or_shared,
    help="Where the phone book (/phonebook.json, .csv, .xml) listens: 'shared' on --bind-address's "
    "listener, or a listener of its own (:8081) that alone can be exposed outside the cluster, or 0 off.",
)
@click.option(
    "--watch-namespace",
    "watch_namespaces",
    multiple=True,
    help="Serve only this namespace (repeat for each tenant namespace and the operator's own). "
    "Default: every namespace, which needs Secrets readable cluster-wide.",
)
@click.option(
    "--platform-namespace",
    "platform_namespaces",
    multiple=True,
    help="A further platform-only namespace where PexipPlatform credentials may live (the operator's "
    "own --namespace always is); never a tenant's.",
)
@click.option("--resync-seconds", type=float, help="Override every platform's resync interval (testing).")
@click.option("--log-level", default="INFO", show_default=True)
@click.option(
    "--log-format",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="text for a terminal; json for a log pipeline: one object per line with time, level, logger, "
    "message and the resource's kind, namespace and name. Secret values never appear in either.",
)
def run(
    kubeconfig: str | None,
    namespace: str,
    bind_address: str,
    phonebook_bind_address: str,
    watch_namespaces: tuple[str, ...],
    platform_namespaces: tuple[str, ...],
    resync_seconds: float | None,
    log_level: str,
    log_format: str,
) -> None:
    """Reconcile vdx.medcom.dk resources against Pexip until stopped (SIGTERM/Ctrl-C)."""
    from vdx.controller.collector import freeze_survivors
    from vdx.controller.memory import log_allocations_on_signal, prepare_operator_process

    prepare_operator_process()  # before any worker thread exists, and before the imports fill the heap
    log_allocations_on_signal()
    from vdx import logsetup
    from vdx.controller.run import run_operator

    logsetup.configure(log_level, log_format)
    freeze_survivors()  # a large heap's full collections walk only what survived the last one
    options = operator_options(
        namespace, bind_address, phonebook_bind_address, watch_namespaces, platform_namespaces, resync_seconds
    )
    api = api_client(kubeconfig)

    async def main() -> int:
        return await run_operator(api, options, asyncio.Event())

    sys.exit(asyncio.run(main()))

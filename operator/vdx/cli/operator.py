"""`vdx operator run`: the operator process (in a pod, or against a developer's control plane)."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from kubernetes import client


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


@command.command()
@click.option(
    "--kubeconfig", type=click.Path(exists=True, dir_okay=False), help="Default: in-cluster or $KUBECONFIG."
)
@click.option("--namespace", default="vdx-system", show_default=True, help="Where the leader Lease lives.")
@click.option(
    "--http-port", type=int, default=8080, show_default=True, help="Health and metrics port; 0 disables."
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
def run(
    kubeconfig: str | None,
    namespace: str,
    http_port: int,
    watch_namespaces: tuple[str, ...],
    platform_namespaces: tuple[str, ...],
    resync_seconds: float | None,
    log_level: str,
) -> None:
    """Reconcile vdx.medcom.dk resources against Pexip until stopped (SIGTERM/Ctrl-C)."""
    from vdx.controller.memory import log_allocations_on_signal, prepare_operator_process

    prepare_operator_process()  # before any worker thread exists, and before the imports fill the heap
    log_allocations_on_signal()
    from vdx.controller.run import OperatorOptions, run_operator
    from vdx.controller.runtime import RuntimeSettings

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    options = OperatorOptions(
        namespace=namespace,
        http_port=http_port or None,
        watch_namespaces=tuple(watch_namespaces),
        runtime=RuntimeSettings(
            resync_seconds=resync_seconds, platform_namespaces=(namespace, *platform_namespaces)
        ),
    )
    api = api_client(kubeconfig)

    async def main() -> int:
        return await run_operator(api, options, asyncio.Event())

    sys.exit(asyncio.run(main()))

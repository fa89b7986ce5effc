"""`python -m vdx.reliability.operator_process`: the operator as its own process, tuned for a campaign.

Like `vdx operator run`, with what a campaign must set and the production CLI does not offer: a
short lease (each SIGKILL costs one lease of leaderless time before the next instance takes over),
a short Pexip request timeout (so the campaign's slow responses are timeouts) and a capped retry
backoff, all stated in the campaign's report.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from vdx.cli.operator import api_client
from vdx.controller.run import OperatorOptions, run_operator
from vdx.controller.runtime import RuntimeSettings
from vdx.pexip.retry import RetryPolicy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vdx.reliability.operator_process")
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--namespace", default="vdx-system")
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--resync-seconds", type=float, default=15.0)
    parser.add_argument("--lease-seconds", type=int, default=4)
    parser.add_argument("--request-timeout", type=float, default=3.0)
    parser.add_argument("--retry-max-seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    options = OperatorOptions(
        namespace=args.namespace,
        http_host="127.0.0.1",
        http_port=args.http_port,
        lease_seconds=args.lease_seconds,
        renew_seconds=max(0.5, args.lease_seconds / 4),
        runtime=RuntimeSettings(
            resync_seconds=args.resync_seconds,
            retry_base_seconds=1.0,
            retry_max_seconds=args.retry_max_seconds,
            client_options={
                "timeout": args.request_timeout,
                "retry": RetryPolicy(max_attempts=3, max_delay=5.0),
            },
        ),
    )

    async def run() -> int:
        return await run_operator(api_client(args.kubeconfig), options, asyncio.Event())

    return asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())

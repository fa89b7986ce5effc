"""`vdx operator run` as a real process: probes and metrics on loopback only (--bind-address), JSON log
lines (--log-format json), leadership, clean shutdown on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from kubernetes import client

from tests.e2e.harness import OPERATOR_NAMESPACE, Harness, wait_for, wait_ready
from vdx.controlplane.server import ControlPlane


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_operator_process_serves_probes_and_metrics_and_stops_cleanly(
    control_plane: ControlPlane, kube_api_client: client.ApiClient, operator_namespace: str, h: Harness
) -> None:
    port, book_port = free_port(), free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "vdx"),
            "operator",
            "run",
            "--kubeconfig",
            str(control_plane.kubeconfig),
            "--namespace",
            OPERATOR_NAMESPACE,
            "--bind-address",
            f"127.0.0.1:{port}",
            "--phonebook-bind-address",
            f"127.0.0.1:{book_port}",
            "--log-format",
            "json",
            "--resync-seconds",
            "5",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            if process.poll() is not None:
                raise AssertionError(
                    f"the operator exited {process.returncode}: {process.communicate()[0][-3000:]}"
                )
            try:
                return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(healthy, 60, "/healthz")
        wait_for(lambda: httpx.get(f"{base}/readyz", timeout=1).status_code == 200, 30, "/readyz")
        h.platform_and_tenant(["vdx.process.dk"])
        wait_ready(h, "pexipplatforms", h.platform, namespaced=False)
        # The phone book on its own listener, with the tenant's state from the operator's roll-up;
        # not on the health/metrics listener any more.
        book = f"http://127.0.0.1:{book_port}/phonebook.json"

        def tenant_state() -> str:
            tenants = httpx.get(book, params={"tenant": h.tenant}, timeout=5).json()["tenants"]
            return str(next(t["state"] for t in tenants if t["name"] == h.tenant))

        wait_for(lambda: tenant_state() == "Ready", 60, f"the phone book's state of {h.tenant}")
        assert httpx.get(f"{base}/phonebook.json", timeout=5).status_code == 404
        metrics = httpx.get(f"{base}/metrics", timeout=5).text
        assert "vdx_leader 1.0" in metrics
        assert (
            f'vdx_reconciles_total{{kind="PexipPlatform",platform="{h.platform}",result="ready"}}' in metrics
        )
        h.cleanup()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
        assert process.returncode == 0, output[-2000:]
        # --log-format json: every line the process wrote is one JSON object, and the lines about a
        # resource name it (here the PexipPlatform and the Tenant the harness created).
        lines = [json.loads(line) for line in output.splitlines() if line.strip()]
        assert lines, "the operator logged nothing"
        assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
        about = {(line["kind"], line["name"]) for line in lines if "kind" in line}
        assert ("PexipPlatform", h.platform) in about, sorted(about)[:10]
        lease = client.CoordinationV1Api(kube_api_client).read_namespaced_lease(
            "vdx-operator", OPERATOR_NAMESPACE
        )
        assert lease.spec.holder_identity is None  # released on a clean stop, not left to expire
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)

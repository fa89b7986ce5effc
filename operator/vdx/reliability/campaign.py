"""Run a fault campaign on the real control plane, the simulator and the operator as its own process.

The fleet is the benchmark's (`vdx.bench`), at a small scale. Each phase sets one fault plan on the
simulator and changes some Kubernetes objects so that the faults meet real writes; the operator is
SIGKILLed at the plan's seeded times and started again at once; one phase restarts kube-apiserver.
While faults last the resources are sampled (what shows in conditions); after the last phase the
faults are cleared and the clock runs until every resource is Ready and current. Then the node's
state is checked against the resources (`checks`) and the report says what survived and what was
lost.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import logging
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from vdx.api.meta import API_GROUP, API_VERSION, GROUP_VERSION
from vdx.bench.run import NAMESPACE, Bench, apply_fleet, bench_environment
from vdx.pexip.simulator import FaultConfig
from vdx.reliability.checks import StateCheck, check_state, foreign_objects
from vdx.reliability.schedule import CampaignPlan, Churn, plan_campaign
from vdx.tls.issue import LocalCA

Say = Callable[[str], None]
# What the client and the operator log when a fault reaches them (counted over the whole run).
_LOG_WORDS = (
    "ReadTimeout",
    "RemoteProtocolError",
    "outcome was unknown",
    "429 Too Many Requests",
    "503 Service Unavailable",
    "KubernetesUnavailable",
    "Kubernetes API unreachable",
    # controller.sweep found a resource the watch never delivered
    "reconciling it from the periodic list",
)
_TRACEBACK = re.compile(r"^Traceback \(most recent call last\)", re.MULTILINE)


@dataclass
class PhaseReport:
    name: str
    seconds: float
    kills: int = 0
    pexip_requests: int = 0
    injected: dict[str, int] = field(default_factory=dict)
    # Most resources seen at once with Synced False, and the reasons seen.
    max_not_synced: int = 0
    reasons: list[str] = field(default_factory=list)
    apiserver_down_seconds: float | None = None
    warning_events: int = 0
    visible: bool = False


@dataclass
class CampaignReport:
    seed: int
    scale: float
    resources: int = 0
    kills: int = 0
    unscheduled_exits: int = 0
    tracebacks_in_operator_log: int = 0
    operator_log_counts: dict[str, int] = field(default_factory=dict)
    restart_to_leading_seconds_max: float = 0.0
    converged_after_seconds: float | None = None
    convergence_bound_seconds: float = 0.0
    warning_events: dict[str, int] = field(default_factory=dict)
    phases: list[PhaseReport] = field(default_factory=list)
    state: dict[str, list[str]] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    # When it did not converge: what was still not Ready (or not deleted), and why.
    not_converged: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (
            self.converged_after_seconds is not None
            and self.unscheduled_exits == 0
            and not any(self.state.values())
            and all(p.visible for p in self.phases)
        )

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "passed": self.passed}, indent=2)


@dataclass
class OperatorProcess:
    """The operator under test: started, SIGKILLed, started again; its log kept for the report."""

    bench: Bench
    log: Path
    resync_seconds: float
    starts: int = 0

    def start(self) -> float:
        with contextlib.closing(socket.socket()) as sock:
            sock.bind(("127.0.0.1", 0))
            self.bench.http_port = int(sock.getsockname()[1])
        started = time.monotonic()
        with self.log.open("a") as out:
            self.bench.operator = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "vdx.reliability.operator_process",
                    "--kubeconfig",
                    str(self.bench.plane.kubeconfig),
                    "--namespace",
                    NAMESPACE,
                    "--http-port",
                    str(self.bench.http_port),
                    "--resync-seconds",
                    str(self.resync_seconds),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
            )
        self.starts += 1
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                url = f"http://127.0.0.1:{self.bench.http_port}/metrics"
                if "vdx_leader 1.0" in httpx.get(url, timeout=1).text:
                    return time.monotonic() - started
            if self.bench.operator.poll() is not None:
                raise RuntimeError("the operator exited while starting; see its log")
            time.sleep(0.1)
        raise RuntimeError("the operator did not lead within 90 s")

    def alive(self) -> bool:
        return self.bench.operator is not None and self.bench.operator.poll() is None

    def kill(self) -> None:
        assert self.bench.operator is not None
        self.bench.operator.send_signal(signal.SIGKILL)
        self.bench.operator.wait(30)


class Churner:
    """Seeded changes to the fleet's objects (ports, secrets, new and deleted TurnServices, certificates)."""

    def __init__(self, bench: Bench, seed: int, say: Say) -> None:
        self.bench = bench
        self.say = say
        self.rng = random.Random(seed)  # noqa: S311 - reproducible churn
        self.core = client.CoreV1Api(bench.api)
        self.custom = client.CustomObjectsApi(bench.api)
        self.created_turns: list[tuple[str, str]] = []
        self.deleted: list[tuple[str, str, str]] = []  # (plural, namespace, name)
        self.ca = LocalCA("campaign CA")
        self.count = 0

    def _turns(self) -> list[dict[str, Any]]:
        return [d for d in self.bench.fleet.namespaced if d["kind"] == "TurnService"]

    def apply(self, churn: Churn) -> int:
        writes = 0
        turns = self._turns()
        for doc in self.rng.sample(turns, min(churn.patch_turn_ports, len(turns))):
            meta = doc["metadata"]
            port = self.rng.randint(3478, 3578)
            self.custom.patch_namespaced_custom_object(
                API_GROUP,
                API_VERSION,
                meta["namespace"],
                "turnservices",
                meta["name"],
                {"spec": {"port": port}},
            )
            writes += 1
        for namespace, name in self.rng.sample(
            self.bench.fleet.turn_secrets, min(churn.rotate_turn_secrets, len(self.bench.fleet.turn_secrets))
        ):
            value = base64.b64encode(f"rotated-{self.rng.getrandbits(64):x}".encode()).decode()
            self.core.patch_namespaced_secret(name, namespace, {"data": {"secret": value}})
            writes += 1
        for _ in range(churn.create_turn_services):
            namespace, secret = self.rng.choice(self.bench.fleet.turn_secrets)
            self.count += 1
            name = f"chaos-turn-{self.count}"
            self.custom.create_namespaced_custom_object(
                API_GROUP,
                API_VERSION,
                namespace,
                "turnservices",
                {
                    "apiVersion": GROUP_VERSION,
                    "kind": "TurnService",
                    "metadata": {"name": name, "namespace": namespace},
                    "spec": {"address": f"{name}.turn.example.dk", "secretRef": {"name": secret}},
                },
            )
            self.created_turns.append((namespace, name))
            self.say(f"[chaos]   created TurnService {namespace}/{name}")
            writes += 1
        for _ in range(churn.delete_turn_services):
            if not self.created_turns:
                break
            namespace, name = self.created_turns.pop(self.rng.randrange(len(self.created_turns)))
            self.custom.delete_namespaced_custom_object(
                API_GROUP, API_VERSION, namespace, "turnservices", name
            )
            self.deleted.append(("turnservices", namespace, name))
            self.say(f"[chaos]   deleted TurnService {namespace}/{name}")
            writes += 1
        for _ in range(churn.create_certificates):
            namespace, _, names = self.rng.choice(self.bench.fleet.tls_secrets)
            self.count += 1
            name = f"chaos-cert-{self.count}"
            issued = self.ca.issue(names, days=365)
            self.core.create_namespaced_secret(
                namespace,
                client.V1Secret(
                    metadata=client.V1ObjectMeta(name=name, namespace=namespace),
                    type="kubernetes.io/tls",
                    data={
                        "tls.crt": base64.b64encode(issued.certificate_pem).decode(),
                        "tls.key": base64.b64encode(issued.key_pem).decode(),
                    },
                ),
            )
            self.custom.create_namespaced_custom_object(
                API_GROUP,
                API_VERSION,
                namespace,
                "tlscertificates",
                {
                    "apiVersion": GROUP_VERSION,
                    "kind": "TlsCertificate",
                    "metadata": {"name": name, "namespace": namespace},
                    "spec": {"secretRef": {"name": name}, "dnsNames": names},
                },
            )
            writes += 2
        return writes

    def deletions_done(self) -> bool:
        for plural, namespace, name in self.deleted:
            try:
                self.custom.get_namespaced_custom_object(API_GROUP, API_VERSION, namespace, plural, name)
            except ApiException as exc:
                if exc.status == 404:
                    continue
                return False
            return False
        return True


def _retrying(action: Callable[[], Any], seconds: float = 60.0) -> Any:
    """Kubernetes calls of the campaign itself ride out the API server's restart."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return action()
        except (ApiException, OSError, Exception) as exc:  # urllib3 errors too
            if isinstance(exc, ApiException) and exc.status and exc.status < 500 and exc.status != 429:
                raise
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _warnings(bench: Bench) -> int:
    events = client.CoreV1Api(bench.api).list_event_for_all_namespaces().items
    return sum(int(e.count or 1) for e in events if e.type == "Warning")


def _not_synced(bench: Bench) -> tuple[int, set[str]]:
    count, reasons = 0, set()
    for obj in bench.all_objects():
        for cond in (obj.get("status") or {}).get("conditions") or []:
            if cond.get("type") == "Synced" and cond.get("status") == "False":
                count += 1
                reasons.add(str(cond.get("reason")))
    return count, reasons


def run_campaign(
    *,
    seed: int,
    kills: int,
    outage_seconds: float,
    phase_seconds: float,
    scale: float,
    convergence_bound_seconds: float,
    resync_seconds: float,
    say: Say,
    log_dir: Path | None = None,
) -> CampaignReport:
    plan: CampaignPlan = plan_campaign(
        seed, kills=kills, outage_seconds=outage_seconds, phase_seconds=phase_seconds
    )
    report = CampaignReport(seed=seed, scale=scale, convergence_bound_seconds=convergence_bound_seconds)
    report.settings = {
        "phase_seconds": phase_seconds,
        "outage_seconds": outage_seconds,
        "resync_seconds": resync_seconds,
        "lease_seconds": 4,
        "pexip_request_timeout_seconds": 3.0,
        "retry_max_seconds": 30.0,
    }
    directory = log_dir or Path(tempfile.mkdtemp(prefix="vdx-chaos-"))
    # The simulator logs every request a client abandoned (a timeout) with a traceback: noise here.
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
    with bench_environment(scale, 5.0, int(resync_seconds), say) as bench:
        foreign = foreign_objects(bench.sim.simulator.engine.tables)
        apply_fleet(bench.api, bench.fleet, bench.sim)
        process = OperatorProcess(bench, directory / "operator.log", resync_seconds)
        process.start()
        say(f"[chaos] fleet applied; waiting for the first convergence (seed {seed})")
        bench.wait_converged(600)
        report.resources = len(bench.all_objects())
        churner = Churner(bench, seed, say)
        kill_queue = list(plan.kill_times)
        started = time.monotonic()
        for index, (phase, churn) in enumerate(zip(plan.phases, plan.churn, strict=True)):
            phase_report = PhaseReport(phase.name, phase.seconds)
            report.phases.append(phase_report)
            phase_end = started + sum(p.seconds for p in plan.phases[: index + 1])
            bench.sim.simulator.set_faults(FaultConfig.model_validate(phase.faults))
            bench.sim.simulator.accounting.reset()
            say(f"[chaos] phase {index + 1}/{len(plan.phases)}: {phase.name} for {phase.seconds:.0f} s")
            _retrying(functools.partial(churner.apply, churn))
            if phase.restart_apiserver:
                down = bench.plane.restart_apiserver()
                phase_report.apiserver_down_seconds = round(down, 2)
                phase_report.visible = True  # judged below by the operator surviving it
                say(f"[chaos]   kube-apiserver restarted ({down:.1f} s down)")
            seen_reasons: set[str] = set()
            warnings_before = _retrying(functools.partial(_warnings, bench))
            while time.monotonic() < phase_end:
                elapsed = time.monotonic() - started
                if kill_queue and kill_queue[0] <= elapsed:
                    kill_queue.pop(0)
                    if not process.alive():
                        report.unscheduled_exits += 1
                    else:
                        process.kill()
                        say(f"[chaos]   SIGKILL at {elapsed:.1f} s")
                    report.kills += 1
                    phase_report.kills += 1
                    took = _retrying(process.start, 120)
                    report.restart_to_leading_seconds_max = max(
                        report.restart_to_leading_seconds_max, round(took, 2)
                    )
                    continue
                with contextlib.suppress(Exception):
                    count, reasons = _not_synced(bench)
                    phase_report.max_not_synced = max(phase_report.max_not_synced, count)
                    seen_reasons |= reasons
                if not process.alive():
                    report.unscheduled_exits += 1
                    _retrying(process.start, 120)
                time.sleep(1.0)
            accounting = bench.sim.simulator.accounting
            entries = list(accounting.entries)
            phase_report.pexip_requests = sum(accounting.counts.values())
            phase_report.injected = dict(Counter(str(e.fault) for e in entries if getattr(e, "fault", None)))
            phase_report.reasons = sorted(seen_reasons)
            warnings = _retrying(functools.partial(_warnings, bench)) - warnings_before
            phase_report.warning_events = warnings
            if not phase.must_be_visible:
                phase_report.visible = True
            else:
                # Shown on the resources while it lasted: a condition sampled False, or Warning events.
                phase_report.visible = phase_report.max_not_synced > 0 or warnings > 0
            say(
                f"[chaos]   {phase_report.pexip_requests} requests, injected {phase_report.injected}, "
                f"{phase_report.kills} kills, at most {phase_report.max_not_synced} not synced "
                f"{phase_report.reasons}"
            )
        # Kills left over (the last phase ran short of time) still happen, before the faults clear.
        while kill_queue:
            kill_queue.pop(0)
            process.kill()
            report.kills += 1
            _retrying(process.start, 120)
        bench.sim.simulator.set_faults(FaultConfig())
        cleared = time.monotonic()
        say(f"[chaos] faults cleared; converging (bound {convergence_bound_seconds:.0f} s)")
        deadline = cleared + convergence_bound_seconds
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                done, total = bench.converged()
                if done == total and churner.deletions_done():
                    report.converged_after_seconds = round(time.monotonic() - cleared, 1)
                    break
            time.sleep(1.0)
        if report.converged_after_seconds is None:
            report.not_converged = _not_converged(bench.all_objects(), churner.deleted)
        if not process.alive():
            report.unscheduled_exits += 1
        # Let one more resync pass: a duplicate or an orphan would be made (or healed) by now.
        time.sleep(resync_seconds + 2)
        resources = bench.all_objects()
        check: StateCheck = check_state(bench.sim.simulator.engine.tables, resources, foreign)
        report.state = {
            "duplicates": check.duplicates,
            "orphans": check.orphans,
            "missing": check.missing,
            "lost_foreign": check.lost_foreign,
        }
        events = client.CoreV1Api(bench.api).list_event_for_all_namespaces().items
        report.warning_events = dict(Counter(str(e.reason) for e in events if e.type == "Warning"))
        if not process.alive():
            report.unscheduled_exits += 1
    log_text = (directory / "operator.log").read_text(errors="replace")
    report.tracebacks_in_operator_log = len(_TRACEBACK.findall(log_text))
    report.operator_log_counts = {word: log_text.count(word) for word in _LOG_WORDS}
    say(f"[chaos] operator log: {directory / 'operator.log'}")
    return report


def summary(report: CampaignReport) -> str:
    lines = [
        f"seed {report.seed}, scale {report.scale}: {report.resources} resources, {report.kills} SIGKILLs, "
        f"{report.unscheduled_exits} unscheduled exits, "
        f"{report.tracebacks_in_operator_log} tracebacks in the log",
    ]
    for phase in report.phases:
        lines.append(
            f"  {phase.name}: {phase.seconds:.0f} s, {phase.pexip_requests} Pexip requests, injected "
            f"{sum(phase.injected.values())}, {phase.kills} kills, up to {phase.max_not_synced} resources "
            f"Synced=False {phase.reasons}, {phase.warning_events} Warning events"
            + (
                f", kube-apiserver down {phase.apiserver_down_seconds} s"
                if phase.apiserver_down_seconds
                else ""
            )
        )
    converged = (
        f"{report.converged_after_seconds} s"
        if report.converged_after_seconds is not None
        else "NOT converged"
    )
    lines.append(
        f"converged after the faults cleared: {converged} (bound {report.convergence_bound_seconds:.0f} s)"
    )
    lines.extend(f"  still: {entry}" for entry in report.not_converged[:15])
    for name, found in report.state.items():
        lines.append(f"{name}: {len(found)}" + (f" {found[:5]}" if found else ""))
    lines.append(f"Warning events by reason: {report.warning_events}")
    lines.append(f"operator log: {report.operator_log_counts}")
    lines.append("PASSED" if report.passed else "FAILED")
    return "\n".join(lines)


def _not_converged(objects: list[dict[str, Any]], deleted: list[tuple[str, str, str]]) -> list[str]:
    """Each resource not Ready and current, with its Ready condition, and deletions still pending."""
    found: list[str] = []
    for obj in objects:
        meta, status = obj["metadata"], obj.get("status") or {}
        ready: dict[str, Any] = next(
            (c for c in status.get("conditions") or [] if c.get("type") == "Ready"), {}
        )
        current = status.get("observedGeneration") == meta.get("generation")
        if ready.get("status") != "True" or not current:
            where = f"{meta.get('namespace')}/{meta['name']}" if meta.get("namespace") else meta["name"]
            found.append(
                f"{obj['kind']} {where}: {ready.get('reason')} {str(ready.get('message'))[:120]}"
                + ("" if current else " (status not current)")
            )
        elif obj["kind"] == "Tenant" and status.get("meetingRooms") != status.get("meetingRoomsInLine"):
            rooms = f"{status.get('meetingRoomsInLine')}/{status.get('meetingRooms')}"
            found.append(f"Tenant {meta['name']}: rooms in line {rooms}")
    names = {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in objects}
    kinds = {"turnservices": "TurnService", "tlscertificates": "TlsCertificate"}
    found += [
        f"{kinds.get(plural, plural)} {namespace}/{name}: deletion pending"
        for plural, namespace, name in deleted
        if (kinds.get(plural, plural), namespace, name) in names
    ]
    return found

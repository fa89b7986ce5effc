"""Run a probe plan from inside a tenant's network: the I/O half of `vdx ports probe`.

Every check runs under its own timeout, concurrently (a few at a time), and every failure is
classified the way a network team reads it: a name that does not resolve (DNS), nothing answering
(timeout: a firewall drops it, "filtered"), an active refusal (the host is reached but the port is
closed), a certificate that is not trusted or does not cover the name.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from vdx.api.names import certificate_covers
from vdx.ports import stun
from vdx.ports.probe_plan import ProbeCheck, ProbeSpec
from vdx.ports.report import CheckResult, ProbeReport, Reason, verdict

DEFAULT_TIMEOUT = 4.0


def tool_version() -> str:
    try:
        return f"vdx {version('vdx-operator')}"
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
        return "vdx (unknown version)"


class _Failed(Exception):
    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason: Reason = reason
        self.message = message


def _target(check: ProbeCheck) -> str:
    if check.kind == "udp-range":
        return f"UDP {check.ports}"
    return (
        f"{check.host}:{check.port}/{check.transport}"
        if check.kind == "stun"
        else f"{check.host}:{check.port}"
    )


def explain(error: BaseException, check: ProbeCheck, timeout: float) -> tuple[Reason, str]:
    """The reason and message for an exception a check raised; pure, so each wording is tested."""
    where = f"{check.host} port {check.port}"
    proto = "UDP" if check.transport == "udp" and check.kind == "stun" else "TCP"
    if isinstance(error, _Failed):
        return error.reason, error.message
    if isinstance(error, socket.gaierror):
        return "dns", (
            f"DNS: {check.host} does not resolve from this network ({error.strerror}); check the "
            "resolver the clients use, or a DNS filter"
        )
    if isinstance(error, TimeoutError):
        return "timeout", (
            f"timeout: nothing answered from {where}/{proto} within {timeout:g} s: the traffic is "
            "probably dropped on the way (filtered); open the port towards this destination"
        )
    if isinstance(error, ConnectionRefusedError):
        return "refused", (
            f"refused: {where}/{proto} was reached but refused the connection (closed): the destination "
            "is reachable, so the firewall lets it out, but nothing listens there or a firewall rejects it; "
            "report it to MedCom with this report"
        )
    if isinstance(error, ssl.SSLCertVerificationError):
        return "tls-untrusted", (
            f"TLS: the certificate served by {where} is not trusted ({error.verify_message}); a TLS-"
            "inspecting proxy may be replacing it: exempt this destination from inspection"
        )
    if isinstance(error, ssl.SSLError):
        return "tls-error", f"TLS: the handshake with {where} failed ({error.reason or error})"
    if isinstance(error, stun.StunError):
        return "stun-error", f"STUN: {where} answered, but {error}"
    if isinstance(error, asyncio.IncompleteReadError):
        return "stun-error", f"{where} closed the connection before answering (a proxy in between?)"
    if isinstance(error, OSError):
        return (
            "unreachable",
            f"unreachable: {where}: {error.strerror or error}; check routing and the firewall",
        )
    return "error", f"{where}: {type(error).__name__}: {error}"


def _names(certificate: dict[str, object] | None) -> list[str]:
    if not certificate:
        return []
    san = certificate.get("subjectAltName", ())
    return [str(value) for key, value in san if key == "DNS"] if isinstance(san, tuple) else []


def _check_names(check: ProbeCheck, certificate: dict[str, object] | None) -> None:
    names = _names(certificate)
    if check.name and not any(certificate_covers(n, check.name) for n in names):
        raise _Failed(
            "tls-name-mismatch",
            f"TLS name mismatch: the certificate served by {check.host} port {check.port} does not "
            f"cover {check.name} (its names: {', '.join(names) or 'none'}); clients will refuse it. "
            "If a proxy inspects TLS, exempt this destination; otherwise report it to MedCom",
        )


async def _close(writer: asyncio.StreamWriter) -> None:
    """Close without waiting long on a peer that does not finish the TLS close (the check is done)."""
    writer.close()
    with contextlib.suppress(OSError, ssl.SSLError, TimeoutError):
        await asyncio.wait_for(writer.wait_closed(), 1.0)


class Runner:
    """Runs the checks of one plan; `ca_file` adds trust (tests, an inspected network's own CA)."""

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT, ca_file: Path | None = None, parallel: int = 8):
        self.timeout = timeout
        self.parallel = asyncio.Semaphore(parallel)
        self.tls = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        # The name is checked by certificate_covers, so a mismatch is told apart from distrust.
        self.tls.check_hostname = False

    async def _resolve(self, host: str) -> str:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, None, family=socket.AF_INET, type=socket.SOCK_STREAM)
        return str(infos[0][4][0])

    async def _stun(self, check: ProbeCheck, address: str) -> tuple[float, str | None, str]:
        if check.transport == "udp":
            binding = await stun.bind_udp(address, check.port)
        else:
            tls = self.tls if check.transport == "tls" else None
            binding, certificate = await stun.bind_stream(
                address, check.port, tls=tls, server_hostname=check.name or check.host
            )
            if tls is not None:
                _check_names(check, certificate)
        reflexive = f"{binding.reflexive[0]}:{binding.reflexive[1]}" if binding.reflexive else None
        seen = f"; the server saw this network as {reflexive}" if reflexive else ""
        return binding.rtt_ms, reflexive, f"STUN binding answered in {binding.rtt_ms:g} ms{seen}"

    async def _tls(self, check: ProbeCheck, address: str) -> tuple[float, str | None, str]:
        start = time.perf_counter()
        _, writer = await asyncio.open_connection(
            address, check.port, ssl=self.tls, server_hostname=check.name or check.host
        )
        rtt = round((time.perf_counter() - start) * 1000, 1)
        try:
            _check_names(check, writer.get_extra_info("peercert"))
        finally:
            await _close(writer)
        return rtt, None, f"TLS handshake in {rtt:g} ms; the certificate covers {check.name or check.host}"

    async def _tcp(self, check: ProbeCheck, address: str) -> tuple[float, str | None, str]:
        start = time.perf_counter()
        _, writer = await asyncio.open_connection(address, check.port)
        rtt = round((time.perf_counter() - start) * 1000, 1)
        await _close(writer)
        return rtt, None, f"TCP connection in {rtt:g} ms"

    async def run_check(self, check: ProbeCheck) -> CheckResult:
        target = _target(check)
        if check.kind == "udp-range":
            return CheckResult(
                id=check.id,
                why=check.why,
                kind=check.kind,
                target=target,
                required=check.required,
                status="skipped",
                reason="no-responder",
                message=f"UDP {check.ports} cannot be confirmed without a responder: nothing answers on "
                "these ports outside a call, so silence proves nothing. Open the range as the port "
                "table says; a test call confirms it",
            )
        actions: dict[str, Callable[[ProbeCheck, str], Awaitable[tuple[float, str | None, str]]]] = {
            "stun": self._stun,
            "tls": self._tls,
            "tcp": self._tcp,
        }
        async with self.parallel:
            start = time.perf_counter()
            try:
                async with asyncio.timeout(self.timeout):
                    address = await self._resolve(check.host)
                    rtt, reflexive, message = await actions[check.kind](check, address)
            except Exception as error:  # every failure becomes a reason in the report
                reason, text = explain(error, check, self.timeout)
                return CheckResult(
                    id=check.id,
                    why=check.why,
                    kind=check.kind,
                    target=target,
                    required=check.required,
                    status="fail",
                    reason=reason,
                    message=text,
                    elapsed_ms=round((time.perf_counter() - start) * 1000, 1),
                )
        return CheckResult(
            id=check.id,
            why=check.why,
            kind=check.kind,
            target=target,
            required=check.required,
            status="pass",
            reason="ok",
            message=message,
            elapsed_ms=round((time.perf_counter() - start) * 1000, 1),
            rtt_ms=rtt,
            reflexive=reflexive,
        )

    async def run(self, spec: ProbeSpec) -> ProbeReport:
        started = datetime.now(UTC)
        checks = tuple(await asyncio.gather(*(self.run_check(c) for c in spec.checks)))
        reflexive = next((c.reflexive for c in checks if c.reflexive), None)
        return ProbeReport(
            tenant=spec.tenant,
            platform=spec.platform,
            table_fingerprint=spec.table_fingerprint,
            tool=tool_version(),
            started=started,
            finished=datetime.now(UTC),
            public_address=reflexive.rsplit(":", 1)[0] if reflexive else None,
            passed=verdict(checks),
            checks=checks,
        )

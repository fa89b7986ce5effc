"""A STUN binding request (RFC 5389) over UDP, TCP or TLS: the only part of TURN the probe needs.

Encoding and parsing are aioice's (aiortc's ICE library); this module only moves the bytes: UDP
with the RFC's retransmissions (500 ms, doubling), TCP and TLS with the header's length framing.
A binding request needs no credentials, so the probe carries none.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import struct
import time
from dataclasses import dataclass

from aioice import stun

HEADER_LENGTH = 20
FIRST_RETRANSMIT = 0.5


class StunError(Exception):
    """The server answered, but not with a usable binding response (names what it sent)."""


@dataclass(frozen=True)
class Binding:
    rtt_ms: float
    reflexive: tuple[str, int] | None  # the address the server saw us from (XOR-MAPPED-ADDRESS)


def binding_request() -> stun.Message:
    request = stun.Message(message_method=stun.Method.BINDING, message_class=stun.Class.REQUEST)
    request.add_fingerprint()
    return request


def read_response(request: stun.Message, data: bytes) -> tuple[str, int] | None:
    """The reflexive address from a response to `request`; StunError for anything else."""
    try:
        response = stun.parse_message(data)
    except ValueError as error:
        raise StunError(f"not a STUN message ({error})") from None
    if response.transaction_id != request.transaction_id:
        raise StunError("a STUN response to another request")
    if response.message_class == stun.Class.ERROR:
        code, reason = response.attributes.get("ERROR-CODE", (0, ""))
        raise StunError(f"STUN error response {code} {reason}".strip())
    if response.message_class != stun.Class.RESPONSE or response.message_method != stun.Method.BINDING:
        raise StunError("not a binding success response")
    mapped = response.attributes.get("XOR-MAPPED-ADDRESS") or response.attributes.get("MAPPED-ADDRESS")
    return (str(mapped[0]), int(mapped[1])) if mapped else None


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes | Exception] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self.queue.put_nowait(data)

    def error_received(self, exc: Exception) -> None:  # ICMP port unreachable: ConnectionRefusedError
        self.queue.put_nowait(exc)


async def bind_udp(address: str, port: int) -> Binding:
    """Send the request, resend at 0.5, 1.5, 3.5 s ... until an answer; the caller bounds the time.

    A stray datagram is skipped without resending: resending on each one once made a tight loop
    (a socket whose own port was the target received its own request, resent it at once, and so on),
    in which Python 3.11's `wait_for` could swallow the caller's timeout and never return.
    """
    loop = asyncio.get_running_loop()
    request = binding_request()
    payload = bytes(request)
    transport, protocol = await loop.create_datagram_endpoint(_Datagrams, remote_addr=(address, port))
    try:
        start = time.perf_counter()
        wait = FIRST_RETRANSMIT
        while True:
            sent = time.perf_counter()
            transport.sendto(payload)
            while (left := sent + wait - time.perf_counter()) > 0:
                try:
                    item = await asyncio.wait_for(protocol.queue.get(), left)
                except TimeoutError:
                    break
                if isinstance(item, Exception):
                    raise item
                try:
                    reflexive = read_response(request, item)
                except StunError:
                    continue  # a stray datagram: keep waiting for ours
                # RTT from the last send: a retransmitted request's answer is not delayed by the wait.
                return Binding(round((time.perf_counter() - max(sent, start)) * 1000, 1), reflexive)
            wait *= 2
    finally:
        transport.close()


async def bind_stream(
    address: str, port: int, *, tls: ssl.SSLContext | None = None, server_hostname: str | None = None
) -> tuple[Binding, dict[str, object] | None]:
    """A binding over TCP (or TLS when `tls` is given); also the peer certificate for TLS."""
    reader, writer = await asyncio.open_connection(
        address, port, ssl=tls, server_hostname=server_hostname if tls else None
    )
    try:
        certificate = writer.get_extra_info("peercert") if tls else None
        request = binding_request()
        start = time.perf_counter()
        writer.write(bytes(request))
        await writer.drain()
        header = await reader.readexactly(HEADER_LENGTH)
        (length,) = struct.unpack("!H", header[2:4])
        body = await reader.readexactly(length)
        rtt = round((time.perf_counter() - start) * 1000, 1)
        return Binding(rtt, read_response(request, header + body)), certificate
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()

"""A loopback HTTP/1.1 server that answers whatever raw bytes a test scripts, malformed or not.

Real HTTP over a socket (not a mock transport), so the client's whole stack runs: a truncated
body is a short read on a real connection, a lying Content-Length is really sent. It runs on its
own thread with its own event loop so synchronous property tests can drive it; each response is
built by `respond(method, path, headers, body)` from the request, which lets a test echo what was sent
(secrets included) back in the answer, as a misbehaving server might.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

Responder = Callable[[str, str, dict[str, str], bytes], bytes]


def http_response(
    status: int, body: bytes = b"", headers: dict[str, str] | None = None, *, truncate: int | None = None
) -> bytes:
    """Raw response bytes; `truncate` sends only that many body bytes while announcing them all."""
    lines = [f"HTTP/1.1 {status} X"]
    all_headers = {"Content-Type": "application/json", "Content-Length": str(len(body)), **(headers or {})}
    lines.extend(f"{k}: {v}" for k, v in all_headers.items())
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + (body if truncate is None else body[:truncate])


@dataclass
class FuzzServer:
    respond: Responder = field(default=lambda method, path, headers, body: http_response(500))
    port: int = 0
    requests: list[tuple[str, str]] = field(default_factory=list)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            method, path, _ = request_line.split(" ", 2)
            headers: dict[str, str] = {}
            for line in header_lines:
                name, _, value = line.partition(":")
                if name.strip():
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            body = await reader.readexactly(length) if length else b""
            self.requests.append((method, path))
            # A responder may block (a proxy forwarding synchronously): keep it off the loop.
            answer = await asyncio.to_thread(self.respond, method, path, headers, body)
            writer.write(answer)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            # One response per connection, then close: a short body becomes a truncated read.
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def running(server: FuzzServer) -> Iterator[FuzzServer]:
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop: asyncio.Future[None] | None = None

    async def main() -> None:
        nonlocal stop
        stop = loop.create_future()
        srv = await asyncio.start_server(server._handle, "127.0.0.1", 0)
        server.port = srv.sockets[0].getsockname()[1]
        ready.set()
        async with srv:
            await stop

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield server
    finally:
        loop.call_soon_threadsafe(lambda: stop is not None and stop.set_result(None))
        thread.join(10)
        loop.close()

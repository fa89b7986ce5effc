"""The operator process tunes glibc's allocator unless the environment already does."""

from __future__ import annotations

from pathlib import Path

import pytest

from vdx.controller.memory import fix_mmap_threshold, limit_malloc_arenas


def test_environment_setting_takes_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False


def test_limit_applies_on_glibc_and_is_harmless_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert isinstance(limit_malloc_arenas(8), bool)  # 8: what glibc would allow on one core anyway


def test_mmap_threshold_environment_takes_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "131072")
    assert fix_mmap_threshold() is False


def test_mmap_threshold_applies_on_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    assert isinstance(fix_mmap_threshold(), bool)


_FRAGMENTED = """
import sys
from vdx.controller.memory import release_free_memory

def rss():
    with open('/proc/self/status') as status:
        return next(int(l.split()[1]) for l in status if l.startswith('VmRSS:')) / 1024

blocks = [bytes(4000) + bytes([n % 256]) for n in range(20000)]  # 80 MiB of malloc'd blocks
keep = blocks[-1]  # the heap's top stays in use: free() alone cannot shrink it
del blocks
before = rss()
trimmed = release_free_memory()
print(trimmed, before, rss())
"""


def test_release_free_memory_returns_a_fragmented_heap() -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _FRAGMENTED], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    if out[0] != "True":
        pytest.skip("not glibc: malloc_trim is not there")
    before, after = float(out[1]), float(out[2])
    assert before - after > 50  # most of the 80 MiB freed in the middle of the heap went back
    untrimmed = _FRAGMENTED.replace("trimmed = release_free_memory()", "trimmed = True")
    out = subprocess.run(
        [sys.executable, "-c", untrimmed], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert float(out[1]) - float(out[2]) < 10  # free() alone kept it


def test_tls_connections_read_into_small_buffers_and_still_carry_large_bodies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The shrunken read buffer (controller.memory.shrink_tls_read_buffers) on a real TLS connection:
    each connection's buffer is 64 KiB, and a 1 MiB answer (a large list page) arrives whole."""
    import asyncio
    import ssl
    from asyncio import sslproto

    from vdx.controller.memory import TLS_READ_BUFFER, shrink_tls_read_buffers
    from vdx.tls.issue import LocalCA

    monkeypatch.setattr(sslproto.SSLProtocol, "max_size", sslproto.SSLProtocol.max_size)
    shrink_tls_read_buffers()
    ca = LocalCA("buffer test CA")
    issued = ca.issue(["localhost"], days=1)
    (tmp_path / "cert.pem").write_bytes(issued.certificate_pem)
    (tmp_path / "key.pem").write_bytes(issued.key_pem)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    client_ctx = ssl.create_default_context(cadata=ca.certificate_pem.decode())
    payload = bytes(range(256)) * 4096  # 1 MiB

    async def exchange() -> tuple[bytes, list[int]]:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(payload)
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=server_ctx)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=client_ctx, server_hostname="localhost"
        )
        tls = writer.transport._ssl_protocol  # type: ignore[attr-defined]  # asyncio's SSLProtocol
        sizes = [len(tls._ssl_buffer)]
        received = await reader.read(-1)
        writer.close()
        server.close()
        await server.wait_closed()
        return received, sizes

    received, sizes = asyncio.run(exchange())
    assert received == payload
    assert sizes == [TLS_READ_BUFFER]

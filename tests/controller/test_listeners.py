"""The operator's listeners, bound for real: loopback only when asked, the phone book on its own
port when asked (and then not beside /metrics), each one switchable off."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from vdx.controller.metrics import OperatorMetrics
from vdx.controller.run import OperatorOptions, start_listeners, stop_listeners
from vdx.phonebook.book import PhoneBook, build


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _book() -> PhoneBook:
    tenant = {
        "metadata": {"name": "aarhus"},
        "spec": {"namespace": "vdx-aarhus", "displayName": "Aarhus Kommune", "platformRef": {"name": "prod"}},
    }
    room = {
        "metadata": {"name": "vmr", "namespace": "vdx-aarhus"},
        "spec": {"displayName": "Akut", "aliases": [{"alias": "akut@vdx.aarhus.dk"}]},
    }
    return build([tenant], [room], [])


def _non_loopback_address() -> str | None:
    """An address of this machine other than loopback, to show a loopback listener is not on it."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent by a UDP connect
        except OSError:
            return None
        address = str(sock.getsockname()[0])
    return None if address.startswith("127.") or address == "0.0.0.0" else address


async def _serve(options: OperatorOptions) -> list[tuple[object, asyncio.Task[None]]]:
    listeners = start_listeners(options, OperatorMetrics(), lambda: True, _book)
    for server, task in listeners:
        for _ in range(200):
            if getattr(server, "started", False) or task.done():
                break
            await asyncio.sleep(0.02)
        assert getattr(server, "started", False), "a listener did not start"
    return listeners  # type: ignore[return-value]


def _bound(listeners: list[tuple[object, asyncio.Task[None]]]) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for server, _ in listeners:
        for listening in server.servers:  # type: ignore[attr-defined]
            found.extend(sock.getsockname()[:2] for sock in listening.sockets)
    return found


def test_loopback_only_when_asked() -> None:
    health, book = _free_port(), _free_port()
    options = OperatorOptions(http_host="127.0.0.1", http_port=health, phonebook_listener=("127.0.0.1", book))

    async def scenario() -> None:
        listeners = await _serve(options)
        try:
            assert sorted(_bound(listeners)) == sorted([("127.0.0.1", health), ("127.0.0.1", book)])
            async with httpx.AsyncClient() as http:
                assert (await http.get(f"http://127.0.0.1:{health}/healthz")).text == "ok"
                assert (await http.get(f"http://127.0.0.1:{health}/metrics")).status_code == 200
                # The phone book has its own listener: not beside /metrics any more, and no metrics there.
                assert (await http.get(f"http://127.0.0.1:{health}/phonebook.json")).status_code == 404
                served = await http.get(f"http://127.0.0.1:{book}/phonebook.json")
                assert [e["alias"] for e in served.json()["entries"]] == ["akut@vdx.aarhus.dk"]
                assert (await http.get(f"http://127.0.0.1:{book}/metrics")).status_code == 404
                other = _non_loopback_address()
                if other is not None:
                    with pytest.raises(httpx.ConnectError):
                        await http.get(f"http://{other}:{health}/healthz", timeout=2)
        finally:
            await stop_listeners(listeners)  # type: ignore[arg-type]

    asyncio.run(scenario())


def test_every_interface_by_default_and_the_phone_book_beside_metrics() -> None:
    port = _free_port()

    async def scenario() -> None:
        listeners = await _serve(OperatorOptions(http_port=port))
        try:
            assert _bound(listeners) == [("0.0.0.0", port)]
            async with httpx.AsyncClient() as http:
                assert (await http.get(f"http://127.0.0.1:{port}/phonebook.csv")).status_code == 200
        finally:
            await stop_listeners(listeners)  # type: ignore[arg-type]

    asyncio.run(scenario())


def test_off_means_no_listener() -> None:
    async def scenario() -> None:
        assert (
            start_listeners(
                OperatorOptions(http_port=None, phonebook_enabled=False),
                OperatorMetrics(),
                lambda: True,
                _book,
            )
            == []
        )
        port = _free_port()
        listeners = await _serve(
            OperatorOptions(http_host="127.0.0.1", http_port=port, phonebook_enabled=False)
        )
        try:
            async with httpx.AsyncClient() as http:
                assert (await http.get(f"http://127.0.0.1:{port}/phonebook.json")).status_code == 404
        finally:
            await stop_listeners(listeners)  # type: ignore[arg-type]

    asyncio.run(scenario())

"""Run the operator in a background thread of the current process (tests and `vdx demo`).

The operator gets its own event loop, so synchronous test code and the `kubernetes` client keep
working in the main thread while it reconciles.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, Self, TypeVar

from kubernetes import client

from vdx.controller.run import OperatorOptions, OperatorState, run_operator

T = TypeVar("T")


class OperatorThread:
    def __init__(self, api: client.ApiClient, options: OperatorOptions | None = None) -> None:
        self.api = api
        self.options = options or OperatorOptions(http_port=None)
        self.state: OperatorState | None = None
        self.exit_code: int | None = None
        self.error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(
            target=self._main, name=f"operator-{self.options.identity}", daemon=True
        )

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._run())
        except BaseException as exc:  # surfaced to the test through .error
            self.error = exc
        finally:
            loop.close()

    async def _run(self) -> None:
        self._stop = asyncio.Event()
        self.state = OperatorState()
        self._started.set()
        self.exit_code = await run_operator(self.api, self.options, self._stop, self.state)

    def start(self) -> Self:
        self._thread.start()
        self._started.wait(10)
        return self

    def wait_leading(self, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.state is not None and self.state.leading and self.state.kopf_ready.is_set():
                return True
            if not self._thread.is_alive():
                return False
            time.sleep(0.05)
        return False

    @property
    def leading(self) -> bool:
        return bool(self.state and self.state.leading)

    def stop(self, timeout: float = 30.0) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)

    def run_coroutine(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        """Run a coroutine on the operator's loop (e.g. to inspect its runtime) and return its result."""
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def events_sent(self, seconds: float = 10.0) -> bool:
        """Wait until the Events recorded so far were sent: they go out in the background
        (`controller.events`), so a test that reads them once asks this first."""
        runtime = self.state.runtime if self.state is not None else None
        if runtime is None or self._loop is None or self._loop.is_closed():
            return True
        return self.run_coroutine(runtime.kube.events.flush(seconds), seconds + 5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

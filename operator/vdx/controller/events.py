"""Kubernetes Events sent by one background sender, in the order they were recorded.

A reconcile used to wait for its Event's POST. At national scale a cold start records about 1 400
Events in its first minute, while the API server takes in the fleet on the same two cores. Sent
inline, they went up to 32 at a time from the worker threads, and competed for the CPU that those
first 30 s are bound by. With one sender in the background, the same Events reach the API server
a few seconds later, and in four national cold starts against five without it the cold start ended
6 s sooner on average (README, "Eighth pass").

Events are best effort in Kubernetes: client-go's recorder queues them too, and drops them when
its queue is full. The record is the status, and a reconcile still writes its status before it
returns. Only the Event after it is sent later. An Event keeps the object version and time of the
moment it was recorded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger("vdx.events")

# A national cold start records about 1 400; the sender clears a few hundred a second. Past this
# many waiting, an Event is dropped (and counted in the log), not held in memory without end.
EVENTS_WAITING_AT_MOST = 5000

Post = Callable[[str, dict[str, Any]], Awaitable[None]]


class EventSender:
    """The queue of recorded Events and the task that sends them, one at a time.

    `post(namespace, event)` sends one; its errors are logged at debug and the next Event goes on,
    as they were ignored before. The sender starts with the first Event on the running loop, and
    starts again on another loop (tests run several loops in one process).
    """

    def __init__(self, post: Post, capacity: int = EVENTS_WAITING_AT_MOST) -> None:
        self._post = post
        self._capacity = capacity
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self.dropped = 0  # since the queue last had room; logged when it drains
        self.waiting = 0  # recorded and not yet sent (or failed), the one being sent included

    def record(self, namespace: str, event: dict[str, Any]) -> None:
        """Queue one Event; returns at once. Dropped (and counted) when too many are waiting."""
        if self._closed:
            logger.debug("event %s after the sender closed: not sent", event.get("reason"))
            return
        queue = self._running_queue()
        try:
            queue.put_nowait((namespace, event))
            self.waiting += 1
        except asyncio.QueueFull:
            if self.dropped == 0:
                logger.warning(
                    "%d Kubernetes Events are waiting to be sent: dropping new ones until they drain",
                    self._capacity,
                )
            self.dropped += 1

    async def flush(self, seconds: float) -> bool:
        """Wait until every recorded Event was sent (or failed); False when `seconds` ran out."""
        queue, task = self._queue, self._task
        if queue is None or task is None:
            return True
        if task.done() or self._loop is not asyncio.get_running_loop():
            return queue.empty()  # no sender to wait for here: only an empty queue is flushed
        try:
            await asyncio.wait_for(queue.join(), seconds)
        except TimeoutError:
            return False
        return True

    async def close(self, seconds: float = 5.0) -> None:
        """Send what is waiting (for at most `seconds`), then stop; later Events are not sent."""
        if not await self.flush(seconds):
            logger.warning("%d Kubernetes Events not sent before the operator stopped", self.waiting)
        self._report_drops()
        self._closed = True
        if self._task is not None and self._loop is asyncio.get_running_loop():
            self._task.cancel()  # it ends at its next step; nothing of it is awaited here

    def _running_queue(self) -> asyncio.Queue[tuple[str, dict[str, Any]]]:
        loop = asyncio.get_running_loop()
        if self._queue is None or self._loop is not loop or self._task is None or self._task.done():
            self._loop = loop
            self.waiting = 0  # what the last loop left waiting is not going out any more
            self._queue = asyncio.Queue(self._capacity)
            self._task = loop.create_task(self._send(self._queue), name="vdx-events")
        return self._queue

    async def _send(self, queue: asyncio.Queue[tuple[str, dict[str, Any]]]) -> None:
        while True:
            namespace, event = await queue.get()
            try:
                await self._post(namespace, event)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.debug("event %s not sent: %s", event.get("reason"), type(exc).__name__)
            finally:
                self.waiting -= 1
                queue.task_done()
            if queue.empty():
                self._report_drops()

    def _report_drops(self) -> None:
        if self.dropped:
            logger.warning("%d Kubernetes Events were dropped while the queue was full", self.dropped)
            self.dropped = 0

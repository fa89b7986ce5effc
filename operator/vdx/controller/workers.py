"""A thread pool that lets its idle threads go: the operator's executor for blocking calls.

The Kubernetes client blocks, so each of its calls takes a thread. A national cold start needs many
at once (32: with fewer, reconciles queued tens of seconds for a thread), while the steady state
makes one or two calls every few seconds (the Lease, the periodic lists). `ThreadPoolExecutor` keeps
every thread it ever started, and each keeps the stack pages its deepest call touched (about
0.3 MiB: urllib3, TLS, JSON); 32 of them were 9 MiB of the small platform's steady RSS. Here a
thread that found no work for `idle_seconds` exits and its stack is unmapped; a burst starts
threads again, up to `max_workers`, as the standard pool does.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_Work = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class ElasticThreadPool(ThreadPoolExecutor):
    """At most `max_workers` threads, started on demand; one idle for `idle_seconds` exits.

    A `ThreadPoolExecutor` only by type (asyncio's default executor must be one): it replaces the
    methods that start, feed and stop threads, and uses none of the base class's state.
    """

    def __init__(
        self, max_workers: int, idle_seconds: float = 30.0, thread_name_prefix: str = "worker"
    ) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self._max = max_workers
        self._idle_seconds = idle_seconds
        self._prefix = thread_name_prefix
        self._work: queue.SimpleQueue[_Work | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._alive: set[threading.Thread] = set()
        # Under the lock: threads waiting for work, and work queued that no thread has taken yet.
        # A new thread starts when the queued work outnumbers the waiting threads.
        self._idle = 0
        self._pending = 0
        self._closed = False
        self._names = itertools.count(1)

    @property
    def threads(self) -> int:
        """How many threads are alive now (for tests and the benchmark's notes)."""
        with self._lock:
            return len(self._alive)

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            self._pending += 1
            if self._pending > self._idle and len(self._alive) < self._max:
                thread = threading.Thread(
                    target=self._run, name=f"{self._prefix}_{next(self._names)}", daemon=True
                )
                self._alive.add(thread)
                thread.start()
            self._work.put((future, fn, args, kwargs))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            threads = list(self._alive)
        if cancel_futures:
            while True:
                try:
                    work = self._work.get_nowait()
                except queue.Empty:
                    break
                if work is not None:
                    with self._lock:
                        self._pending -= 1
                    work[0].cancel()
        for _ in threads:
            self._work.put(None)
        if wait:
            for thread in threads:
                thread.join()

    def _run(self) -> None:
        me = threading.current_thread()
        while True:
            with self._lock:
                self._idle += 1
            try:
                work = self._work.get(timeout=self._idle_seconds)
            except queue.Empty:
                with self._lock:
                    # Leave only if the threads waiting outnumber the work queued for them.
                    if self._idle > self._pending:
                        self._idle -= 1
                        self._alive.discard(me)
                        return
                    self._idle -= 1
                continue
            with self._lock:
                self._idle -= 1
                if work is None:
                    self._alive.discard(me)
                    return
                self._pending -= 1
            future, fn, args, kwargs = work
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args, **kwargs)
            except BaseException as error:  # handed to the caller, as the standard pool does
                future.set_exception(error)
                del error
            else:
                future.set_result(result)
            del work, future, fn, args, kwargs

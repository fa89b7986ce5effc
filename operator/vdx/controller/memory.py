"""Process-wide memory settings for the operator process (glibc's allocator).

- **Arenas.** The operator's worker threads (blocking Kubernetes calls, branding renders) each get
  a malloc arena of their own by default (up to eight per core), and memory freed in one arena is
  not reused by another. In the national benchmark at scale 0.2 that was about 50 MiB of peak RSS
  after the first branding changes and after a restart; two arenas hold what the threads need.
- **The mmap threshold.** A resync reads list pages of several MiB each (a page of 500 rooms that
  embed their theme is about 8.6 MiB, held as bytes while it is decoded). glibc serves such blocks
  with mmap and returns them to the system on free, but its threshold is dynamic: each freed
  mmapped block raises it to that block's size, after which pages come from the heap and leave it
  fragmented. In the national benchmark each resync then grew the RSS by 100-190 MiB. A fixed threshold
  keeps every large block mmapped (and disables the dynamic adjustment).

Setting `MALLOC_ARENA_MAX` or `MALLOC_MMAP_THRESHOLD_` in the environment does the same and takes
precedence.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import tracemalloc
from collections.abc import Callable
from types import FrameType

logger = logging.getLogger("vdx.memory")

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter numbers
M_ARENA_MAX = -8
DEFAULT_ARENAS = 2
DEFAULT_MMAP_THRESHOLD = 256 * 1024


def _mallopt() -> Callable[[int, int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return mallopt


def limit_malloc_arenas(count: int = DEFAULT_ARENAS) -> bool:
    """Ask glibc for at most `count` malloc arenas; False when the environment already decides or the
    C library is not glibc (nothing changes then)."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    mallopt = _mallopt()
    return bool(mallopt and mallopt(M_ARENA_MAX, count))


def fix_mmap_threshold(size: int = DEFAULT_MMAP_THRESHOLD) -> bool:
    """Serve every block of `size` bytes or more with mmap, for good; False when the environment
    already decides or the C library is not glibc."""
    if os.environ.get("MALLOC_MMAP_THRESHOLD_"):
        return False
    mallopt = _mallopt()
    return bool(mallopt and mallopt(M_MMAP_THRESHOLD, size))


def release_free_memory() -> bool:
    """Give the C heap's free pages back to the system (glibc's `malloc_trim`); False elsewhere.

    Called after each resync: a cold start and a resync allocate and free a great deal (decoded
    pages, rendered packages, Kubernetes bodies), and what glibc keeps free at the top of its heap
    or in its arenas otherwise stays in the process's RSS until it is reused."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    trim(0)
    return True


def tune_allocator() -> None:
    """Both settings above; call before any worker thread exists."""
    limit_malloc_arenas()
    fix_mmap_threshold()


# Modules the operator's libraries load that the operator process never uses. httpx imports its
# command-line client when click and Pygments are installed (they are, for `vdx` itself): 5 MiB of
# lexers in every operator process for a client nobody runs there.
UNUSED_MODULES = ("httpx._main",)


def keep_out_unused_modules() -> None:
    """Mark `UNUSED_MODULES` as absent before anything imports them (their importers catch the
    ImportError and go without); call before the operator's imports."""
    for name in UNUSED_MODULES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


# asyncio gives every TLS connection a read buffer of its class's `max_size` (256 KiB, zero-filled,
# so resident at once). The operator holds about 20 such connections for as long as it runs (kopf's
# watch stream per kind, its API calls, the Pexip clients): 5 MiB of buffers in the small
# platform's tracemalloc snapshot. A TLS record carries at most 16 KiB, so 64 KiB per read still
# takes four records at a time.
TLS_READ_BUFFER = 64 * 1024


def shrink_tls_read_buffers(size: int = TLS_READ_BUFFER) -> None:
    """Let asyncio's TLS connections made from now on read into `size`-byte buffers."""
    from asyncio import sslproto

    sslproto.SSLProtocol.max_size = size


def prepare_operator_process() -> None:
    """Everything above, in the order it must happen: before threads exist and before the imports."""
    tune_allocator()
    keep_out_unused_modules()
    shrink_tls_read_buffers()


def top_allocations(limit: int = 25) -> list[str]:
    """Where the traced Python memory is, by source line (largest first); empty when tracemalloc is
    not tracing. Start the process with PYTHONTRACEMALLOC=1 and send it SIGUSR2 to log these."""
    if not tracemalloc.is_tracing():
        return []
    stats = tracemalloc.take_snapshot().statistics("lineno")
    total = sum(stat.size for stat in stats)
    lines = [f"traced Python memory: {total / 2**20:.1f} MiB in {len(stats)} source lines"]
    lines += [
        f"{stat.size / 2**20:8.2f} MiB {stat.count:8d} blocks  {stat.traceback}" for stat in stats[:limit]
    ]
    # The same by file: many small sites of one library (kopf's, the cache's) add up only there.
    for stat in tracemalloc.take_snapshot().statistics("filename")[:limit]:
        lines.append(f"{stat.size / 2**20:8.2f} MiB {stat.count:8d} blocks  file {stat.traceback}")
    return lines


def log_allocations_on_signal(signum: int = signal.SIGUSR2) -> None:
    """While tracemalloc traces, `kill -USR2` logs `top_allocations()` (to find where memory goes)."""
    if not tracemalloc.is_tracing():
        return

    def _log(_signum: int, _frame: FrameType | None) -> None:
        for line in top_allocations():
            logger.warning("%s", line)

    signal.signal(signum, _log)

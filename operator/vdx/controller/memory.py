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
import os
from collections.abc import Callable

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


def tune_allocator() -> None:
    """Both settings above; call before any worker thread exists."""
    limit_malloc_arenas()
    fix_mmap_threshold()

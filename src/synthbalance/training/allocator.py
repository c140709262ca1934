"""glibc's malloc, set for a training loop: freed blocks kept for the next step.

A CPU training step frees and allocates the same few activation and gradient buffers, from
hundreds of kilobytes to a few megabytes, every step. glibc serves blocks above its mmap
threshold with fresh pages from the kernel and returns them on free, and it trims the top of
its heap back to the kernel once more than the trim threshold is free there; either way the
next step pays a page fault on every page it writes again. With the mmap threshold at its
largest (32 MiB on 64-bit) and trimming from 64 MiB, those blocks are reused instead. Arrays
above 32 MiB (datasets) are still mapped and returned whole. Only where memory comes from
changes, never a value. `benchmarks/step_overheads.py` times it side by side: the classifier's
isolated step gains most; the pipeline's own classifier loop much less (docs/index.md has the
figures).

Set once per process by the first ``Engine.of``. Left alone where the user already chose:
``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_`` or ``GLIBC_TUNABLES`` set, or another
allocator in ``LD_PRELOAD`` (jemalloc, tcmalloc); ``SYNTHBALANCE_TUNE_MALLOC=0`` turns it off.
"""

from __future__ import annotations

import ctypes
import logging
import os
import platform

logger = logging.getLogger(__name__)

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (malloc.h)
MMAP_THRESHOLD = 32 * 2**20  # glibc's largest allowed on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX)
TRIM_THRESHOLD = 64 * 2**20
USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")

_state: dict[str, bool] = {}


def tune_malloc() -> bool:
    """Set glibc's thresholds once in this process; whether they are set (False: left alone)."""
    if "tuned" not in _state:
        _state["tuned"] = _tune()
    return _state["tuned"]


def _left_alone() -> str | None:
    """Why the allocator is left as it is, or None."""
    if os.environ.get("SYNTHBALANCE_TUNE_MALLOC", "1") == "0":
        return "SYNTHBALANCE_TUNE_MALLOC=0"
    chosen = [name for name in USER_SETTINGS if name in os.environ]
    if chosen:
        return f"{chosen[0]} is set"
    if "malloc" in os.environ.get("LD_PRELOAD", ""):
        return "another allocator is preloaded"
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return "not glibc"
    return None


def _tune() -> bool:
    why = _left_alone()
    if why is not None:
        logger.debug("malloc left as it is: %s", why)
        return False
    mallopt = ctypes.CDLL(None).mallopt
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    tuned = (
        mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
        and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    )
    logger.info(
        "malloc: freed blocks up to %d MiB kept for reuse%s",
        MMAP_THRESHOLD // 2**20,
        "" if tuned else " (mallopt refused; left as it was)",
    )
    return tuned

"""Allocator settings for long in-process runs: hand freed memory back to the OS.

The in-process runner moves every PCollection through Python byte buffers that are freed
stage after stage. With glibc's defaults those frees stay in per-thread arenas and the peak
RSS climbs well above what is live (a 30,000-document run: 1.43 GB peak with the defaults,
1.04 GB with one arena and a 64 KiB trim threshold, same output). ``tune_allocator`` sets
those two ``mallopt`` parameters, the equivalent of ``MALLOC_ARENA_MAX=1`` and
``MALLOC_TRIM_THRESHOLD_=65536`` (the Dockerfile sets the trim threshold for Dataflow
workers, which run many threads and keep their arenas). It changes no output, only how
memory is reused.
"""
import ctypes
import ctypes.util
import gc
import os
import sys

M_TRIM_THRESHOLD = -1  # glibc malloc.h
M_ARENA_MAX = -8


def tune_allocator(trim_threshold=64 * 1024, arena_max=1):
    """Apply the settings on glibc Linux; returns True if both were accepted, else False.

    Does nothing (False) on other platforms or C libraries, or when the user already chose
    a value through the ``MALLOC_ARENA_MAX`` / ``MALLOC_TRIM_THRESHOLD_`` variables.
    """
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ \
            or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, arena_max)) and bool(mallopt(M_TRIM_THRESHOLD, trim_threshold))


def freeze_gc():
    """Take every object alive now (modules, the config, the built Beam graph) out of the cyclic
    garbage collector's passes (``gc.freeze``): the collections the run's allocations trigger
    then scan only the run's own objects (-3 % CPU on 20,000 short documents; same output)."""
    gc.freeze()

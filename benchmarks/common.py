"""Run a command, report wall time and peak RSS of that process alone."""

import os
import subprocess
import sys
import time

SHARED = os.environ.get("NGRAMKIT_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "shared"))


def measure(argv, cpu=False, **kwargs):
    """(seconds, peak RSS in MB[, user+system CPU seconds]) of running argv to completion.

    Peak RSS is that of the largest process in the tree (getrusage of the child)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, **kwargs)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(argv)}")
    if cpu:
        return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
    return seconds, usage.ru_maxrss / 1024


def tool(name):
    """The console script of this environment."""
    return os.path.join(os.path.dirname(sys.executable), name)

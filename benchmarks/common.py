"""Measuring commands: wall time and peak RSS of one process, and side-by-side comparisons that
alternate the contenders in one invocation and print ratios of medians."""

import datetime
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("NGRAMKIT_SHARED", os.path.join(ROOT, "..", "shared"))


def measure(argv, cpu=False, env=None, **kwargs):
    """(seconds, peak RSS in MB[, user+system CPU seconds]) of running argv to completion.

    Peak RSS is that of the largest process in the tree (getrusage of the child)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, **kwargs)
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


def anchor(name, folder=None):
    """Path of one of KenLM's programs (lmplz, build_binary, query) in `folder` (default
    ../shared/anchors/kenlm/bin beside the repository), or None when it is absent."""
    path = os.path.join(folder or os.path.join(SHARED, "anchors", "kenlm", "bin"), name)
    return path if os.access(path, os.X_OK) else None


def machine():
    """One line naming the date, the machine and its load, for the head of a benchmark's output."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0]
    return (f"{datetime.date.today()}, {platform.node()}: {os.cpu_count()} cores ({cpu}), "
            f"load {load:.2f} at start, Python {platform.python_version()}")


class Contender:
    """One side of a comparison: a command line (with its environment and redirections)."""

    def __init__(self, name, argv, env=None, stdin=None, stdout=None, warm_up=True, reference=False):
        """warm_up: run once before the measured rounds (ngramkit's first run fills Numba's cache);
        reference: the others' ratios to it are printed too (the last contender always is one)."""
        self.name, self.argv, self.env, self.stdin, self.stdout = name, argv, env, stdin, stdout
        self.warm_up, self.reference = warm_up, reference

    def run(self):
        with open(self.stdin or os.devnull, "rb") as stdin, open(self.stdout or os.devnull, "wb") as stdout:
            return measure(self.argv, env=self.env, stdin=stdin, stdout=stdout, stderr=subprocess.DEVNULL)


def side_by_side(job, contenders, repeats=3):
    """Run the contenders in turn, `repeats` rounds, and print each one's median wall time and
    peak RSS and their ratios to the last contender (the reference) and to any other marked as
    one. Returns {name: (wall, rss)}."""
    contenders = [c for c in contenders if c is not None]
    for c in contenders:
        if c.warm_up:
            c.run()
    runs = {c.name: [] for c in contenders}
    for _ in range(repeats):
        for c in contenders:
            runs[c.name].append(c.run())
    medians = {name: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs))
               for name, rs in runs.items()}
    references = [c.name for c in contenders[:-1] if c.reference] + [contenders[-1].name]
    for name, (wall, rss) in medians.items():
        ratios = "".join(f"   ratio to {ref}: wall {wall / medians[ref][0]:.2f}, RSS {rss / medians[ref][1]:.2f}"
                         for ref in references if ref != name)
        print(f"{job:<34} {name:<26} {wall:8.2f} s {rss:8.0f} MB{ratios}", flush=True)
    return medians

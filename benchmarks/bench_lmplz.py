"""KenLM-compatible estimation (`ngramkit lmplz`) against KenLM's own lmplz, text in and ARPA out.

    python benchmarks/bench_lmplz.py [--corpus PATH] [--orders 3,5] [--memory 2G] [--runs 3]
                                     [--anchor PATH/TO/lmplz] [--temp DIR]

For each order, `ngramkit lmplz -o N -S 2G` and KenLM's `lmplz -o N -S 2G` run on the same
corpus, alternating (ngramkit, lmplz, ngramkit, ...) so that both see the same machine state;
each run's wall time, CPU seconds and peak RSS are printed, then the ratio of the medians
(ngramkit / lmplz) of wall time and peak RSS. Compiled code is cached by a warm-up run first.
KenLM's lmplz is looked for in ../shared/anchors/kenlm/bin beside the repository (or given by
--anchor); without it nothing is measured.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from common import SHARED, tool


def run_measured(argv):
    """(wall seconds, user + system CPU seconds, peak RSS in MB) of argv."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(argv)}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=os.path.join(SHARED, "corpora/en-large/train.txt.gz"))
    parser.add_argument("--orders", default="3,5")
    parser.add_argument("--memory", default="2G", help="-S of both (lmplz's units)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each tool per order")
    parser.add_argument("--anchor", default=os.path.join(SHARED, "anchors/kenlm/bin/lmplz"),
                        help="KenLM's lmplz")
    parser.add_argument("--temp", default=None, help="directory for temporary and ARPA files")
    args = parser.parse_args()
    if not os.access(args.anchor, os.X_OK):
        print(f"KenLM's lmplz not found at {args.anchor} (give --anchor): nothing measured")
        return
    ngramkit = tool("ngramkit")
    with tempfile.TemporaryDirectory(dir=args.temp) as tmp:
        warm = os.path.join(tmp, "warm.txt")
        with open(warm, "w") as f:
            f.write("".join(f"w{i % 7} w{i % 5} w{i % 3} w{i % 11}\n" for i in range(500)))
        run_measured([ngramkit, "lmplz", "-o", "5", "-S", "64M", "-T", tmp, "--discount_fallback",
                      "--text", warm, "--arpa", warm + ".arpa"])
        print(f"corpus: {args.corpus}, -S {args.memory}, {args.runs} alternating runs of each")
        print(f"{'command':<16} {'order':>5} {'run':>3} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12}")
        summary = []
        for order in map(int, args.orders.split(",")):
            lm = os.path.join(tmp, f"o{order}.arpa")
            common = ["-o", str(order), "-S", args.memory, "-T", tmp, "--text", args.corpus, "--arpa", lm]
            commands = {"ngramkit lmplz": [ngramkit, "lmplz", "-q"] + common, "kenlm lmplz": [args.anchor] + common}
            results = {name: [] for name in commands}
            for run in range(1, args.runs + 1):
                for name, argv in commands.items():
                    wall, cpu, rss = run_measured(argv)
                    os.unlink(lm)
                    results[name].append((wall, rss))
                    print(f"{name:<16} {order:>5} {run:>3} {wall:>8.1f} {cpu:>8.1f} {rss:>12.0f}", flush=True)
            ours, theirs = results["ngramkit lmplz"], results["kenlm lmplz"]
            summary.append((order, *(statistics.median(r[i] for r in ours) / statistics.median(r[i] for r in theirs)
                                     for i in (0, 1))))
        print("ratio of medians, ngramkit / kenlm:")
        for order, wall, rss in summary:
            print(f"  -o {order}: wall {wall:.2f}, peak RSS {rss:.2f}")


if __name__ == "__main__":
    main()

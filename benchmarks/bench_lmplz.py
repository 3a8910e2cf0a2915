"""KenLM-compatible estimation (`ngramkit lmplz`), text in and ARPA out: orders 3 and 5 of en-large.

    python benchmarks/bench_lmplz.py [--corpus PATH] [--orders 3,5] [--srilm]

For each order: wall time, user and system CPU seconds and peak RSS of
`ngramkit lmplz -o N -S 2G --text ... --arpa ...` (compiled code cached by a warm-up run).
--srilm also times `ngram-count -kndiscount -interpolate` (bench_estimate.py's command) on the
same corpus, for comparison on the same machine state.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

from common import SHARED, tool


def run_measured(argv):
    """(wall seconds, user CPU seconds, system CPU seconds, peak RSS in MB) of argv."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(argv)}")
    return wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=os.path.join(SHARED, "corpora/en-large/train.txt.gz"))
    parser.add_argument("--orders", default="3,5")
    parser.add_argument("--srilm", action="store_true", help="also time ngram-count -kndiscount -interpolate")
    args = parser.parse_args()
    ngramkit = tool("ngramkit")
    with tempfile.TemporaryDirectory() as tmp:
        warm = os.path.join(tmp, "warm.txt")
        with open(warm, "w") as f:
            f.write("".join(f"w{i % 7} w{i % 5} w{i % 3} w{i % 11}\n" for i in range(500)))
        run_measured([ngramkit, "lmplz", "-o", "5", "--discount_fallback", "--text", warm,
                      "--arpa", warm + ".arpa"])
        print(f"corpus: {args.corpus}")
        print(f"{'command':<24} {'order':>5} {'wall s':>8} {'user s':>8} {'sys s':>7} {'peak RSS MB':>12}")
        for order in map(int, args.orders.split(",")):
            lm = os.path.join(tmp, f"o{order}.arpa")
            commands = {"ngramkit lmplz": [ngramkit, "lmplz", "-o", str(order), "-S", "2G", "-T", tmp,
                                           "--text", args.corpus, "--arpa", lm]}
            if args.srilm:
                commands["ngram-count (SRILM mode)"] = [
                    tool("ngram-count"), "-order", str(order), "-kndiscount", "-interpolate",
                    "-text", args.corpus, "-lm", lm]
            for name, argv in commands.items():
                wall, user, system, rss = run_measured(argv)
                print(f"{name:<24} {order:>5} {wall:>8.1f} {user:>8.1f} {system:>7.1f} {rss:>12.0f}",
                      flush=True)


if __name__ == "__main__":
    main()

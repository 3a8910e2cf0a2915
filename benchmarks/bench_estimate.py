"""Modified Kneser-Ney estimation, text in and ARPA out: orders 3 and 5 of en-large (14.6M words).

    python benchmarks/bench_estimate.py [--corpus PATH] [--orders 3,5] [--memory 2G] [--lmplz]

For each order: wall time, CPU time and peak RSS of `ngram-count -kndiscount -interpolate -text ... -lm ...`
(compiled code cached by a warm-up run), without a memory cap and with `-memory` (2G: the budget
lmplz was given, `-S 2G`), then, in a separate process, the time of each stage
(counting, adjusted counts, discounts, probabilities, backoff weights, assembly, ARPA writing),
wall, CPU and the main thread's CPU (the work no other core shared), since the machine may be
shared. With --lmplz, the same for `ngramkit lmplz -S 2G` beside KenLM's lmplz
(../shared/anchors/kenlm/bin) instead.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

from common import SHARED, anchor, measure, tool

KN = ["-kndiscount", "-interpolate"]


def stages(corpus, order, lm, memory=None):
    """Time each stage in this process; print them as JSON. `memory`: lmplz's path, with its cap."""
    from ngramkit.arpa import write_arpa
    from ngramkit.cli.common import return_large_blocks_to_os
    from ngramkit.counting import RunOptions, count_text
    from ngramkit.estimate import EstimateOptions, StageTimes, estimate
    from ngramkit.training import lmplz

    return_large_blocks_to_os()  # as the commands do
    times = StageTimes()
    if memory:
        lmplz(corpus, order, memory=memory, progress=False, output=lm, times=times)
    else:
        start = time.perf_counter()
        counts = count_text([corpus], order, run=RunOptions(quiet=True))
        times.mark("count", start)
        model = estimate(counts, EstimateOptions.srilm(order, "kn", interpolate=True), times=times, consume=True)
        del counts
        start = time.perf_counter()
        write_arpa(model, lm)
        times.mark("write", start)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"wall": times, "cpu": times.cpu, "main": times.main, "user": usage.ru_utime,
                      "rss": usage.ru_maxrss / 1024}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=os.path.join(SHARED, "corpora/en-large/train.txt.gz"))
    parser.add_argument("--orders", default="3,5")
    parser.add_argument("--memory", default="2G", help="the cap of the second run ('' for none)")
    parser.add_argument("--lmplz", action="store_true", help="ngramkit lmplz and KenLM's lmplz, -S MEMORY")
    parser.add_argument("--stages", nargs=3, metavar=("ORDER", "LM", "MEMORY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stages:
        stages(args.corpus, int(args.stages[0]), args.stages[1], args.stages[2])
        return
    with tempfile.TemporaryDirectory() as tmp:
        warm = os.path.join(tmp, "warm.txt")
        with open(warm, "w") as f:
            f.write("".join(f"w{i % 7} w{i % 5} w{i % 3} w{i % 11}\n" for i in range(500)))
        measure([tool("ngram-count"), "-order", "5", *KN, "-discount-fallback", "-text", warm, "-lm",
                 warm + ".arpa"], stderr=subprocess.DEVNULL)
        for order in map(int, args.orders.split(",")):
            lm = os.path.join(tmp, f"o{order}.arpa")
            if args.lmplz:
                lmplz_side_by_side(args.corpus, order, args.memory or "2G", tmp, lm)
                print_stages(args.corpus, order, lm, args.memory or "2G")
                continue
            for cap in ([None, args.memory] if args.memory else [None]):
                extra = ["-memory", cap, "-temp-dir", tmp] if cap else []
                seconds, rss, cpu = measure([tool("ngram-count"), "-order", str(order), *KN, *extra, "-text",
                                             args.corpus, "-lm", lm, "-q"], cpu=True)
                print(f"order {order}: ngram-count{' -memory ' + cap if cap else ''} {seconds:.1f} s wall, "
                      f"{cpu:.1f} s CPU (user+system), peak RSS {rss:.0f} MB, "
                      f"ARPA {os.path.getsize(lm) / 1e6:.0f} MB", flush=True)
            print_stages(args.corpus, order, lm, "")


def lmplz_side_by_side(corpus, order, memory, tmp, lm):
    """`ngramkit lmplz` and KenLM's lmplz on the corpus (on stdin, ARPA to a file) in turn."""
    commands = {"ngramkit lmplz": [tool("ngramkit"), "lmplz", "-q"]}
    if anchor("lmplz"):
        commands["KenLM lmplz"] = [anchor("lmplz")]
    for name, argv in commands.items():
        with open(corpus, "rb") as text, open(lm, "wb") as out:
            seconds, rss, cpu = measure(argv + ["-o", str(order), "-S", memory, "-T", tmp], cpu=True, stdin=text,
                                        stdout=out, stderr=subprocess.DEVNULL)
        print(f"order {order}: {name} -S {memory} {seconds:.1f} s wall, {cpu:.1f} s CPU (user+system), "
              f"peak RSS {rss:.0f} MB, ARPA {os.path.getsize(lm) / 1e6:.0f} MB", flush=True)


def print_stages(corpus, order, lm, memory):
    out = subprocess.run([sys.executable, __file__, "--corpus", corpus, "--stages", str(order), lm, memory],
                         check=True, capture_output=True, text=True)
    run = json.loads(out.stdout.strip().splitlines()[-1])
    print("  stages (wall / CPU / main thread's CPU s): " + ", ".join(
        f"{k} {v:.1f} / {run['cpu'][k]:.1f} / {run['main'][k]:.1f}" for k, v in run["wall"].items()), flush=True)
    print(f"  stages in one process: {sum(run['wall'].values()):.1f} s wall, "
          f"{run['user']:.1f} s user CPU, peak RSS {run['rss']:.0f} MB", flush=True)


if __name__ == "__main__":
    main()

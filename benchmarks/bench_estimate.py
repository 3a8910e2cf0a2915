"""Modified Kneser-Ney estimation, text in and ARPA out: orders 3 and 5 of en-large (14.6M words).

    python benchmarks/bench_estimate.py [--corpus PATH] [--orders 3,5]

For each order: wall time and peak RSS of `ngram-count -kndiscount -interpolate -text ... -lm ...`
(compiled code cached by a warm-up run), then, in a separate process, the time of each stage
(counting, adjusted counts, discounts, probabilities, backoff weights, assembly, ARPA writing).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

from common import SHARED, measure, tool

KN = ["-kndiscount", "-interpolate"]


def stages(corpus, order, lm):
    """Time each stage in this process; print them as JSON."""
    from ngramkit.arpa import write_arpa
    from ngramkit.counting import TextOptions, count_text
    from ngramkit.estimate import EstimateOptions, StageTimes, estimate

    times = StageTimes()
    start = time.perf_counter()
    counts = count_text([corpus], order, TextOptions(quiet=True))
    times["count"] = time.perf_counter() - start
    model = estimate(counts, EstimateOptions.srilm(order, "kn", interpolate=True), times=times)
    del counts
    start = time.perf_counter()
    write_arpa(model, lm)
    times["write ARPA"] = time.perf_counter() - start
    times["peak RSS MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(times))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=os.path.join(SHARED, "corpora/en-large/train.txt.gz"))
    parser.add_argument("--orders", default="3,5")
    parser.add_argument("--stages", nargs=2, metavar=("ORDER", "LM"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stages:
        stages(args.corpus, int(args.stages[0]), args.stages[1])
        return
    with tempfile.TemporaryDirectory() as tmp:
        warm = os.path.join(tmp, "warm.txt")
        with open(warm, "w") as f:
            f.write("".join(f"w{i % 7} w{i % 5} w{i % 3} w{i % 11}\n" for i in range(500)))
        measure([tool("ngram-count"), "-order", "5", *KN, "-discount-fallback", "-text", warm, "-lm",
                 warm + ".arpa"], stderr=subprocess.DEVNULL)
        for order in map(int, args.orders.split(",")):
            lm = os.path.join(tmp, f"o{order}.arpa")
            seconds, rss = measure([tool("ngram-count"), "-order", str(order), *KN, "-text",
                                    args.corpus, "-lm", lm, "-q"])
            print(f"order {order}: ngram-count {seconds:.1f} s wall, peak RSS {rss:.0f} MB, "
                  f"ARPA {os.path.getsize(lm) / 1e6:.0f} MB", flush=True)
            out = subprocess.run([sys.executable, __file__, "--corpus", args.corpus, "--stages",
                                  str(order), lm], check=True, capture_output=True, text=True)
            times = json.loads(out.stdout.strip().splitlines()[-1])
            print("  stages: " + ", ".join(
                f"{k} {v:.0f}" if k.endswith("MB") else f"{k} {v:.1f} s" for k, v in times.items()),
                flush=True)


if __name__ == "__main__":
    main()

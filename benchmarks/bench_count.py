"""Counting speed: orders 1-3 and 1-5 of en-large (14.6M words), with and without a memory cap.

    python benchmarks/bench_count.py [--corpus PATH] [--memory 500M]

Prints wall time, words per second and peak RSS per run, and checks that the
capped run writes the same counts as the uncapped one.
"""

import argparse
import filecmp
import gzip
import os
import tempfile

from common import SHARED, measure, tool


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=os.path.join(SHARED, "corpora/en-large/train.txt.gz"))
    parser.add_argument("--orders", default="3,5")
    parser.add_argument("--memory", default="500M")
    args = parser.parse_args()
    with gzip.open(args.corpus, "rb") as f:
        words = sum(len(line.split()) for line in f)
    with tempfile.TemporaryDirectory() as tmp:
        for order in map(int, args.orders.split(",")):
            outputs = []
            for memory in (None, args.memory):
                out = os.path.join(tmp, f"counts{order}-{memory}.txt")
                argv = [tool("ngram-count"), "-order", str(order), "-text", args.corpus,
                        "-write", out, "-q"]
                if memory:
                    argv += ["-memory", memory, "-temp-dir", tmp]
                seconds, rss = measure(argv)
                outputs.append(out)
                print(f"order {order} memory={memory or 'unbounded'}: {seconds:.1f} s, "
                      f"{words / seconds / 1e6:.2f} M words/s, peak RSS {rss:.0f} MB", flush=True)
            same = filecmp.cmp(outputs[0], outputs[1], shallow=False)
            print(f"order {order}: capped counts identical: {same}", flush=True)
            for out in outputs:
                os.unlink(out)


if __name__ == "__main__":
    main()

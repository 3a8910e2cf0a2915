"""Entropy pruning of a large 5-gram model: wall time, peak RSS, n-grams kept, perplexity.

usage: python benchmarks/bench_prune.py [--lm ARPA] [--thresholds 1e-8 1e-7] [--curve PNG]

Without --lm the model is built first with our
`ngram-count -order 5 -kndiscount -interpolate -text shared/corpora/en-large/train.txt.gz`
(kept in --work for later runs). Each `ngram -prune` run is a whole process (read, prune,
write), measured alone; `ngram -write-lm` without pruning is the baseline of reading and
writing. --curve also runs `ngramkit prune-curve` on the en-large test text.
"""

import argparse
import gzip
import os
import sys

from common import SHARED, measure, tool

CORPUS = os.path.join(SHARED, "corpora", "en-large")


def arpa_sizes(path):
    """n-gram counts from an ARPA file's \\data\\ section."""
    sizes = []
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        for line in f:
            if line.startswith("ngram "):
                sizes.append(int(line.split("=")[1]))
            elif line.startswith("\\1-grams"):
                return sizes
    return sizes


def ppl_line(lm, text):
    out = "/tmp/bench_prune_ppl.txt"
    measure([tool("ngram"), "-lm", lm, "-order", "5", "-ppl", text], stdout=open(out, "w"))
    return open(out).read().splitlines()[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lm", help="5-gram ARPA model (default: build one from en-large)")
    parser.add_argument("--work", default="/tmp", help="directory for the built and pruned models")
    parser.add_argument("--thresholds", nargs="+", type=float, default=[1e-8, 1e-7])
    parser.add_argument("--text", default=os.path.join(CORPUS, "test.txt.gz"), help="text for perplexities")
    parser.add_argument("--curve", help="also write the perplexity/size curve to this PNG")
    args = parser.parse_args()
    lm = args.lm
    if lm is None:
        lm = os.path.join(args.work, "en-large-o5.arpa.gz")
        if not os.path.exists(lm):
            seconds, rss = measure([tool("ngram-count"), "-order", "5", "-kndiscount", "-interpolate",
                                    "-text", os.path.join(CORPUS, "train.txt.gz"), "-lm", lm])
            print(f"built {lm}: {seconds:.1f} s, peak RSS {rss:.0f} MB")
    sizes = arpa_sizes(lm)
    print(f"model {lm}: {sum(sizes)} n-grams {sizes}")
    print(f"  {ppl_line(lm, args.text)}")
    copy = os.path.join(args.work, "bench-prune-copy.arpa.gz")
    seconds, rss = measure([tool("ngram"), "-lm", lm, "-order", "5", "-write-lm", copy])
    print(f"read + write, no pruning: {seconds:8.1f} s  peak RSS {rss:7.0f} MB")
    for theta in args.thresholds:
        out = os.path.join(args.work, f"bench-prune-{theta:g}.arpa.gz")
        seconds, rss = measure([tool("ngram"), "-lm", lm, "-order", "5", "-prune", str(theta), "-write-lm", out])
        kept = arpa_sizes(out)
        print(f"-prune {theta:g}: {seconds:8.1f} s  peak RSS {rss:7.0f} MB  kept {sum(kept)} "
              f"({100 * sum(kept) / sum(sizes):.1f}%) {kept}")
        print(f"  {ppl_line(out, args.text)}")
    if args.curve:
        seconds, rss = measure([tool("ngramkit"), "prune-curve", lm, args.text, "-o", args.curve])
        print(f"prune-curve -> {args.curve}: {seconds:.1f} s  peak RSS {rss:.0f} MB")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

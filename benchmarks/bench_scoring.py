"""ARPA and binary load time and scoring throughput of `ngramkit.Model` (and of
the kenlm module's `Model.score` when it is installed).

usage: python benchmarks/bench_scoring.py [ARPA ...] [--text TEXT]
Defaults: the KenLM reference models of shared/reference/en and the en-large test text.
Compile times are excluded: each measured call runs once before timing.
"""

import argparse
import gzip
import os
import sys
import time

import numpy as np

from common import SHARED, measure, tool

from ngramkit.lm import Model
from ngramkit.arpa import read_arpa

try:
    import kenlm
except ImportError:
    kenlm = None


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("arpas", nargs="*", default=[os.path.join(SHARED, "reference", "en", "kenlm", f"o{n}.arpa.gz")
                                                     for n in (3, 5)])
    parser.add_argument("--text", default=os.path.join(SHARED, "corpora", "en-large", "test.txt.gz"))
    args = parser.parse_args()
    with gzip.open(args.text, "rt", encoding="utf-8") if args.text.endswith(".gz") else open(args.text) as f:
        sentences = f.read().splitlines()
    tokens = sum(len(s.split()) + 1 for s in sentences)
    print(f"text {args.text}: {len(sentences)} sentences, {tokens} tokens (with </s>)")
    plain_text = "/tmp/bench_scoring_text.txt"
    with open(plain_text, "w", encoding="utf-8") as f:
        f.write("\n".join(sentences) + "\n")
    for path in args.arpas:
        read_arpa(path)  # compile or load the cached machine code
        load, model = timed(read_arpa, path)
        tables, lm = timed(Model.from_ngram_model, model, path)
        lm.score_batch(sentences[:10])
        batch, totals = timed(lm.score_batch, sentences)
        lm.score(sentences[0])
        per_sentence, _ = timed(lambda: [lm.score(s) for s in sentences])
        binary = "/tmp/bench_scoring_model.ngk"
        write_binary, _ = timed(lm.write_binary, binary)
        load_binary, mapped = timed(Model, binary)
        mapped.score_batch(sentences)  # reads the mapped pages in once
        mapped_batch, _ = timed(mapped.score_batch, sentences)
        ppl_seconds, _ = measure([tool("ngram"), "-lm", path, "-order", str(model.order), "-ppl", plain_text],
                                 stdout=open(os.devnull, "w"))
        print(f"{os.path.basename(path)}: {sum(model.sizes())} n-grams {model.sizes()}")
        print(f"  read ARPA         {load:8.3f} s")
        print(f"  build hash tables {tables:8.3f} s")
        print(f"  score_batch       {batch:8.3f} s  {tokens / batch / 1e6:6.2f} M tokens/s  total {float(np.sum(totals, dtype=np.float64)):.2f}")
        print(f"  Model.score loop  {per_sentence:8.3f} s  {tokens / per_sentence / 1e6:6.2f} M tokens/s")
        print(f"  write binary      {write_binary:8.3f} s")
        print(f"  load binary       {load_binary:8.3f} s")
        print(f"  score_batch (bin) {mapped_batch:8.3f} s  {tokens / mapped_batch / 1e6:6.2f} M tokens/s")
        print(f"  ngram -ppl        {ppl_seconds:8.3f} s  (whole process, including start-up and loading)")
        if kenlm is not None:
            kenlm_load, reference = timed(kenlm.Model, path)
            kenlm_score, _ = timed(lambda: [reference.score(s) for s in sentences])
            print(f"  kenlm load ARPA   {kenlm_load:8.3f} s")
            print(f"  kenlm score loop  {kenlm_score:8.3f} s  {tokens / kenlm_score / 1e6:6.2f} M tokens/s")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""ARPA and binary load time and scoring throughput of `ngramkit.Model` (and of
the kenlm module's `Model.score` when it is installed).

usage: python benchmarks/bench_scoring.py [ARPA ...] [--text TEXT] [--repeat N]
Defaults: the KenLM reference models of shared/reference/en and the en-large test text.
Compile times are excluded: each measured call runs once before timing. The
scoring runs (ours on the mapped binary model and the kenlm module's) take
turns, N rounds, so that both see the same load from other processes; each is
reported as best and median of wall time and of this process's CPU time
(score_batch uses two threads on large batches: its CPU time is both threads').
"""

import argparse
import gzip
import os
import statistics
import sys
import time

import numpy as np
from common import SHARED, measure, tool

from ngramkit.arpa import read_arpa
from ngramkit.lm import Model

try:
    import kenlm
except ImportError:
    kenlm = None


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def timed_cpu(function):
    """(wall seconds, CPU seconds of this process) of function()."""
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def throughput(name, tokens, runs):
    """A line of best and median tokens/s by wall and CPU time over (wall, cpu) runs."""
    walls, cpus = zip(*runs)
    rate = lambda seconds: tokens / seconds / 1e6
    return (f"  {name:17s} wall {rate(min(walls)):5.2f} best {rate(statistics.median(walls)):5.2f} median"
            f"   CPU {rate(min(cpus)):5.2f} best {rate(statistics.median(cpus)):5.2f} median  M tokens/s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("arpas", nargs="*", default=[os.path.join(SHARED, "reference", "en", "kenlm", f"o{n}.arpa.gz")
                                                     for n in (3, 5)])
    parser.add_argument("--text", default=os.path.join(SHARED, "corpora", "en-large", "test.txt.gz"))
    parser.add_argument("--repeat", type=int, default=5, help="rounds of the scoring runs")
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
        order, sizes = model.order, model.sizes()
        total = float(np.sum(lm.score_batch(sentences), dtype=np.float64))
        binary = "/tmp/bench_scoring_model.ngk"
        write_binary, _ = timed(model.write, binary)
        del model, lm
        load_binary, mapped = timed(Model, binary)
        ppl_seconds, _ = measure([tool("ngram"), "-lm", path, "-order", str(order), "-ppl", plain_text],
                                 stdout=open(os.devnull, "w"))
        runs = {"score_batch": lambda: mapped.score_batch(sentences),
                "Model.score loop": lambda: [mapped.score(s) for s in sentences]}
        if kenlm is not None:
            kenlm_load, reference = timed(kenlm.Model, path)
            runs["kenlm score loop"] = lambda: [reference.score(s) for s in sentences]
        for run in runs.values():
            run()  # compiles, and reads the mapped pages in
        times = {name: [] for name in runs}
        for _ in range(args.repeat):
            for name, run in runs.items():
                times[name].append(timed_cpu(run))
        print(f"{os.path.basename(path)}: {sum(sizes)} n-grams {sizes}")
        print(f"  read ARPA         {load:8.3f} s")
        print(f"  build hash tables {tables:8.3f} s")
        print(f"  write binary      {write_binary:8.3f} s")
        print(f"  load binary       {load_binary:8.3f} s")
        print(f"  ngram -ppl        {ppl_seconds:8.3f} s  (whole process, including start-up and loading)")
        if kenlm is not None:
            print(f"  kenlm load ARPA   {kenlm_load:8.3f} s")
        print(f"  log10 p of the text {total:.2f}; {args.repeat} rounds:")
        for name, measured in times.items():
            print(throughput(name, tokens, measured))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""Scaling of counting with workers: threads on one machine and a Dask LocalCluster.

    python benchmarks/bench_scale.py [--copies 4] [--order 3] [--workers 1,2,4]

Counts a corpus made by concatenating en-large `--copies` times (uncompressed, so
Dask workers read byte ranges of it) and prints wall time, user+system CPU,
throughput, throughput per worker and peak RSS of each run, and checks that
every run writes the same counts.
"""

import argparse
import filecmp
import gzip
import os
import shutil
import tempfile

from common import SHARED, measure, tool


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=os.path.join(SHARED, "corpora/en-large/train.txt.gz"))
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--order", type=int, default=3)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--modes", default="threads,dask")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "corpus.txt")
        with open(text, "wb") as out:
            for _ in range(args.copies):
                with gzip.open(args.corpus, "rb") as f:
                    shutil.copyfileobj(f, out)
        with open(text, "rb") as f:
            words = sum(block.count(b" ") + block.count(b"\n") for block in iter(lambda: f.read(1 << 24), b""))
        print(f"corpus: {args.copies} x en-large, {words / 1e6:.1f} M words, "
              f"{os.path.getsize(text) / 1e6:.0f} MB; order {args.order}; {os.cpu_count()} cores", flush=True)
        first = None
        for mode in args.modes.split(","):
            for workers in map(int, args.workers.split(",")):
                out = os.path.join(tmp, f"{mode}{workers}.counts")
                argv = [tool("ngramkit"), "count", "--order", str(args.order), "--text", text,
                        "--write", out, "--workers", str(workers), "-q"]
                if mode == "dask":
                    argv += ["--scheduler", "local"]
                seconds, rss, cpu = measure(argv, cpu=True)
                rate = words / seconds / 1e6
                print(f"{mode:7s} workers={workers}: {seconds:6.1f} s wall, {cpu:6.1f} s CPU, "
                      f"{rate:5.2f} M words/s, {rate / workers:5.2f} M words/s per worker, "
                      f"peak RSS {rss:.0f} MB", flush=True)
                if first is None:
                    first = out
                else:
                    print(f"        same counts as the first run: {filecmp.cmp(first, out, shallow=False)}")
                    os.unlink(out)


if __name__ == "__main__":
    main()

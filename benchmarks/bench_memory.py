"""Estimation with a memory cap and without: en-large, modified Kneser-Ney, text in, ARPA out.

    python benchmarks/bench_memory.py [--order 5] [--memory 2G,1G,800M,400M]
    python benchmarks/bench_memory.py --jobs [--arpa lm3.arpa]

With --jobs: wall time, CPU and peak RSS of the jobs that read a large ARPA file or count a
corpus, on KenLM's 3-gram of en-large (made with the shared lmplz unless --arpa names it):
`ngram -ppl`, `ngram -prune 1e-8`, `ngramkit prune -t 1e-8`, `ngramkit.Model(arpa)`, `ngram -mix-lm`
of the model and its pruning, and `ngram-count -order 3 -write`; and the size of the model's own
arrays.

Runs `ngram-count -order N -kndiscount -interpolate -text ... -lm ...` once without a cap and
once with each `-memory CAP` (counting in blocks that fit the cap, sorted runs spilled to a
temporary directory and merged, count tables and estimation arrays memory-mapped there, the
pager holding the resident size to the cap), and prints wall time, user+system CPU and peak
RSS of each, and whether each ARPA file is byte-identical to the uncapped one. With `--cgroup`
(root, cgroup-v1 memory controller) each capped run is also confined to a memory group limited
to CAP, which counts the page cache of its files too: the run either fits or is killed.
"""

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile

from common import SHARED, measure, tool

from ngramkit.counting import parse_memory


def memory_group(size):
    """A function that moves the calling process into a cgroup-v1 memory group limited to size."""
    group = "/sys/fs/cgroup/memory/ngramkit-bench"
    os.makedirs(group, exist_ok=True)
    with open(os.path.join(group, "memory.limit_in_bytes"), "w") as f:
        f.write(str(parse_memory(size)))

    def join():
        with open(os.path.join(group, "tasks"), "w") as f:
            f.write(str(os.getpid()))

    return join


def jobs(args, tmp):
    """Peak memory of the jobs over a large model (see the module's docstring)."""
    corpus = os.path.join(SHARED, "corpora", "en-large")
    train, test = os.path.join(tmp, "train.txt"), os.path.join(tmp, "test.txt")
    for name, path in (("train", train), ("test", test)):
        with open(path, "wb") as out:
            subprocess.run(["zcat", os.path.join(corpus, f"{name}.txt.gz")], stdout=out, check=True)
    arpa = args.arpa
    if arpa is None:
        arpa = os.path.join(tmp, "lm3.arpa")
        with open(train, "rb") as text, open(arpa, "wb") as out:
            subprocess.run([os.path.join(SHARED, "anchors", "kenlm", "bin", "lmplz"), "-o", "3", "-S", "2G",
                            "-T", tmp], stdin=text, stdout=out, stderr=subprocess.DEVNULL, check=True)
    pruned, mixed = os.path.join(tmp, "pruned.arpa"), os.path.join(tmp, "mixed.arpa")
    sizes = ("from ngramkit.arpa import read_arpa; m = read_arpa({!r}); "
             "print(sum(a.nbytes for a in m.ngrams + m.logprob + m.backoff) / 2**20)")
    runs = [
        ("ngram -ppl", [tool("ngram"), "-lm", arpa, "-ppl", test]),
        ("ngram -prune 1e-8", [tool("ngram"), "-lm", arpa, "-prune", "1e-8", "-write-lm", pruned]),
        ("ngramkit prune -t 1e-8", [tool("ngramkit"), "prune", arpa, "-t", "1e-8", "-o",
                                    os.path.join(tmp, "pruned-t.arpa")]),
        ("ngramkit.Model", [sys.executable, "-c", f"import ngramkit; ngramkit.Model({arpa!r})"]),
        ("ngram -mix-lm (the pruned model)", [tool("ngram"), "-lm", arpa, "-mix-lm", pruned, "-lambda", "0.6",
                                              "-write-lm", mixed]),
        ("ngram-count -order 3 -write", [tool("ngram-count"), "-order", "3", "-text", train, "-write",
                                         os.path.join(tmp, "counts.txt")]),
    ]
    # compile and cache the kernels first, so that no run pays for it
    measure([sys.executable, "-c", "from ngramkit.precompile import precompile; precompile()"])
    for label, argv in runs:
        seconds, rss, cpu = measure(argv, cpu=True, stdout=subprocess.DEVNULL)
        print(f"{label}: {seconds:6.1f} s wall, {cpu:6.1f} s CPU, peak RSS {rss:6.0f} MB", flush=True)
    arrays = subprocess.run([sys.executable, "-c", sizes.format(arpa)], capture_output=True, text=True, check=True)
    print(f"the model's arrays: {float(arrays.stdout):.0f} MB")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=os.path.join(SHARED, "corpora", "en-large", "train.txt.gz"))
    parser.add_argument("--order", type=int, default=5)
    parser.add_argument("--memory", default="2G,1G,800M,400M", help="comma-separated caps")
    parser.add_argument("--cgroup", action="store_true", help="confine the capped run to a memory cgroup")
    parser.add_argument("--jobs", action="store_true", help="peak memory of the jobs over a large model instead")
    parser.add_argument("--arpa", help="with --jobs: the model (default: KenLM's 3-gram of en-large, made here)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.jobs:
            jobs(args, tmp)
            return
        base = [tool("ngram-count"), "-order", str(args.order), "-kndiscount", "-interpolate", "-q"]
        warm = os.path.join(tmp, "warm.txt")
        with open(warm, "w") as f:
            f.write("a b c d e\n" * 50)
        # compile and cache the kernels first, so that neither run pays for it
        measure(base + ["-text", warm, "-discount-fallback", "-lm", os.path.join(tmp, "warm.arpa")],
                stderr=subprocess.DEVNULL)
        outputs = {}
        runs = [("no cap", [], None)] + [(f"-memory {cap}", ["-memory", cap, "-temp-dir", tmp], cap)
                                         for cap in args.memory.split(",")]
        for label, extra, cap in runs:
            confine = {}
            if cap and args.cgroup:
                label += " in a cgroup of that size"
                confine["preexec_fn"] = memory_group(cap)
            outputs[label] = os.path.join(tmp, f"{len(outputs)}.arpa")
            seconds, rss, cpu = measure(base + extra + ["-text", args.corpus, "-lm", outputs[label]], cpu=True,
                                        **confine)
            same = "" if not cap else ", ARPA byte-identical" if filecmp.cmp(
                outputs["no cap"], outputs[label], shallow=False) else ", ARPA DIFFERS"
            print(f"order {args.order}, {label}: {seconds:6.1f} s wall, {cpu:6.1f} s CPU, "
                  f"peak RSS {rss:6.0f} MB{same}", flush=True)

if __name__ == "__main__":
    main()

"""ngramkit against the reference tools, each job in one invocation with the contenders alternating.

    python benchmarks/side_by_side.py [--jobs lmplz3,lmplz5,count3,weights3,estimate5,ppl,ppl-small,load,
                                              build-binary,prune,mix,class,fst,start]
                                      [--repeats 3] [--work DIR] [--anchors DIR] [--baseline SRC]
                                      [--srilm DIR]

Jobs, on en-large (../shared/corpora/en-large: 14.6M words of training text, 718k of test):
  lmplz3, lmplz5  `ngramkit lmplz -o N -S 2G` against KenLM's `lmplz -o N -S 2G`
  count3          `ngram-count -order 3 -kndiscount -interpolate` and `ngram-count -order 3 -write`
                  (without --srilm, SRILM's figures measured elsewhere are printed beside them)
  weights3        `ngram-count -order 3 -text-has-weights -write` of the training text, each line
                  weighted 1, 2 or 3 (needs --srilm for a reference)
  estimate5       `ngram-count -order 5 -kndiscount -interpolate` (ngramkit alone, or with --baseline)
  ppl             `ngram -ppl test` on KenLM's 3-gram ARPA against KenLM's `query` on the same ARPA
  ppl-small       the same on a small model (`ngram-count` default cutoffs), where start-up counts
  load            `ngramkit.Model(arpa)` against the kenlm module's `kenlm.Model(arpa)`
  build-binary    `build_binary probing` and `build_binary trie` of KenLM's 3-gram against KenLM's
  prune           `ngram -prune 1e-8` of KenLM's 3-gram (SRILM's memory, measured elsewhere, beside it)
  mix             `ngram -lm 3-gram -mix-lm small-3-gram -lambda 0.5 -write-lm` (static interpolation)
  class           `ngram-class -numclasses 100` (incremental merging) on the en subset of SRILM's
                  reference outputs (../shared/reference/en/train.txt.gz), against SRILM's
  fst             `arpa2fst --disambig-symbol=#0` of KenLM's 3-gram against kaldilm
  start           process start to the first compiled call: `ngram -ppl` and `query` on a tiny model
Each job prints the median wall time and peak RSS of every contender and the ratios to the
reference (the last one). KenLM's programs are looked for in ../shared/anchors/kenlm/bin (or
--anchors); a job whose reference is absent says so and prints ngramkit's figures alone.
--baseline SRC adds the ngramkit of another source tree (a checkout of an older commit) as a
contender, run with PYTHONPATH=SRC, for before/after comparisons of the same jobs. --srilm DIR
(a folder holding SRILM's `ngram` and `ngram-count`, e.g. SRILM 1.7.3 built from its source) adds
SRILM to the count3, weights3, ppl, ppl-small, prune, mix and class jobs, with the ratios to it; without it those jobs
print the SRILM figures measured elsewhere.
Models and texts are made once in --work and kept for later runs.
"""

import argparse
import gzip
import os
import shutil
import subprocess
import sys

from common import SHARED, Contender, anchor, machine, side_by_side, tool

CORPUS = os.path.join(SHARED, "corpora", "en-large")
# SRILM 1.7.3's figures for the same jobs, measured on another machine: peak RSS does not drift
# between machines as times do, so only memory is compared against them
SRILM_ELSEWHERE = {
    "ngram-count -order 3 -kndiscount -interpolate": "22.3 s, 538 MB",
    "ngram-count -order 3 -write": "10.7 s, 439 MB",
    "ngram -ppl (KenLM 3-gram)": "11.4 s, 339 MB",
    "ngram -ppl (small 3-gram)": "2.72 s, 119 MB",
    "ngram -prune 1e-8": "23.4 s, 340 MB",
}

# `python -c` puts the working directory first on sys.path: taken off, so that a checkout there
# does not shadow the PYTHONPATH tree of a --baseline contender
LOAD = "import sys; del sys.path[0]; import {module} as m; m.Model(sys.argv[1])"
KALDILM = ("import sys, kaldilm; kaldilm.arpa2fst(input_arpa=sys.argv[1], output_fst=sys.argv[2], "
           "disambig_symbol='#0', read_symbol_table=sys.argv[3], max_arpa_warnings=0)")


class Setup:
    def __init__(self, work, anchors, baseline, srilm=None):
        self.work, self.anchors, self.baseline, self.srilm = work, anchors, baseline, srilm
        os.makedirs(work, exist_ok=True)

    def srilm_tool(self, label, name, argv, **kw):
        """SRILM's `name` run with argv as a reference contender, or None (then its figures
        measured elsewhere for `label` are printed)."""
        path = self.srilm and os.path.join(self.srilm, name)
        if path and os.access(path, os.X_OK):
            return Contender(f"SRILM {name}", [path, *argv], warm_up=False, reference=True, **kw)
        if self.srilm:
            print(f"{label}: SRILM's {name} not found in {self.srilm}")
        return None

    def srilm_elsewhere(self, label, srilm):
        if srilm is None:
            print(f"{'':34} SRILM, measured elsewhere: {SRILM_ELSEWHERE[label]}")

    def path(self, name):
        return os.path.join(self.work, name)

    def text(self, name, corpus=CORPUS, saved_as=None):
        """The train or test text of `corpus` (en-large's by default) uncompressed, as lmplz and
        query read plain stdin; kept as `saved_as` (default `name`).txt."""
        out = self.path(f"{saved_as or name}.txt")
        if not os.path.exists(out):
            with gzip.open(os.path.join(corpus, f"{name}.txt.gz"), "rb") as src, open(out + ".tmp", "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.rename(out + ".tmp", out)
        return out

    def model(self, name, argv):
        out = self.path(name)
        if not os.path.exists(out):
            print(f"making {out}", file=sys.stderr, flush=True)
            subprocess.run([*argv, out], check=True, stderr=subprocess.DEVNULL)
        return out

    def kenlm_3gram(self):
        lmplz = anchor("lmplz", self.anchors)
        train = self.text("train")
        if lmplz:
            out = self.path("kenlm3.arpa")
            if not os.path.exists(out):
                with open(train, "rb") as src, open(out + ".tmp", "wb") as dst:
                    subprocess.run([lmplz, "-o", "3", "-S", "2G", "-T", self.work], stdin=src, stdout=dst,
                                   stderr=subprocess.DEVNULL, check=True)
                os.rename(out + ".tmp", out)
            return out
        return self.model("kenlm3.arpa", [tool("ngramkit"), "lmplz", "-o", "3", "-S", "2G", "-T", self.work,
                                          "--text", train, "--arpa"])

    def small_3gram(self):
        return self.model("small3.arpa", [tool("ngram-count"), "-order", "3", "-kndiscount", "-interpolate",
                                          "-text", self.text("train"), "-lm"])

    def ours(self, name, argv, **kw):
        """ngramkit, and the baseline's ngramkit when one was given."""
        out = [Contender(name, argv, **kw)]
        if self.baseline:
            env = dict(os.environ, PYTHONPATH=self.baseline)
            out.append(Contender(name + " (baseline)", argv, env=env, **kw))
        return out


def job_lmplz(s, order, repeats):
    train = s.text("train")
    out = s.path(f"lmplz{order}.out.arpa")
    ours = s.ours("ngramkit lmplz", [tool("ngramkit"), "lmplz", "-o", str(order), "-S", "2G", "-T", s.work,
                                     "--text", train, "--arpa", out])
    lmplz = anchor("lmplz", s.anchors)
    if not lmplz:
        print(f"lmplz -o {order}: KenLM's lmplz not found: ngramkit alone")
    theirs = lmplz and Contender("KenLM lmplz", [lmplz, "-o", str(order), "-S", "2G", "-T", s.work],
                                 stdin=train, stdout=out, warm_up=False)
    side_by_side(f"lmplz -o {order} -S 2G", [*ours, theirs], repeats)


def job_count(s, repeats):
    train = s.text("train")
    for label, extra in (("ngram-count -order 3 -kndiscount -interpolate",
                          ["-kndiscount", "-interpolate", "-lm", s.path("count3.arpa")]),
                         ("ngram-count -order 3 -write", ["-write", s.path("count3.counts")])):
        argv = ["-order", "3", "-text", train, *extra]
        srilm = s.srilm_tool(label, "ngram-count", [*argv[:-1], argv[-1] + ".srilm"])
        side_by_side(label, [*s.ours("ngramkit", [tool("ngram-count"), *argv]), srilm], repeats)
        s.srilm_elsewhere(label, srilm)


def job_weights(s, repeats):
    weighted = s.path("train-weighted.txt")
    if not os.path.exists(weighted):
        with open(s.text("train"), "rb") as src, open(weighted + ".tmp", "wb") as dst:
            dst.writelines(b"%d %s" % (i % 3 + 1, line) for i, line in enumerate(src))
        os.rename(weighted + ".tmp", weighted)
    label = "ngram-count -order 3 -text-has-weights -write"
    argv = ["-order", "3", "-text", weighted, "-text-has-weights", "-write", s.path("weights3.counts")]
    srilm = s.srilm_tool(label, "ngram-count", [*argv[:-1], argv[-1] + ".srilm"])
    if srilm is None:
        print(f"{label}: no --srilm: ngramkit alone")
    side_by_side(label, [*s.ours("ngramkit", [tool("ngram-count"), *argv]), srilm], repeats)


def job_estimate5(s, repeats):
    side_by_side("ngram-count -order 5 -kndiscount", s.ours("ngramkit", [
        tool("ngram-count"), "-order", "5", "-kndiscount", "-interpolate", "-text", s.text("train"),
        "-lm", s.path("estimate5.arpa")]), repeats)


def job_ppl(s, model, label, repeats):
    test = s.text("test")
    query = anchor("query", s.anchors)
    if not query:
        print(f"{label}: KenLM's query not found: ngramkit alone")
    theirs = query and Contender("KenLM query", [query, "-v", "summary", model], stdin=test, warm_up=False)
    srilm = s.srilm_tool(label, "ngram", ["-lm", model, "-ppl", test])
    side_by_side(label, [*s.ours("ngramkit ngram", [tool("ngram"), "-lm", model, "-ppl", test]), srilm, theirs],
                 repeats)
    s.srilm_elsewhere(label, srilm)


def job_load(s, repeats):
    model = s.kenlm_3gram()
    ours = s.ours("ngramkit.Model", [sys.executable, "-c", LOAD.format(module="ngramkit"), model])
    try:
        import kenlm  # noqa: F401
        theirs = Contender("kenlm.Model", [sys.executable, "-c", LOAD.format(module="kenlm"), model])
    except ImportError:
        print("load: the kenlm module is not installed: ngramkit alone")
        theirs = None
    side_by_side("load the KenLM 3-gram ARPA", [*ours, theirs], repeats)


def job_build_binary(s, repeats):
    model = s.kenlm_3gram()  # lmplz's ARPA, whose lines the probing tables take in file order
    build_binary = anchor("build_binary", s.anchors)
    if not build_binary:
        print("build_binary: KenLM's build_binary not found: ngramkit alone")
    for layout in ("probing", "trie"):
        theirs = build_binary and Contender("KenLM build_binary", [build_binary, layout, model,
                                                                   s.path(f"{layout}.kenlm.bin")], warm_up=False)
        side_by_side(f"build_binary {layout} (KenLM 3-gram)",
                     [*s.ours("ngramkit build_binary", [tool("build_binary"), layout, model, s.path(f"{layout}.bin")]),
                      theirs], repeats)


def job_prune(s, repeats):
    label = "ngram -prune 1e-8"
    argv = ["-lm", s.kenlm_3gram(), "-prune", "1e-8", "-write-lm"]
    srilm = s.srilm_tool(label, "ngram", [*argv, s.path("pruned.srilm.arpa")])
    side_by_side(label, [*s.ours("ngramkit ngram", [tool("ngram"), *argv, s.path("pruned.arpa")]), srilm], repeats)
    s.srilm_elsewhere(label, srilm)


def job_mix(s, repeats):
    label = "ngram -mix-lm -lambda 0.5"
    argv = ["-lm", s.kenlm_3gram(), "-mix-lm", s.small_3gram(), "-lambda", "0.5", "-write-lm"]
    srilm = s.srilm_tool(label, "ngram", [*argv, s.path("mixed.srilm.arpa")])
    if srilm is None:
        print(f"{label}: no SRILM figures for it: ngramkit alone")
    side_by_side(label, [*s.ours("ngramkit ngram", [tool("ngram"), *argv, s.path("mixed.arpa")]), srilm], repeats)


def job_class(s, repeats):
    label = "ngram-class -numclasses 100"
    train = s.text("train", os.path.join(SHARED, "reference", "en"), "class-train")
    argv = ["-text", train, "-numclasses", "100"]
    srilm = s.srilm_tool(label, "ngram-class", [*argv, "-classes", s.path("classes.srilm.txt")])
    if srilm is None:
        print(f"{label}: no SRILM figures for it: ngramkit alone")
    side_by_side(label, [*s.ours("ngramkit ngram-class", [tool("ngram-class"), *argv, "-classes",
                                                          s.path("classes.txt")]), srilm], repeats)


def job_fst(s, repeats):
    model = s.kenlm_3gram()
    words = s.path("words.txt")
    ours = s.ours("ngramkit arpa2fst", [tool("arpa2fst"), "--disambig-symbol=#0", f"--write-symbol-table={words}",
                                        model, s.path("G.fst")])
    try:
        import kaldilm  # noqa: F401
        theirs = Contender("kaldilm", [sys.executable, "-c", KALDILM, model, s.path("G.kaldilm.fst"), words],
                           warm_up=False)
    except ImportError:
        print("fst: kaldilm is not installed: ngramkit alone")
        theirs = None
    side_by_side("arpa2fst, #0", [*ours, theirs], repeats)


def job_start(s, repeats):
    tiny = s.path("tiny.arpa")
    if not os.path.exists(tiny):
        with open(s.path("tiny.txt"), "w") as f:
            f.write("a b c\nb c a\n")
        subprocess.run([tool("ngram-count"), "-text", s.path("tiny.txt"), "-addsmooth", "1", "-lm", tiny], check=True)
    query = anchor("query", s.anchors)
    theirs = query and Contender("KenLM query", [query, "-v", "summary", tiny], stdin=s.path("tiny.txt"))
    side_by_side("start to first score (tiny model)",
                 [*s.ours("ngramkit ngram", [tool("ngram"), "-lm", tiny, "-ppl", s.path("tiny.txt")]), theirs],
                 repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", default="lmplz3,lmplz5,count3,weights3,estimate5,ppl,ppl-small,load,build-binary,prune,mix,class,fst,start")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", default=os.path.join(SHARED, "..", "bench-work"))
    parser.add_argument("--anchors", default=None, help="folder of KenLM's lmplz, build_binary, query")
    parser.add_argument("--baseline", default=None, help="source tree of another ngramkit to compare")
    parser.add_argument("--srilm", default=None, help="folder of SRILM's ngram and ngram-count")
    args = parser.parse_args()
    s = Setup(os.path.abspath(args.work), args.anchors, args.baseline and os.path.abspath(args.baseline),
              args.srilm and os.path.abspath(args.srilm))
    print(machine())
    jobs = {
        "lmplz3": lambda: job_lmplz(s, 3, args.repeats),
        "lmplz5": lambda: job_lmplz(s, 5, args.repeats),
        "count3": lambda: job_count(s, args.repeats),
        "weights3": lambda: job_weights(s, args.repeats),
        "estimate5": lambda: job_estimate5(s, args.repeats),
        "ppl": lambda: job_ppl(s, s.kenlm_3gram(), "ngram -ppl (KenLM 3-gram)", args.repeats),
        "ppl-small": lambda: job_ppl(s, s.small_3gram(), "ngram -ppl (small 3-gram)", args.repeats),
        "load": lambda: job_load(s, args.repeats),
        "build-binary": lambda: job_build_binary(s, args.repeats),
        "prune": lambda: job_prune(s, args.repeats),
        "mix": lambda: job_mix(s, args.repeats),
        "class": lambda: job_class(s, args.repeats),
        "fst": lambda: job_fst(s, args.repeats),
        "start": lambda: job_start(s, args.repeats),
    }
    for name in args.jobs.split(","):
        if name not in jobs:
            sys.exit(f"unknown job {name!r}; jobs: {', '.join(jobs)}")
        jobs[name]()


if __name__ == "__main__":
    main()

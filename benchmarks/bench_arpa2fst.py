"""arpa2fst speed and memory against kaldilm (Kaldi's arpa2fst in a Python wheel).

    python benchmarks/bench_arpa2fst.py [--arpa PATH] [--disambig '#0']

Default model: the reference KenLM 5-gram of en (../shared/reference/en/kenlm/o5.arpa.gz).
For the issue's figure, pass the 3-gram of en-large, made with
`ngram-count -order 3 -kndiscount -interpolate -gt3min 1 -text en-large/train.txt.gz -lm en-large-3.arpa`.
Both tools read the same uncompressed ARPA and write a binary FST with the same
symbol table; the script prints wall time and peak RSS of each process and checks
that both FSTs have the same numbers of states, arcs and final states.

Measured on the en-large 3-gram (11.2M n-grams, `#0`; 2 cores shared with other
jobs, load 1.5-3): ngramkit 25.3 s at 1054 MB peak RSS, kaldilm 73.1 s at 1763 MB;
both 3069256 states, 13765676 arcs, 507505 final states. Of ngramkit's time,
reading the ARPA file takes about half.
"""

import argparse
import gzip
import os
import shutil
import sys
import tempfile

import pynini
from common import SHARED, measure, tool

KALDILM = """
import sys, kaldilm
kaldilm.arpa2fst(input_arpa=sys.argv[1], output_fst=sys.argv[2], disambig_symbol=sys.argv[3],
                 read_symbol_table=sys.argv[4], max_arpa_warnings=0)
"""


def shape(path):
    fst = pynini.Fst.read(path)
    arcs = finals = 0
    zero = pynini.Weight.zero("tropical")
    for state in fst.states():
        arcs += fst.num_arcs(state)
        finals += fst.final(state) != zero
    return fst.num_states(), arcs, finals


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arpa", default=os.path.join(SHARED, "reference/en/kenlm/o5.arpa.gz"))
    parser.add_argument("--disambig", default="#0")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        arpa = args.arpa
        if arpa.endswith(".gz"):
            arpa = os.path.join(tmp, "model.arpa")
            with gzip.open(args.arpa, "rb") as src, open(arpa, "wb") as dst:
                shutil.copyfileobj(src, dst)
        words = os.path.join(tmp, "words.txt")
        ours = os.path.join(tmp, "ours.fst")
        seconds, rss = measure([tool("arpa2fst"), f"--disambig-symbol={args.disambig}",
                                f"--write-symbol-table={words}", arpa, ours])
        print(f"ngramkit arpa2fst: {seconds:.1f} s, peak RSS {rss:.0f} MB", flush=True)
        theirs = os.path.join(tmp, "kaldilm.fst")
        seconds, rss = measure([sys.executable, "-c", KALDILM, arpa, theirs, args.disambig, words],
                               stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))
        print(f"kaldilm:           {seconds:.1f} s, peak RSS {rss:.0f} MB", flush=True)
        ours_shape, theirs_shape = shape(ours), shape(theirs)
        print(f"states, arcs, final states: ngramkit {ours_shape}, kaldilm {theirs_shape}, "
              f"same: {ours_shape == theirs_shape}")


if __name__ == "__main__":
    main()

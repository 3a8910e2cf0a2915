"""`ngram-merge`: SRILM's count-file merger. Sums the counts of the input files."""

import sys

from ..countfile import read_counts, write_counts
from ..errors import UsageError
from .common import run
from .srilm_options import Option, parse

PROG = "ngram-merge"

OPTIONS = [
    Option("write", str, "-", "merged count file (default stdout)"),
    Option("float-counts", bool, False, "fractional counts"),
    Option("q", bool, False, "quiet"),
]


def ngram_merge(argv):
    # Options come first, then the input files, as in SRILM.
    split = 0
    while split < len(argv) and argv[split].startswith("-") and argv[split] != "-":
        split += 1 if argv[split].lstrip("-") in ("q", "help", "h", "float-counts") else 2
    opts = parse(argv[:split], OPTIONS, PROG)
    inputs = argv[split:]
    if len(inputs) < 2:  # as SRILM
        raise UsageError("need at least two input files")
    write_counts(read_counts(inputs, float_counts=opts["float_counts"], prefixes=False), opts["write"])


def main(argv=None):
    run(PROG, ngram_merge, sys.argv[1:] if argv is None else argv)

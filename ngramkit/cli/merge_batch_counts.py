"""`merge-batch-counts [-float-counts] [-l N] COUNTDIR [FILE-LIST | START-ITER]`: SRILM's script:
merge the count files of COUNTDIR (`*.ngrams`, `*.ngrams.gz`; or those FILE-LIST groups by line;
or, after START-ITER, those of that iteration) N at a time (default 2) until one is left, named
on stderr (`final counts in ...`). Merged inputs are removed. `-float-counts` is accepted; counts
are read as integers, and fractional ones are an error naming their file and line."""

import sys

from ..batch_counts import merge_batch_counts
from ..errors import UsageError
from .common import run

PROG = "merge-batch-counts"
USAGE = "usage: merge-batch-counts [-float-counts] [-l N] countdir [file-list | start-iter]"


def main_body(argv):
    merge_size = 2
    i = 0
    while i < len(argv):
        if argv[i] == "-float-counts":
            i += 1
        elif argv[i] == "-l":
            if i + 1 >= len(argv) or not argv[i + 1].isdigit():
                raise UsageError("-l needs a number of files")
            merge_size = int(argv[i + 1])
            i += 2
        else:
            break
    rest = argv[i:]
    if not rest or rest[0] in ("-help", "-h", "--help"):
        raise UsageError(USAGE)
    merge_batch_counts(rest[0], rest[1] if len(rest) > 1 else None, merge_size,
                       log=lambda message: print(message, file=sys.stderr))


def main(argv=None):
    run(PROG, main_body, sys.argv[1:] if argv is None else argv, flags={"merge_size": "-l"})


if __name__ == "__main__":
    main()

"""`make-batch-counts FILE-LIST [BATCH-SIZE [FILTER [COUNTDIR [ngram-count options]]]]`: SRILM's
script: count the text files listed in FILE-LIST (one or more per line, `#` comments) in batches
of BATCH-SIZE lines (default 10), each through FILTER (default /bin/cat: the files themselves)
into COUNTDIR/NAME-N.ngrams.gz (default ./counts), with `ngram-count -sort -write-order 0` and
the options given; ngram-count's messages go to COUNTDIR/NAME.stats. `merge-batch-counts
COUNTDIR` then sums them."""

import contextlib
import os
import sys

from ..batch_counts import list_name, make_batch_counts
from ..errors import UsageError
from .common import run
from .ngram_count import ngram_count

PROG = "make-batch-counts"
USAGE = "usage: make-batch-counts file-list [batch-size [filter [countdir [options]]]]"
_CAT = ("/bin/cat", "cat")


def main_body(argv):
    if not argv or argv[0] in ("-help", "-h", "--help"):
        raise UsageError(USAGE)
    file_list = argv[0]
    try:
        batch_size = int(argv[1]) if len(argv) > 1 else 10
    except ValueError:
        raise UsageError(f"the batch size must be an integer, not {argv[1]!r}") from None
    text_filter = argv[2] if len(argv) > 2 and argv[2] not in _CAT else None
    count_dir = argv[3] if len(argv) > 3 else "./counts"
    options = argv[4:]
    os.makedirs(count_dir, exist_ok=True)
    stats = f"{count_dir}/{list_name(file_list)}.stats"
    with open(stats, "w") as stats_file:
        def count_batch(paths, out):
            args = [a for path in paths for a in ("-text", path)]
            with contextlib.redirect_stderr(stats_file):
                ngram_count(args + ["-tag", out, "-sort", "-write-order", "0", "-write", out] + options)

        make_batch_counts(file_list, count_batch, batch_size, text_filter, count_dir,
                          log=lambda message: print(message, file=sys.stderr))


def main(argv=None):
    run(PROG, main_body, sys.argv[1:] if argv is None else argv, flags={"batch_size": "batch-size",
                                                                      "text_filter": "filter"})


if __name__ == "__main__":
    main()

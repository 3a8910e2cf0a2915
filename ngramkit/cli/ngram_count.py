"""`ngram-count`: SRILM's counting and estimation front end, same options, same files.

Counts of -text go to -write, -writeN or stdout in SRILM's unsorted order unless -sort (or
-read, -vocab, -memory, -lm, -write-vocab) makes them sorted; -version prints ngramkit's release."""

import sys

from ..countfile import read_counts, write_counts
from ..counting import RunOptions, TextOptions
from ..errors import UsageError
from ..release import release_text
from ..srilm_trie import UnsortedCounts
from ..textio import BYTES, atomic_output
from ..training import Output, build
from ..vocab import UNK, Vocabulary
from .common import run, warn
from .estimate_options import ESTIMATE_OPTIONS, estimate_options
from .srilm_options import ENCODING_HELP, Option, parse, per_order

PROG = "ngram-count"

COUNT_OPTIONS = [
    Option("order", int, 3, "max n-gram order"),
    Option("text", list, help="text file to count (plain, .gz, .bz2, .xz, or - for stdin); may repeat"),
    Option("read", list, help="count file to read; several are summed"),
    Option("write", str, help="write counts of all orders (or of -write-order) to this file; "
                              "without it, -lm, -write-vocab and -writeN, the counts go to stdout"),
    *per_order("write{n}", str, help="write counts of order {n} to this file"),
    Option("write-order", int, help="write only this order to -write or stdout (0: all)"),
    Option("sort", bool, False, "sort the counts written (counts of -read, -vocab, -memory, -lm or "
                                "-write-vocab are always sorted)"),
    Option("vocab", str, help="vocabulary file: other words are out of vocabulary"),
    Option("limit-vocab", bool, False, "drop n-grams with words outside -vocab"),
    Option("unk", bool, False, "keep <unk> as a word of the model"),
    Option("map-unk", str, UNK, "word that out-of-vocabulary words become"),
    Option("write-vocab", str, help="write the vocabulary to this file"),
    Option("tolower", bool, False, "lowercase all words"),
    Option("no-sos", bool, False, "do not add <s> at sentence starts"),
    Option("no-eos", bool, False, "do not add </s> at sentence ends"),
    Option("memory", str, help="bound memory (counting and estimation), e.g. 500M or 2G; spills to -temp-dir"),
    Option("temp-dir", str, help="directory for spilled runs (default $TMPDIR)"),
    Option("workers", int, 0, "counting threads (default one per core, up to 4)"),
    Option("encoding", str, "utf-8", ENCODING_HELP),
    Option("debug", int, 0, "debug level (accepted for SRILM compatibility)"),
    Option("q", bool, False, "quiet: no progress on stderr"),
    Option("quiet", bool, False, "quiet: no progress on stderr"),
]

OUTPUT_OPTIONS = [
    Option("version", bool, False, "print the release of ngramkit and exit"),
]

# Estimation (-lm and the smoothing options) lives in estimate_options.py.
OPTIONS = COUNT_OPTIONS + ESTIMATE_OPTIONS + OUTPUT_OPTIONS
FLAGS = {"order": "-order", "memory": "-memory", "discount_fallback": "-discount-fallback"}


def _per_order_outputs(opts):
    return [k for k in range(1, 10) if opts[f"write{k}"]]


def _counts_to_stdout(opts):
    """As in SRILM, the counts go to stdout when nothing else is written."""
    return not (opts["write"] or opts["lm"] or opts["write_vocab"] or _per_order_outputs(opts))


def _write_order(opts):
    """The orders -write-order asks for (None: all, as for 0)."""
    k = opts["write_order"]
    if k and not 1 <= k <= opts["order"]:
        raise UsageError(f"-write-order {k} is outside 1..{opts['order']}")
    return [k] if k else None


def write_requested_counts(counts, opts):
    """-write-vocab, -write (or stdout) of -write-order, and -write1..-write9."""
    if opts["write_vocab"]:
        counts.vocab.write(opts["write_vocab"])
    path = opts["write"] or ("-" if _counts_to_stdout(opts) else None)
    if path:
        write_counts(counts, path, _write_order(opts))
    for k in _per_order_outputs(opts):
        if k > counts.order:
            raise UsageError(f"-write{k} asks for order {k} but -order is {counts.order}")
        write_counts(counts, opts[f"write{k}"], [k])


def write_unsorted_counts(opts, text, quiet):
    """Count -text, then write -write1..-write9 and -write (or stdout) of -write-order in SRILM's
    unsorted order (the order of a trie built as SRILM builds it)."""
    only = (_write_order(opts) or [0])[0]
    for k in _per_order_outputs(opts):
        if k > opts["order"]:
            raise UsageError(f"-write{k} asks for order {k} but -order is {opts['order']}")
    counts = UnsortedCounts(opts["text"], opts["order"], text, quiet)
    for k in _per_order_outputs(opts):
        with atomic_output(opts[f"write{k}"]) as out:
            counts.write(out, k)
    path = opts["write"] or ("-" if _counts_to_stdout(opts) else None)
    if path:
        with atomic_output(path) as out:
            counts.write(out, only)


def ngram_count(argv):
    opts = parse(argv, OPTIONS, PROG)
    if opts["version"]:
        sys.stdout.write(release_text(PROG))
        return
    if opts["order"] < 1:
        raise UsageError(f"-order must be at least 1, not {opts['order']}")
    vocab = None
    if opts["vocab"]:
        vocab, duplicates = Vocabulary.read(opts["vocab"], opts["encoding"])
        if duplicates:
            warn(PROG, f"{opts['vocab']}: {duplicates} duplicate words ignored")
    if opts["text"] and opts["read"]:
        raise UsageError("give -text or -read, not both")
    if opts["read"]:
        source = read_counts(opts["read"], opts["order"], vocab, opts["limit_vocab"], opts["encoding"])
    elif opts["text"]:
        source = opts["text"]
    else:
        raise UsageError("no input: give -text FILE or -read COUNTS")
    if opts["tolower"] and opts["encoding"] == BYTES:
        warn(PROG, "-tolower with -encoding bytes lowercases ASCII letters only (as SRILM in the C locale); "
                   "name the text's encoding to lowercase other letters")
    text = TextOptions(encoding=opts["encoding"], add_sos=not opts["no_sos"], add_eos=not opts["no_eos"],
                       tolower=opts["tolower"], vocab=vocab, map_unk=opts["map_unk"])
    quiet = opts["q"] or opts["quiet"]
    if opts["text"] and not (vocab or opts["sort"] or opts["memory"] or opts["lm"] or opts["write_vocab"]):
        write_unsorted_counts(opts, text, quiet)
        return
    run_options = RunOptions(memory=opts["memory"], temp_dir=opts["temp_dir"], workers=opts["workers"],
                             quiet=quiet)
    build(source, estimate_options(opts) if opts["lm"] else None, order=opts["order"], text=text,
          run=run_options, output=Output(opts["lm"]) if opts["lm"] else None,
          warn=lambda message: warn(PROG, message), on_counts=lambda counts: write_requested_counts(counts, opts))


def main(argv=None):
    run(PROG, ngram_count, sys.argv[1:] if argv is None else argv, flags=FLAGS)


if __name__ == "__main__":
    main()

"""`ngram`: SRILM's model tool: perplexity (`-ppl`) and model rewriting (`-write-lm`)."""

import sys

from ..arpa import read_arpa, write_arpa
from ..errors import UsageError
from ..perplexity import PerplexityScorer
from ..vocab import UNK, Vocabulary
from .common import run, warn
from .srilm_options import Option, parse

PROG = "ngram"

OPTIONS = [
    Option("lm", str, help="ARPA model to read (plain, .gz, .bz2, .xz)"),
    Option("order", int, 3, "n-gram order used: higher orders of -lm are ignored"),
    Option("ppl", str, help="text file whose perplexity to compute, one sentence per line"),
    Option("debug", int, 0, "0: totals, 1: per sentence, 2: per word"),
    Option("unk", bool, False, "open vocabulary: <unk> is a word of the model"),
    Option("map-unk", str, UNK, "word that out-of-vocabulary words become"),
    Option("vocab", str, help="vocabulary file added to the model's words"),
    Option("limit-vocab", bool, False, "with -vocab, drop n-grams holding other words"),
    Option("write-lm", str, help="write the model (after -order and -vocab) as ARPA"),
    Option("write-vocab", str, help="write the model's vocabulary"),
    Option("q", bool, False, "quiet: no progress on stderr"),
    Option("quiet", bool, False, "quiet: no progress on stderr"),
]


def load_model(opts):
    """Read -lm as the options say: vocabulary, -order truncation, the unknown-word token."""
    if not opts["lm"]:
        raise UsageError("no model: give -lm FILE")
    if opts["order"] < 1:
        raise UsageError(f"-order must be at least 1, not {opts['order']}")
    vocab = None
    if opts["vocab"]:
        vocab, duplicates = Vocabulary.read(opts["vocab"])
        if duplicates and not (opts["q"] or opts["quiet"]):
            warn(PROG, f"{opts['vocab']}: {duplicates} duplicate words ignored")
    if opts["map_unk"] != UNK:
        vocab = Vocabulary(list(vocab.words if vocab else []) + [opts["map_unk"]])
    model = read_arpa(opts["lm"], vocab=vocab, limit_vocab=opts["limit_vocab"])
    return model.truncated(opts["order"])


def ngram(argv):
    opts = parse(argv, OPTIONS, PROG)
    model = load_model(opts)
    if opts["write_vocab"]:
        model.vocab.write(opts["write_vocab"])
    if opts["write_lm"]:
        write_arpa(model, opts["write_lm"])
    if opts["ppl"]:
        scorer = PerplexityScorer(model, unk_word=opts["map_unk"])
        out = sys.stdout.buffer
        stats = scorer.score_file(opts["ppl"], debug=opts["debug"], out=out)
        out.write(f"file {opts['ppl']}: {stats.srilm_text()}".encode())
        out.flush()


def main(argv=None):
    run(PROG, ngram, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()

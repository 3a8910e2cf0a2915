"""`make-big-lm -read COUNTS [-name NAME] [-order N] [-text TESTSET] [options] -lm LM`: SRILM's
script: the model of count files (make-batch-counts / merge-batch-counts' output) with the
discounts worked out over all the counts and only the counts at or above -gtNmin read into the
estimation, the others as meta-counts (big_lm.py), so that the model is ngram-count's on all
the counts. Discounting: Good-Turing (default; -gtNmin, -gtNmax), -kndiscount[N] (modified
Kneser-Ney), -ukndiscount (original), -wbdiscount; not mixed, as in the script, whose table of
per-order flags is followed: -kndiscountN and -ukndiscountN both give order N modified
Kneser-Ney, and any -kndiscountN gives order 1 original Kneser-Ney's discounts. -interpolate[N],
-vocab, -limit-vocab, -unk, -encoding and -write-binary-lm go to the estimation as to
ngram-count; -text keeps only the n-grams whose contexts occur in TESTSET. -trust-totals
estimates with each context's own count as its total instead of meta-counts (not with
Kneser-Ney: ignored with the script's warning); -ngram-filter CMD pipes the count files' text
through the shell command CMD before anything reads it. Intermediate files are
NAME.kncounts.gz, NAME.gtNcounts, NAME.gtN / NAME.knN (existing ones are used again).
-max-per-file is accepted (the counts are not split into files here)."""

import re
import sys

from ..big_lm import make_big_lm
from ..errors import UsageError
from ..vocab import Vocabulary
from .common import run, warn, with_srilm_discount_failures
from .srilm_options import ENCODING_HELP, Option, parse, per_order

PROG = "make-big-lm"
USAGE = ("usage: make-big-lm -read COUNTS [-name PATH] [-text TESTSET] [-max-per-file N] "
         "[ngram-count-options ...]")

OPTIONS = [
    Option("read", list, help="count file (not stdin); may repeat"),
    Option("name", str, "biglm", "prefix of the intermediate files"),
    Option("order", int, 3, "max n-gram order"),
    Option("lm", str, help="where the model goes"),
    *per_order("gt{n}min", int, help="mincount of order {n}: counts below it enter as meta-counts"),
    *per_order("gt{n}max", int, help="Good-Turing maxcount of order {n} (default 7)"),
    Option("kndiscount", bool, False, "modified Kneser-Ney for every order"),
    *per_order("kndiscount{n}", bool, help="modified Kneser-Ney for order {n}"),
    Option("ukndiscount", bool, False, "original Kneser-Ney for every order"),
    *per_order("ukndiscount{n}", bool, help="original Kneser-Ney for order {n}"),
    Option("wbdiscount", bool, False, "Witten-Bell for every order"),
    Option("interpolate", bool, False, "interpolate every order"),
    *per_order("interpolate{n}", bool, help="interpolate order {n}"),
    Option("vocab", str, help="vocabulary file: other words are out of vocabulary"),
    Option("limit-vocab", bool, False, "drop n-grams with words outside -vocab"),
    Option("unk", bool, False, "keep <unk> as a word of the model"),
    Option("text", str, help="test text: keep only the n-grams whose contexts occur in it"),
    Option("write-binary-lm", bool, False, "write -lm in SRILM's binary format"),
    Option("max-per-file", int, 10000000, "accepted for SRILM compatibility (counts are not split here)"),
    Option("encoding", str, "utf-8", ENCODING_HELP),
    Option("debug", int, 0, "debug level (accepted for SRILM compatibility)"),
    Option("q", bool, False, "quiet"),
    Option("quiet", bool, False, "quiet"),
    Option("trust-totals", bool, False, "divide by each context's count, without meta-counts (not with KN: "
                                        "ignored, as the script does)"),
    Option("ngram-filter", str, help="shell command the count files' text is piped through before it is read"),
]
FLAGS = {"methods": "-kndiscount/-ukndiscount/-wbdiscount", "interpolate": "-interpolate", "encoding": "-encoding"}
_ONE_METHOD = re.compile(r"-(wbdiscount\d|cdiscount|ndiscount|addsmooth)")


def methods_of(opts):
    """Per order, the method of its discount file, and the orders whose counts make-kn-counts
    turns into continuation counts, as the script's table of flags has them: -kndiscountN and
    -ukndiscountN alike ask for modified Kneser-Ney on order N (its discount file and continuation
    counts), any -kndiscountN for original Kneser-Ney's discount file on order 1 (which changes
    the unigrams' discounts), -kndiscount and -ukndiscount for modified and original Kneser-Ney
    on every order; and the script's refusal of mixtures."""
    order = opts["order"]
    using_gt = any(opts[f"gt{k}max"] is not None for k in range(1, 10))
    any_order_kn = any(opts[f"kndiscount{k}"] for k in range(1, 10))
    methods = []
    kn_counts_orders = []
    for k in range(1, order + 1):
        modified = k <= 9 and (opts["kndiscount"] or opts["ukndiscount"] or opts[f"kndiscount{k}"]
                               or opts[f"ukndiscount{k}"])
        original = k <= 9 and (opts["ukndiscount"] or (k == 1 and any_order_kn))
        if modified:
            kn_counts_orders.append(k)
        if original:
            methods.append("original-kneser-ney")
        elif modified:
            methods.append("kneser-ney")
        else:
            methods.append("witten-bell" if opts["wbdiscount"] else "good-turing")
    using_kn = any(m.endswith("kneser-ney") for m in methods)
    if sum((using_gt, using_kn, opts["wbdiscount"])) > 1:
        raise UsageError("cannot mix GT, KN, and WB discounting")
    return methods, kn_counts_orders


def main_body(argv):
    for arg in argv:
        if _ONE_METHOD.match(arg):
            raise UsageError("must use one of GT, KN, UKN, or WB discounting for all orders")
    opts = parse(argv, OPTIONS, PROG)
    if not opts["read"]:
        raise UsageError(f"no counts specified; {USAGE}")
    if not opts["lm"]:
        raise UsageError("-lm is needed: where the model goes")
    vocab = None
    if opts["vocab"]:
        vocab = Vocabulary.read(opts["vocab"], opts["encoding"])
    order = opts["order"]
    interpolate = [opts["interpolate"] or (k <= 9 and opts[f"interpolate{k}"]) for k in range(1, order + 1)]
    quiet = opts["q"] or opts["quiet"]
    methods, kn_counts_orders = methods_of(opts)
    make_big_lm(opts["read"], opts["lm"], order=order, methods=methods, interpolate=interpolate,
                min_counts=[opts[f"gt{k}min"] if k <= 9 else None for k in range(1, order + 1)],
                max_counts=[opts[f"gt{k}max"] if k <= 9 else None for k in range(1, order + 1)],
                name=opts["name"], vocab=vocab, limit_vocab=opts["limit_vocab"], unk=opts["unk"],
                test_text=opts["text"], encoding=opts["encoding"],
                lm_format="srilm-binary" if opts["write_binary_lm"] else None,
                trust_totals=opts["trust_totals"], ngram_filter=opts["ngram_filter"],
                kn_counts_orders=kn_counts_orders,
                log=(lambda message: None) if quiet else (lambda message: print(message, file=sys.stderr)),
                warn=lambda message: warn(PROG, message))


def main(argv=None):
    run(PROG, with_srilm_discount_failures(main_body), sys.argv[1:] if argv is None else argv, flags=FLAGS)


if __name__ == "__main__":
    main()

"""`ngram`: SRILM's model tool: perplexity (`-ppl`), model rewriting (`-write-lm`), pruning
(`-prune`, `-prune-lowprobs`), interpolation (`-mix-lm`, static or with `-bayes 0` dynamic) and
renormalisation (`-renorm`)."""

import sys

from ..errors import UsageError
from ..formats import load, save
from ..mixing import (
    mix_static,
    mixture_stats,
    mixture_weights,
    shared_vocab,
    token_logprobs,
)
from ..perplexity import PerplexityScorer
from ..prune import prune, prune_low_probs
from ..renorm import recompute_backoffs
from ..vocab import UNK, Vocabulary
from .common import run, warn
from .srilm_options import Option, parse, per_order

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
    Option("prune", float, 0.0, "prune n-grams whose removal changes perplexity by less than this (relative)"),
    Option("minprune", int, 2, "lowest order that -prune and -prune-lowprobs remove"),
    Option("prune-lowprobs", bool, False, "remove n-grams with lower probability than their backoff estimate"),
    Option("renorm", bool, False, "recompute backoff weights so that every distribution sums to one"),
    Option("mix-lm", str, help="model to interpolate with -lm"),
    Option("lambda", float, 0.5, "weight of -lm in the interpolation"),
    Option("bayes", int, help="0: interpolate dynamically, word by word (with -ppl) instead of merging"),
    Option("classes", str, help="class definitions: -lm is a class n-gram model"),
    Option("simple-classes", bool, False, "with -classes, each word belongs to one class"),
    Option("expand-classes", int, -1, "with -classes, write the equivalent word model of this order (0: the model's)"),
] + per_order("mix-lm{n}", str, range(2, 10), "another model to interpolate") \
  + per_order("mix-lambda{n}", float, range(2, 10), "weight of -mix-lm{n}")


def load_model(opts, path=None):
    """Read -lm (or `path`) as the options say: vocabulary, -order truncation, the unknown-word token."""
    path = path or opts["lm"]
    if not path:
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
    return load(path, order=opts["order"], vocab=vocab, limit_vocab=opts["limit_vocab"])


def mixture(opts):
    """The -mix-lm models and all weights, or None without -mix-lm."""
    extra = [n for n in range(2, 10) if opts[f"mix_lm{n}"]]
    if not opts["mix_lm"]:
        if extra:
            raise UsageError(f"-mix-lm{extra[0]} needs -mix-lm")
        return None
    paths = [opts["mix_lm"]] + [opts[f"mix_lm{n}"] for n in extra]
    weights = mixture_weights(opts["lambda"], [opts[f"mix_lambda{n}"] or 0.0 for n in extra])
    return paths, weights


def class_model(opts, model, mix):
    """The ClassModel of -classes (None without), checked against the options it excludes."""
    if not opts["classes"]:
        if opts["simple_classes"] or opts["expand_classes"] >= 0:
            raise UsageError("-simple-classes and -expand-classes need -classes")
        return None
    if mix or opts["prune"] or opts["prune_lowprobs"] or opts["renorm"]:
        raise UsageError("-classes does not combine with -mix-lm, -prune, -prune-lowprobs or -renorm")
    from ..classes import ClassModel, load_classes

    return ClassModel(model, load_classes(opts["classes"]), simple=opts["simple_classes"])


def ngram(argv):
    opts = parse(argv, OPTIONS, PROG)
    model = load_model(opts)
    mix = mixture(opts)
    dynamic = None
    classes = class_model(opts, model, mix)
    if classes is not None and opts["expand_classes"] >= 0:
        model, classes = classes.expand(opts["expand_classes"] or None), None
    if mix:
        models = [model] + [load_model(opts, path) for path in mix[0]]
        if opts["bayes"] is not None:
            if opts["bayes"] != 0:
                raise UsageError("only -bayes 0 (fixed weights) is supported")
            if opts["write_lm"] or opts["prune"] or opts["prune_lowprobs"] or opts["renorm"]:
                raise UsageError("-bayes 0 interpolates word by word: it only works with -ppl")
            dynamic = (shared_vocab(models), mix[1])
        else:
            model = mix_static(models, mix[1])
    if opts["prune"]:
        model = prune(model, opts["prune"], opts["minprune"])
    if opts["prune_lowprobs"]:
        model = prune_low_probs(model, opts["minprune"])
    if opts["renorm"]:
        recompute_backoffs(model)
    if opts["write_vocab"]:
        model.vocab.write(opts["write_vocab"])
    if opts["write_lm"]:
        save(model, opts["write_lm"])
    if opts["ppl"] and dynamic:
        if opts["debug"]:
            raise UsageError("-bayes 0 prints corpus totals only (-debug 0)")
        models, weights = dynamic
        logprob, ids, offsets = token_logprobs(models, opts["ppl"], opts["map_unk"])
        stats = mixture_stats(logprob, weights, ids, offsets, models[0].vocab.index.get(opts["map_unk"], -1))
        sys.stdout.write(f"file {opts['ppl']}: {stats.srilm_text()}")
    elif opts["ppl"]:
        scorer = classes.scorer(opts["map_unk"]) if classes else PerplexityScorer(model, unk_word=opts["map_unk"])
        out = sys.stdout.buffer
        stats = scorer.score_file(opts["ppl"], debug=opts["debug"], out=out)
        out.write(f"file {opts['ppl']}: {stats.srilm_text()}".encode())
        out.flush()


def main(argv=None):
    run(PROG, ngram, sys.argv[1:] if argv is None else argv, flags={"minprune": "-minprune", "order": "-order"})


if __name__ == "__main__":
    main()

"""`ngram`: SRILM's model tool: perplexity (`-ppl`, with `-cache`, `-multiwords` split at
`-multi-char`; `-no-sos`, `-no-eos`, `-reverse`, `-text-has-weights`, `-noise`,
`-noise-vocab` change how its sentences are read, `-skipoovs`, `-unk-prob`, `-zeroprob-word` how
its words are scored; from counts, `-counts`, with `-count-order`, `-float-counts`,
`-counts-entropy`), model rewriting (`-write-lm`), pruning (`-prune`, contexts weighed by the
marginals of `-prune-history-lm FILE` if given; `-prune-lowprobs`), interpolation
(`-mix-lm`, static or with `-bayes N` dynamic, N > 0 weighting by posteriors of the last N words
scaled by `-bayes-scale`; `-read-mix-lms` takes the models and weights from the -lm file;
`-context-priors` weights by context; `-loglinear-mix` combines log-linearly), marginal
adaptation (`-adapt-marginals`, `-base-marginals`, `-adapt-marginals-beta`,
`-adapt-marginals-ratios`), renormalisation (`-renorm`), recomputing another model's n-gram
probabilities with this one and renormalising (`-rescore-ngram FILE`: the result is written and
scored; backoff models only, not word-by-word mixtures, caches or classes), N-best rescoring
(`-nbest`, `-nbest-files`, `-rescore`; `-split-multiwords` splits the words of -nbest lists at
`-multi-char`) and random sentences (`-gen`, `-gen-prefixes`, `-seed`);
`-count-lm` and `-skip` read SRILM's count LMs and skip n-gram models instead of a backoff model
(count_lm, skip_lm), for -ppl (and a count LM's -write-lm).
`-lm` reads SRILM's binary LMs as well as ARPA; `-write-bin-lm` writes them. `-nonevents FILE`
adds words to the vocabulary that `-gen` never draws and `-debug 3` leaves out of its sums;
with `-vocab-aliases FILE`, an alias is its word in the text and in the models read; with `-tolower`, every
word is its lowercase (Vocabulary.lowercased), in the models read (two words that lowercase alike one word, its
later lines winning), -vocab, the text, -counts, N-best lists and -gen-prefixes (not the text of a -rescore-ngram
model, whose vocabulary SRILM looks words up in as written). `-null` scores -ppl under SRILM's
null model (probability 1 for every word; null_lm) instead of -lm. `-memuse` is accepted and prints
nothing (SRILM's line sizes its own data structures). `-escape S` passes lines
starting with S through -ppl, -counts and -rescore unscored (not -nbest files: SRILM reads
those without it); `-version` prints ngramkit's release. `-hidden-vocab FILE` reads -lm as a hidden-event
model (summing over events between words, `-hidden-not`: events overt in the text) and `-hiddens`
as a hidden-sentence-boundary model, for -ppl (hidden_lm; `-debug 3` sums and `-debug 4` ranks each
context's probabilities of the model's words, hidden events left out). `-tagged` scores word/tag text with a tagged LM
(tagged_lm: a missing n-gram backs off to the one with its oldest context word's tag first; -ppl, -counts,
-debug 0 to 4), interpolates (-mix-lm) and prunes it (-prune) and draws its -gen and -gen-prefixes sentences (prefixes of word/tag tokens).
From `-debug 1` on, stderr gets SRILM's lines of the n-grams read (skipped above -order, left out
by -limit-vocab), pruned and written; -write-lm writes the orders up to -order, empty ones too."""

import itertools
import os
import sys

import numpy as np

from ..constants import LOG_ZERO
from ..errors import UsageError
from ..formats import format_of_file, load, save
from ..perplexity import (
    PerplexityScorer,  # the modules of other options are imported where used
)
from ..textio import atomic_output
from ..vocab import BOS, PAUSE, UNK, Vocabulary
from .common import run, warn
from .srilm_options import ENCODING_HELP, Option, parse, per_order

PROG = "ngram"

OPTIONS = [
    Option("lm", str, help="ARPA model to read (plain, .gz, .bz2, .xz)"),
    Option("order", int, 3, "n-gram order used: higher orders of -lm are ignored"),
    Option("ppl", str, help="text file whose perplexity to compute, one sentence per line"),
    Option("debug", int, 0, "0: totals, 1: per sentence, 2: per word, 3: with probability sums, 4: with ranks"),
    Option("unk", bool, False, "open vocabulary: <unk> is a word of the model"),
    Option("map-unk", str, UNK, "word that out-of-vocabulary words become"),
    Option("vocab", str, help="vocabulary file added to the model's words"),
    Option("limit-vocab", bool, False, "with -vocab, drop n-grams holding other words"),
    Option("write-lm", str, help="write the model (after -order and -vocab) as ARPA"),
    Option("write-vocab", str, help="write the model's vocabulary"),
    Option("encoding", str, "utf-8", ENCODING_HELP),
    Option("q", bool, False, "quiet: no progress on stderr"),
    Option("quiet", bool, False, "quiet: no progress on stderr"),
    Option("prune", float, 0.0, "prune n-grams whose removal changes perplexity by less than this (relative)"),
    Option("prune-history-lm", str, help="with -prune: model whose marginals weigh the contexts (one order less)"),
    Option("minprune", int, 2, "lowest order that -prune and -prune-lowprobs remove"),
    Option("prune-lowprobs", bool, False, "remove n-grams with lower probability than their backoff estimate"),
    Option("renorm", bool, False, "recompute backoff weights so that every distribution sums to one"),
    Option("minbackoff", float, -1.0, "with -renorm, the backoff mass each context must leave at least"),
    Option("mix-lm", str, help="model to interpolate with -lm"),
    Option("lambda", float, 0.5, "weight of -lm in the interpolation"),
    Option("bayes", int, help="N: interpolate word by word (with -ppl), weights from the last N words (0: fixed)"),
    Option("gen", int, 0, "write this many random sentences (SRILM's draws for the same -seed)"),
    Option("gen-prefixes", str, help="file of prefixes, one per line: write a random continuation of each"),
    Option("seed", int, help="seed of the random sentences (default: time + process id)"),
    Option("cache", int, 0, "with -ppl: mix in a unigram cache of the last this many words"),
    Option("cache-lambda", float, 0.05, "weight of the -cache"),
    Option("multiwords", bool, False, "with -ppl: split words joined by _ (-multi-char) and score their parts"),
    Option("multi-char", str, "_", "the characters -multiwords splits at (words holding the first), and the one of "
                                   "-split-multiwords"),
    Option("split-multiwords", bool, False, "split the words of -nbest and -nbest-files hypotheses at -multi-char"),
    Option("counts", str, help="count file whose perplexity to compute: each n-gram scored times its count"),
    Option("count-order", int, 0, "with -counts: the highest order of n-grams scored (0: -order)"),
    Option("float-counts", bool, False, "with -counts: the counts are fractional"),
    Option("counts-entropy", bool, False, "with -counts: weight each n-gram by its joint probability too, ppl as "
                                          "10 ** entropy"),
    Option("tolower", bool, False, "map every word to lowercase: the models', -vocab's, and those of the text, "
                                   "-counts, N-best lists and -gen-prefixes"),
    Option("no-sos", bool, False, "with -ppl: no <s> before a sentence (its first word has no context)"),
    Option("no-eos", bool, False, "with -ppl: no </s> after a sentence (not scored, the line counts as words)"),
    Option("reverse", bool, False, "with -ppl: score each sentence backwards"),
    Option("skipoovs", bool, False, "with -ppl: a word that is <unk> or follows it within two words has probability 0"),
    Option("unk-prob", float, help="with -ppl: the log10 probability of <unk> (-99: zero)"),
    Option("zeroprob-word", str, help="with -ppl: a word of probability zero takes this word's probability"),
    Option("noise", str, help="with -ppl: a noise word, dropped from the sentences as -pau- is"),
    Option("noise-vocab", str, help="with -ppl: file of noise words (a word a line), dropped as -noise's"),
    Option("text-has-weights", bool, False, "with -ppl: each line starts with a weight its counts and log probability "
                                            "are multiplied by"),
    Option("nbest", str, help="N-best list to rescore (SRILM's format, NBestList1.0 or 2.0)"),
    Option("nbest-files", str, help="file listing N-best lists to rescore, one per line"),
    Option("write-nbest-dir", str, help="with -nbest-files: write each rescored list to DIR/<id>.gz"),
    Option("rescore", str, help="stream of N-best hypotheses to rescore line by line, in place"),
    Option("rescore-lmw", float, 8.0, "LM weight of N-best rescoring"),
    Option("rescore-wtw", float, 0.0, "word transition weight of N-best rescoring"),
    Option("max-nbest", int, 0, "read only this many hypotheses of each N-best list (0: all)"),
    Option("no-reorder", bool, False, "keep the hypotheses in input order after rescoring"),
    Option("decipher-nbest", bool, False, "write rescored N-best lists as NBestList1.0"),
    Option("decipher-lm", str, help="the recognizer's LM of the N-best scores, taken off them before rescoring"),
    Option("decipher-order", int, 2, "n-gram order of -decipher-lm"),
    Option("decipher-nobackoff", bool, False, "-decipher-lm never takes a higher backed-off estimate"),
    Option("decipher-lmw", float, 8.0, "LM weight of the recognizer's scores"),
    Option("decipher-wtw", float, 0.0, "word transition weight of the recognizer's scores"),
    Option("rescore-ngram", str, help="ARPA model whose n-gram probabilities the model recomputes (backoff weights "
                                       "renormalised): the result is written and scored"),
    Option("classes", str, help="class definitions: -lm is a class n-gram model"),
    Option("simple-classes", bool, False, "with -classes, each word belongs to one class"),
    Option("expand-classes", int, -1, "with -classes, write the equivalent word model of this order (0: the model's)"),
] + per_order("mix-lm{n}", str, range(2, 10), "another model to interpolate") \
  + per_order("mix-lambda{n}", float, range(2, 10), "weight of -mix-lm{n}") + [
    Option("count-lm", bool, False, "-lm is a count LM's parameter file (SRILM's NgramCountLM)"),
    Option("skip", bool, False, "-lm is a skip n-gram model: ARPA followed by skip probabilities"),
    Option("read-mix-lms", bool, False, "-lm is a file listing the models to mix: FILE [-order N] [-weight W] a line"),
    Option("bayes-scale", float, 1.0, "with -bayes N: scale of the context likelihoods in the posteriors"),
    Option("context-priors", str, help="file of context-dependent mixture weights: words (newest first), then one weight per model"),
    Option("loglinear-mix", bool, False, "with -mix-lm and -ppl: normalised log-linear combination instead of interpolation"),
    Option("adapt-marginals", str, help="unigram model whose marginals -lm is adapted to (with -ppl)"),
    Option("base-marginals", str, help="unigram model of -lm's own marginals (default: -lm's unigrams)"),
    Option("adapt-marginals-beta", float, 0.5, "weight of the -adapt-marginals adaptation"),
    Option("adapt-marginals-ratios", bool, False, "score the adaptation ratios alone, not the adapted probabilities"),
    # SRILM's vocabulary extras and binary LMs
    Option("write-bin-lm", str, help="write the model in SRILM's binary format (-lm reads it back)"),
    Option("nonevents", str, help="file of words never predicted (as <s>): added to the vocabulary, never drawn by "
                                   "-gen, left out of -debug 3 sums"),
    Option("vocab-aliases", str, help="file of 'ALIAS WORD' lines: ALIAS is another name of WORD, in the text and in the models read"),
    Option("escape", str, help="with -ppl, -counts or -rescore: copy lines starting with this string to the output unscored"),
    Option("version", bool, False, "print the release of ngramkit and exit"),
    Option("null", bool, False, "instead of -lm, the null model: probability 1 for every word (-ppl)"),
    # SRILM prints the memory of its own data structures, which ngramkit does not have
    Option("memuse", bool, False, "accepted for SRILM's scripts; prints nothing"),
    # SRILM's hidden-event models
    Option("hidden-vocab", str, help="file of hidden events (a word a line, with -delete N -repeat N -insert W -observed -omit): -lm sums over them"),
    Option("hidden-not", bool, False, "with -hidden-vocab: the events are overt words of the text"),
    Option("hiddens", bool, False, "-lm is a hidden-sentence-boundary model: w scored alone or after a hidden <#s>"),
] + [
    # SRILM's tagged LMs (tagged_lm)
    Option("tagged", bool, False, "-lm is a tagged LM: -ppl text is word/tag, backing off to the context's tags"),
]


def load_model(opts, path=None):
    """Read -lm (or `path`) as the options say: vocabulary, -order truncation, the unknown-word token."""
    path, options = model_options(opts, path)
    model = load(path, **options)
    announce_reading(opts, path, loaded=model.read_sizes if opts["limit_vocab"] else None,
                     unk_logprob=unknown_word_logprob(model, opts["map_unk"]))
    return model


def unknown_word_logprob(model, unk_word):
    """The log10 probability of `model`'s 1-gram of the unknown word `unk_word` (None: none)."""
    if unk_word not in model.vocab or not model.order:
        return None
    unigrams = model.ngrams[0][:, 0]
    i = int(np.searchsorted(unigrams, model.vocab.id(unk_word)))
    found = i < len(unigrams) and unigrams[i] == model.vocab.id(unk_word)
    return float(model.logprob[0][i]) if found else None


def announce_reading(opts, path, order=None, loaded=None, unk_logprob=None):
    """From -debug 1 on, SRILM's lines of the n-grams of each order an ARPA file holds, those
    above `order` (default -order) skipped; with `loaded` (the n-grams read of each order, with
    -limit-vocab), each order's n-grams left out for a word outside the vocabulary. At every
    level, after the 1-grams' line, SRILM's warning of a closed-vocabulary model (no -unk) whose
    1-gram of the unknown word has a probability (`unk_logprob`, the file's; SRILM warns of the
    first n-gram predicting it, which in a model with that 1-gram is the 1-gram). SRILM's binary
    LM gets its one line of reading, and no warning: its reader checks no probabilities."""
    if str(path) == "-":
        return
    kind = format_of_file(path).name
    if kind == "srilm-binary":
        debug_lines(opts, [f"reading {path} in binary format"])
    if kind != "arpa":
        return
    warning = []
    if not opts["unk"] and unk_logprob is not None and np.isfinite(unk_logprob) and unk_logprob != LOG_ZERO:
        from ..arpa import unigram_line

        line = unigram_line(path, opts["map_unk"])
        if line is not None:
            warning = [f"{path}: line {line}: warning: non-zero probability for {opts['map_unk']} in "
                       "closed-vocabulary LM"]
    if opts["debug"] < 1:
        sys.stderr.write("".join(f"{line}\n" for line in warning))
        return
    from ..arpa import header_counts

    order = order or opts["order"]
    lines = []
    for k, n in enumerate(header_counts(path), 1):
        lines.append(f"{'reading' if k <= order else 'skipping'} {n} {k}-grams")
        if k == 1:
            lines += warning
        if loaded is not None and k <= len(loaded) and n > loaded[k - 1]:
            lines.append(f"discarded {n - loaded[k - 1]} OOV {k}-grams")
    debug_lines(opts, lines)


def stderr_line(line):
    """One of SRILM's lines on stderr, at every -debug level."""
    sys.stderr.write(f"{line}\n")


def debug_lines(opts, lines):
    """SRILM's diagnostic `lines` on stderr, from -debug 1 on."""
    if opts["debug"] >= 1:
        sys.stderr.write("".join(f"{line}\n" for line in lines))


def model_options(opts, path=None):
    """-lm (or `path`) and the options of reading it (those of formats.load), checked."""
    path = path or opts["lm"]
    if not path:
        raise UsageError("no model: give -lm FILE")
    if opts["order"] < 1:
        raise UsageError(f"-order must be at least 1, not {opts['order']}")
    return path, {"order": opts["order"], "vocab": extra_vocab(opts), "limit_vocab": opts["limit_vocab"],
                  "encoding": opts["encoding"]}


def extra_vocab(opts):
    """The words the options add to the model's (None without): -vocab, -map-unk, and those
    SRILM's readers of -vocab-aliases, -nonevents and -context-priors add."""
    vocab = None
    if opts["vocab"]:
        # SRILM's Vocab trades <unk> for the -map-unk word: <unk> is a word only where listed
        vocab = Vocabulary.read(opts["vocab"], opts["encoding"], unk_word=opts["map_unk"])
    elif opts["map_unk"] != UNK:
        vocab = Vocabulary(unk_word=opts["map_unk"])
    if opts["tolower"]:  # before the words the other options add, which it lowercases too
        vocab = (vocab or Vocabulary()).lowercased(opts["encoding"])

    def adding(words):
        base = vocab or Vocabulary()
        return base.like(list(base.words) + list(words))

    if opts["nonevents"]:  # SRILM adds them to the vocabulary
        vocab = adding(nonevent_words(opts))
    if opts["context_priors"] and not opts["limit_vocab"]:  # so does SRILM's reader of the priors
        vocab = adding(context_prior_words(opts))
    if opts["vocab_aliases"]:  # the aliased words join the vocabulary, the aliases as their names
        vocab = (vocab or Vocabulary()).aliased(aliases(opts))
    return vocab


def lowercasing(opts):
    """The vocabulary the other models SRILM reads into -lm's vocabulary are read with: one that
    lowercases their words with -tolower (None without)."""
    return Vocabulary().lowercased(opts["encoding"]) if opts["tolower"] else None


def context_prior_length(opts):
    """(N, scale) of the Bayes mixture: -bayes N and -bayes-scale; -context-priors without
    posteriors (-bayes 0, or no -bayes: a static mixture) weigh contexts up to -order - 1 words."""
    length, scale = opts["bayes"], opts["bayes_scale"]
    if length is None or (opts["context_priors"] and length == 0 and not opts["read_mix_lms"]):
        length, scale = opts["order"] - 1, 0.0
    return length, scale


def context_prior_words(opts):
    """The words of the -context-priors contexts the mixture reads, in file order."""
    if "_prior_words" not in opts:
        from ..mixture_lm import context_prior_words, read_mix_lms
        mix = None if opts["read_mix_lms"] else mixture(opts)
        n_models = len(read_mix_lms(opts["lm"])[0]) if opts["read_mix_lms"] else 1 + len(mix[0] if mix else ())
        opts["_prior_words"] = context_prior_words(opts["context_priors"], n_models, context_prior_length(opts)[0])
    return opts["_prior_words"]


def vocab_words(opts):
    """The words of -vocab in file order ([] without): SRILM's Vocab takes them before the model."""
    if not opts["vocab"]:
        return []
    from ..vocab import read_words
    return read_words(opts["vocab"], opts["encoding"])


def add_vocabulary_unigrams(opts, model):
    """Before backoff weights are recomputed: each word of the vocabulary (the model's and those
    -vocab and the other options add) without a unigram gets one of probability 0, as SRILM's
    distributeProb gives every word of its vocabulary, the mass left over then shared among
    them; <s>, -pau-, the -nonevents and the unknown word (unless -unk) get none."""
    from ..renorm import add_zero_unigrams

    vocab = model.vocab
    skipped = vocab.ids([BOS, PAUSE, *nonevent_words(opts)] + ([] if opts["unk"] else [UNK, opts["map_unk"]]),
                        unknown=-1)
    words = np.setdiff1d(np.arange(len(vocab)), skipped[skipped >= 0])
    add_zero_unigrams(model, words)


def nonevent_words(opts):
    """The words of -nonevents ([] without)."""
    if not opts["nonevents"]:
        return []
    if "_nonevents" not in opts:  # read once: the vocabulary, each recompute and the writers ask for them
        from ..nonevents import read_nonevents
        opts["_nonevents"] = read_nonevents(opts["nonevents"], opts["encoding"])
    return opts["_nonevents"]


def nonevent_mask(opts, vocab):
    """Mask over the word ids of `vocab`: the words of -nonevents (None without)."""
    from ..nonevents import nonevent_mask as mask_of

    return mask_of(vocab, nonevent_words(opts))


def aliases(opts):
    """{alias: word} of -vocab-aliases ({} without)."""
    if not opts["vocab_aliases"]:
        return {}
    if "_aliases" not in opts:  # read once, so that its warnings are written once
        from ..aliases import read_aliases
        opts["_aliases"] = read_aliases(opts["vocab_aliases"], opts["encoding"],
                                        lambda message, line: warn(PROG, f"{opts['vocab_aliases']}:{line}: {message}"))
    return opts["_aliases"]


def mixture(opts):
    """The -mix-lm models and all weights, or None without -mix-lm."""
    extra = [n for n in range(2, 10) if opts[f"mix_lm{n}"]]
    if not opts["mix_lm"]:
        if extra:
            raise UsageError(f"-mix-lm{extra[0]} needs -mix-lm")
        return None
    for n in extra:  # SRILM stops at the first one missing, and mixes none after it
        if n > 2 and not opts[f"mix_lm{n - 1}"]:
            raise UsageError(f"-mix-lm{n} needs -mix-lm{n - 1}")
    paths = [opts["mix_lm"]] + [opts[f"mix_lm{n}"] for n in extra]
    from ..mixing import mixture_weights
    # every -mix-lambdaN comes off -mix-lm's weight in SRILM, its -mix-lmN given or not
    weights = mixture_weights(opts["lambda"], [opts[f"mix_lambda{n}"] or 0.0 for n in range(2, 10)],
                              [n in extra for n in range(2, 10)])
    return paths, weights


def multiwords(opts):
    """The scorer's `multiwords`: False, or the -multi-char separators of -multiwords."""
    return opts["multiwords"] and opts["multi_char"]


def split_multiwords(opts):
    """The character -split-multiwords splits N-best words at (None without): -multi-char's first,
    as SRILM's N-best reader has it."""
    if not opts["split_multiwords"]:
        return None
    if not (opts["nbest"] or opts["nbest_files"]):
        raise UsageError("-split-multiwords applies to -nbest and -nbest-files")
    from ..perplexity import multiword_separators
    multiword_separators(opts["multi_char"])
    return opts["multi_char"][0]


_PPL_OPTIONS = ("no_sos", "no_eos", "reverse", "text_has_weights", "noise", "noise_vocab", "skipoovs",
                "unk_prob", "zeroprob_word")


_CACHED_WORD_OPTIONS = {"-skipoovs", "-unk-prob", "-zeroprob-word"}
# the word options each word-by-word mixture scores as SRILM does: a Bayes mixture sets -skipoovs on its
# components; the NonzeroLM of -unk-prob holds any of them
_MIXTURE_WORD_OPTIONS = {"-mix-lm -bayes": {"-skipoovs", "-unk-prob"}, "-loglinear-mix": {"-skipoovs", "-unk-prob"},
                         "-adapt-marginals": {"-skipoovs", "-unk-prob"}}
# what SRILM does with the others (not reproduced)
_MIXTURE_WORD_REFUSALS = {
    "-zeroprob-word": "SRILM gives a word of probability zero the mixture's probability of that word"}


def ppl_options(opts):
    """The PerplexityScorer arguments of -no-sos, -no-eos, -reverse, -text-has-weights,
    -noise, -noise-vocab, -skipoovs, -unk-prob and -zeroprob-word, checked against what they do
    not apply to."""
    given = [f"-{name.replace('_', '-')}" for name in _PPL_OPTIONS
             if opts[name] is not None and opts[name] is not False]
    if given:
        others = [flag for flag, on in (("-counts", opts["counts"]), ("-nbest", opts["nbest"] or opts["nbest_files"]),
                                        ("-rescore", opts["rescore"]), ("-gen", opts["gen"] or opts["gen_prefixes"]),
                                        ("-classes", opts["classes"]),
                                        # the scorer mixes its cache into -skipoovs' and -unk-prob's scores
                                        ("-cache", opts["cache"] and not set(given) <= _CACHED_WORD_OPTIONS))
                  if on]
        mixtures = [flag for flag, on in (("-mix-lm -bayes", opts["bayes"] is not None),
                                          ("-loglinear-mix", opts["loglinear_mix"]),
                                          ("-adapt-marginals", opts["adapt_marginals"])) if on]
        for flag in mixtures:
            refused = [option for option in given if option not in _MIXTURE_WORD_OPTIONS[flag]]
            if refused and refused[0] in _MIXTURE_WORD_REFUSALS:
                raise UsageError(f"{refused[0]} with {flag}: not reproduced ({_MIXTURE_WORD_REFUSALS[refused[0]]})")
            others += [flag] if refused else []
        if others:
            raise UsageError(f"{given[0]} applies to plain -ppl scoring: not with {others[0]}")
        if not opts["ppl"]:
            raise UsageError(f"{given[0]} needs -ppl")
        if opts["unk_prob"] is not None or opts["zeroprob_word"]:
            # SRILM's NonzeroLM, which these make, scores sentences without the others
            for name in ("reverse", "no_sos", "no_eos", "noise", "noise_vocab"):
                if opts[name]:
                    flag = f"-{name.replace('_', '-')}"
                    raise UsageError(f"-unk-prob and -zeroprob-word do not combine with {flag} (SRILM then ignores "
                                     f"{flag}: the NonzeroLM they make scores sentences without it)")
    return {"add_sos": not opts["no_sos"], "add_eos": not opts["no_eos"],
            "reverse": opts["reverse"], "text_has_weights": opts["text_has_weights"], "noise": noise_words(opts),
            "skip_oovs": opts["skipoovs"] and opts["order"], "unk_logprob": opts["unk_prob"], "zeroprob_word": opts["zeroprob_word"]}


def noise_words(opts):
    """The words of -noise-vocab and -noise ([] without)."""
    words = []
    if opts["noise_vocab"]:
        from ..vocab import read_words
        words = read_words(opts["noise_vocab"], opts["encoding"])
    return words + ([opts["noise"]] if opts["noise"] else [])


# what SRILM does with -tolower and these (not reproduced)
_TOLOWER_REFUSALS = {
    "classes": "SRILM lowercases the class names and their members too",
}


def check_tolower(opts):
    """-tolower lowercases the words of backoff models and of what they read; refused with the
    models whose own words it would have to lowercase too."""
    if not opts["tolower"]:
        return
    for name, reason in _TOLOWER_REFUSALS.items():
        if opts[name]:
            raise UsageError(f"-tolower with -{name.replace('_', '-')}: not reproduced ({reason})")
    if opts["rescore_ngram"] and (opts["nbest"] or opts["nbest_files"] or opts["rescore"]):
        raise UsageError("-tolower -rescore-ngram with N-best rescoring: not reproduced (SRILM's rescored model "
                         "lowercases the hypotheses' words, without -unk, but not those of -ppl, -counts and "
                         "-gen-prefixes)")


def check_scoring_options(opts):
    """-cache, -multiwords, -bayes, -loglinear-mix and -adapt-marginals change the scoring of -ppl only."""
    others = [f"-{name.replace('_', '-')}" for name in ("counts", "nbest", "nbest_files", "rescore", "gen", "gen_prefixes")
              if opts[name]]
    dynamic = opts["mix_lm"] or opts["read_mix_lms"]
    word_by_word = [flag for flag, given in (("-cache", opts["cache"]), ("-multiwords", opts["multiwords"]),
                                             ("-bayes", opts["bayes"] is not None and dynamic),
                                             ("-loglinear-mix", opts["loglinear_mix"]),
                                             ("-adapt-marginals", opts["adapt_marginals"])) if given]
    if others and word_by_word:
        raise UsageError(f"{word_by_word[0]} applies to -ppl only, not to {others[0]}")


def insufficient_backoff(mass, context, target):
    """SRILM's line for a context whose probabilities -minbackoff scales down."""
    sys.stderr.write(f'insufficient backoff mass {mass:g} for context "{" ".join(context)}"; '
                     f"scaling probabilities to mass {target:g}\n")


def class_model(opts, model, mix):
    """The ClassModel of -classes (None without), checked against the options it excludes."""
    if not opts["classes"]:
        if opts["simple_classes"] or opts["expand_classes"] >= 0:
            raise UsageError("-simple-classes and -expand-classes need -classes")
        return None
    excluded = [flag for flag, given in (("-mix-lm", mix), ("-prune", opts["prune"]),
                                         ("-prune-lowprobs", opts["prune_lowprobs"]), ("-renorm", opts["renorm"]),
                                         ("-cache", opts["cache"]), ("-multiwords", opts["multiwords"]),
                                         ("-counts", opts["counts"]), ("-nbest", opts["nbest"] or opts["nbest_files"]),
                                         ("-rescore", opts["rescore"]), ("-gen", opts["gen"] or opts["gen_prefixes"]))
                if given]
    if opts["debug"] >= 3 and opts["expand_classes"] < 0:
        excluded.append(f"-debug {opts['debug']}")
    if excluded and opts["expand_classes"] < 0:
        raise UsageError(f"-classes does not combine with {excluded[0]} (-expand-classes first writes a word model)")
    from ..classes import ClassModel, load_classes

    return ClassModel(model, load_classes(opts["classes"], opts["encoding"]), simple=opts["simple_classes"],
                      vocab_words=vocab_words(opts))


# Options that need the model itself, not only its scoring tables.
_MODEL_OPTIONS = ("read_mix_lms", "loglinear_mix", "context_priors", "adapt_marginals", "base_marginals",
                  "adapt_marginals_ratios", "classes", "simple_classes", "renorm", "prune", "prune_history_lm",
                  "prune_lowprobs",
                  "write_vocab", "write_lm", "write_bin_lm", "rescore_ngram",
                  "counts", "nbest", "nbest_files", "rescore", "gen", "gen_prefixes")


def ppl_only(opts, mix, text_options):
    """The scorer of -ppl when nothing else needs the model (`mix`: the -mix-lm models, or None)
    and -lm is an ARPA file (its tables are read straight from the file), else None;
    `text_options`: ppl_options(opts)."""
    if not opts["ppl"] or any(opts[name] for name in _MODEL_OPTIONS) or opts["expand_classes"] >= 0 \
            or mix is not None:
        return None
    path, options = model_options(opts)
    if str(path) == "-" or format_of_file(path).name != "arpa":
        return None
    scorer = PerplexityScorer.from_arpa(path, **options, unk_word=opts["map_unk"], cache_length=opts["cache"],
                                        cache_lambda=opts["cache_lambda"], multiwords=multiwords(opts),
                                        nonevents=nonevent_words(opts), unk_is_word=opts["unk"], **text_options)
    loaded = None
    if opts["limit_vocab"]:
        loaded = scorer.read_sizes if scorer.model is None else scorer.model.read_sizes
    announce_reading(opts, path, loaded=loaded, unk_logprob=float(scorer.tables.uni_logprob[scorer.unk]))
    return scorer


# What the models of -count-lm and -skip do: scoring (-ppl) and, for count LMs, -write-lm.
_OTHER_LM_OPTIONS = {"count_lm": ("ppl", "write_lm", "write_vocab"), "skip": ("ppl", "write_vocab")}


def other_lm(opts):
    """-count-lm or -skip: read the model, score -ppl, write it (-write-lm, -write-vocab)."""
    kind = "count_lm" if opts["count_lm"] else "skip"
    flag = "-" + kind.replace("_", "-")
    if opts["count_lm"] and opts["skip"]:
        raise UsageError("-count-lm and -skip are mutually exclusive")
    if not opts["lm"]:
        raise UsageError(f"{flag} needs -lm FILE")
    allowed = _OTHER_LM_OPTIONS[kind] + ("lm", "order", "debug", "unk", "map_unk", "vocab", "limit_vocab", "encoding",
                                         "q", "quiet", "memuse", kind)
    extra = sorted(name for name in opts["_given"] if name not in allowed)
    if extra:
        raise UsageError(f"{flag} does not combine with -{extra[0].replace('_', '-')}")
    words = ()
    if opts["vocab"]:
        words = Vocabulary.read(opts["vocab"], opts["encoding"]).words
    if opts["map_unk"] != UNK:
        raise UsageError(f"{flag} scores with <unk> as the unknown word: -map-unk is not supported")
    if opts["count_lm"]:
        from ..count_lm import read_count_lm

        lm = read_count_lm(opts["lm"], opts["order"], words, opts["limit_vocab"], opts["unk"], opts["encoding"])
    else:
        from ..skip_lm import read_skip_lm

        vocab = Vocabulary(words) if words else None
        lm = read_skip_lm(opts["lm"], opts["order"], vocab, opts["limit_vocab"], opts["encoding"])
        announce_reading(opts, opts["lm"], loaded=lm.model.read_sizes if opts["limit_vocab"] else None,
                         unk_logprob=unknown_word_logprob(lm.model, opts["map_unk"]))
    if opts["write_vocab"]:
        lm.vocab.write(opts["write_vocab"])
    if opts["write_lm"]:
        lm.write(opts["write_lm"])
    if opts["ppl"]:
        stats = lm.scorer().score_file(opts["ppl"], opts["debug"], sys.stdout.buffer, opts["encoding"],
                                       warnings=sys.stderr.buffer)
        write_totals(opts["ppl"], stats)


def hidden_lm(opts):
    """-hidden-vocab (with -hidden-not) or -hiddens: read -lm and score -ppl."""
    if opts["hidden_not"] and not opts["hidden_vocab"]:
        raise UsageError("-hidden-not needs -hidden-vocab")
    if opts["hiddens"] and opts["hidden_vocab"]:
        raise UsageError("-hiddens and -hidden-vocab are mutually exclusive")
    flag = "-hiddens" if opts["hiddens"] else "-hidden-vocab"
    allowed = ("ppl", "lm", "order", "debug", "unk", "map_unk", "vocab", "limit_vocab", "encoding", "q", "quiet",
               "hidden_vocab", "hidden_not", "hiddens", "memuse")
    extra = sorted(name for name in opts["_given"] if name not in allowed)
    if extra:
        raise UsageError(f"{flag} does not combine with -{extra[0].replace('_', '-')}")
    from ..hidden_lm import load_hidden_event_model, load_hidden_sentence_model

    path, options = model_options(opts)
    if opts["hidden_vocab"]:
        lm = load_hidden_event_model(path, opts["hidden_vocab"], opts["hidden_not"], **options)
    else:
        lm = load_hidden_sentence_model(path, **options)
    announce_reading(opts, path, loaded=lm.model.read_sizes if opts["limit_vocab"] else None,
                     unk_logprob=unknown_word_logprob(lm.model, opts["map_unk"]))
    if opts["ppl"]:
        stats = lm.scorer(opts["map_unk"]).score_file(opts["ppl"], opts["debug"], sys.stdout.buffer, opts["encoding"],
                                                      quiet=opts["q"] or opts["quiet"], warnings=sys.stderr.buffer)
        write_totals(opts["ppl"], stats)


_TAGGED_OPTIONS = ("lm", "order", "ppl", "debug", "unk", "map_unk", "encoding", "q", "quiet", "memuse", "write_lm",
                   "write_vocab", "tagged", "gen", "gen_prefixes", "seed", "counts", "prune", "minprune", "mix_lm",
                   "renorm", "minbackoff", "prune_lowprobs", "read_mix_lms",
                   "lambda", *(f"mix_lm{n}" for n in range(2, 10)), *(f"mix_lambda{n}" for n in range(2, 10)))


# what SRILM does with the tagged model and these
_TAGGED_REFUSALS = {
    "bayes": "SRILM reads the mixture's other models as plain n-gram models over the tagged vocabulary, to which "
             "every tagged token of the text is an unknown word of probability zero",
    "loglinear_mix": "SRILM reads the mixture's other models as plain n-gram models over the tagged vocabulary, to "
                     "which every tagged token of the text is an unknown word, a zero probability of the mixture",
    "context_priors": "SRILM mixes the models into a plain n-gram model, which scores every tagged token as an "
                      "unknown word and the others with no tagged backoff",
}


def tagged_lm(opts):
    """-tagged: read the model, interpolate it (-mix-lm, static) or mix those -read-mix-lms lists,
    renormalise it (-renorm, -minbackoff), prune it (-prune, -minprune, -prune-lowprobs), write it
    (-write-lm, -write-vocab as SRILM's tagged vocabulary), score -ppl and -counts, draw -gen and
    -gen-prefixes sentences."""
    extra = sorted(name for name in opts["_given"] if name not in _TAGGED_OPTIONS)
    for name in extra:
        if name in _TAGGED_REFUSALS:
            raise UsageError(f"-tagged with -{name.replace('_', '-')}: not reproduced ({_TAGGED_REFUSALS[name]})")
    if extra:
        raise UsageError(f"-tagged does not combine with -{extra[0].replace('_', '-')}")
    from ..tagged_lm import (TaggedScorer, mix_tagged, mix_tagged_all, prune_tagged, prune_tagged_low_probs,
                             recompute_tagged_backoffs, write_tagged_vocab)

    mix = mixture(opts)
    if opts["read_mix_lms"]:
        model = mix_tagged_all(*read_mix_models(opts, mix), opts["order"])
    elif mix:
        # read one by one as they are merged in, as the untagged -mix-lm models
        model = mix_tagged(itertools.chain([load_model(opts)], (load_model(opts, path) for path in mix[0])), mix[1])
    else:
        model = load_model(opts)
    if opts["renorm"] or opts["prune"] or opts["prune_lowprobs"]:
        add_vocabulary_unigrams(opts, model)
    if opts["renorm"]:  # before pruning, as SRILM
        recompute_tagged_backoffs(model, min_backoff=opts["minbackoff"], report=insufficient_backoff,
                                  unk_is_word=opts["unk"])
    if opts["prune"]:
        from ..prune import pruned_lines

        before = model.sizes()
        model = prune_tagged(model, opts["prune"], opts["minprune"])
        debug_lines(opts, pruned_lines(before, model))
    if opts["prune_lowprobs"]:
        model = prune_tagged_low_probs(model, opts["minprune"], report=lambda line: debug_lines(opts, [line]))
    if opts["write_vocab"]:
        write_tagged_vocab(model.vocab, opts["write_vocab"], read_back=True)
    if opts["write_lm"]:
        model = model.padded(opts["order"])  # SRILM writes the orders up to -order, empty ones too
        if save(model, opts["write_lm"]).name == "arpa":
            debug_lines(opts, [f"writing {n} {k}-grams" for k, n in enumerate(model.sizes(), 1)])
    scorer = TaggedScorer(model, unk_word=opts["map_unk"], encoding=opts["encoding"]) \
        if opts["ppl"] or opts["counts"] else None
    warnings = sys.stderr.buffer if opts["debug"] >= 3 else None
    if opts["ppl"]:  # the warnings of the lines passed over at every -debug level
        write_totals(opts["ppl"], scorer.score_file(opts["ppl"], opts["debug"], sys.stdout.buffer, sys.stderr.buffer))
    if opts["counts"]:
        write_totals(opts["counts"], scorer.score_counts(opts["counts"], opts["order"], opts["debug"],
                                                         sys.stdout.buffer, warnings))
    if opts["gen"] or opts["gen_prefixes"]:
        from ..tagged_lm import TaggedGenerator
        write_generated(TaggedGenerator(model, opts["seed"], opts["unk"]), opts)


_NULL_OPTIONS = ("null", "ppl", "debug", "unk", "map_unk", "vocab", "encoding", "q", "quiet", "order", "write_vocab")


def null_lm(opts):
    """-null: score -ppl with probability 1 for every word (-debug 0 to 2); -write-vocab."""
    if opts["lm"]:
        raise UsageError("-null and -lm are mutually exclusive")
    extra = sorted(name for name in opts["_given"] if name not in _NULL_OPTIONS)
    if extra:
        raise UsageError(f"-null does not combine with -{extra[0].replace('_', '-')}")
    if opts["debug"] >= 3:
        raise UsageError(f"-null scores -ppl at -debug 0 to 2, not {opts['debug']}")
    from ..null_lm import NullScorer
    vocab = extra_vocab(opts) or Vocabulary()
    if opts["write_vocab"]:
        vocab.write(opts["write_vocab"])
    if opts["ppl"]:
        write_ppl(opts, NullScorer(vocab, opts["map_unk"], opts["encoding"]))


def escape_prefix(opts, classes=None, dynamic=None):
    """The bytes of -escape (None without), checked against the scorings that do not take it."""
    if opts["escape"] is None:
        return None
    if classes is not None or dynamic:
        raise UsageError(f"-escape does not combine with {'-classes' if classes is not None else 'word-by-word mixtures'}")
    from ..escape import escape_bytes
    return escape_bytes(opts["escape"])


def ngram(argv):
    opts = parse(argv, OPTIONS, PROG)
    if opts["version"]:
        from ..release import release_text
        sys.stdout.write(release_text(PROG))
        return
    if opts["count_lm"] or opts["skip"]:
        other_lm(opts)
        return
    if opts["hidden_vocab"] or opts["hiddens"] or opts["hidden_not"]:
        hidden_lm(opts)
        return
    if opts["tagged"]:
        tagged_lm(opts)
        return
    if opts["null"]:
        null_lm(opts)
        return
    check_scoring_options(opts)
    check_nbest_options(opts)
    check_tolower(opts)
    if "multi_char" in opts["_given"] and not (opts["multiwords"] or opts["split_multiwords"]):
        raise UsageError("-multi-char needs -multiwords or -split-multiwords")
    split_multiwords(opts)  # checked before any work
    text_options = ppl_options(opts)  # checked, and -noise-vocab read, once
    if (opts["count_order"] or opts["float_counts"] or opts["counts_entropy"]) and not opts["counts"]:
        raise UsageError("-count-order, -float-counts and -counts-entropy need -counts")
    mix = mixture(opts)
    scorer = ppl_only(opts, mix, text_options)
    if scorer is not None:
        write_ppl(opts, scorer, escape_prefix(opts))
        return
    model = None if opts["read_mix_lms"] else load_model(opts)
    dynamic = None
    classes = class_model(opts, model, mix or opts["read_mix_lms"])
    if classes is not None and opts["expand_classes"] >= 0:
        model, classes = classes.expand(opts["expand_classes"] or None), None
    if mix or opts["read_mix_lms"]:
        model, dynamic = mixed_model(opts, model, mix)
    elif opts["loglinear_mix"] or opts["context_priors"]:
        raise UsageError("-loglinear-mix and -context-priors need -mix-lm or -read-mix-lms")
    if opts["adapt_marginals"]:
        dynamic = adapted_marginals(opts, model, dynamic)
    elif opts["base_marginals"] or opts["adapt_marginals_ratios"]:
        raise UsageError("-base-marginals and -adapt-marginals-ratios need -adapt-marginals")
    # SRILM's recomputed backoff weights give every word of the vocabulary a unigram
    if opts["renorm"]:  # before pruning, as SRILM
        from ..renorm import recompute_backoffs
        recompute_backoffs(model, opts["minbackoff"], report=insufficient_backoff, unk_is_word=opts["unk"],
                           nonevents=nonevent_mask(opts, model.vocab), vocabulary_unigrams=True,
                           warn=stderr_line, trace=lambda line: debug_lines(opts, [line]),
                           **srilm_words(opts, model))
    if opts["prune"]:
        from ..prune import prune, pruned_lines
        before = model.sizes()
        spread = []  # the line of the weights recomputed, after those of the n-grams pruned
        notices = []  # or the one that they could not be (at every -debug level)
        told = {}  # per order, the lines of its pruning decisions' weights (at every -debug level)
        model = prune(model, opts["prune"], opts["minprune"], in_place=True, history=history_model(opts),
                      trace=spread.append, unk_is_word=opts["unk"], nonevents=nonevent_words(opts),
                      vocabulary_unigrams=True, warn=notices.append, **srilm_words(opts, model),
                      decisions_warn=lambda line, k: told.setdefault(k, []).append(line))
        for line in pruned_lines(before, model, told, debug=opts["debug"] >= 1):
            stderr_line(line)
        debug_lines(opts, spread)
        for line in notices:
            stderr_line(line)
    elif opts["prune_history_lm"]:
        raise UsageError("-prune-history-lm needs -prune")
    if opts["prune_lowprobs"]:
        from ..prune import prune_low_probs
        model = prune_low_probs(model, opts["minprune"], report=lambda line: debug_lines(opts, [line]),
                                nonevents=nonevent_mask(opts, model.vocab), vocabulary_unigrams=True,
                                unk_is_word=opts["unk"], warn=stderr_line, **srilm_words(opts, model))
    vocab = None if model is None else model.vocab
    if opts["rescore_ngram"]:
        model, vocab = rescored_model(opts, model, classes, dynamic)
    if opts["write_vocab"]:
        vocab.write(opts["write_vocab"])
    if (opts["write_lm"] or opts["write_bin_lm"]) and opts["expand_classes"] < 0:
        model = model.padded(opts["order"])  # SRILM writes the orders up to -order, empty ones too
        # (an expanded class model at the order it was expanded to)
    if opts["write_lm"]:
        if save(model, opts["write_lm"]).name == "arpa":
            debug_lines(opts, [f"writing {n} {k}-grams" for k, n in enumerate(model.sizes(), 1)])
    if opts["write_bin_lm"]:
        # SRILM numbers the words as its Vocab met them
        save(model, opts["write_bin_lm"], format="srilm-binary", word_order=srilm_word_order(opts, model))
    escape = escape_prefix(opts, classes, dynamic and opts["ppl"])
    if opts["ppl"] and dynamic:
        write_totals(opts["ppl"], dynamic.score_file(opts["ppl"], debug=opts["debug"], out=sys.stdout.buffer,
                                                     warnings=sys.stderr.buffer))
    elif opts["ppl"]:
        write_ppl(opts, classes.scorer(opts["map_unk"], opts["encoding"]) if classes else PerplexityScorer(
            model, unk_word=opts["map_unk"], encoding=opts["encoding"], cache_length=opts["cache"],
            cache_lambda=opts["cache_lambda"], multiwords=multiwords(opts), nonevents=nonevent_words(opts),
            unk_is_word=opts["unk"], **text_options), escape)
    if opts["counts"]:
        stats = PerplexityScorer(model, unk_word=opts["map_unk"], encoding=opts["encoding"],
                                 nonevents=nonevent_words(opts), unk_is_word=opts["unk"]).score_counts(
            opts["counts"], opts["count_order"] or opts["order"], debug=opts["debug"], out=sys.stdout.buffer,
            escape=escape, warnings=sys.stderr.buffer, float_counts=opts["float_counts"],
            entropy=opts["counts_entropy"])
        write_totals(opts["counts"], stats)
    recognizer = recognizer_lm(opts)
    if opts["nbest"] or opts["nbest_files"]:
        from ..nbest import read_file_list, rescore_nbest_files
        paths = [opts["nbest"]] if opts["nbest"] else []
        paths += read_file_list(opts["nbest_files"], opts["encoding"]) if opts["nbest_files"] else []
        rescore_nbest_files(model, paths, out_dir=opts["write_nbest_dir"], lm_weight=opts["rescore_lmw"],
                            word_weight=opts["rescore_wtw"], max_hyps=opts["max_nbest"],
                            reorder=not opts["no_reorder"], decipher_output=opts["decipher_nbest"],
                            recognizer=recognizer, split_multiwords=split_multiwords(opts), encoding=opts["encoding"],
                            unk_is_word=opts["unk"], debug=opts["debug"], nonevents=nonevent_words(opts))
    if opts["rescore"]:
        from ..nbest import NBestRescorer
        with atomic_output("-", text=True) as out:
            rescorer = NBestRescorer(model, opts["rescore_lmw"], opts["rescore_wtw"], unk_is_word=opts["unk"],
                                     debug=opts["debug"], nonevents=nonevent_words(opts))
            rescorer.rescore_stream(opts["rescore"], out, recognizer, opts["decipher_wtw"], escape, opts["encoding"])
    if opts["gen"] or opts["gen_prefixes"]:
        from ..generate import SentenceGenerator
        write_generated(SentenceGenerator(model, opts["seed"], opts["unk"], nonevent_words(opts), vocab_words(opts)),
                        opts)


def check_nbest_options(opts):
    """Refuse what N-best rescoring does not reproduce, before any work."""
    rescoring = opts["nbest"] or opts["nbest_files"] or opts["rescore"]
    if rescoring and opts["decipher_lm"] and opts["limit_vocab"]:
        raise UsageError("-decipher-lm with -limit-vocab: not reproduced (SRILM limits the recognizer's LM to a "
                         "vocabulary that the N-best lists' words join)")
    if rescoring and opts["debug"] == 3 and (opts["decipher_lm"] or opts["rescore"]):
        raise UsageError(f"{'-decipher-lm' if opts['decipher_lm'] else '-rescore'} -debug 3: not reproduced (SRILM "
                         "sums the probabilities of the recognizer's LM, the NullLM without -decipher-lm, over a "
                         "vocabulary the hypotheses' words join)")


def recognizer_lm(opts):
    """The RecognizerLM of -decipher-lm for N-best rescoring (None without). SRILM reads it into
    the vocabulary of -lm, whose unknown word (-map-unk) is its own; it reads it again for each
    N-best list, its -debug lines each time."""
    if not (opts["decipher_lm"] and (opts["nbest"] or opts["nbest_files"] or opts["rescore"])):
        return None
    from ..nbest import RecognizerLM

    vocab = Vocabulary(unk_word=opts["map_unk"])
    if opts["tolower"]:
        vocab = vocab.lowercased(opts["encoding"])
    path = opts["decipher_lm"]
    model = load(path, encoding=opts["encoding"], vocab=vocab)
    unk_logprob = unknown_word_logprob(model, opts["map_unk"])
    return RecognizerLM(model, opts["decipher_lmw"], opts["decipher_wtw"], opts["decipher_order"],
                        not opts["decipher_nobackoff"], opts["debug"],
                        lambda: announce_reading(opts, path, opts["decipher_order"], unk_logprob=unk_logprob))


def write_generated(generator, opts):
    """-gen's and -gen-prefixes' sentences on stdout, their bytes as the words' (-encoding bytes)."""
    with atomic_output("-", text=True) as out:
        out.write("".join(s + "\n" for s in generator.sentences(opts["gen"], opts["gen_prefixes"], opts["encoding"])))


def read_mix_models(opts, mix):
    """The models and weights the -read-mix-lms file (-lm) lists (`mix`: the -mix-lm models, refused)."""
    if mix:
        raise UsageError("-read-mix-lms lists the models itself: it does not take -mix-lm")
    from ..mixture_lm import read_mix_lms
    components, weights = read_mix_lms(opts["lm"])
    _, options = model_options(opts)
    models = []
    for c in components:
        models.append(load(c.path, **{**options, "order": c.order}))
        announce_reading(opts, c.path, c.order, loaded=models[-1].read_sizes if opts["limit_vocab"] else None,
                         unk_logprob=unknown_word_logprob(models[-1], opts["map_unk"]))
    return models, weights


def mixed_model(opts, model, mix):
    """(the model, None) of a static mixture, or (None, the word-by-word mixture) of -bayes
    and -loglinear-mix, from -mix-lm (`mix`) or -read-mix-lms."""
    word_by_word = opts["bayes"] is not None or opts["loglinear_mix"]
    if not (word_by_word or opts["read_mix_lms"] or opts["context_priors"]):
        from ..mixing import mix_static
        # SRILM reads each -mix-lm model just before merging it in: its lines of reading, then
        # the merge's
        models = itertools.chain([model], (load_model(opts, path) for path in mix[0]))
        return mix_static(models, mix[1], consume=True, recompute=merge_backoffs(opts)), None
    if opts["read_mix_lms"]:
        models, weights = read_mix_models(opts, mix)
    else:
        models = [model] + [load_model(opts, path) for path in mix[0]]
        weights = mix[1]
    if word_by_word and any(opts[name] for name in ("write_lm", "write_bin_lm", "write_vocab", "prune", "prune_lowprobs",
                                                    "renorm")):
        raise UsageError("-bayes and -loglinear-mix mix word by word: they only work with -ppl")
    if word_by_word:
        check_word_by_word(opts)
    scoring = {"unk_word": opts["map_unk"], "unk_is_word": opts["unk"], "encoding": opts["encoding"],
               "quiet": opts["q"] or opts["quiet"]}
    if opts["loglinear_mix"]:
        if opts["read_mix_lms"]:
            raise UsageError("-loglinear-mix takes its models from -mix-lm, not -read-mix-lms")
        from ..mixture_lm import LoglinearMixture
        return None, LoglinearMixture(models, weights, unk_logprob=opts["unk_prob"],
                                      skip_oovs=opts["skipoovs"] and opts["order"], **scoring)
    if opts["bayes"] is not None:
        from ..mixture_lm import BayesMixture
        length, scale = context_prior_length(opts)
        # SRILM sets -skipoovs on the -mix-lm models it reads, not on those of -read-mix-lms
        skip_oovs = opts["skipoovs"] and not opts["read_mix_lms"] and opts["order"]
        return None, BayesMixture(models, weights, length, scale, opts["context_priors"],
                                  listed=bool(opts["read_mix_lms"]), skip_oovs=skip_oovs,
                                  unk_logprob=opts["unk_prob"], **scoring)
    from ..mixing import mix_all
    return mix_all(models, weights, opts["order"], opts["context_priors"], recompute=merge_backoffs(opts)), None


def merge_backoffs(opts):
    """recompute(model): the backoff weights of a static merge. SRILM's give every word of the
    vocabulary a unigram; with -debug 1 its line of the unigram mass each merge spreads (to
    <unk> only with -unk)."""
    from ..renorm import recompute_backoffs

    def recompute(model):
        return recompute_backoffs(model, unk_is_word=opts["unk"], nonevents=nonevent_mask(opts, model.vocab),
                                  vocabulary_unigrams=True, warn=stderr_line,
                                  trace=lambda line: debug_lines(opts, [line]), **srilm_words(opts, model))
    return recompute


def srilm_word_order(opts, model):
    """The word ids of `model` in the order SRILM's Vocab numbered them (generate.srilm_read_order
    of -vocab and -nonevents)."""
    from ..generate import srilm_read_order
    return srilm_read_order(model, vocab_words(opts), nonevent_words(opts))[0]


def srilm_words(opts, model):
    """recompute_backoffs' word_order and vocab_size of `model` as `ngram` made it: SRILM's Vocab
    holds <unk>, <s>, </s>, -pau-, the -vocab words, -vocab-aliases' words and names and the
    -nonevents when it makes the first model."""
    from ..vocab import BOS, EOS, PAUSE, UNK
    before = set(vocab_words(opts)) | set(nonevent_words(opts)) | set(model.vocab.aliases) | set(
        model.vocab.aliases.values())
    return {"word_order": srilm_word_order(opts, model), "vocab_size": len(before | {UNK, BOS, EOS, PAUSE})}


def history_model(opts):
    """The -prune-history-lm model (None without), read as SRILM does: one order below -order."""
    if not opts["prune_history_lm"]:
        return None
    path, options = model_options(opts, opts["prune_history_lm"])
    order = max(opts["order"] - 1, 1)
    model = load(path, **{**options, "order": order})
    announce_reading(opts, path, order, unk_logprob=unknown_word_logprob(model, opts["map_unk"]))
    return model


def rescored_model(opts, model, classes, dynamic):
    """-rescore-ngram: its model with the probabilities of `model`, and the vocabulary of both
    (SRILM's, which -write-vocab writes)."""
    excluded = [flag for flag, given in (("-classes", classes is not None), ("-cache", opts["cache"]),
                                         ("-multiwords", opts["multiwords"]), ("-nonevents", opts["nonevents"]),
                                         ("-vocab-aliases", opts["vocab_aliases"]),
                                         # SRILM's rescored vocabulary keeps <unk> as a word then
                                         ("-map-unk", opts["map_unk"] != UNK)) if given]
    if dynamic is not None:
        excluded.insert(0, "-bayes, -loglinear-mix and -adapt-marginals")
    if excluded:
        raise UsageError(f"-rescore-ngram does not combine with {excluded[0]}")
    from ..mixing import rescore_ngrams
    # SRILM reads FILE's words through -tolower's vocabulary, into one of FILE's own
    lowered = lowercasing(opts)
    ngrams = load(opts["rescore_ngram"], order=opts["order"], encoding=opts["encoding"], vocab=lowered)
    announce_reading(opts, opts["rescore_ngram"])
    rescored = rescore_ngrams(ngrams, model, unk_is_word=opts["unk"], trace=lambda line: debug_lines(opts, [line]))
    vocab = model.vocab.like(list(model.vocab.words) + list(rescored.vocab.words))
    if lowered is not None:  # which looks the words of the text up as written
        rescored.vocab = Vocabulary(rescored.vocab.words, presorted=True)
    return rescored, vocab


def adapted_marginals(opts, model, dynamic):
    """The -adapt-marginals model over `model` (one backoff model: not a word-by-word mixture)."""
    if dynamic is not None:
        raise UsageError("-adapt-marginals adapts one backoff model, not a -bayes or -loglinear-mix mixture")
    check_word_by_word(opts)
    from ..mixture_lm import AdaptedMarginals
    unigrams = {"order": 1, "encoding": opts["encoding"], "vocab": lowercasing(opts)}
    adapt, base = (None if path is None else load(path, **unigrams)
                   for path in (opts["adapt_marginals"], opts["base_marginals"]))
    for path, marginals in ((opts["adapt_marginals"], adapt), (opts["base_marginals"], base)):
        if marginals is not None:
            announce_reading(opts, path, order=1, unk_logprob=unknown_word_logprob(marginals, opts["map_unk"]))
    return AdaptedMarginals(model, adapt, base, opts["adapt_marginals_beta"],
                            opts["adapt_marginals_ratios"], unk_word=opts["map_unk"], unk_is_word=opts["unk"],
                            encoding=opts["encoding"], quiet=opts["q"] or opts["quiet"], unk_logprob=opts["unk_prob"],
                            skip_oovs=opts["skipoovs"] and opts["order"])


def check_word_by_word(opts):
    """The word-by-word models score the words of their components: no -cache, -multiwords or -classes."""
    for flag, given in (("-cache", opts["cache"]), ("-multiwords", opts["multiwords"]), ("-classes", opts["classes"])):
        if given:
            raise UsageError(f"{flag} does not combine with -bayes, -loglinear-mix or -adapt-marginals")


def write_ppl(opts, scorer, escape=None):
    """-ppl's output on stdout (`escape`: the bytes of -escape)."""
    # the warnings of the lines passed over go to stderr at every -debug level (the sums' at 3)
    extra = {"warnings": sys.stderr.buffer}
    if escape is not None:
        extra["escape"] = escape
    write_totals(opts["ppl"], scorer.score_file(opts["ppl"], debug=opts["debug"], out=sys.stdout.buffer, **extra))


def write_totals(path, stats):
    """SRILM's closing `file PATH: ...` lines of a perplexity run, on stdout."""
    out = sys.stdout.buffer
    out.write(b"file " + os.fsencode(path) + f": {stats.srilm_text()}".encode())
    out.flush()


def main(argv=None):
    run(PROG, ngram, sys.argv[1:] if argv is None else argv, flags={"minprune": "-minprune", "order": "-order", "n": "-gen",
                                                                  "cache_length": "-cache", "cache_lambda": "-cache-lambda",
                                                                  "multiwords": "-multiwords", "multi_char": "-multi-char",
                                                                  "max_hyps": "-max-nbest", "out_dir": "-write-nbest-dir",
                                                                  "vocab": "-vocab", "limit_vocab": "-limit-vocab", "tolower": "-tolower",
                                                                  "encoding": "-encoding"})


if __name__ == "__main__":
    main()

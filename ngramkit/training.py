"""Text (or counts) to model: counting, the spill directory of a capped run, estimation, output.

This module owns the whole job, so that `ngramkit.train`, `ngram-count`, `ngramkit train` and
`ngramkit lmplz` run it the same way. Under a memory cap the count tables and estimation's large
arrays are memory-mapped files of one spill directory, and the model may keep some of their rows
as its own tables: the model is written while that directory and its pager are alive.
"""

import functools
import os
import re
import tempfile
import time
from dataclasses import dataclass

import numpy as np

from .counting import RunOptions, TextOptions, count_text
from .errors import FormatError, UsageError
from .estimate import EstimateOptions, OrderOptions, StageTimes, estimate
from .estimate.options import default_max_count
from .estimate.pipeline import stderr_warning
from .estimate.policy import SRILM, KenlmPolicy, check_fallback, parse_prune
from .estimate.smoothing import FALLBACK_DISCOUNTS, smoothing_method
from .formats import format_for_path, save
from .model import NgramCounts
from .spill import spill_directory
from .srilm_sums import text_srilm_order, text_word_order
from .text_weights import negative_weight_error
from .textio import WORD_BYTE, iter_lines, open_input, read_blocks, split_words
from .vocab import BOS, EOS, UNK, Vocabulary


def _paths(texts):
    return [texts] if isinstance(texts, (str, os.PathLike)) else list(texts)


def _run_options(memory, temp_dir, workers, progress):
    return RunOptions(memory=memory, temp_dir=temp_dir, workers=workers, quiet=not progress)


def count(texts, order=3, *, vocab=None, tolower=False, sentence_marks=True, unk_word=UNK, encoding="utf-8",
          memory=None, temp_dir=None, workers=0, progress=True, tagged=False, line_weights=None,
          float_counts=False):
    """Count the n-grams of orders 1..order in text files (one sentence per line).

    `vocab`: a Vocabulary, a vocabulary file or a list of words; other words become `unk_word`.
    `memory` (bytes, or "2G"): spill sorted runs to `temp_dir` to stay below it.
    `tagged`: the tokens are word/tag, counted as SRILM's -tagged (see tagged_lm).
    `line_weights`: "first" or "last": that word of each line is the count its n-grams add
    (SRILM's -text-has-weights, -text-has-weights-last; see text_weights), an integer, or with
    `float_counts` any number (the counts then float64)."""
    if line_weights not in (None, "first", "last"):
        raise UsageError("line_weights is 'first', 'last' or None", option="line_weights")
    text = TextOptions(encoding=encoding, add_sos=sentence_marks, add_eos=sentence_marks, tolower=tolower,
                       vocab=_vocabulary(vocab, encoding), map_unk=unk_word, tagged=tagged, weights=line_weights,
                       float_counts=float_counts)
    return count_text(_paths(texts), order, text, _run_options(memory, temp_dir, workers, progress))


def _vocabulary(vocab, encoding="utf-8"):
    if vocab is None or isinstance(vocab, Vocabulary):
        return vocab
    if isinstance(vocab, (str, os.PathLike)):
        return Vocabulary.read(vocab, encoding)
    return Vocabulary(list(vocab))


@dataclass
class Output:
    """Where the model goes once estimated: a path and, optionally, a format and its options."""

    path: str
    format: str | None = None
    options: dict | None = None


def build(source, options, *, order=None, policy=SRILM, text=None, run=None, output=None,
          warn=stderr_warning, on_counts=None, times=None, prune=None, trace=None, srilm_order=None, word_order=None):
    """Estimate a model from `source` (a list of text files, or NgramCounts) as `options` (an
    EstimateOptions) say, under `policy` (SRILM's or KenLM's), and write it to `output` (an
    Output) if given, before the spill directory of a capped run goes. `on_counts(counts)` sees
    the counts first (to check or write them); `times` (a StageTimes) gets the seconds of each
    stage; `prune` (threshold, minprune): the model is entropy-pruned before it is written, as
    ngram-count's -prune does; `trace`, `srilm_order`: estimate's (a text's SRILM order is found
    here); `word_order`: a function of the model's vocabulary giving the word ids in the order
    SRILM numbers them (srilm_sums.text_word_order's), asked for when SRILM's binary LM is
    written (a text's is found here). Returns the NgramModel; with `options` None, only counts
    (orders 1..order) and returns None."""
    run = run or RunOptions()
    times = StageTimes() if times is None else times
    memory = run.memory if not isinstance(source, NgramCounts) else None
    with spill_directory(memory, run.temp_dir) as spill_dir:
        start = time.perf_counter()
        if isinstance(source, NgramCounts):
            counts = source
        else:
            counts = count_text(_paths(source), order or options.order, text, run, spill_dir)
            times.mark("count", start)
        if on_counts is not None:
            on_counts(counts)
        if options is None:
            return None
        if not isinstance(source, NgramCounts) and text is not None:
            if text.weights and text.float_counts and any(c.min(initial=0) < 0 for c in counts.counts):
                raise negative_weight_error(_paths(source), text)
            if not text.tagged:
                srilm_order = functools.partial(text_srilm_order, _paths(source), options=text)
                word_order = functools.partial(text_word_order, _paths(source), options=text)
        model = estimate(counts, options, policy, warn=warn, times=times, consume=True, spill_dir=spill_dir,
                         trace=trace, srilm_order=srilm_order)
        if prune is not None and prune[0]:
            start = time.perf_counter()
            before = model.sizes()
            model = policy.entropy_prune(model, prune[0], prune[1], options.unk)
            if trace is not None:
                from .prune import pruned_lines

                for line in pruned_lines(before, model):
                    trace(line)
            times.mark("prune", start)
        if output is not None:
            start = time.perf_counter()
            written = dict(output.options or {})
            if format_for_path(output.path, output.format).name == "srilm-binary":
                if word_order is not None:
                    written.setdefault("word_order", word_order(model.vocab))
                # the meta-count words the estimate read are no words of the model
                written.setdefault("meta_tag", getattr(policy, "meta_tag", None))
            save(model, output.path, output.format, **written)
            times.mark("write", start)
    return model


def method_options(order, method="kneser-ney", interpolate=True, cutoffs=None, discount=None, unk=False,
                   discount_fallback=None, float_counts=False):
    """EstimateOptions of one method for every order: `cutoffs` per order (the last repeats;
    default none: every n-gram kept; fractional ones compare with fractional counts),
    `discount` the constant of absolute discounting or additive smoothing; Good-Turing is never
    interpolated (Katz backoff); `float_counts`: estimate as from fractional counts."""
    entry = smoothing_method(method)
    if entry.takes_value and discount is None:
        raise UsageError(f"{entry.title} needs its constant (discount)", option="discount")
    cutoffs = list(cutoffs) if cutoffs else [1]
    orders = []
    for k in range(1, order + 1):
        oo = OrderOptions(entry.name, interpolate and entry.name != "good-turing",
                          float(cutoffs[min(k, len(cutoffs)) - 1]), default_max_count(k))
        if entry.takes_value:
            oo.value = float(discount)
        orders.append(oo)
    fallback = FALLBACK_DISCOUNTS if discount_fallback is True else discount_fallback
    return EstimateOptions(order=order, orders=orders, unk=unk,
                           discount_fallback=None if fallback is None else tuple(fallback), float_counts=float_counts)


def train(texts=None, *, counts=None, order=3, method="kneser-ney", interpolate=True, cutoffs=None,
          discount=None, vocab=None, unk=False, discount_fallback=None, kenlm=False, prune=None,
          memory=None, temp_dir=None, workers=0, progress=True, output=None, warn=stderr_warning,
          float_counts=False, tagged=False, minprune=2):
    """Train a backoff n-gram model and return it (an NgramModel).

    texts: text files (one sentence per line), or counts: NgramCounts (from `count`).
    method: a smoothing method of estimate.smoothing.METHODS ("kneser-ney" is modified KN; also
      "original-kneser-ney", "witten-bell", "good-turing", "absolute", "additive"), interpolated
      unless `interpolate=False`; `cutoffs`: per-order minimum counts (the last repeats);
      `discount`: the constant of "absolute" and "additive".
    vocab: closed vocabulary (a Vocabulary, file or list); unk: <unk> is a word of the model.
    discount_fallback: True or (D1, D2, D3+): fixed Kneser-Ney discounts where the data give none.
    kenlm: estimate exactly as KenLM's lmplz (modified KN, interpolated; `prune` its --prune
      thresholds); texts must be one file.
    prune: without kenlm, a threshold: the model entropy-pruned before it is written or returned,
      as ngram-count's -prune (the orders from `minprune` up).
    memory: bound the run's memory (bytes or "2G"), spilling to temp_dir.
    output: a path (or Output) to write the model to as soon as it is estimated.
    float_counts: estimate as SRILM's -float-counts does (also implied by float64 `counts`, as
      read_counts(..., float_counts=True) reads them): "witten-bell", "absolute" and "additive"
      only, cutoffs may be fractional.
    tagged: a tagged LM as SRILM's -tagged: texts of word/tag tokens (or their counts), the
      tags never predicted; score it with tagged_lm.TaggedScorer."""
    if (texts is None) == (counts is None):
        raise UsageError("give texts or counts")
    if kenlm:
        if tagged:
            raise UsageError("KenLM's estimate has no tagged models", option="tagged")
        if counts is not None or vocab is not None or smoothing_method(method).name != "kneser-ney":
            raise UsageError("KenLM's estimate takes one text and no vocabulary or other method", option="kenlm")
        paths = _paths(texts)
        if len(paths) != 1:
            raise UsageError("KenLM's estimate takes one text", option="kenlm")
        return lmplz(paths[0], order, prune=prune or (), discount_fallback=discount_fallback, memory=memory,
                     temp_dir=temp_dir, workers=workers, progress=progress, output=output, warn=warn)
    output = Output(str(output)) if isinstance(output, (str, os.PathLike)) else output
    options = method_options(order, method, interpolate, cutoffs, discount, unk, discount_fallback, float_counts)
    text = TextOptions(vocab=_vocabulary(vocab), tagged=tagged)
    policy = SRILM
    if tagged:
        from .tagged_lm import TaggedPolicy
        policy = TaggedPolicy(SRILM)
    return build(texts if counts is None else counts, options, policy=policy, text=text,
                 run=_run_options(memory, temp_dir, workers, progress), output=output, warn=warn,
                 prune=None if prune is None else (float(prune), minprune))


# KenLM's lmplz

SPECIAL_TOKENS = re.compile(rb"(?<!" + WORD_BYTE + rb")(?:<s>|</s>|<unk>)(?!" + WORD_BYTE + rb")")


def strip_special_tokens(source, workdir):
    """skip_symbols: a copy of the text with <s>, </s> and <unk> turned into spaces."""
    fd, path = tempfile.mkstemp(prefix="lmplz-text-", suffix=".txt", dir=workdir)
    tail = b""
    with os.fdopen(fd, "wb") as out, open_input(source) as stream:
        for block in read_blocks(stream, source):
            block = tail + block
            cut = block.rfind(b"\n") + 1
            tail = block[cut:]
            out.write(SPECIAL_TOKENS.sub(b" ", block[:cut]))
        out.write(SPECIAL_TOKENS.sub(b" ", tail))
    return path


def read_limit_vocab(path):
    """The words of `path`, separated by whitespace as in the text. lmplz would take an empty
    file as keeping only <s>, </s> and <unk>; that is refused as a mistake."""
    words = set()
    for _, line in iter_lines(path):
        words.update(split_words(line))
    if not words:
        raise FormatError("the vocabulary file holds no words", path)
    return words


def _check_special_tokens(source):
    """lmplz refuses text that holds <s>, </s> or <unk> (our counting takes a line's leading
    <s> and trailing </s> as its sentence marks, so only other places are seen)."""

    def check(counts):
        vocab = counts.vocab
        unigrams = counts.ngrams[0][:, 0]
        found = None
        if np.any(counts.counts[0][unigrams == vocab.unk] > 0):
            found = UNK
        elif counts.order > 1:
            bigrams = counts.ngrams[1]
            if np.any(bigrams[:, 1] == vocab.bos):
                found = BOS
            elif np.any(bigrams[:, 0] == vocab.eos):
                found = EOS
        if found:
            raise FormatError(f"special word {found} is not allowed in the corpus; skipping symbols "
                              "turns <s>, </s> and <unk> into whitespace", source, option="skip_symbols")

    return check


def lmplz(text, order, *, prune=(), discount_fallback=None, interpolate_unigrams=True, skip_symbols=False,
          limit_vocab=None, memory=None, temp_dir=None, workers=0, progress=True, output=None,
          warn=stderr_warning, times=None):
    """KenLM's lmplz: count `text` (a path, "-" for stdin) and estimate interpolated modified
    Kneser-Ney exactly as lmplz does. `prune`: lmplz's --prune raw-count thresholds per order;
    `discount_fallback`: True or up to three discounts; `limit_vocab`: a file or a set of words;
    `output`: a path (written as KenLM writes ARPA) or an Output; `times`: a StageTimes to get
    the seconds of each stage. The model's `estimation` holds what lmplz's Statistics block
    reports."""
    limit = read_limit_vocab(limit_vocab) if isinstance(limit_vocab, (str, os.PathLike)) else limit_vocab
    policy = KenlmPolicy(parse_prune([str(t) for t in prune], order), limit)
    fallback = None
    if discount_fallback is not None and discount_fallback is not False:
        values = [] if discount_fallback is True else list(discount_fallback)
        fallback = check_fallback(values or list(FALLBACK_DISCOUNTS))
    orders = [OrderOptions("kneser-ney", interpolate=k > 1 or interpolate_unigrams, min_count=1)
              for k in range(1, order + 1)]
    options = EstimateOptions(order=order, orders=orders, unk=True, discount_fallback=fallback)
    if isinstance(output, (str, os.PathLike)):
        # ARPA as KenLM writes it
        output = Output(str(output), None, {"style": "kenlm"} if format_for_path(output).name == "arpa" else None)
    run = _run_options(memory, temp_dir, workers, progress)
    # lmplz counts a blank line as <s> </s>, and a line of any length
    lines = TextOptions(empty_lines=True, max_words=0)
    if not skip_symbols:
        return build([text], options, policy=policy, text=lines, run=run, output=output, warn=warn,
                     on_counts=_check_special_tokens(text), times=times)
    stripped = strip_special_tokens(text, temp_dir)
    try:
        return build([stripped], options, policy=policy, text=lines, run=run, output=output, warn=warn, times=times)
    finally:
        os.unlink(stripped)


def lmplz_statistics(model):
    """lmplz's stderr summary of a model it estimated: tokens and types, then per order
    `k kept[/counted] D1= D2= D3+=`."""
    estimation = model.estimation
    lines = [f"Unigram tokens {estimation[0]['tokens']} types {estimation[0]['counted']}", "Statistics:"]
    for k, kept in enumerate(model.sizes(), start=1):
        counted = estimation[k - 1]["counted"]
        size = str(kept) if kept == counted else f"{kept}/{counted}"
        d1, d2, d3 = estimation[k - 1]["discounts"]
        lines.append(f"{k} {size} D1={d1:g} D2={d2:g} D3+={d3:g}")
    return lines

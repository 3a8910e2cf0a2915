"""Counting text whose lines carry weights (SRILM's ngram-count -text-has-weights and
-text-has-weights-last): a line's first (or last) word is the count each n-gram of the rest of
the line adds.

SRILM reads the weight with C's sscanf: "%lu" after refusing a leading '-' (integer counts), or
"%lf" with -float-counts; either takes the longest number at the start of the word ("2x" is 2,
"1.5" an integer count of 1). A line whose weight is no number is left out with SRILM's warning
naming its line. A line holding only its weight counts the sentence `<s> </s>`; a weight of 0
still makes the line's n-grams n-grams of the counts, counted 0.

Weights are parsed once per distinct weight word; the stream of word ids is rebuilt, weights
dropped and sentence marks added, in compiled code.
"""

import re

import numpy as np

from .constants import WORD_SEPARATOR_TABLE
from .errors import EstimationError
from .jit import njit
from .model import NgramCounts
from .textio import iter_lines, split_words
from .tokenize import PROV_BOS, PROV_EOS, Interner
from .vocab import UNK

# the prefixes C's strtoul and strtod take (after leading white space, which words have none)
_UNSIGNED = re.compile(r"\+?[0-9]+")
_DOUBLE = re.compile(r"[+-]?(?:0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?"
                     r"|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
                     r"|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN](?:\([0-9A-Za-z_]*\))?)")
_COUNT_MAX = (1 << 63) - 1  # strtoul saturates at 2**64 - 1; counts here are int64


def weight_value(word, float_counts):
    """The count SRILM reads from a weight word, or None where it reads none."""
    if float_counts:
        match = _DOUBLE.match(word)
        if match is None:
            return None
        text = match.group(0)
        if text.lstrip("+-")[:2] in ("0x", "0X"):
            return float.fromhex(text)
        return float(text.split("(")[0])
    if word.startswith("-"):
        return None
    match = _UNSIGNED.match(word)
    return None if match is None else min(int(match.group(0)), _COUNT_MAX)


@njit(cache=True)
def _weighted_stream(tokens, values, legal, last, add_sos, add_eos):
    """The sentences of `tokens` (lines ending in -1) without their weight word (first, or with
    `last` last) and with <s>, </s> added as SRILM adds them; each position's weight; the ordinals
    of the lines whose weight is no number (left out)."""
    out = np.empty(len(tokens) + 2 * (np.count_nonzero(tokens < 0) + 1), dtype=np.int32)
    weights = np.empty(len(out), dtype=values.dtype)
    bad = np.empty(np.count_nonzero(tokens < 0), dtype=np.int64)
    n_out = 0
    n_bad = 0
    line = 0
    start = 0
    for end in range(len(tokens)):
        if tokens[end] >= 0:
            continue
        weight_at = end - 1 if last else start
        if not legal[tokens[weight_at]]:
            bad[n_bad] = line
            n_bad += 1
        else:
            w = values[tokens[weight_at]]
            lo = start if last else start + 1
            hi = end - 1 if last else end
            first = n_out
            if add_sos and (hi == lo or tokens[lo] != PROV_BOS):
                out[n_out] = PROV_BOS
                n_out += 1
            for i in range(lo, hi):
                out[n_out] = tokens[i]
                n_out += 1
            if add_eos and (n_out == first or out[n_out - 1] != PROV_EOS):
                out[n_out] = PROV_EOS
                n_out += 1
            out[n_out] = -1
            n_out += 1
            for i in range(first, n_out):
                weights[i] = w
        line += 1
        start = end + 1
    return out[:n_out], weights[:n_out], bad[:n_bad]


def weighted_lines(tokens, words, options):
    """The sentences of a token stream of weighted lines (over the provisional `words`), their
    weights dropped and sentence marks added, each position's weight and the ordinals of the
    lines left out (_weighted_stream)."""
    read = [weight_value(w, options.float_counts) for w in words]
    legal = np.array([v is not None for v in read], dtype=np.bool_)
    values = np.array([v or 0 for v in read], dtype=np.float64 if options.float_counts else np.int64)
    return _weighted_stream(tokens, values, legal, options.weights == "last", options.add_sos, options.add_eos)


def negative_weight_error(paths, options):
    """The error of a fractional count left below 0 by weighted lines, naming the first line of
    the text files `paths` weighted below 0. SRILM estimates on and writes NaN probabilities."""
    for path in paths:
        for number, line in iter_lines(path, options.encoding, allow_bytes=True):
            words = split_words(line)
            if words:
                weight = weight_value(words[-1 if options.weights == "last" else 0], True)
                if weight is not None and weight < 0:
                    return EstimationError(f"weight {weight:g} leaves negative counts, from which no "
                                           "probabilities can be estimated", path, number)
    return EstimationError("negative counts: no probabilities can be estimated from them", paths[0])


def _nonblank_line_numbers(block, first_line):
    """The file line number of each non-blank line of a block of whole lines."""
    buf = np.frombuffer(block, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10)
    if not len(ends) or ends[-1] != len(buf) - 1:
        ends = np.append(ends, len(buf))
    starts = np.concatenate(([0], ends[:-1] + 1))
    word_byte = WORD_SEPARATOR_TABLE[buf] == 0
    filled = np.concatenate(([0], np.cumsum(word_byte)))
    return first_line + np.flatnonzero(filled[ends] > filled[starts])


def count_weighted_block(block, first_line, path, order, options):
    """(NgramCounts over the block's own vocabulary, its TextTotals, SRILM's warnings of the lines
    left out) of a block of weighted lines (counting.count_block with options.weights)."""
    from .counting import TextTotals, build_vocabulary, closed_unk, count_tokens, passed_over_warnings

    interner = Interner()
    tokens, _ = interner.tokenize(block, False, False, path=path, first_line=first_line,
                                  max_words=options.max_words)
    words = interner.words()
    too_long = interner.long_lines
    del interner
    stream, weights, bad = weighted_lines(tokens, words, options)
    if len(bad):
        counted = np.setdiff1d(_nonblank_line_numbers(block, first_line), too_long, assume_unique=True)
        too_long = np.union1d(too_long, counted[bad])
    warnings = passed_over_warnings(path, too_long, weighted=True)
    del tokens
    # the vocabulary of the words left (weights are no words), <s>, </s> and <unk> always in it
    # (<unk> where seen when -map-unk names another unknown word: see build_vocabulary)
    used = np.zeros(len(words), dtype=np.bool_)
    used[stream[stream >= 0]] = True
    used[:3] |= np.array([True, True, options.map_unk == UNK])
    renumber = np.cumsum(used, dtype=np.int64) - 1
    vocab, remap = build_vocabulary([w for w, u in zip(words, used.tolist()) if u], options)
    ids = np.where(stream >= 0, remap[renumber[np.maximum(stream, 0)]], -1).astype(np.int32)
    del stream
    totals = TextTotals.of_block(block, first_line, path, ids, vocab.bos, vocab.eos, closed_unk(vocab, options))
    ngrams, counts = count_tokens(ids, len(vocab), order, weights)
    return NgramCounts(vocab, ngrams, counts), totals, warnings

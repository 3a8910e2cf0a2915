"""SRILM's skip n-gram models (`SkipNgram`, `ngram -skip`): a backoff model whose estimate
of w after a history ... u v is mixed with the estimate that skips v,

    p(w | ... u v) = s(v) p_bo(w | ... u) + (1 - s(v)) p_bo(w | ... u v)

with each context cut to order - 1 words and s(v) the skip probability of the previous word
(none or 0: the plain backoff estimate). The file is an ARPA model followed by one `word prob`
line per word, as SkipNgram::write writes it (probabilities `%.16g`, the words sorted).
`train_skip_lm` estimates one by SRILM's EM (`ngram-count -skip`), `write_skip_lm` writes it.
"""

import math
import re
import sys
from dataclasses import dataclass

import numpy as np

from .arpa import write_arpa
from .block_scorer import score_line_blocks
from .classes.model import format_tagged_word_lines
from .constants import LN10, LOG_ZERO
from .count_lm import format_float32
from .errors import EstimationError, FormatError, UsageError
from .estimate.pipeline import estimate, fit_methods, stderr_warning
from .estimate.policy import SRILM
from .estimate.smoothing.base import FLOAT_COUNTS_REFUSED
from .formats import load
from .jit import njit
from .model import NgramCounts, NgramModel
from .numfmt import parse_float
from .perplexity import (
    SUM_TOLERANCE,
    _sum_warning,
    close_sentence,
    rank_or_sum,
    sentence_span,
    srilm_tables,
    tally_word,
)
from .scoring import WordTable, advance_words, context_buffers
from .tables import find_row_in
from .textio import iter_line_blocks, split_words, word_bytes
from .vocab import PAUSE

_END_LINE = re.compile(rb"^\\end\\[ \t\r\v\f]*$", re.MULTILINE)


@dataclass
class SkipLM:
    """A skip n-gram model: `model` (NgramModel) and `skip_probs`, word -> skip probability."""

    model: object
    skip_probs: dict

    @property
    def vocab(self):
        return self.model.vocab

    @property
    def order(self):
        return self.model.order

    def skip_array(self):
        """The skip probability of each word id (0 where none is given)."""
        probs = np.zeros(len(self.vocab))
        for word, prob in self.skip_probs.items():
            w = self.vocab.index.get(word)
            if w is not None:
                probs[w] = prob
        return probs

    def scorer(self, unk_word=None):
        return SkipScorer(self, unk_word)

    def write(self, path):
        write_skip_lm(self, path)


def read_skip_probs(path, encoding="utf-8"):
    """The `word prob` lines after the ARPA model's `\\end\\` (blank and `##` lines skipped)."""
    probs = {}
    seen_end = False
    for block, first_line in iter_line_blocks(path, encoding, allow_bytes=True):
        start = 0
        if not seen_end:
            match = _END_LINE.search(block)
            if match is None:
                continue
            seen_end = True
            start = block.find(b"\n", match.end()) + 1 if block.find(b"\n", match.end()) >= 0 else len(block)
        line_no = first_line + block.count(b"\n", 0, start)
        for raw in block[start:].split(b"\n"):
            text = raw.decode("utf-8", "surrogateescape")
            fields = split_words(text)
            if fields and not text.startswith("##"):
                if len(fields) != 2:
                    raise FormatError("illegal skip prob line: expected a word and its skip probability",
                                      path, line_no)
                buf = np.frombuffer(fields[1].encode(), dtype=np.uint8)
                value, ok = parse_float(buf, 0, len(buf))
                if not ok:
                    raise FormatError(f"bad skip prob value {fields[1]}", path, line_no)
                probs[fields[0]] = value
            line_no += 1
    if not seen_end:
        raise FormatError("no \\end\\ line: not an ARPA model with skip probabilities", path)
    return probs


def read_skip_lm(path, order=None, vocab=None, limit_vocab=False, encoding="utf-8"):
    """Read a skip n-gram model (see the module's docstring); the options as formats.load's."""
    model = load(path, order=order, vocab=vocab, limit_vocab=limit_vocab, encoding=encoding)
    return SkipLM(model, read_skip_probs(path, encoding))


@njit(cache=True)
def _backoff_logprob(uni_logprob, uni_backoff, meta, entries, values, words, n, keys, bows, next_keys, next_bows):
    """Ngram::wordProbBO of words[n-1] after words[:n-1] (oldest first): (log10 p, matched length)."""
    p, found, _, _, _ = advance_words(uni_logprob, uni_backoff, meta, entries, values, words, n, keys, bows,
                                      next_keys, next_bows)
    return p, found


@njit(cache=True, inline="always")
def _skip_logprob(uni_logprob, uni_backoff, meta, entries, values, skip, ids, lo, t, w, bos, words, keys, bows,
                  next_keys, next_bows):
    """SkipNgram::wordProb of w as token t of a sentence starting at lo: (log10 p, the length of
    the plain estimate's n-gram, that of the skipping one's, -1 when the skip probability of
    the previous word is 0 and it is not looked up)."""
    order = meta.shape[0] - 1
    prev = ids[t - 1] if t > lo else bos
    # the plain estimate: up to order - 1 words before w, <s> first
    n = min(order, t - lo + 2)
    for c in range(n - 1):
        back = t - (n - 1 - c)
        words[c] = bos if back < lo else ids[back]
    words[n - 1] = w
    p, found = _backoff_logprob(uni_logprob, uni_backoff, meta, entries, values, words, n, keys, bows, next_keys,
                                next_bows)
    lam = skip[prev] if prev >= 0 else 0.0
    if lam == 0.0:
        return p, found, -1
    # the estimate that skips the previous word
    m = min(order, t - lo + 1)
    for c in range(m - 1):
        back = t - 1 - (m - 1 - c)
        words[c] = bos if back < lo else ids[back]
    words[m - 1] = w
    q, skip_found = _backoff_logprob(uni_logprob, uni_backoff, meta, entries, values, words, m, keys, bows,
                                     next_keys, next_bows)
    mixed = lam * math.exp(float(q) * LN10) + (1.0 - lam) * math.exp(float(p) * LN10)
    return (np.float32(math.log10(mixed)) if mixed > 0.0 else np.float32(-np.inf)), found, skip_found


@njit(cache=True)
def _skip_block(uni_logprob, uni_backoff, meta, entries, values, skip, ids, line_offsets, bos, eos, unk, total,
                token_logp, token_found, sentence_stats, tag_bounds, tags):
    """Score each line as a sentence under SkipNgram::wordProb; returns ([sentences, words,
    OOVs, zeroprobs], total). Per slot (t + s, </s> at hi + s) the log10 p and the lengths of
    the n-grams that gave it: tags[tag_bounds[slot, 0]:tag_bounds[slot, 1]], the plain
    estimate's first, then the skipping one's."""
    order = meta.shape[0] - 1
    keys, bows, next_keys, next_bows = context_buffers(max(order - 1, 1))
    words = np.empty(order, dtype=np.int32)
    stats = np.zeros(4, dtype=np.int64)
    n_tags = 0
    for s in range(len(line_offsets) - 1):
        lo, hi = sentence_span(ids, line_offsets, s, bos, eos)
        sentence_prob = 0.0
        oovs = 0
        zeros = 0
        for t in range(lo, hi + 1):
            w = ids[t] if t < hi else eos
            slot = t + s
            p, found, skip_found = _skip_logprob(uni_logprob, uni_backoff, meta, entries, values, skip, ids, lo, t,
                                                 w, bos, words, keys, bows, next_keys, next_bows)
            tag_bounds[slot, 0] = n_tags
            tags[n_tags] = found
            n_tags += 1
            if skip_found >= 0:
                tags[n_tags] = skip_found
                n_tags += 1
            tag_bounds[slot, 1] = n_tags
            token_logp[slot] = p
            token_found[slot] = found
            sentence_prob, oovs, zeros = tally_word(p, w, unk, sentence_prob, oovs, zeros)
        close_sentence(stats, sentence_stats, s, hi - lo, sentence_prob, oovs, zeros, True)
        total += sentence_prob
    return stats, total


@njit(cache=True)
def _skip_sums(uni_logprob, uni_backoff, meta, entries, values, skip, ids, line_offsets, bos, eos, sum_words,
               token_sum):
    """LM::wordProbSum of each slot's context (t + s, </s> at hi + s) to token_sum: the
    SkipNgram::wordProb of each word of sum_words in turn."""
    order = meta.shape[0] - 1
    keys, bows, next_keys, next_bows = context_buffers(max(order - 1, 1))
    words = np.empty(order, dtype=np.int32)
    for s in range(len(line_offsets) - 1):
        lo, hi = sentence_span(ids, line_offsets, s, bos, eos)
        for t in range(lo, hi + 1):
            total = 0.0
            for v in sum_words:
                p, _, _ = _skip_logprob(uni_logprob, uni_backoff, meta, entries, values, skip, ids, lo, t, v, bos,
                                        words, keys, bows, next_keys, next_bows)
                total, _, _, _ = rank_or_sum(p, 0.0, False, total, 0, 0)
            token_sum[t + s] = total


class SkipScorer:
    """SRILM's `ngram -skip -ppl`: totals, and the -debug 1 to 3 lines (from 2 with the tag of
    each backoff estimate looked up)."""

    def __init__(self, lm, unk_word=None):
        self.lm = lm
        vocab = lm.vocab
        self.tables = srilm_tables(lm.model)
        self.words = WordTable.from_vocab(vocab)
        self.unk = vocab.index[unk_word] if unk_word is not None else vocab.unk
        self.skip = lm.skip_array()
        self.max_word = int(np.diff(vocab.byte_pool()[1]).max())

    def score_file(self, path, debug=0, out=None, encoding="utf-8", warnings=None):
        """The `TextStats` of `path`; with debug >= 1 SRILM's per-sentence (and at 2 per-word, at
        3 with their contexts' sums) lines go to the binary stream `out`, the warnings of sums
        off 1 and of the lines passed over for too many words to the binary stream `warnings`."""
        vocab = self.lm.vocab
        # LM::wordProbSum's words: all but the Vocab's non-events <s>, -pau- and <unk>
        sum_words = np.setdiff1d(np.arange(len(vocab), dtype=np.int32),
                                 [vocab.bos, vocab.unk, vocab.index.get(PAUSE, vocab.bos)]).astype(np.int32)

        def score(ids, line_offsets, logprob, token_logp, token_found, sentence_stats):
            slots = len(token_logp)
            tag_bounds = np.zeros((slots, 2), dtype=np.int64)
            tags = np.zeros(2 * slots, dtype=np.int8)
            stats, logprob = _skip_block(*self.tables.arrays(), self.skip, ids, line_offsets, vocab.bos, vocab.eos,
                                         self.unk, logprob, token_logp, token_found, sentence_stats, tag_bounds,
                                         tags)
            token_sum = np.ones(slots if debug == 3 else 0)  # slots never scored sum to 1
            notes = []
            if debug == 3:
                _skip_sums(*self.tables.arrays(), self.skip, ids, line_offsets, vocab.bos, vocab.eos, sum_words,
                           token_sum)
                if warnings is not None:
                    notes = self._sum_warnings(ids, line_offsets, token_sum)
            return stats, logprob, (tag_bounds, tags, token_sum), notes

        def write_word_lines(pool, offsets, ids, line_offsets, token_logp, token_found, extras, out, ends):
            return format_tagged_word_lines(pool, offsets, ids, line_offsets, vocab.bos, vocab.eos, token_logp,
                                            *extras, out, ends)

        return score_line_blocks(path, vocab, self.words, self.unk, score, write_word_lines,
                                 2 * self.max_word + 100 + 24 * (debug == 3), debug, out, encoding, warnings)

    def _sum_warnings(self, ids, line_offsets, token_sum):
        """(line, SRILM's warning) of each slot (t + s, </s> at hi + s) whose context's sum is off
        1: the context's words back to <s>, newest first."""
        vocab = self.lm.vocab
        firsts = line_offsets[:-1] + np.arange(len(line_offsets) - 1)
        notes = []
        for slot in np.flatnonzero(np.abs(token_sum - 1.0) > SUM_TOLERANCE).tolist():
            s = int(np.searchsorted(firsts, slot, side="right")) - 1
            lo, _ = sentence_span(ids, line_offsets, s, vocab.bos, vocab.eos)
            context = [vocab.words[w] for w in ids[lo:slot - s][::-1].tolist()] + [vocab.words[vocab.bos]]
            notes.append((s, _sum_warning(token_sum[slot], context)))
        return notes


# Training (ngram-count -skip): EM over the counts of orders 1..order+1

SKIP_METHODS = ("good-turing", "witten-bell", "absolute", "additive")  # SRILM's, on expected counts
# their discounts stay those of the integer counts (SRILM cannot re-estimate them from fractional ones)
_FIXED_DISCOUNTS = ("good-turing",)
_NO_ESTIMATE = -10.0  # SRILM's stand-in log10 p while the model is empty (the first E-step)


@njit(cache=True)
def _e_step_ngram(uni_logprob, uni_backoff, meta, entries, values, skip, gram, length, count, rows, expected,
                  skip_expected, skip_seen, order, words, skipped_gram, keys, bows, next_keys, next_bows):
    """SkipNgram::estimateEstepNgram of gram[0, :length] (w last, v = the word before it) seen
    `count` times: adds its share to the expected counts of the n-grams it holds and to v's
    expected skips; returns count x log10 of its mixed probability (a float32)."""
    word = gram[0, length - 1]
    skipped = gram[0, length - 2]
    lam = skip[skipped]
    # the estimate skipping v: the words before it, then w; the plain one: those after gram[0]
    for j in range(length - 2):
        words[j] = gram[0, j]
    words[length - 2] = word
    l1, _, _, _, _ = advance_words(uni_logprob, uni_backoff, meta, entries, values, words, length - 1, keys, bows,
                                   next_keys, next_bows)
    for j in range(length - 1):
        words[j] = gram[0, j + 1]
    l2, _, _, _, _ = advance_words(uni_logprob, uni_backoff, meta, entries, values, words, length - 1, keys, bows,
                                   next_keys, next_bows)
    e1 = float(l1) if l1 > -np.inf else -np.inf  # no unigram (NaN) is log 0 too
    e2 = float(l2) if l2 > -np.inf else -np.inf
    if e1 == -np.inf and e2 == -np.inf:
        e1 = e2 = _NO_ESTIMATE
    p1 = lam * math.exp(e1 * LN10)
    p2 = (1.0 - lam) * math.exp(e2 * LN10)
    # the n-gram without v, and its suffixes, where they were counted
    for j in range(length - 2):
        skipped_gram[0, j] = gram[0, j]
    skipped_gram[0, length - 2] = word
    for m in range(min(length - 1, order), 0, -1):
        r = find_row_in(rows[m - 1], 0, rows[m - 1].shape[0], skipped_gram, 0, length - 1 - m)
        if r >= 0:
            expected[m - 1][r] += lam * count
    # the n-gram itself and its suffixes, up to the model's order (all counted)
    for m in range(min(length, order), 0, -1):
        r = find_row_in(rows[m - 1], 0, rows[m - 1].shape[0], gram, 0, length - m)
        expected[m - 1][r] += (1.0 - lam) * count
    total = p1 + p2
    skip_expected[skipped] += p1 / total
    skip_seen[skipped] = True
    log_sum = np.float32(math.log10(total)) if total > 0.0 else np.float32(-np.inf)
    return np.float32(np.float32(count) * log_sum)


@njit(cache=True)
def _e_step(uni_logprob, uni_backoff, meta, entries, values, skip, rows, counts, order, bos, expected,
            skip_expected, skip_seen):
    """SkipNgram::estimateEstep: every (order+1)-gram, then the n-grams of orders order..2 that
    start with <s>; returns the float32 log10 likelihood of the counts."""
    width = max(order, 1)
    words = np.empty(order + 1, dtype=np.int32)
    gram = np.empty((1, order + 1), dtype=np.int32)
    skipped_gram = np.empty((1, order + 1), dtype=np.int32)
    keys, bows, next_keys, next_bows = context_buffers(width)
    likelihood = np.float32(0.0)
    for length in range(order + 1, 1, -1):
        table = rows[length - 1]
        for r in range(table.shape[0]):
            if counts[length - 1][r] == 0 or (length <= order and table[r, 0] != bos):
                continue
            for j in range(length):
                gram[0, j] = table[r, j]
            likelihood = np.float32(likelihood + _e_step_ngram(
                uni_logprob, uni_backoff, meta, entries, values, skip, gram, length, counts[length - 1][r], rows,
                expected, skip_expected, skip_seen, order, words, skipped_gram, keys, bows, next_keys, next_bows))
    return likelihood


def _empty_model(vocab, order):
    """SRILM's Ngram before its first estimate: no probabilities (every estimate is log 0)."""
    ngrams = [np.array([[vocab.bos]], dtype=np.int32)] + [np.empty((0, k), dtype=np.int32)
                                                           for k in range(2, order + 1)]
    logprob = [np.array([LOG_ZERO], dtype=np.float32)] + [np.empty(0, dtype=np.float32) for _ in range(2, order + 1)]
    backoff = [np.full(len(rows), np.nan, dtype=np.float32) for rows in ngrams[:-1]]
    return NgramModel(vocab=vocab, ngrams=ngrams, logprob=logprob, backoff=backoff)


def check_skip_methods(options):
    """Refuse the smoothing methods SRILM's skip training cannot run (EstimationError)."""
    refused = [oo.method for oo in options.orders[:options.order] if oo.method not in SKIP_METHODS]
    if refused:
        raise EstimationError(f"-skip estimates with {', '.join(SKIP_METHODS)}, not {refused[0]}: the others "
                              "do not take the fractional expected counts")


def train_skip_lm(counts, options, skip_init=0.5, max_iters=100, min_delta=0.001, policy=None, warn=None,
                  log=None):
    """SRILM's `ngram-count -skip` (SkipNgram::estimate): a skip model of order options.order
    (an EstimateOptions of Good-Turing, Witten-Bell, absolute discounting or additive
    smoothing) from `counts`, integer counts of orders 1..order+1.

    Every word starts with skip probability `skip_init` (<s> with 0). Each EM iteration takes
    the expected counts of the n-grams up to the order from each (order+1)-gram (and each shorter
    one from <s>) u ... v w seen c times: c s(v) to u ... w and its suffixes (those counted),
    c (1 - s(v)) to ... v w and its suffixes, and the share s(v) p_bo(w | u ...) / p(w | u ... v)
    of the skipping estimate to v's expected skips (once per n-gram). Then s(v) becomes v's
    expected skips over its count, and the backoff model is estimated anew from the expected
    counts with the discounts of the integer counts (Good-Turing's are not estimated again:
    SRILM warns so each time). It stops after `max_iters` iterations or, from the third on,
    when the log likelihood changes by less than `min_delta` (relative); `log` (default
    stderr) gets SRILM's `iteration I: log likelihood = L` lines. Returns the SkipLM."""
    policy = SRILM if policy is None else policy
    warn = stderr_warning if warn is None else warn
    log = sys.stderr if log is None else log
    order = options.order
    check_skip_methods(options)
    if counts.order < order + 1:
        raise UsageError(f"a skip model of order {order} is estimated from counts of order {order + 1}")
    vocab = counts.vocab
    rows = tuple(np.ascontiguousarray(r) for r in counts.ngrams[:order + 1])
    int_counts = tuple(np.asarray(c, dtype=np.int64) for c in counts.counts[:order + 1])
    unigram_counts = np.zeros(len(vocab), dtype=np.int64)
    unigram_counts[rows[0][:, 0]] = int_counts[0]
    lower = NgramCounts(vocab)
    lower.ngrams, lower.counts = list(rows[:order]), list(int_counts[:order])
    methods = fit_methods(lower, options, policy, warn)
    skip = np.full(len(vocab), float(skip_init))
    skip[vocab.bos] = 0.0
    model = _empty_model(vocab, order)
    previous = None
    for iteration in range(max_iters):
        expected = tuple(np.zeros(len(r)) for r in rows[:order])
        skip_expected = np.zeros(len(vocab))
        skip_seen = np.zeros(len(vocab), dtype=np.bool_)
        likelihood = _e_step(*srilm_tables(model).arrays(), skip, rows, int_counts, order, vocab.bos, expected,
                             skip_expected, skip_seen)
        log.write(f"iteration {iteration}: log likelihood = {format_float32(likelihood)}\n")
        if iteration > 1 and abs(np.float32(likelihood - previous) / previous) < min_delta:
            break
        skip[skip_seen] = skip_expected[skip_seen] / unigram_counts[skip_seen]
        for k, oo in enumerate(options.orders[:order], start=1):
            if oo.method in _FIXED_DISCOUNTS:
                log.write(f"{FLOAT_COUNTS_REFUSED}\n"
                          f"warning: skip-ngram discount estimator for order {k} failed -- using old parameters\n")
        fractional = NgramCounts(vocab)
        fractional.ngrams, fractional.counts = list(rows[:order]), list(expected)
        model = estimate(fractional, options, policy, warn=warn, fitted=methods)
        previous = likelihood
    words = set(vocab.words) | {PAUSE}  # a word of SRILM's vocabulary, and so of its skip probabilities, always
    probs = {w: float(skip[vocab.index[w]]) if w in vocab.index else float(skip_init) for w in words}
    return SkipLM(model, probs)


def write_skip_lm(lm, path):
    """Write a skip model as SkipNgram::write does: the ARPA model, a blank line, `word prob`
    (`%.16g`) per word in byte order, a blank line."""
    lines = "".join(f"{w} {p:.16g}\n" for w, p in sorted(lm.skip_probs.items(), key=lambda item: word_bytes(item[0])))
    write_arpa(lm.model, path, trailer=word_bytes("\n" + lines + "\n"))

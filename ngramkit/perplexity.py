"""Perplexity of a text under a back-off model, as SRILM's `ngram -ppl` computes
and prints it (`-debug 0`, `1`: per sentence, `2`: per word, `3`: with each context's probability
sum, `4`: with ranks and losses), optionally mixed with a word cache (`-cache`, see cache_lm) or
with words joined by `_` scored part by part (`-multiwords`); and the perplexity of a count file
(`-counts`). Lines starting with an `-escape` string pass through unscored (see escape).
SRILM's pause word `-pau-` is dropped from a sentence before it is scored, as SRILM's
LM::prepareSentence drops it (PAUSE_TOKEN): no word, no OOV, no word line; a count file's
n-grams are scored as they are.

Text is read in blocks of whole lines; each block is tokenised, scored and, for
`-debug 1/2`, formatted in one compiled call.
"""

import math
import os
import re
import dataclasses
from dataclasses import dataclass

import numpy as np

from .cache_lm import WordCache, cache_probability, mixed_logprob
from .constants import LN10, LOG_ZERO, MAX_WORDS_PER_LINE, PROB_EPSILON
from .countfile import counts_of_blocks, read_counts
from .errors import FormatError, UsageError
from .escape import Piece, split_escaped
from .jit import borrowed, njit
from .numfmt import ascii_bytes, c_format_g, format_g, put_bytes, put_line, put_text, put_uint
from .scoring import (
    EMPTY,
    LOGPROB,
    ScoringTables,
    WordTable,
    advance,
    advance_words,
    arpa_tables,
    context_buffers,
    key_at,
    sentence_start,
    mark_tokens,
    tokenize_lines_within,
    word_key,
    word_of_key,
)
from .textio import BYTES, blank_skipped_lines, iter_line_blocks, open_input, read_blocks, word_bytes, word_text
from .vocab import PAUSE, UNK, lowercase, lowercase_text

_LARGEST_EXPONENT = math.log(np.finfo(np.float64).max)  # exp() of more is printed as inf, as C's

# SRILM's LM::prepareSentence drops the pause word from a sentence before it scores it: no word,
# no OOV, no -debug 2 line (it stays in the -debug 1 echo of the line). Its tokens get this id.
PAUSE_TOKEN = -3
PAUSE_BYTES = np.frombuffer(PAUSE.encode("ascii"), dtype=np.uint8)

# the `found` of a probability no n-gram was looked up for (-skipoovs, SRILM's NullLM): no tag printed
UNTAGGED = -(1 << 30)
NO_LOOKUP = UNTAGGED + 1  # no -zeroprob-word lookup made


def mark_pauses(block, ids):
    """Give the tokens of -pau- in the text `block` (bytes; tokenised into `ids` by
    tokenize_lines) the id PAUSE_TOKEN; returns ids."""
    if PAUSE_BYTES.tobytes() in block:
        mark_tokens(np.frombuffer(block, dtype=np.uint8), ids, PAUSE_BYTES, PAUSE_TOKEN)
    return ids


def drop_pauses(ids, line_offsets, *spans):
    """(ids, line_offsets) without the PAUSE_TOKEN tokens, for scorers that need no echo of the
    line; then `spans` (per-token arrays such as tokenize_lines' starts and ends, or empty ones)
    without them too."""
    keep = ids != PAUSE_TOKEN
    if keep.all():
        return (ids, line_offsets, *spans)
    kept = np.concatenate(([0], np.cumsum(keep)))
    return (ids[keep], kept[line_offsets], *(span[keep] if len(span) else span for span in spans))


@dataclass
class TextStats:
    """SRILM's TextStats: counts and the total log10 probability of scored words."""

    sentences: int = 0
    words: int = 0
    oovs: int = 0
    zeroprobs: int = 0
    logprob: float = 0.0
    # -debug 4: tokens ranked 1st, in the first 5 and 10 (words; </s>), tokens ranked, and the
    # summed quadratic and absolute loss 1 - p (see probability_checks)
    ranks: tuple = (0,) * 6
    ranked: int = 0
    quadratic_loss: float = 0.0
    absolute_loss: float = 0.0

    def add(self, other):
        self.sentences += other.sentences
        self.words += other.words
        self.oovs += other.oovs
        self.zeroprobs += other.zeroprobs
        self.logprob += other.logprob
        self.add_ranks(other.ranks, other.ranked, other.quadratic_loss, other.absolute_loss)

    def add_ranks(self, ranks, ranked, quadratic_loss, absolute_loss):
        self.ranks = tuple(a + b for a, b in zip(self.ranks, ranks))
        self.ranked += ranked
        self.quadratic_loss += quadratic_loss
        self.absolute_loss += absolute_loss

    @property
    def scored(self):
        """Tokens in the log probability: words and `</s>`s, less OOVs and zero probabilities."""
        return self.words - self.oovs - self.zeroprobs + self.sentences

    def ppl(self, with_eos=True):
        denom = self.scored if with_eos else self.scored - self.sentences
        if denom <= 0:
            return None
        if math.isnan(self.logprob):
            return self.logprob  # SRILM's product keeps the NaN's sign
        exponent = -(self.logprob / denom) * LN10
        return math.inf if exponent > _LARGEST_EXPONENT else math.exp(exponent)

    def bits_per_word(self):
        """Cross-entropy in bits per scored token (words and `</s>`)."""
        return -self.logprob / self.scored * math.log2(10) if self.scored > 0 else None

    def srilm_text(self):
        """SRILM's two summary lines (the first alone for no words and no sentences)."""
        counts = f"{self.sentences:.16g} sentences, {self.words:.16g} words, {self.oovs:.16g} OOVs\n"
        if self.words + self.sentences <= 0:
            return counts
        ppl, ppl1 = self.ppl(), self.ppl(with_eos=False)
        return (
            f"{counts}{self.zeroprobs:.16g} zeroprobs, logprob= {c_format_g(self.logprob, 7)} "
            f"ppl= {'undefined' if ppl is None else c_format_g(ppl, 7)} "
            f"ppl1= {'undefined' if ppl1 is None else c_format_g(ppl1, 7)}{self._rank_text()}\n"
        )

    def _rank_text(self):
        """SRILM's two -debug 4 lines (16 significant digits), after the ppl line."""
        if self.ranked <= 0:
            return ""
        words = self.ranked - self.sentences
        r1, r5, r10, r1se, r5se, r10se = self.ranks
        share = [f"{r / words if words > 0 else 0.0:.16g}" for r in (r1, r5, r10)]
        every = [f"{(r + se) / self.ranked:.16g}" for r, se in ((r1, r1se), (r5, r5se), (r10, r10se))]
        return (f"\n{words:.16g} words, rank1= {share[0]} rank5= {share[1]} rank10= {share[2]}"
                f"\n{self.ranked:.16g} words+sents, rank1wSent= {every[0]} rank5wSent= {every[1]} "
                f"rank10wSent= {every[2]} qloss= {c_format_g(math.sqrt(self.quadratic_loss / self.ranked), 16)} "
                f"absloss= {c_format_g(self.absolute_loss / self.ranked, 16)}")


# The fixed text of SRILM's -debug 1 and -debug 2 lines (the word lines' pieces are public: the class
# LM writes its word lines with them too).
_UNDEFINED = ascii_bytes("undefined")
P_OPEN = ascii_bytes("\tp( ")
GIVEN = ascii_bytes(" | ")
CONTEXT_MORE = ascii_bytes(" ...) \t= ")
CONTEXT_END = ascii_bytes(" ) \t= ")
OOV_TAG = ascii_bytes("[OOV]")
GRAM_TAG = ascii_bytes("gram]")
_PLUS_TAG = ascii_bytes("+Tgram]")
_CACHE_TAG = ascii_bytes("[cache=")
LOG_OPEN = ascii_bytes(" [ ")
LOG_CLOSE = ascii_bytes(" ]\n")
_SENTENCES = ascii_bytes(" sentences, ")
_WORDS = ascii_bytes(" words, ")
_OOVS = ascii_bytes(" OOVs\n")
_ZEROPROBS = ascii_bytes(" zeroprobs, logprob= ")
_PPL = ascii_bytes(" ppl= ")
_PPL1 = ascii_bytes(" ppl1= ")
_BLANK = ascii_bytes("\n\n")
_SUM_OPEN = ascii_bytes(" ] / ")
_RANK_WORDS = ascii_bytes(" words,")
_RANK_ALL = ascii_bytes(" words+sents,")
_RANK_NAMES = (ascii_bytes(" rank1= "), ascii_bytes(" rank5= "), ascii_bytes(" rank10= "),
               ascii_bytes(" rank1wSent= "), ascii_bytes(" rank5wSent= "), ascii_bytes(" rank10wSent= "))
_QLOSS = ascii_bytes(" qloss= ")
_ABSLOSS = ascii_bytes(" absloss= ")


@njit(cache=True)
def sentence_span(ids, line_offsets, s, bos, eos):
    """Tokens lo..hi-1 of line s that are scored before </s>: an explicit <s> or </s> at the
    ends of the line is not added again."""
    lo = line_offsets[s]
    hi = line_offsets[s + 1]
    if hi > lo and ids[lo] == bos:
        lo += 1
    if hi > lo and ids[hi - 1] == eos:
        hi -= 1
    return lo, hi


@njit(cache=True, inline="always")
def sentence_marks(line_offsets, s, lo, hi, add_sos, add_eos):
    """(the context starts with <s>, </s> is scored) for line s, whose words sentence_span put
    at lo..hi-1: SRILM's -no-sos and -no-eos leave the marks out, unless the line writes them."""
    return add_sos or lo > line_offsets[s], add_eos or hi < line_offsets[s + 1]


@njit(cache=True)
def reverse_lines(ids, line_offsets):
    """Reverse the tokens of each line in place (SRILM's -reverse scores the sentence backwards)."""
    for s in range(len(line_offsets) - 1):
        lo = line_offsets[s]
        hi = line_offsets[s + 1] - 1
        while lo < hi:
            ids[lo], ids[hi] = ids[hi], ids[lo]
            lo += 1
            hi -= 1


@njit(cache=True, inline="always")
def tally_word(p, w, unk, sentence_prob, oovs, zeros):
    """A scored word into its sentence's (log10 probability, OOVs, zeroprobs), as SRILM's
    TextStats counts it: log 0 is an OOV for `unk`, a zeroprob for any other word."""
    if p == -np.inf:
        if w == unk:
            return sentence_prob, oovs + 1, zeros
        return sentence_prob, oovs, zeros + 1
    return sentence_prob + float(p), oovs, zeros


@njit(cache=True, inline="always")
def close_sentence(stats, sentence_stats, s, words, sentence_prob, oovs, zeros, keep, sentences=1):
    """Add sentence s of `words` words to a block's stats (sentences, words, OOVs, zeroprobs) and,
    with `keep`, its (log10 probability, OOVs, zeroprobs) to sentence_stats[s]; `sentences`: 0 for
    a line whose </s> was not scored (SRILM counts it as words only)."""
    stats[0] += sentences
    stats[1] += words
    stats[2] += oovs
    stats[3] += zeros
    if keep:
        sentence_stats[s, 0] = sentence_prob
        sentence_stats[s, 1] = oovs
        sentence_stats[s, 2] = zeros


SENTENCE_COLUMNS = 5  # ppl_block's per-sentence log probability, OOVs, zeroprobs, words, sentences (0 or 1)


@njit(cache=True)
def ppl_block(uni_logprob, uni_backoff, meta, entries, values, ids, line_offsets, bos, eos, unk,
               total, token_logp, token_found, sentence_stats, cache_counts, cache_history, cache_state,
               cache_weights, token_cache, parts, part_offsets, part_found, add_sos, add_eos, weights,
               weighted_totals, skip_order, unk_logprob, zeroword, token_zero_found):
    """Score each line as a sentence; returns (stats array, total + logprob).

    The float64 total runs on from the previous block, summed sentence by sentence as SRILM does.
    When token_logp is not empty, the log10 p and matched order of token t of line s go to slot
    t + s, and of the line's </s> to slot hi + s, and line s's (logprob, OOVs, zeroprobs, words,
    sentences) to sentence_stats[s] (SENTENCE_COLUMNS), for format_debug and -escape's documents.

    stats = [sentences, words, OOVs, zeroprobs]. A word whose probability is
    zero counts as an OOV if it is the unknown-word token, else as a zeroprob.

    With a cache (cache_history not empty, see cache_lm.WordCache), each probability is mixed with
    the cache's, whose value goes to token_cache (NaN where the cache is not asked: `<unk>` of a
    closed-vocabulary model).

    With multiwords (part_offsets not empty), token t is the words parts[part_offsets[t]:
    part_offsets[t+1]], scored one after the other; its log10 p is their float32 sum, and the
    matched orders go to part_found.

    Without `add_sos` a line's first word has no context, without `add_eos` its </s> is not
    scored, unless the line writes them (sentence_marks).

    With sentence weights (weights not empty, SRILM's -text-has-weights), line s counts
    weights[s] times: its log probability into the total and its sentences, words, OOVs and
    zeroprobs into weighted_totals (float64, running on across blocks as the total does).

    SRILM's -skipoovs (`skip_order` > 0, the order of SRILM's Ngram, -order): a word that is
    `<unk>` or follows one within the two words before it (one of them below order 3, none at
    order 1) has probability zero in the n-gram model, looked up in no n-gram (UNTAGGED);
    a cache still mixes in its own. SRILM's NonzeroLM, outside the cache's mixture: `<unk>` gets
    the log10 probability `unk_logprob` (NaN: none), and another word of probability zero that of
    the word `zeroword` (-1: none) in its context, whose matched order goes to token_zero_found
    (NO_LOOKUP where it was not asked; not with a cache).
    """
    uni_logprob, uni_backoff, meta, entries, values = (borrowed(uni_logprob), borrowed(uni_backoff), borrowed(meta),
                                                       borrowed(entries), borrowed(values))
    ids, line_offsets, parts, part_offsets = borrowed(ids), borrowed(line_offsets), borrowed(parts), borrowed(part_offsets)
    cache_counts, cache_history, cache_state = borrowed(cache_counts), borrowed(cache_history), borrowed(cache_state)
    order = meta.shape[0] - 1
    width = max(order - 1, 1)
    keys_a = np.empty(width, dtype=np.int64)
    bows_a = np.empty(width, dtype=np.float32)
    keys_b = np.empty(width, dtype=np.int64)
    bows_b = np.empty(width, dtype=np.float32)
    stats = np.zeros(4, dtype=np.int64)
    keep = len(token_logp) > 0
    use_cache = len(cache_history) > 0
    split = len(part_offsets) > 0
    cache_unk = not np.isnan(uni_logprob[unk])  # an open vocabulary caches <unk> as a word
    scratch_keys = np.empty(width, dtype=np.int64)
    scratch_bows = np.empty(width, dtype=np.float32)
    for s in range(len(line_offsets) - 1):
        lo, hi = sentence_span(ids, line_offsets, s, bos, eos)
        use_bos, use_eos = sentence_marks(line_offsets, s, lo, hi, add_sos, add_eos)
        ctx_len = sentence_start(uni_logprob, uni_backoff, bos, use_bos, order, keys_a, bows_a)
        cur_s, cur_b, nxt_s, nxt_b = keys_a, bows_a, keys_b, bows_b
        sentence_prob = 0.0
        oovs = 0
        zeros = 0
        pauses = 0
        previous, before = (bos if use_bos else -1), -1  # the two words before, for -skipoovs
        for t in range(lo, hi + use_eos):
            w = ids[t] if t < hi else eos
            if w == PAUSE_TOKEN:
                pauses += 1
                continue
            context_len = ctx_len
            if split and t < hi:
                p = np.float32(0.0)
                found = 0
                for c in range(part_offsets[t], part_offsets[t + 1]):
                    part_p, part_found[c], ctx_len = advance(uni_logprob, uni_backoff, meta, entries, values,
                                                             cur_s, cur_b, 0, ctx_len, parts[c], nxt_s, nxt_b)
                    cur_s, cur_b, nxt_s, nxt_b = nxt_s, nxt_b, cur_s, cur_b
                    p = p + part_p
            else:
                p, found, ctx_len = advance(uni_logprob, uni_backoff, meta, entries, values,
                                            cur_s, cur_b, 0, ctx_len, w, nxt_s, nxt_b)
                cur_s, cur_b, nxt_s, nxt_b = nxt_s, nxt_b, cur_s, cur_b
            if skip_order and _skipped(w, previous, before, skip_order, unk):
                p, found = np.float32(-np.inf), UNTAGGED
            cached = np.nan
            if use_cache:
                if w >= 0 and (w != unk or cache_unk):
                    cached = cache_probability(w, cache_counts, cache_history, cache_state)
                p = mixed_logprob(p, 0.0 if np.isnan(cached) else cached, cache_weights)
            # in the context before w, which the swap left in nxt
            p, zero_found = nonzero_logprob(uni_logprob, uni_backoff, meta, entries, values, nxt_s, nxt_b, context_len,
                                            p, w, previous, before, unk, skip_order, unk_logprob, zeroword, scratch_keys,
                                            scratch_bows)
            if len(token_zero_found) > 0 and keep:
                token_zero_found[t + s] = zero_found
            before, previous = previous, w
            if keep:
                token_logp[t + s] = p
                token_found[t + s] = found
                if use_cache:
                    token_cache[t + s] = cached
            sentence_prob, oovs, zeros = tally_word(p, w, unk, sentence_prob, oovs, zeros)
        close_sentence(stats, sentence_stats, s, hi - lo - pauses, sentence_prob, oovs, zeros, keep, int(use_eos))
        if keep:
            sentence_stats[s, 3] = hi - lo - pauses
            sentence_stats[s, 4] = use_eos
        if len(weights) > 0:
            weight = weights[s]
            weighted_totals[0] += use_eos * weight
            weighted_totals[1] += (hi - lo - pauses) * weight
            weighted_totals[2] += oovs * weight
            weighted_totals[3] += zeros * weight
            total += sentence_prob * weight
        else:
            total += sentence_prob
    return stats, total


@njit(cache=True, inline="always")
def _skipped(w, previous, before, order, unk):
    """SRILM's -skipoovs: whether w, after `previous` and `before` (-1: none), has probability zero."""
    return w == unk or (order > 1 and previous == unk) or (order > 2 and before == unk)


@njit(cache=True, inline="always")
def nonzero_logprob(uni_logprob, uni_backoff, meta, entries, values, ctx_keys, ctx_bows, ctx_len, p, w, previous,
                    before, unk, skip_order, unk_logprob, zeroword, scratch_keys, scratch_bows):
    """SRILM's NonzeroLM (-unk-prob, -zeroprob-word) over the log10 p `p` of w after the context
    (ctx_keys, ctx_bows, ctx_len; its newest words `previous` and `before`, -1: none, for the
    -skipoovs test of the -zeroprob-word look-up): (p, the matched order of that look-up or
    NO_LOOKUP). See ppl_block."""
    zero_found = NO_LOOKUP
    if w == unk and not np.isnan(unk_logprob):
        p = np.float32(unk_logprob)
    elif p == -np.inf and zeroword >= 0 and w != zeroword:
        if zeroword == unk and not np.isnan(unk_logprob):
            p = np.float32(unk_logprob)
        elif skip_order and _skipped(zeroword, previous, before, skip_order, unk):
            zero_found = UNTAGGED
        else:
            p, zero_found, _ = advance(uni_logprob, uni_backoff, meta, entries, values, ctx_keys, ctx_bows, 0,
                                       ctx_len, zeroword, scratch_keys, scratch_bows)
    return p, zero_found


SUM_TOLERANCE = 1e-4  # SRILM warns of a context whose probabilities sum further from 1
RANK_COLUMNS = 9  # r1 r5 r10 (words), the same of </s>, tokens ranked, quadratic, absolute loss
_TOP_RANK = 10


@njit(cache=True, inline="always")
def rank_or_sum(logp_v, prob, ranks, total, rank, ties):
    """Word v of a context in LM::wordProbSum or LM::updateRanks, of log10 p `logp_v`: p(v) added
    to `total` or, with `ranks`, v counted as more probable than the token's `prob` or as tied
    with it; (total, rank, ties, done), done once the rank is past the first 10 (SRILM stops there)."""
    p = 0.0 if logp_v == -np.inf else math.exp(float(logp_v) * LN10)
    if not ranks:
        return total + p, rank, ties, False
    if abs(p - prob) < PROB_EPSILON:
        ties += 1
    elif p > prob:
        rank += 1
    return total, rank, ties, rank + ties // 2 > _TOP_RANK


@njit(cache=True, inline="always")
def _context_check(uni_logprob, uni_backoff, meta, entries, values, ctx_keys, ctx_bows, ctx_len, events, prob,
                   ranks, scratch_keys, scratch_bows, previous=-1, before=-1, unk=-1, skip_order=0,
                   unk_logprob=np.nan, zeroword=-1):
    """Over the words marked in `events`, after the context: without `ranks` the sum of their
    probabilities; with `ranks` the rank of a token of probability `prob` (see probability_checks).
    Each word's probability is as -skipoovs, -unk-prob and -zeroprob-word leave it (see
    ppl_block; `previous` and `before`: the context's newest words)."""
    total = 0.0
    rank = 0
    ties = 0
    for v in range(len(events)):
        if not events[v]:
            continue
        p_v, _, _ = advance(uni_logprob, uni_backoff, meta, entries, values, ctx_keys, ctx_bows, 0, ctx_len, v,
                            scratch_keys, scratch_bows)
        if skip_order and _skipped(v, previous, before, skip_order, unk):
            p_v = np.float32(-np.inf)
        p_v, _ = nonzero_logprob(uni_logprob, uni_backoff, meta, entries, values, ctx_keys, ctx_bows, ctx_len, p_v, v,
                                 previous, before, unk, skip_order, unk_logprob, zeroword, scratch_keys, scratch_bows)
        total, rank, ties, done = rank_or_sum(p_v, prob, ranks, total, rank, ties)
        if done:
            break
    return total, rank + ties // 2


@njit(cache=True, inline="always")
def _add_rank(row, rank, logp, is_end, is_unk, weight):
    """Count a token of rank `rank` and log10 p `logp` `weight` times into a rank row."""
    column = 3 if is_end else 0
    if rank < _TOP_RANK:
        row[column + 2] += weight
        if rank < 5:
            row[column + 1] += weight
            if rank < 1:
                row[column] += weight
    row[6] += weight
    if logp == -np.inf:
        if not is_unk:
            row[7] += weight
            row[8] += weight
    else:
        loss = max(1.0 - math.exp(float(logp) * LN10), 0.0)
        row[7] += loss * loss * weight
        row[8] += loss * weight


@njit(cache=True)
def probability_checks(uni_logprob, uni_backoff, meta, entries, values, ids, line_offsets, bos, eos, unk, events,
                       token_logp, ranks, token_sum, sentence_ranks, add_sos=True, add_eos=True, skip_order=0,
                       unk_logprob=np.nan, zeroword=-1):
    """SRILM's -debug 3 and 4 extras of a block ppl_block scored (token_logp in its slots).

    Without `ranks` (-debug 3): the sum over the words marked in `events` of p(word | context)
    for each token's context, to token_sum (same slots). With `ranks` (-debug 4), per sentence
    to sentence_ranks (RANK_COLUMNS): how many words and how many </s> rank first, in the first
    5 and in the first 10, the tokens ranked, and the sums of (1 - p)^2 and 1 - p (a zeroprob
    counts 1, an OOV nothing). A token's rank is the number of event words more probable than
    it plus half (rounded down) of those as probable within PROB_EPSILON, itself included;
    counting stops beyond the first 10, as in SRILM's LM::updateRanks. `add_sos`, `add_eos`,
    `skip_order`, `unk_logprob`, `zeroword`: as ppl_block's, for every word summed or ranked."""
    order = meta.shape[0] - 1
    width = max(order - 1, 1)
    keys_a = np.empty(width, dtype=np.int64)
    bows_a = np.empty(width, dtype=np.float32)
    keys_b = np.empty(width, dtype=np.int64)
    bows_b = np.empty(width, dtype=np.float32)
    scratch_keys = np.empty(width, dtype=np.int64)
    scratch_bows = np.empty(width, dtype=np.float32)
    for s in range(len(line_offsets) - 1):
        lo, hi = sentence_span(ids, line_offsets, s, bos, eos)
        use_bos, use_eos = sentence_marks(line_offsets, s, lo, hi, add_sos, add_eos)
        ctx_len = sentence_start(uni_logprob, uni_backoff, bos, use_bos, order, keys_a, bows_a)
        cur_s, cur_b, nxt_s, nxt_b = keys_a, bows_a, keys_b, bows_b
        if ranks:
            sentence_ranks[s, :] = 0.0
        previous, before = (bos if use_bos else -1), -1
        for t in range(lo, hi + use_eos):
            w = ids[t] if t < hi else eos
            if w == PAUSE_TOKEN:
                continue
            logp = token_logp[t + s]
            prob = 0.0 if logp == -np.inf else math.exp(float(logp) * LN10)
            total, rank = _context_check(uni_logprob, uni_backoff, meta, entries, values, cur_s, cur_b, ctx_len,
                                         events, prob, ranks, scratch_keys, scratch_bows, previous, before, unk,
                                         skip_order, unk_logprob, zeroword)
            before, previous = previous, w
            if ranks:
                _add_rank(sentence_ranks[s], rank, logp, w == eos, w == unk, 1.0)
            else:
                token_sum[t + s] = total
            _, _, ctx_len = advance(uni_logprob, uni_backoff, meta, entries, values, cur_s, cur_b, 0, ctx_len, w,
                                    nxt_s, nxt_b)
            cur_s, cur_b, nxt_s, nxt_b = nxt_s, nxt_b, cur_s, cur_b


@njit(cache=True)
def count_probability_checks(uni_logprob, uni_backoff, meta, entries, values, rows, logp, weights, eos, unk, events,
                             ranks, row_sum, row_ranks):
    """probability_checks for the k-grams `rows` of a count file (context: the row's other words
    alone, as SRILM's countsProb): without `ranks` each row's context sum to row_sum; with
    `ranks` each row's rank counts, weighted by its count, to row_ranks[row]."""
    order = meta.shape[0] - 1
    width = max(order - 1, 1)
    keys, bows, next_keys, next_bows = context_buffers(width)
    k = rows.shape[1]
    for r in range(rows.shape[0]):
        _, _, ctx_len, ctx_keys, ctx_bows = advance_words(uni_logprob, uni_backoff, meta, entries, values, rows[r],
                                                          k - 1, keys, bows, next_keys, next_bows)
        # the scratch _context_check may use: the pair that does not hold the context (they trade
        # places once a word, so after k - 1 words the context is in keys/bows when k - 1 is even)
        free_keys, free_bows = (next_keys, next_bows) if (k - 1) % 2 == 0 else (keys, bows)
        w = rows[r, k - 1]
        prob = 0.0 if logp[r] == -np.inf else math.exp(float(logp[r]) * LN10)
        total, rank = _context_check(uni_logprob, uni_backoff, meta, entries, values, ctx_keys, ctx_bows, ctx_len,
                                     events, prob, ranks, free_keys, free_bows)
        if ranks:
            row_ranks[r, :] = 0.0
            _add_rank(row_ranks[r], rank, logp[r], w == eos, w == unk, weights[r])
        else:
            row_sum[r] = total


@njit(cache=True, inline="always")
def put_token(out, pos, pool, offsets, buf, starts, ends, ids, t, hi, bos, eos, as_written):
    """Token t of a sentence ending at hi (-1: its <s>, hi: its </s>), by its vocabulary word or,
    `as_written` or outside the vocabulary (NEW_WORD), as in the text."""
    if t < 0 or t == hi:
        w = bos if t < 0 else eos
    elif as_written or ids[t] == NEW_WORD:
        return put_bytes(out, pos, buf, starts[t], ends[t])
    else:
        w = ids[t]
    return put_bytes(out, pos, pool, offsets[w], offsets[w + 1])


@njit(cache=True, inline="always")
def put_tag(out, pos, found, tagged=False):
    """`[kgram]` for the length k of the matched n-gram, `[OOV]` where none matched; of a tagged
    LM (TaggedNgram's, see tagged_lm.tagged_logprob), `[k+Tgram]` (found -k) for one whose oldest
    word is a tag, and nothing where none matched; nothing for UNTAGGED."""
    if found == UNTAGGED:
        return pos
    if found == 0:
        return pos if tagged else put_text(out, pos, OOV_TAG)
    out[pos] = 91
    pos = put_uint(out, pos + 1, abs(found))
    return put_text(out, pos, GRAM_TAG if found > 0 else _PLUS_TAG)


@njit(cache=True, inline="always")
def put_word_given(out, pos, pool, offsets, w, prev, more):
    """The start of a -debug 2 word line of word id `w` after word id `prev`: `\tp( w | prev
    ...) \t= `, or `... ) \t= ` when `more` is false (prev is the sentence's start)."""
    pos = put_text(out, pos, P_OPEN)
    pos = put_bytes(out, pos, pool, offsets[w], offsets[w + 1])
    pos = put_text(out, pos, GIVEN)
    pos = put_bytes(out, pos, pool, offsets[prev], offsets[prev + 1])
    return put_text(out, pos, CONTEXT_MORE if more else CONTEXT_END)


@njit(cache=True, inline="always")
def add_logp(x, y):
    """SRILM's AddLogP in double: log10(10^x + 10^y). Its arguments are doubles, so float32 ones
    are widened first (numba's float() of a float32 stays float32, and so would y - x)."""
    x = np.float64(x)
    y = np.float64(y)
    if x < y:
        x, y = y, x
    if y == -np.inf:
        return x
    return x + math.log10(1.0 + math.exp((y - x) * LN10))


@njit(cache=True)
def put_probability(out, pos, p):
    """` P [ log10 P` of a -debug 2 word line from log10 P (a zero probability printed as 0);
    the caller closes the bracket after any fields of its own."""
    out[pos] = 32
    pos += 1
    pos = format_g(0.0 if p == -np.inf else math.exp(float(p) * LN10), 7, out, pos)
    pos = put_text(out, pos, LOG_OPEN)
    return format_g(float(p), 7, out, pos)


@njit(cache=True, inline="always")
def put_line_close(out, pos, sums, i):
    """The end of a -debug 2 word line: ` ]`, or with -debug 3's context sums ` ] / ` and sums[i]."""
    if len(sums) == 0:
        return put_text(out, pos, LOG_CLOSE)
    pos = put_text(out, pos, _SUM_OPEN)
    pos = format_g(sums[i], 7, out, pos)
    out[pos] = 10
    return pos + 1


NO_RANKS = np.zeros(0, dtype=np.float64)


@njit(cache=True)
def put_sentence_totals(out, pos, words, sentence_prob, oovs, zeros, ranks, sentences=1, weight=1.0):
    """SRILM's -debug 1 totals of a sentence of `words` words (with `ranks`, a row of -debug 4's
    rank statistics, not empty: its two lines) and a blank line; `sentences`: 0 for a line
    whose </s> was not scored; `weight`: its -text-has-weights weight, which the counts and the
    log probability (and the rank statistics) are multiplied by (in double, from 0 as SRILM's
    TextStats::increment)."""
    counts = (0.0 + sentences * weight, 0.0 + words * weight, 0.0 + oovs * weight, 0.0 + zeros * weight)
    names = (_SENTENCES, _WORDS, _OOVS)
    for c in range(3):
        pos = format_g(counts[c], 16, out, pos)
        pos = put_text(out, pos, names[c])
    if counts[1] + counts[0] <= 0:  # SRILM prints no probabilities then
        out[pos] = 10
        return pos + 1
    pos = format_g(counts[3], 16, out, pos)
    pos = put_text(out, pos, _ZEROPROBS)
    logprob = 0.0 + sentence_prob * weight
    denom = counts[1] - counts[2] - counts[3] + counts[0]
    # logprob, ppl, ppl1
    for field in range(3):
        if field == 1:
            pos = put_text(out, pos, _PPL)
        elif field == 2:
            pos = put_text(out, pos, _PPL1)
            denom -= counts[0]
        if field > 0 and denom <= 0:
            pos = put_text(out, pos, _UNDEFINED)
            continue
        # a NaN log probability is SRILM's ppl too (its product keeps the NaN's sign)
        value = logprob if field == 0 or math.isnan(logprob) else math.exp(-(logprob / denom) * LN10)
        pos = format_g(value, 7, out, pos)
    if len(ranks) > 0:
        pos = _put_ranks(0.0 + ranks * weight, counts[0], out, pos)
    pos = put_text(out, pos, _BLANK)
    return pos


_NO_FLOATS = np.zeros(0)
_NO_INT32 = np.zeros(0, dtype=np.int32)
_NO_INT64 = np.zeros(0, dtype=np.int64)


def format_sentence_totals(pool, offsets, buf, ids, starts, ends, line_offsets, bos, eos, token_logp,
                           token_found, sentence_stats, out):
    """format_debug at -debug 1 without a cache, multiwords, sums or ranks: the lines of each
    sentence and its totals, for scorers of other kinds of models that write their own word lines."""
    return format_debug(pool, offsets, buf, ids, starts, ends, line_offsets, bos, eos, 1, token_logp, token_found,
                        sentence_stats, _NO_FLOATS, _NO_INT64, _NO_INT32, _NO_FLOATS,
                        np.zeros((0, RANK_COLUMNS)), out)


@njit(cache=True)
def format_debug(pool, offsets, buf, ids, starts, ends, line_offsets, bos, eos, debug,
                  token_logp, token_found, sentence_stats, token_cache, part_offsets, part_found, token_sum,
                  sentence_ranks, out, add_sos=True, add_eos=True, weights=_NO_FLOATS, token_zero_found=_NO_INT32,
                  words_only=False, slot_ends=_NO_INT64):
    """SRILM's -debug 1 (and 2) lines of a block scored by ppl_block; returns the length.
    Compiled apart from the scoring, so that plain -ppl runs never compile the formatting.
    With multiwords (part_offsets not empty), words are printed as written, with one tag per part.
    With token_sum (-debug 3) each word line ends in ` / ` and its context's probability sum;
    with sentence_ranks (-debug 4) each sentence's totals have SRILM's two rank lines (see
    probability_checks). `add_sos`, `add_eos`: as ppl_block's (a first word without <s> is
    printed with an empty context, as SRILM's). With `weights` (-text-has-weights), each line
    is echoed after its weight and `* `, and its totals are weighted. With `token_zero_found`
    (-zeroprob-word), a word line gets the tag of its -zeroprob-word lookup after its own.
    `words_only`: the word lines alone, without the echo of the line and its totals (SRILM's
    N-best rescoring); `slot_ends`, if not empty, gets the length written after each word line
    (in the token slots of ppl_block)."""
    pool, offsets, buf, ids, starts, ends = borrowed(pool), borrowed(offsets), borrowed(buf), borrowed(ids), borrowed(starts), borrowed(ends)
    token_logp, token_found, sentence_stats = borrowed(token_logp), borrowed(token_found), borrowed(sentence_stats)
    out = borrowed(out)
    pos = 0
    weighted = len(weights) > 0
    for s in range(len(line_offsets) - 1):
        if weighted:
            pos = format_g(weights[s], 6, out, pos)  # C++'s default precision
            pos = put_text(out, pos, _WEIGHT_MARK)
        if not words_only:
            pos = put_line(out, pos, buf, starts, ends, line_offsets[s], line_offsets[s + 1])
        lo, hi = sentence_span(ids, line_offsets, s, bos, eos)
        use_bos, use_eos = sentence_marks(line_offsets, s, lo, hi, add_sos, add_eos)
        split = len(part_offsets) > 0
        previous = -1  # the token before, -1: <s>
        pauses = 0
        for t in range(lo, hi + use_eos):
            if t < hi and ids[t] == PAUSE_TOKEN:
                pauses += 1
                continue
            p = token_logp[t + s]
            if debug >= 2:
                pos = put_text(out, pos, P_OPEN)
                pos = put_token(out, pos, pool, offsets, buf, starts, ends, ids, t, hi, bos, eos, split)
                pos = put_text(out, pos, GIVEN)
                if previous >= 0 or use_bos:
                    pos = put_token(out, pos, pool, offsets, buf, starts, ends, ids, previous, hi, bos, eos, split)
                pos = put_text(out, pos, CONTEXT_MORE if previous >= 0 else CONTEXT_END)
                if split and t < hi:
                    for c in range(part_offsets[t], part_offsets[t + 1]):
                        pos = put_tag(out, pos, part_found[c])
                else:
                    pos = put_tag(out, pos, token_found[t + s])
                if len(token_zero_found) > 0 and token_zero_found[t + s] != NO_LOOKUP:
                    pos = put_tag(out, pos, token_zero_found[t + s])
                if len(token_cache) > 0 and not np.isnan(token_cache[t + s]):
                    pos = put_text(out, pos, _CACHE_TAG)
                    pos = format_g(token_cache[t + s], 7, out, pos)
                    out[pos] = 93
                    pos += 1
                pos = put_probability(out, pos, p)
                pos = put_line_close(out, pos, token_sum, t + s)
                if len(slot_ends) > 0:
                    slot_ends[t + s] = pos
            previous = t
        if words_only:
            continue
        pos = put_sentence_totals(out, pos, hi - lo - pauses, sentence_stats[s, 0], int(sentence_stats[s, 1]),
                                  int(sentence_stats[s, 2]), sentence_ranks[s] if len(sentence_ranks) > 0 else NO_RANKS,
                                  int(use_eos), weights[s] if weighted else 1.0)
    return pos


@njit(cache=True)
def _put_ranks(row, sentences, out, pos):
    """The two -debug 4 lines of a sentence's totals (TextStats._rank_text's), each after a newline."""
    ranked = row[6]
    words = ranked - sentences
    for line in range(2):
        out[pos] = 10
        pos = format_g(words if line == 0 else ranked, 16, out, pos + 1)
        pos = put_text(out, pos, _RANK_WORDS if line == 0 else _RANK_ALL)
        for k in range(3):
            pos = put_text(out, pos, _RANK_NAMES[3 * line + k])
            if line == 0:
                value = row[k] / words if words > 0 else 0.0
            else:
                value = (row[k] + row[k + 3]) / ranked
            pos = format_g(value, 16, out, pos)
    pos = put_text(out, pos, _QLOSS)
    pos = format_g(math.sqrt(row[7] / ranked), 16, out, pos)
    pos = put_text(out, pos, _ABSLOSS)
    return format_g(row[8] / ranked, 16, out, pos)


_TIMES = ascii_bytes(" *")
_WEIGHT_MARK = ascii_bytes("* ")


@njit(cache=True)
def _score_ngrams(uni_logprob, uni_backoff, meta, entries, values, rows, logp, found):
    """log10 p(last word | the others) of each row of k-grams `rows` (the context is the row's
    words alone, as SRILM's countsProb asks), and the length of the n-gram that gave it."""
    order = meta.shape[0] - 1
    width = max(order - 1, 1)
    keys, bows, next_keys, next_bows = context_buffers(width)
    k = rows.shape[1]
    for r in range(rows.shape[0]):
        logp[r], found[r], _, _, _ = advance_words(uni_logprob, uni_backoff, meta, entries, values, rows[r], k,
                                                   keys, bows, next_keys, next_bows)


@njit(cache=True)
def joint_logprobs(uni_logprob, uni_backoff, meta, entries, values, rows, bos, eos, nonevent, joint):
    """SRILM's LM::contextProb of each k-gram of `rows`, to joint: the float32 sum, oldest word
    first, of log10 p(word | the words before it in the row), a first `<s>` scored as `</s>`
    (whose unigram stands for it) and a zero probability of a non-event (`nonevent` mask; ids
    below 0 are -pau- outside the model) left out."""
    order = meta.shape[0] - 1
    width = max(order - 1, 1)
    keys, bows, next_keys, next_bows = context_buffers(width)
    k = rows.shape[1]
    words = np.empty(k, dtype=rows.dtype)
    for r in range(rows.shape[0]):
        total = np.float32(0.0)
        for j in range(k):
            words[:j + 1] = rows[r, :j + 1]
            if j == 0 and words[0] == bos:
                words[0] = eos
            p, _, _, _, _ = advance_words(uni_logprob, uni_backoff, meta, entries, values, words, j + 1, keys, bows,
                                          next_keys, next_bows)
            w = words[j]
            if p != -np.inf or not (w < 0 or nonevent[w]):
                total = np.float32(total + p)
        joint[r] = total


@njit(cache=True)
def format_counts_debug(pool, offsets, rows, logp, found, weights, row_sum, out, tagged=False):
    """SRILM's -counts -debug 2 lines: `\tp( w | context, newest first ) \t= [kgram] p [ logp *count ]`,
    at -debug 3 (row_sum not empty) followed by ` / ` and the context's probability sum; `tagged`:
    what was found as a tagged LM's (put_tag)."""
    pos = 0
    k = rows.shape[1]
    for r in range(rows.shape[0]):
        w = rows[r, k - 1]
        pos = put_text(out, pos, P_OPEN)
        pos = put_bytes(out, pos, pool, offsets[w], offsets[w + 1])
        pos = put_text(out, pos, GIVEN)
        for c in range(k - 2, -1, -1):
            if c < k - 2:
                out[pos] = 32
                pos += 1
            pos = put_bytes(out, pos, pool, offsets[rows[r, c]], offsets[rows[r, c] + 1])
        pos = put_text(out, pos, CONTEXT_END)
        pos = put_tag(out, pos, found[r], tagged)
        pos = put_probability(out, pos, logp[r])
        if weights[r] != 1.0:
            pos = put_text(out, pos, _TIMES)
            pos = format_g(weights[r], 7, out, pos)
        pos = put_line_close(out, pos, row_sum, r)
    return pos


MULTIWORD_SEPARATOR = "_"  # SRILM's -multi-char default
NEW_WORD = -2  # with multiwords, a word outside the vocabulary: scored as log 0, not as <unk>


@njit(cache=True)
def _split_multiwords(buf, starts, ends, table, new_word, separators):
    """The words of each token holding the byte separators[0] split at every byte of
    `separators` (SRILM's MultiwordVocab: strtok, empty parts dropped; a token of separators
    alone stays whole): (part ids, per-token offsets into them). A part outside the vocabulary
    is `new_word`."""
    n = len(starts)
    part_offsets = np.zeros(n + 1, dtype=np.int64)
    parts = np.empty(ends[-1] - starts[0] + n if n else 0, dtype=np.int32)
    m = 0
    for t in range(n):
        first = m
        begin = starts[t]
        multiword = False
        for i in range(starts[t], ends[t]):
            multiword |= buf[i] == separators[0]
        for i in range(starts[t], ends[t] + 1 if multiword else starts[t]):
            split = i == ends[t]
            if not split:
                for c in separators:
                    split |= buf[i] == c
            if split:
                if i > begin:
                    w = word_of_key(table, word_key(buf, begin, i))
                    parts[m] = new_word if w < 0 else w
                    m += 1
                begin = i + 1
        if m == first:
            w = word_of_key(table, word_key(buf, starts[t], ends[t]))
            parts[m] = new_word if w < 0 else w
            m += 1
        part_offsets[t + 1] = m
    return parts[:m], part_offsets


def multiword_separators(chars):
    """The bytes of SRILM's -multi-char string, which works on bytes: one-byte characters only."""
    data = chars.encode("utf-8", "surrogateescape")
    if not data or len(data) != len(chars):
        raise UsageError(f"multiword separators are one-byte (ASCII) characters, not {chars!r}", option="multi_char")
    return np.frombuffer(data, dtype=np.uint8)


@dataclass
class PerplexityReport:
    """The perplexity of a text in full: SRILM's totals, and every sentence and scored token.

    Token arrays run over the scored tokens of all sentences (each sentence's words, then its
    `</s>`; an explicit `<s>`/`</s>` at a line's ends is not scored again); sentence i holds
    tokens sentence_offsets[i]:sentence_offsets[i+1]. `token_logprob` is -inf for OOVs and zero
    probabilities; `token_order` is the length of the n-gram that scored the token (0: OOV).
    """

    stats: TextStats
    vocab: object
    sentence_offsets: np.ndarray
    token_ids: np.ndarray
    token_logprob: np.ndarray
    token_order: np.ndarray
    sentence_logprob: np.ndarray
    sentence_oovs: np.ndarray
    sentence_zeroprobs: np.ndarray
    oov_words: dict  # surface form of each OOV word -> its number of occurrences

    @property
    def sentence_words(self):
        """Words of each sentence, without its </s>."""
        return np.diff(self.sentence_offsets) - 1

    def sentence_ppl(self):
        """SRILM's per-sentence ppl (with </s>); NaN where no token was scored."""
        scored = self.sentence_words - self.sentence_oovs - self.sentence_zeroprobs + 1
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(scored > 0, np.exp(-(self.sentence_logprob / scored) * LN10), np.nan)

    def srilm_text(self):
        return self.stats.srilm_text()


def sentence_spans(ids, line_offsets, bos, eos):
    """sentence_span of every line, as arrays (lo, hi): the ends are those of the line as
    written, -pau- included, as SRILM's prepareSentence looks at them."""
    lo, hi = line_offsets[:-1].copy(), line_offsets[1:].copy()
    if len(ids):
        lo += (hi > lo) & (ids[np.minimum(lo, len(ids) - 1)] == bos)
        hi -= (hi > lo) & (ids[np.maximum(hi - 1, 0)] == eos)
    return lo, hi


def scored_slots(ids, line_offsets, bos, eos):
    """Mask of the token slots ppl_block fills (t + s for token t of line s, hi + s for its </s>;
    not those of -pau-), and the words of each line."""
    lo, hi = sentence_spans(ids, line_offsets, bos, eos)
    line = np.arange(len(lo))
    mask = np.zeros(len(ids) + len(line_offsets), dtype=np.bool_)
    edges = np.zeros(len(mask) + 1, dtype=np.int64)
    np.add.at(edges, lo + line, 1)
    np.add.at(edges, hi + line + 1, -1)
    mask[:] = np.cumsum(edges[:-1]) > 0
    pauses = np.flatnonzero(ids == PAUSE_TOKEN)
    if len(pauses):
        line_of = np.searchsorted(line_offsets, pauses, side="right") - 1
        mask[pauses + line_of] = False
        return mask, hi - lo - np.bincount(line_of, minlength=len(lo))
    return mask, hi - lo


def srilm_tables(model):
    """The scoring tables of `model` as SRILM reads it: a log probability or backoff weight of
    exactly -99 (how ARPA files write log 0) is log 0, so a word it reaches is a zeroprob (`<s>`,
    words of a vocabulary the training text lacks, contexts of an unsmoothed model)."""
    return _log_zero_read(ScoringTables.from_model(model))


def _log_zero_read(tables):
    """`tables` with their values of -99 made log 0 (see srilm_tables), in place."""
    zero = np.float32(LOG_ZERO)
    for values in (tables.uni_logprob, tables.uni_backoff):
        values[values == zero] = -np.inf
    _entries_log_zero_read(tables.entries, tables.values, tables.meta, zero)
    return tables


@njit(cache=True)
def _entries_log_zero_read(entries, values, meta, zero):
    # One pass without temporaries: the tables of a large model take hundreds of MB.
    for k in range(2, meta.shape[0]):
        offset, size, width = meta[k, 0], meta[k, 1], meta[k, 2]
        for cell in range(offset, offset + size * width, width):
            if key_at(entries, cell) != EMPTY:
                for value in range(LOGPROB, width):
                    if values[cell + value] == zero:
                        values[cell + value] = -np.inf


@dataclass
class ScoredBlock:
    """A block of text as ppl_block scored it (see there for the per-token arrays)."""

    buf: np.ndarray
    ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    line_offsets: np.ndarray
    counts: TextStats
    logprob: float  # of the text up to the end of this block
    token_logp: np.ndarray
    token_found: np.ndarray
    sentence_stats: np.ndarray
    token_cache: np.ndarray
    part_offsets: np.ndarray
    part_found: np.ndarray
    weights: np.ndarray = dataclasses.field(default_factory=lambda: _NO_FLOATS)  # of each line, with -text-has-weights
    # with weights: the weighted (sentences, words, OOVs, zeroprobs) of the text up to the end of this block
    weighted_counts: tuple | None = None
    token_zero_found: np.ndarray = dataclasses.field(default_factory=lambda: _NO_INT32)  # with -zeroprob-word
    # the lines passed over for too many words: per line its number in the file and the number of
    # this block's sentences before it
    long_lines: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))


def _sentence_weights(buf, starts, ends, line_offsets, path, first_line):
    """The weight each line starts with (SRILM's -text-has-weights), as float64; a first word that
    is not a number is an error naming its line."""
    first = line_offsets[:-1]
    if not len(first):
        return _NO_FLOATS
    width = max(int((ends[first] - starts[first]).max()), 1)
    fields = _first_words(buf, starts, ends, first, width).view(f"S{width}").ravel()
    try:
        return fields.astype(np.float64)
    except ValueError:
        for s, field in enumerate(fields.tolist()):
            try:
                float(field)
            except ValueError:
                line = first_line + bytes(buf[:starts[first[s]]]).count(b"\n")
                raise FormatError(f"bad sentence weight {word_text(field)}", path, line) from None
        raise


@njit(cache=True)
def _first_words(buf, starts, ends, first, width):
    """The bytes of tokens `first` (one per line), each padded with NULs to `width`."""
    out = np.zeros((len(first), width), dtype=np.uint8)
    for s in range(len(first)):
        t = first[s]
        out[s, :ends[t] - starts[t]] = buf[starts[t]:ends[t]]
    return out


def _drop_first_tokens(ids, starts, ends, line_offsets):
    """(ids, starts, ends, line_offsets) without each line's first token (its weight)."""
    keep = np.ones(len(ids), dtype=np.bool_)
    keep[line_offsets[:-1]] = False
    spans = (starts[keep], ends[keep]) if len(starts) else (starts, ends)
    return ids[keep], *spans, line_offsets - np.arange(len(line_offsets))


def long_line_warnings(path, numbers):
    """SRILM's warnings (LM::pplFile), as bytes, of the lines `numbers` of `path` passed over for
    too many words."""
    name = os.fsencode(path)
    return b"".join(name + b": line %d: too many words per sentence\n" % n for n in np.asarray(numbers).tolist())


def write_among_long_lines(warnings, path, long_lines, notes):
    """Write `notes` ((sentence, bytes) of a block's sentences, in the text's order) to the binary
    stream `warnings` and among them, in the text's order as SRILM reads it line by line, the
    warnings of the block's lines of `path` passed over (rows of ScoredBlock.long_lines)."""
    long_lines = long_lines.tolist()
    passed = 0
    for s, note in notes:
        while passed < len(long_lines) and long_lines[passed][1] <= s:
            warnings.write(long_line_warnings(path, [long_lines[passed][0]]))
            passed += 1
        warnings.write(note)
    warnings.write(long_line_warnings(path, [number for number, _ in long_lines[passed:]]))


def _warn_of_sum(warnings, total, context, words):
    """SRILM's warning of a context (word ids, newest first) whose probabilities sum to `total`."""
    warnings.write(_sum_warning(total, [words[i] for i in context]))


def _sum_warning(total, context, precision=6):
    """SRILM's warning (bytes) of a context (words, newest first) whose probabilities sum to
    `total`, printed with cerr's `precision` (7 where cerr is also the stream of the word lines,
    which set it so)."""
    return word_bytes(f"\nwarning: word probs for this context sum to {total:.{precision}g} != 1 : "
                      f"{' '.join(context)}\n")


def _add_rank_rows(total, sentence_ranks, weights=_NO_FLOATS):
    """Add a block's per-sentence rank rows to the TextStats `total`, summed row by row as SRILM's
    TextStats::increment does (the rows of fractional counts too); with `weights`
    (-text-has-weights), row s times weights[s]."""
    if not len(sentence_ranks):
        return
    if len(weights):
        sentence_ranks = sentence_ranks * weights[:, None]
    start = list(total.ranks) + [total.ranked, total.quadratic_loss, total.absolute_loss]
    summed = np.cumsum(np.vstack((start, sentence_ranks)), axis=0)[-1].tolist()
    total.ranks, total.ranked = tuple(summed[:6]), summed[6]
    total.quadratic_loss, total.absolute_loss = summed[7], summed[8]


class _Document:
    """The totals of the sentences since the last escaped line (SRILM's documentStats of
    -escape at -debug 0), summed sentence by sentence from zero, each sentence's counts and log
    probability times its -text-has-weights weight (in double, as SRILM's TextStats::increment)."""

    def __init__(self):
        self.stats = TextStats()
        self.sentences_seen = 0
        self.printed = False

    def add(self, block):
        self.sentences_seen += len(block.long_lines)  # SRILM's sentNo counts the lines passed over too
        rows = block.sentence_stats[:, [4, 3, 1, 2, 0]]  # sentences, words, OOVs, zeroprobs, logprob
        if not len(rows):
            return
        if len(block.weights):
            rows = rows * block.weights[:, None]
        d = self.stats
        start = [d.sentences, d.words, d.oovs, d.zeroprobs, d.logprob]
        d.sentences, d.words, d.oovs, d.zeroprobs, d.logprob = np.cumsum(np.vstack((start, rows)), axis=0)[-1].tolist()
        self.sentences_seen += len(rows)

    def close(self, out):
        """Before an escaped line: the totals so far, once a line was read as a sentence."""
        if self.sentences_seen:
            out.write(f"{self.stats.srilm_text()}\n".encode())
            self.stats = TextStats()
            self.printed = True

    def finish(self, out):
        if self.printed:
            out.write(f"{self.stats.srilm_text()}\n".encode())


class PerplexityScorer:
    """Compute SRILM-style perplexity of text files under one model."""

    def __init__(self, model, unk_word=None, cache_length=0, cache_lambda=0.05, multiwords=False, encoding=None,
                 nonevents=(), unk_is_word=False, add_sos=True, add_eos=True, reverse=False, tolower=False,
                 text_has_weights=False, noise=(), skip_oovs=False, unk_logprob=None, zeroprob_word=None):
        """`encoding` of the texts (see textio); by default UTF-8, or `bytes` when the model's
        words hold bytes that are not UTF-8 (a model read with the encoding `bytes`). `cache_length` > 0: mix in a cache of the last that many words with weight
        `cache_lambda` (SRILM's -cache, -cache-lambda; see cache_lm). `multiwords`: a word
        joined of others by `_` is scored as they are, one after the other, and words outside
        the model are zeroprobs, not OOVs (SRILM's -multiwords); a string instead of True: a
        word holding its first character is split at each of its characters (SRILM's
        -multi-char). `nonevents`: more words left
        out of the -debug 3 sums and -debug 4 ranks, as `<s>` is (SRILM's -nonevents); so is
        `<unk>` unless `unk_is_word` (SRILM's -unk: an open vocabulary). Without `add_sos` a
        sentence's first word has no context, without `add_eos` its `</s>` is not scored (a line
        that writes them keeps them; SRILM's -no-sos, -no-eos); `reverse` scores each sentence
        backwards (-reverse); `tolower` maps the model's words and the text's to lowercase
        (-tolower; with the encoding `bytes`, ASCII letters only), as a model whose vocabulary
        lowercases (Vocabulary.lowercased: read with -tolower) always has them; two words of a
        model read as written that lowercase alike are refused (read it lowercased to merge
        them). `text_has_weights`: each line
        starts with a number, the weight its counts and log probability are multiplied by in the
        totals (-text-has-weights). `noise`: words dropped from the sentences as `-pau-` is (SRILM's
        -noise, -noise-vocab). `skip_oovs`: a word that is the unknown word or follows it within two
        words has probability zero (-skipoovs); an int instead of True: the order whose contexts are
        checked (SRILM's -order, which a model of fewer orders does not lower). `unk_logprob`: the log10 probability of the unknown
        word (-unk-prob; -99 is log 0); `zeroprob_word`: a word whose probability a word of
        probability zero takes, in the same context (-zeroprob-word)."""
        self.model = model
        self._set_up(model.vocab, model.order, srilm_tables(model), unk_word, cache_length, cache_lambda, multiwords,
                     encoding, nonevents, unk_is_word, add_sos, add_eos, reverse, tolower, text_has_weights, noise,
                     skip_oovs, unk_logprob, zeroprob_word)

    @classmethod
    def from_arpa(cls, path, order=None, vocab=None, limit_vocab=False, encoding="utf-8", **options):
        """The scorer of the ARPA file `path` (read as `formats.load(path, order=order, vocab=vocab,
        limit_vocab=limit_vocab, encoding=encoding)` would) with its tables read straight from the
        file (`scoring.arpa_tables`): the model itself is never held, and `model` is None.
        `options`: the others of the constructor; the texts' encoding is the model's."""
        built = arpa_tables(path, order=order, vocab=vocab, limit_vocab=limit_vocab, encoding=encoding)
        if built is None:
            from .formats import load

            model = load(path, order=order, vocab=vocab, limit_vocab=limit_vocab, encoding=encoding)
            return cls(model, encoding=encoding, **options)
        tables, model_vocab, sizes = built
        self = cls.__new__(cls)
        self.model = None
        self._set_up(model_vocab, len(sizes), _log_zero_read(tables), encoding=encoding, **options)
        self.read_sizes = list(sizes)
        return self

    def _set_up(self, vocab, order, tables, unk_word=None, cache_length=0, cache_lambda=0.05, multiwords=False,
                encoding=None, nonevents=(), unk_is_word=False, add_sos=True, add_eos=True, reverse=False,
                tolower=False, text_has_weights=False, noise=(), skip_oovs=False, unk_logprob=None,
                zeroprob_word=None):
        if encoding is None:
            encoding = BYTES if vocab.holds_raw_bytes() else "utf-8"
        self.encoding = encoding
        if tolower and vocab.lowercase is None:
            vocab = vocab.relabeled_lowercase(encoding)
        self.tolower = tolower = vocab.lowercase is not None  # the vocabulary's names are lowercased
        if (reverse or tolower or text_has_weights) and multiwords:
            raise UsageError("-reverse, -tolower and -text-has-weights do not combine with -multiwords",
                             option="multiwords")
        self.add_sos, self.add_eos, self.reverse = add_sos, add_eos, reverse
        self.weighted = text_has_weights
        if noise and multiwords:
            raise UsageError("-noise does not combine with -multiwords", option="multiwords")
        self.noise = tuple(dict.fromkeys(lowercase(noise, encoding) if tolower else noise))
        self.skip_oovs = skip_oovs
        # SRILM's Ngram checks the contexts of its own order, -order, which a model of fewer orders keeps
        self.skip_order = 0 if not skip_oovs else order if skip_oovs is True else int(skip_oovs)
        # SRILM reads -99 as log 0 (LogP_PseudoZero)
        self.unk_logprob = np.nan if unk_logprob is None else -np.inf if unk_logprob == LOG_ZERO else unk_logprob
        self.zeroprob_word = zeroprob_word
        if (skip_oovs or unk_logprob is not None or zeroprob_word is not None) and multiwords:
            raise UsageError("-skipoovs, -unk-prob and -zeroprob-word score the model alone: not with multiwords",
                             option="multiwords")
        if zeroprob_word is not None and cache_length:
            # SRILM looks the -zeroprob-word up in the cache's mixture, which puts the word into the
            # cache's history a second time and writes a second cache tag
            raise UsageError("-zeroprob-word with a cache: SRILM's look-up of the -zeroprob-word adds that word to "
                             "the cache's history as if it were in the text; not reproduced", option="cache")
        self.vocab = vocab
        self.nonevents = tuple(lowercase(nonevents, encoding) if tolower else nonevents)
        self.unk_is_word = unk_is_word
        self.order = order
        self.cache = (cache_length, cache_lambda) if cache_length else None
        if self.cache:
            WordCache(0, *self.cache)  # checks the parameters now
        if self.cache and multiwords:
            raise UsageError("a cache and multiwords cannot be combined", option="multiwords")
        self.multiwords = bool(multiwords)
        if self.multiwords:
            self.multiword_separators = multiword_separators(MULTIWORD_SEPARATOR if multiwords is True else multiwords)
        self.tables = tables
        self.words = WordTable.from_vocab(vocab)
        self.unk = vocab.id(unk_word) if unk_word is not None else vocab.unk
        if self.unk != vocab.unk and np.isnan(tables.uni_logprob[vocab.unk]):
            # -map-unk: SRILM takes <unk> out of its vocabulary, so a <unk> of the text is unknown
            self.words.redirect(vocab, vocab.unk, self.unk)
        self.zeroword = -1
        if zeroprob_word is not None:
            zeroprob_word, = vocab.words_of([zeroprob_word])
            if zeroprob_word not in vocab:
                raise UsageError(f"-zeroprob-word {zeroprob_word} is not a word of the model", option="zeroprob_word")
            self.zeroword = vocab.id(zeroprob_word)
        _, offsets = vocab.byte_pool()
        self.max_word = int(np.diff(offsets).max()) if len(offsets) > 1 else 0

    def scored_blocks(self, path, keep, escape=None):
        """Per block of `path`, a ScoredBlock; its per-token arrays are empty unless `keep`
        (token_cache also without a cache, parts without multiwords). The total and the cache run
        on across blocks, as SRILM's do. With `escape` (bytes), lines starting with it are not
        scored but yielded, in their place, as escape.Piece."""
        total = 0.0
        weighted_totals = np.zeros(4)  # with sentence weights: sentences, words, OOVs, zeroprobs
        cache = WordCache(len(self.vocab), *self.cache) if self.cache else WordCache.disabled()
        # with multiwords every word is one of the vocabulary (SRILM adds them), so none is an OOV
        unknown = NEW_WORD if self.multiwords else self.unk
        for block, first_line in iter_line_blocks(path, self.encoding, allow_bytes=True):
            block = blank_skipped_lines(block)
            pieces = [block] if escape is None else split_escaped(block, first_line, escape)
            for piece in pieces:
                line = first_line
                if escape is not None:
                    if piece.escaped:
                        yield piece
                        continue
                    piece, line = piece.data, piece.first_line
                scored = self._score_block(piece, keep, total, cache, unknown, False, weighted_totals, (path, line),
                                           MAX_WORDS_PER_LINE)
                total = scored.logprob
                yield scored

    def _score_block(self, block, keep, total, cache, unknown, keep_empty, weighted_totals=None, where=None,
                     max_words=0):
        """`block` scored; with sentence weights, `weighted_totals` run on as the total does.
        `where` is (path, first line) of the block, for the error of a bad weight and the numbers
        of the lines of more than `max_words` tokens (0: no limit), which are passed over."""
        vocab = self.vocab
        buf = np.frombuffer(block, dtype=np.uint8)
        text = lowercase_text(block, self.encoding) if self.tolower else block
        # the words' byte spans serve the per-sentence output, multiwords and weights only (16 bytes a token)
        spans = keep or self.multiwords or self.weighted
        ids, starts, ends, line_offsets, long_lines = tokenize_lines_within(
            np.frombuffer(text, dtype=np.uint8), *self.words.arrays(), unknown, max_words, keep_empty, spans)
        if spans and len(text) != len(block):  # lowercasing changed a length: the spans must be the text's
            _, starts, ends, _, _ = tokenize_lines_within(buf, *self.words.arrays(), unknown, max_words, keep_empty,
                                                          True)
        if len(long_lines):
            long_lines[:, 0] += where[1]
        mark_pauses(text, ids)
        for word in self.noise:
            mark_tokens(np.frombuffer(text, dtype=np.uint8), ids, np.frombuffer(word_bytes(word), dtype=np.uint8),
                        PAUSE_TOKEN)
        weights = _NO_FLOATS
        if self.weighted:
            weights = _sentence_weights(buf, starts, ends, line_offsets, *where)
            ids, starts, ends, line_offsets = _drop_first_tokens(ids, starts, ends, line_offsets)
        else:
            weighted_totals = _NO_FLOATS
        if self.reverse:
            reverse_lines(ids, line_offsets)
        if self.multiwords:
            parts, part_offsets = _split_multiwords(buf, starts, ends, *self.words.arrays(), NEW_WORD,
                                                   self.multiword_separators)
        else:
            parts, part_offsets = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
        part_found = np.zeros(len(parts), dtype=np.int32)
        # one slot per token and one per </s>
        slots = len(ids) + len(line_offsets) if keep else 0
        token_logp = np.empty(slots, dtype=np.float32)
        token_found = np.empty(slots, dtype=np.int32)
        sentence_stats = np.empty((len(line_offsets) - 1 if keep else 0, SENTENCE_COLUMNS))
        token_cache = np.empty(slots if self.cache else 0)
        token_zero_found = np.empty(slots if self.zeroword >= 0 else 0, dtype=np.int32)
        stats, total = ppl_block(*self.tables.arrays(), ids, line_offsets, vocab.bos, vocab.eos,
                                  self.unk, total, token_logp, token_found, sentence_stats,
                                  *cache.arrays(), token_cache, parts, part_offsets, part_found, self.add_sos,
                                  self.add_eos, weights, weighted_totals, self.skip_order, self.unk_logprob,
                                  self.zeroword, token_zero_found)
        counts = TextStats(*(int(x) for x in stats))
        return ScoredBlock(buf, ids, starts, ends, line_offsets, counts, total, token_logp, token_found,
                           sentence_stats, token_cache, part_offsets, part_found, weights,
                           tuple(weighted_totals.tolist()) if self.weighted else None, token_zero_found, long_lines)

    def sentence_scores(self, lines):
        """Each of `lines` (bytes, one sentence per line, empty lines too) scored as a sentence:
        (log10 p summed in double, words, OOVs, zeroprobs) per line, and the ScoredBlock (for
        word_lines). Words outside the model are zeroprobs, as in SRILM's N-best rescoring,
        which adds them to its vocabulary."""
        self._check_plain_sentences("N-best rescoring")
        cache = WordCache(len(self.vocab), *self.cache) if self.cache else WordCache.disabled()
        scored = self._score_block(lines, True, 0.0, cache, NEW_WORD, True)
        _, words = scored_slots(scored.ids, scored.line_offsets, self.vocab.bos, self.vocab.eos)
        stats = scored.sentence_stats
        return stats[:, 0], words, stats[:, 1].astype(np.int64), stats[:, 2].astype(np.int64), scored

    def word_lines(self, scored, debug, null=False):
        """Per sentence of `scored` (sentence_scores'), its -debug `debug` (2 and up) word lines as
        bytes, as SRILM's N-best rescoring writes them to stderr: at 3 with their contexts' sums,
        and the warning of a sum off 1 after its line (one stream takes both). A word outside
        the vocabulary is printed as written. `null`: the lines of SRILM's NullLM over the same
        words instead (probability 1, no n-gram tag; not at -debug 3)."""
        vocab = self.vocab
        pool, offsets = vocab.byte_pool()
        logp, found = scored.token_logp, scored.token_found
        if null:
            logp, found = np.zeros_like(logp), np.full_like(found, UNTAGGED)
        token_sum = np.ones(len(logp) if debug == 3 else 0)
        if debug == 3:
            if null:
                raise UsageError("-debug 3 sums the NullLM's probabilities over SRILM's vocabulary: not reproduced",
                                 option="debug")
            probability_checks(*self.tables.arrays(), scored.ids, scored.line_offsets, vocab.bos, vocab.eos, self.unk,
                               self._events(), logp, False, token_sum, np.zeros((0, RANK_COLUMNS)), self.add_sos,
                               self.add_eos, self.skip_order, self.unk_logprob, self.zeroword)
        per_token = 2 * self.max_word + 80 + 24 * bool(self.cache) + 24 * (debug == 3)
        out = np.empty((len(scored.ids) + len(scored.line_offsets)) * per_token + 2 * len(scored.buf), dtype=np.uint8)
        slot_ends = np.full(len(logp), -1, dtype=np.int64)
        used = format_debug(pool, offsets, scored.buf, scored.ids, scored.starts, scored.ends, scored.line_offsets,
                            vocab.bos, vocab.eos, debug, logp, found, scored.sentence_stats, scored.token_cache,
                            scored.part_offsets, scored.part_found, token_sum, np.zeros((0, RANK_COLUMNS)), out,
                            self.add_sos, self.add_eos, words_only=True, slot_ends=slot_ends)
        text = out[:used].tobytes()
        # the slots of line s run from line_offsets[s] + s to line_offsets[s + 1] + s (its </s>)
        firsts = scored.line_offsets[:-1] + np.arange(len(scored.line_offsets) - 1)
        ends = np.maximum.reduceat(slot_ends, firsts).tolist() if len(firsts) else []
        # SRILM writes a warning of a sum with a newline first, then the newline of its line: so
        # after the line go the warning's words, and an empty line
        warnings = sorted((int(slot_ends[slot]), warning[1:] + b"\n")
                          for slot, _, warning in self._sum_warnings(scored, token_sum, 7))
        pieces, start, w = [], 0, 0
        for end in ends:
            chunk = []
            while w < len(warnings) and warnings[w][0] <= end:
                at, warning = warnings[w]
                chunk += [text[start:at], warning]
                start = at
                w += 1
            chunk.append(text[start:end])
            start = end
            pieces.append(b"".join(chunk))
        return pieces

    def score_file(self, path, debug=0, out=None, escape=None, warnings=None):
        """Return the `TextStats` of `path`; with debug >= 1 write SRILM's per-sentence
        (and at 2 per-word) lines to the binary stream `out` as they are made. At debug 3 each
        word line also gets the sum of the probabilities of all words in its context, and a
        context whose sum is off by more than SUM_TOLERANCE gets SRILM's warning on the binary
        stream `warnings` (default: none); at debug 4 and above the totals get SRILM's rank and
        loss lines (see probability_checks). With `escape` (bytes, SRILM's -escape), lines starting
        with it are copied to `out` instead of scored, and at debug 0 each closes a document whose
        totals are written before it (see escape). A line of more than MAX_WORDS_PER_LINE tokens is
        passed over, as SRILM passes it over, with its warning on `warnings`."""
        vocab = self.vocab
        pool, offsets = vocab.byte_pool()
        total = TextStats()
        document = _Document() if escape is not None and debug == 0 else None
        events = self._events() if debug >= 3 else None
        keep = debug >= 1 or document is not None
        blocks = self.scored_blocks(path, keep) if escape is None else self.scored_blocks(path, keep, escape)
        for b in blocks:
            if isinstance(b, Piece):
                if document is not None:
                    document.close(out)
                out.write(b.data)
                continue
            if warnings is not None and debug != 3:  # at 3 among the sums' warnings
                warnings.write(long_line_warnings(path, b.long_lines[:, 0]))
            total.add(b.counts)
            total.logprob = b.logprob
            if b.weighted_counts is not None:
                total.sentences, total.words, total.oovs, total.zeroprobs = b.weighted_counts
            if document is not None:
                document.add(b)
            if debug >= 1:
                token_sum = np.ones(len(b.token_logp) if debug == 3 else 0)  # slots never scored sum to 1
                sentence_ranks = np.zeros((len(b.line_offsets) - 1 if debug >= 4 else 0, RANK_COLUMNS))
                if events is not None:
                    probability_checks(*self.tables.arrays(), b.ids, b.line_offsets, vocab.bos, vocab.eos, self.unk,
                                       events, b.token_logp, debug >= 4, token_sum, sentence_ranks, self.add_sos,
                                       self.add_eos, self.skip_order, self.unk_logprob, self.zeroword)
                    if debug == 3 and warnings is not None:
                        self._warn_of_sums(b, token_sum, warnings, path)
                    _add_rank_rows(total, sentence_ranks, b.weights)
                size = len(b.buf) + 2 * len(b.line_offsets) * (160 + 320 * (debug >= 4) + 24 * self.weighted)
                if debug >= 2:
                    per_token = 2 * self.max_word + 80 + 24 * bool(self.cache) + 24 * (debug == 3)
                    size += (len(b.ids) + len(b.line_offsets)) * per_token + 2 * len(b.buf) + 8 * len(b.part_found)
                output = np.empty(size, dtype=np.uint8)
                used = format_debug(pool, offsets, b.buf, b.ids, b.starts, b.ends, b.line_offsets, vocab.bos,
                                     vocab.eos, debug, b.token_logp, b.token_found, b.sentence_stats,
                                     b.token_cache, b.part_offsets, b.part_found, token_sum, sentence_ranks, output,
                                     self.add_sos, self.add_eos, b.weights, b.token_zero_found)
                out.write(output[:used].tobytes())
        if document is not None:
            document.finish(out)
        return total

    def _check_plain_sentences(self, what):
        """Refuse the text options that score_file alone applies."""
        if (not (self.add_sos and self.add_eos) or self.reverse or self.weighted or self.noise
                or self.skip_oovs or self.zeroword >= 0 or not np.isnan(self.unk_logprob)):
            raise UsageError(f"{what} scores sentences as written: not with -no-sos, -no-eos, -reverse, "
                             "-text-has-weights, -noise, -skipoovs, -unk-prob or -zeroprob-word")

    def _events(self):
        """The words SRILM sums and ranks over: all but its non-events, `<s>`, `-pau-`, the
        -nonevents words and, unless <unk> is a word (-unk, and a model with a `<unk>` unigram),
        `<unk>`."""
        if self.cache or self.multiwords:
            raise UsageError("-debug 3 and above sum the model's probabilities alone: not with a cache or "
                             "multiwords", option="debug")
        events = np.ones(len(self.vocab), dtype=np.bool_)
        events[self.vocab.bos] = False
        if PAUSE in self.vocab:
            events[self.vocab.id(PAUSE)] = False
        if not self.unk_is_word or np.isnan(self.tables.uni_logprob[self.unk]):
            events[self.unk] = False
        ids = self.vocab.ids(self.nonevents, unknown=-1)
        events[ids[ids >= 0]] = False
        return events

    def _warn_of_sums(self, block, token_sum, warnings, path):
        """SRILM's warning for each context of `block` whose probabilities do not sum to 1 (see
        _sum_warnings), to the binary stream `warnings`; among them, in the text's order, the
        warnings of the block's lines passed over (of `path`)."""
        write_among_long_lines(warnings, path, block.long_lines,
                               [(s, warning) for _, s, warning in self._sum_warnings(block, token_sum)])

    def _sum_warnings(self, block, token_sum, precision=6):
        """(slot, its line, SRILM's warning) for each context of `block` whose probabilities do not
        sum to 1: the sum (to `precision` digits) and the context, newest word first, back to `<s>`
        (a word outside the vocabulary as written)."""
        vocab = self.vocab
        off = np.flatnonzero(np.abs(token_sum - 1.0) > SUM_TOLERANCE)
        if not len(off):
            return []
        lines = np.repeat(np.arange(len(block.line_offsets) - 1), np.diff(block.line_offsets) + 1)
        warnings = []
        for slot in off.tolist():
            s = int(lines[slot])
            lo, hi = sentence_span(block.ids, block.line_offsets, s, vocab.bos, vocab.eos)
            use_bos, _ = sentence_marks(block.line_offsets, s, lo, hi, self.add_sos, self.add_eos)
            t = slot - s
            context = [word_text(block.buf[block.starts[u]:block.ends[u]].tobytes()) if block.ids[u] == NEW_WORD
                       else vocab.words[block.ids[u]] for u in range(t - 1, lo - 1, -1) if block.ids[u] != PAUSE_TOKEN]
            warnings.append((slot, s, _sum_warning(token_sum[slot], context + [vocab.words[vocab.bos]] * use_bos,
                                                   precision)))
        return warnings

    def score_counts(self, path, order=None, debug=0, out=None, escape=None, warnings=None, float_counts=False,
                     entropy=False):
        """SRILM's perplexity from a count file (`ngram -counts`): each n-gram of orders up to
        `order` (default: the model's) scores count x log10 p(last word | the others); those
        ending in `</s>` count as sentences, the others as words. Words outside the model are
        `<unk>`, their counts summed, but for `-pau-`: a word of every SRILM vocabulary, it is
        itself, and scores as the model has it (none: a zeroprob, a context of no n-gram).
        Returns the `TextStats`; with debug >= 2 writes one line per n-gram to the binary stream
        `out`, in sorted order, and with debug >= 1 the totals line.
        With `escape` (bytes, SRILM's -escape), lines starting with it are copied to `out`, and
        the count lines between them are summed and scored apart, each run with its totals line.
        At debug 3 and 4 the lines and totals get what score_file's get (context sums and
        warnings to `warnings`; ranks and losses, weighted by the counts). `float_counts`: the
        counts are fractional (SRILM's -float-counts), the totals summed n-gram by n-gram in double.
        `entropy` (SRILM's -counts-entropy): each n-gram's log probability is weighted by its count
        times its joint probability (joint_logprobs), and each run of counts counts as one word and
        no sentence, so that its ppl is 10 to the entropy. A line of more than MAX_NGRAM_ORDER
        fields is passed over with SRILM's warning on stderr (LM::pplCountsFile)."""
        order = order or self.order
        count_vocab = self.vocab.with_pause()
        if escape is None:
            segments = [read_counts([path], order, vocab=count_vocab, encoding=self.encoding,
                                    float_counts=float_counts, stop_at_long=False)]
        else:
            segments = self._count_segments(path, order, escape, count_vocab, float_counts)
        # the model's id of each word of the counts (-pau- outside the model: a word of no n-gram)
        model_ids = np.arange(len(self.vocab), dtype=np.int32)
        if count_vocab is not self.vocab:
            model_ids = np.insert(model_ids, count_vocab.id(PAUSE), np.int32(NEW_WORD))
        stats = TextStats()
        for segment in segments:
            if isinstance(segment, Piece):
                out.write(segment.data)
                continue
            part = self._score_count_table(segment, count_vocab, model_ids, debug, out, warnings, entropy)
            if debug >= 1:
                out.write(f"{part.srilm_text()}\n".encode())
            stats.add(part)
        return stats

    def _count_segments(self, path, order, escape, vocab, float_counts=False):
        """The runs of count lines of `path` between lines starting with `escape`, as NgramCounts
        (runs without an n-gram of the orders asked for left out), and those lines as Pieces."""
        run = []
        for block, first_line in iter_line_blocks(path, self.encoding, allow_bytes=True):
            for piece in split_escaped(block, first_line, escape):
                if not piece.escaped:
                    run.append((piece.data, piece.first_line, path))
                    continue
                counts = counts_of_blocks(run, order, vocab=vocab, float_counts=float_counts,
                                          stop_at_long=False) if run else None
                if counts is not None:
                    yield counts
                run = []
                yield piece
        counts = counts_of_blocks(run, order, vocab=vocab, float_counts=float_counts,
                                  stop_at_long=False) if run else None
        if counts is not None:
            yield counts

    def _score_count_table(self, counts, count_vocab, model_ids, debug, out, warnings=None, entropy=False):
        """The TextStats of NgramCounts over `count_vocab`, whose word i is word model_ids[i]
        of the model (see score_counts)."""
        vocab = self.vocab
        stats = TextStats()
        contributions = []
        tallies = []  # per n-gram: its sentences, words, OOVs, zeroprobs
        rank_rows = []
        pool, offsets = count_vocab.byte_pool()
        max_word = int(np.diff(offsets).max())
        events = self._events() if debug >= 3 else None
        for words, values in zip(counts.ngrams, counts.counts):
            keep = values != 0
            words, weights = words[keep], values[keep].astype(np.float64)
            rows = model_ids[words]
            logp = np.empty(len(rows), dtype=np.float32)
            found = np.empty(len(rows), dtype=np.int32)
            _score_ngrams(*self.tables.arrays(), rows, logp, found)
            scale = weights
            if entropy:
                nonevent = ~self._events()
                nonevent[self.unk] = not self.unk_is_word  # with -unk, <unk> is an event even without a unigram
                joint = np.empty(len(rows), dtype=np.float32)
                joint_logprobs(*self.tables.arrays(), rows, vocab.bos, vocab.eos, nonevent, joint)
                scale = weights * np.exp(joint.astype(np.float64) * LN10)
            zero = logp == -np.inf
            ends = rows[:, -1] == vocab.eos
            unk = rows[:, -1] == self.unk
            tallies.append(np.stack([weights * ends, weights * ~ends, weights * (zero & unk), weights * (zero & ~unk)],
                                    axis=1))
            contributions.append(scale * np.where(zero, 0.0, logp.astype(np.float64)))
            row_sum = np.ones(len(rows) if debug == 3 else 0)
            if events is not None:
                row_ranks = np.zeros((len(rows) if debug >= 4 else 0, RANK_COLUMNS))
                count_probability_checks(*self.tables.arrays(), rows, logp, weights, vocab.eos, self.unk, events,
                                         debug >= 4, row_sum, row_ranks)
                rank_rows.append(row_ranks)
                if debug == 3 and warnings is not None:
                    for r in np.flatnonzero(np.abs(row_sum - 1.0) > SUM_TOLERANCE).tolist():
                        _warn_of_sum(warnings, row_sum[r], words[r, -2::-1].tolist(), count_vocab.words)
            if debug >= 2 and len(rows):
                size = len(rows) * (rows.shape[1] * (max_word + 1) + 80 + 24 * (debug == 3))
                output = np.empty(size, dtype=np.uint8)
                used = format_counts_debug(pool, offsets, words, logp, found, scale, row_sum, output)
                out.write(output[:used].tobytes())
        # summed n-gram by n-gram in double, as SRILM's TextStats
        summed = np.cumsum(np.concatenate(contributions)) if contributions else np.zeros(1)
        stats.logprob = float(summed[-1]) if len(summed) else 0.0
        if tallies:
            totals = np.cumsum(np.concatenate(tallies), axis=0)[-1] if sum(map(len, tallies)) else np.zeros(4)
            exact = counts.counts[0].dtype.kind != "f"  # integer counts stay ints
            stats.sentences, stats.words, stats.oovs, stats.zeroprobs = (int(x) if exact else float(x)
                                                                         for x in totals.tolist())
        if entropy:
            stats.sentences, stats.words = 0, 1
        if debug >= 4 and rank_rows:
            _add_rank_rows(stats, np.concatenate(rank_rows))
        return stats

    def report(self, path):
        """The `PerplexityReport` of `path`: totals, sentences and tokens."""
        self._check_plain_sentences("a report")
        if self.multiwords:
            raise UsageError("a report holds words of the model; score multiwords with score_file",
                             option="multiwords")
        vocab = self.vocab
        total = TextStats()
        parts = {name: [] for name in ("ids", "logp", "order", "sentence", "lengths")}
        oov_words = {}
        for block in self.scored_blocks(path, True):
            buf, ids, starts, ends, line_offsets = block.buf, block.ids, block.starts, block.ends, block.line_offsets
            token_logp, token_found, sentence_stats = block.token_logp, block.token_found, block.sentence_stats
            total.add(block.counts)
            total.logprob = block.logprob
            mask, words = scored_slots(ids, line_offsets, vocab.bos, vocab.eos)
            # a slot's token: t + s holds token t of line s, hi + s the line's </s>
            slot_ids = np.full(len(mask), vocab.eos, dtype=np.int32)
            token_slot = np.arange(len(ids)) + np.repeat(np.arange(len(line_offsets) - 1), np.diff(line_offsets))
            slot_ids[token_slot] = ids
            parts["ids"].append(slot_ids[mask])
            parts["logp"].append(token_logp[mask])
            parts["order"].append(token_found[mask])
            parts["sentence"].append(sentence_stats)
            parts["lengths"].append(words + 1)
            oov = np.flatnonzero((ids == self.unk) & (token_found[token_slot] == 0) & mask[token_slot])
            for t in oov.tolist():  # OOV tokens only
                word = word_text(bytes(buf[starts[t]:ends[t]]))
                oov_words[word] = oov_words.get(word, 0) + 1

        def joined(name, dtype, width=None):
            if not parts[name]:
                return np.zeros((0, width) if width else 0, dtype=dtype)
            return np.concatenate(parts[name]).astype(dtype, copy=False)

        sentence = joined("sentence", np.float64, 3)
        offsets = np.zeros(len(sentence) + 1, dtype=np.int64)
        np.cumsum(joined("lengths", np.int64), out=offsets[1:])
        return PerplexityReport(stats=total, vocab=vocab, sentence_offsets=offsets,
                                token_ids=joined("ids", np.int32), token_logprob=joined("logp", np.float32),
                                token_order=joined("order", np.int32), sentence_logprob=sentence[:, 0],
                                sentence_oovs=sentence[:, 1].astype(np.int64),
                                sentence_zeroprobs=sentence[:, 2].astype(np.int64),
                                oov_words=dict(sorted(oov_words.items(), key=lambda kv: (-kv[1], kv[0]))))


# Reading back the -debug 2 lines format_debug writes (compute-best-mix's input)

# A word line of `ngram -debug 2 -ppl` as compute-best-mix's gawk reads it: its first field
# `p(`, the context (to the first `)`) one field, then the fields `=`, the tags, p, `[`, log10 p
# and a `*N` count of -counts output
_WORD_LINE = re.compile(rb"^([ \t]*p\( (\S+) \|[^)\n]*\)[ \t]+\S+[ \t]+\S+[ \t]+\S+[ \t]+\S+[ \t]+(\S+)"
                        rb"(?:[ \t]+(\S+))?[^\n]*)$", re.M)
_INF_MARKS = (b"[ -inf", b"[ -Inf", b"[ -1.#INF")  # a zero probability, as compute-best-mix spots it


_UNK_BYTES = UNK.encode()


def read_ppl_word_probs(path):
    """(log10 p, count, word) arrays of the word lines of a `ngram -debug 2 -ppl` (or -counts)
    output, as compute-best-mix reads them: -inf where the line shows `[ -inf`."""
    with open_input(path) as stream:
        data = b"".join(read_blocks(stream, path))
    found = _WORD_LINE.findall(data)
    if not found:
        raise FormatError("no word probability lines: not the output of ngram -debug 2 -ppl", path)
    lines, words, values, after = (np.array(column) for column in zip(*found))
    zero = np.zeros(len(lines), dtype=bool)
    for mark in _INF_MARKS:
        zero |= np.char.find(lines, mark) >= 0
    logprob = np.full(len(values), -np.inf)
    try:
        logprob[~zero] = values[~zero].astype(np.float64)
    except ValueError:
        bad = next(v for v in values[~zero].tolist() if not _is_number(v))
        raise FormatError(f"word line with no log10 probability ({bad.decode('utf-8', 'replace')!r})", path) from None
    counted = np.char.startswith(after, b"*")
    counts = np.ones(len(values))
    counts[counted] = np.char.lstrip(after[counted], b"*").astype(np.float64)
    return logprob, counts, words


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def word_probs_from_ppl_files(paths, warn=None):
    """(models, words) log10 probabilities of the `ngram -debug 2 -ppl` outputs `paths` of one
    text, and each word's count; `warn` (a callable of one line) gets compute-best-mix's warning
    of each word that is another in a later file (<unk> excepted)."""
    read = [read_ppl_word_probs(p) for p in paths]
    first = read[0][2]
    for path, (_, _, words) in zip(paths[1:], read[1:]):
        if warn is None:
            break
        m = min(len(words), len(first))  # as the files are read, before their lengths are compared
        words, seen = words[:m], first[:m]
        for t in np.flatnonzero((words != seen) & (words != _UNK_BYTES) & (seen != _UNK_BYTES)).tolist():
            warn(f"warning: word mismatch in file {path}, token {t + 1}: "
                 f"{words[t].decode('utf-8', 'replace')} != {seen[t].decode('utf-8', 'replace')}")
    n = len(first)
    for path, (logprob, _, _) in zip(paths, read):
        if len(logprob) != n:
            raise FormatError(f"{len(logprob)} words, but {paths[0]} has {n}: outputs of different texts", path)
    return np.stack([logprob for logprob, _, _ in read]), read[0][1]

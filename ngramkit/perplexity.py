"""Perplexity of a text under a back-off model, as SRILM's `ngram -ppl` computes
and prints it (`-debug 0`, `1`: per sentence, `2`: per word).

Text is read in blocks of whole lines; each block is tokenised, scored and, for
`-debug 1/2`, formatted in one compiled call.
"""

import math
import re
from dataclasses import dataclass

import numpy as np

from .constants import LN10, LOG_ZERO
from .errors import FormatError
from .jit import njit
from .numfmt import ascii_bytes, format_g, put_bytes, put_text, put_uint
from .scoring import ScoringTables, WordTable, advance, sentence_start, tokenize_lines
from .textio import iter_line_blocks, open_input, read_blocks

_LARGEST_EXPONENT = math.log(np.finfo(np.float64).max)  # exp() of more is printed as inf, as C's


@dataclass
class TextStats:
    """SRILM's TextStats: counts and the total log10 probability of scored words."""

    sentences: int = 0
    words: int = 0
    oovs: int = 0
    zeroprobs: int = 0
    logprob: float = 0.0

    def add(self, other):
        self.sentences += other.sentences
        self.words += other.words
        self.oovs += other.oovs
        self.zeroprobs += other.zeroprobs
        self.logprob += other.logprob

    @property
    def scored(self):
        """Tokens in the log probability: words and `</s>`s, less OOVs and zero probabilities."""
        return self.words - self.oovs - self.zeroprobs + self.sentences

    def ppl(self, with_eos=True):
        denom = self.scored if with_eos else self.scored - self.sentences
        if denom <= 0:
            return None
        exponent = -(self.logprob / denom) * LN10
        return math.inf if exponent > _LARGEST_EXPONENT else math.exp(exponent)

    def bits_per_word(self):
        """Cross-entropy in bits per scored token (words and `</s>`)."""
        return -self.logprob / self.scored * math.log2(10) if self.scored > 0 else None

    def srilm_text(self):
        """SRILM's two summary lines."""
        ppl, ppl1 = self.ppl(), self.ppl(with_eos=False)
        return (
            f"{self.sentences} sentences, {self.words} words, {self.oovs} OOVs\n"
            f"{self.zeroprobs} zeroprobs, logprob= {self.logprob:.7g} "
            f"ppl= {'undefined' if ppl is None else f'{ppl:.7g}'} "
            f"ppl1= {'undefined' if ppl1 is None else f'{ppl1:.7g}'}\n"
        )


# The fixed text of SRILM's -debug 1 and -debug 2 lines.
_UNDEFINED = ascii_bytes("undefined")
_P_OPEN = ascii_bytes("\tp( ")
_GIVEN = ascii_bytes(" | ")
_CONTEXT_MORE = ascii_bytes(" ...) \t= ")
_CONTEXT_END = ascii_bytes(" ) \t= ")
_OOV_TAG = ascii_bytes("[OOV] ")
_GRAM_TAG = ascii_bytes("gram] ")
_LOG_OPEN = ascii_bytes(" [ ")
_LOG_CLOSE = ascii_bytes(" ]\n")
_ONE_SENTENCE = ascii_bytes("1 sentences, ")
_WORDS = ascii_bytes(" words, ")
_OOVS = ascii_bytes(" OOVs\n")
_ZEROPROBS = ascii_bytes(" zeroprobs, logprob= ")
_PPL = ascii_bytes(" ppl= ")
_PPL1 = ascii_bytes(" ppl1= ")
_BLANK = ascii_bytes("\n\n")


@njit(cache=True)
def _sentence_span(ids, line_offsets, s, bos, eos):
    """Tokens lo..hi-1 of line s that are scored before </s>: an explicit <s> or </s> at the
    ends of the line is not added again."""
    lo = line_offsets[s]
    hi = line_offsets[s + 1]
    if hi > lo and ids[lo] == bos:
        lo += 1
    if hi > lo and ids[hi - 1] == eos:
        hi -= 1
    return lo, hi


@njit(cache=True)
def _ppl_block(uni_logprob, uni_backoff, meta, entries, values, ids, line_offsets, bos, eos, unk,
               total, token_logp, token_found, sentence_stats):
    """Score each line as a sentence; returns (stats array, total + logprob).

    The float64 total runs on from the previous block, summed sentence by sentence as SRILM does.
    When token_logp is not empty, the log10 p and matched order of token t of line s go to slot
    t + s, and of the line's </s> to slot hi + s, and line s's (logprob, OOVs, zeroprobs) to
    sentence_stats[s], for _format_debug.

    stats = [sentences, words, OOVs, zeroprobs]. A word whose probability is
    zero counts as an OOV if it is the unknown-word token, else as a zeroprob.
    """
    order = meta.shape[0] - 1
    width = max(order - 1, 1)
    keys_a = np.empty(width, dtype=np.int64)
    bows_a = np.empty(width, dtype=np.float32)
    keys_b = np.empty(width, dtype=np.int64)
    bows_b = np.empty(width, dtype=np.float32)
    stats = np.zeros(4, dtype=np.int64)
    keep = len(token_logp) > 0
    for s in range(len(line_offsets) - 1):
        lo, hi = _sentence_span(ids, line_offsets, s, bos, eos)
        ctx_len = sentence_start(uni_logprob, uni_backoff, bos, True, order, keys_a, bows_a)
        cur_s, cur_b, nxt_s, nxt_b = keys_a, bows_a, keys_b, bows_b
        sentence_prob = 0.0
        oovs = 0
        zeros = 0
        for t in range(lo, hi + 1):
            w = ids[t] if t < hi else eos
            p, found, ctx_len = advance(uni_logprob, uni_backoff, meta, entries, values,
                                        cur_s, cur_b, 0, ctx_len, w, nxt_s, nxt_b, False)
            cur_s, cur_b, nxt_s, nxt_b = nxt_s, nxt_b, cur_s, cur_b
            if keep:
                token_logp[t + s] = p
                token_found[t + s] = found
            if p == -np.inf:
                if w == unk:
                    oovs += 1
                else:
                    zeros += 1
            else:
                sentence_prob += float(p)
        stats[0] += 1
        stats[1] += hi - lo
        stats[2] += oovs
        stats[3] += zeros
        total += sentence_prob
        if keep:
            sentence_stats[s, 0] = sentence_prob
            sentence_stats[s, 1] = oovs
            sentence_stats[s, 2] = zeros
    return stats, total


@njit(cache=True)
def _format_debug(pool, offsets, buf, ids, starts, ends, line_offsets, bos, eos, debug,
                  token_logp, token_found, sentence_stats, out):
    """SRILM's -debug 1 (and 2) lines of a block scored by _ppl_block; returns the length.
    Compiled apart from the scoring, so that plain -ppl runs never compile the formatting."""
    pos = 0
    for s in range(len(line_offsets) - 1):
        for t in range(line_offsets[s], line_offsets[s + 1]):
            if t > line_offsets[s]:
                out[pos] = 32
                pos += 1
            pos = put_bytes(out, pos, buf, starts[t], ends[t])
        out[pos] = 10
        pos += 1
        lo, hi = _sentence_span(ids, line_offsets, s, bos, eos)
        prev = bos
        for t in range(lo, hi + 1):
            w = ids[t] if t < hi else eos
            p = token_logp[t + s]
            if debug >= 2:
                pos = put_text(out, pos, _P_OPEN)
                pos = put_bytes(out, pos, pool, offsets[w], offsets[w + 1])
                pos = put_text(out, pos, _GIVEN)
                pos = put_bytes(out, pos, pool, offsets[prev], offsets[prev + 1])
                pos = put_text(out, pos, _CONTEXT_MORE if t > lo else _CONTEXT_END)
                if token_found[t + s] == 0:
                    pos = put_text(out, pos, _OOV_TAG)
                else:
                    out[pos] = 91
                    pos = put_uint(out, pos + 1, token_found[t + s])
                    pos = put_text(out, pos, _GRAM_TAG)
                # probability, then its log10
                for field in range(2):
                    if field == 0:
                        value = 0.0 if p == -np.inf else math.exp(float(p) * LN10)
                    else:
                        value = float(p)
                        pos = put_text(out, pos, _LOG_OPEN)
                    pos = format_g(value, 7, out, pos)
                pos = put_text(out, pos, _LOG_CLOSE)
            prev = w
        sentence_prob = sentence_stats[s, 0]
        oovs = int(sentence_stats[s, 1])
        zeros = int(sentence_stats[s, 2])
        words = hi - lo
        scored = words - oovs - zeros
        pos = put_text(out, pos, _ONE_SENTENCE)
        pos = put_uint(out, pos, words)
        pos = put_text(out, pos, _WORDS)
        pos = put_uint(out, pos, oovs)
        pos = put_text(out, pos, _OOVS)
        pos = put_uint(out, pos, zeros)
        pos = put_text(out, pos, _ZEROPROBS)
        # logprob, ppl, ppl1
        for field in range(3):
            if field == 1:
                pos = put_text(out, pos, _PPL)
            elif field == 2:
                pos = put_text(out, pos, _PPL1)
            denom = scored + 2 - field
            if field > 0 and denom <= 0:
                pos = put_text(out, pos, _UNDEFINED)
                continue
            value = sentence_prob if field == 0 else math.exp(-(sentence_prob / denom) * LN10)
            pos = format_g(value, 7, out, pos)
        pos = put_text(out, pos, _BLANK)
    return pos


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


def _scored_slots(ids, line_offsets, bos, eos):
    """Mask of the token slots _ppl_block fills (t + s for token t of line s, hi + s for its </s>)."""
    lo, hi = line_offsets[:-1].copy(), line_offsets[1:].copy()
    if len(ids):
        lo += (hi > lo) & (ids[np.minimum(lo, len(ids) - 1)] == bos)
        hi -= (hi > lo) & (ids[np.maximum(hi - 1, 0)] == eos)
    line = np.arange(len(lo))
    mask = np.zeros(len(ids) + len(line_offsets), dtype=np.bool_)
    edges = np.zeros(len(mask) + 1, dtype=np.int64)
    np.add.at(edges, lo + line, 1)
    np.add.at(edges, hi + line + 1, -1)
    mask[:] = np.cumsum(edges[:-1]) > 0
    return mask, hi - lo


class PerplexityScorer:
    """Compute SRILM-style perplexity of text files under one model."""

    def __init__(self, model, unk_word=None):
        self.model = model
        self.tables = ScoringTables.from_model(model)
        # SRILM reads log10 probability and backoff weight -99 as zero: a word they reach is a
        # zero probability (or an OOV)
        t = self.tables
        for values in (t.uni_logprob, t.uni_backoff, t.values[:, 2], t.values[:, 3]):
            values[values == LOG_ZERO] = -np.inf
        self.words = WordTable.from_vocab(model.vocab)
        self.unk = model.vocab.index[unk_word] if unk_word is not None else model.vocab.unk
        pool, offsets = model.vocab.byte_pool()
        self.max_word = int(np.diff(offsets).max()) if len(offsets) > 1 else 0

    def _scored_blocks(self, path, keep):
        """Per block of `path`: (text, ids, spans, line offsets, the block's counts, the log10
        probability of the text so far, token_logp, token_found, sentence_stats); the per-token
        arrays are empty unless `keep`. The total runs on across blocks, as SRILM sums it."""
        vocab = self.model.vocab
        total = 0.0
        for block, _ in iter_line_blocks(path):
            buf = np.frombuffer(block, dtype=np.uint8)
            ids, starts, ends, line_offsets = tokenize_lines(buf, *self.words.arrays(), self.unk)
            # one slot per token and one per </s>
            slots = len(ids) + len(line_offsets) if keep else 0
            token_logp = np.empty(slots, dtype=np.float32)
            token_found = np.empty(slots, dtype=np.int32)
            sentence_stats = np.empty((len(line_offsets) - 1 if keep else 0, 3))
            stats, total = _ppl_block(*self.tables.arrays(), ids, line_offsets, vocab.bos, vocab.eos,
                                      self.unk, total, token_logp, token_found, sentence_stats)
            yield (buf, ids, starts, ends, line_offsets, TextStats(*(int(x) for x in stats)), total,
                   token_logp, token_found, sentence_stats)

    def score_file(self, path, debug=0, out=None):
        """Return the `TextStats` of `path`; with debug >= 1 write SRILM's per-sentence
        (and at 2 per-word) lines to the binary stream `out` as they are made."""
        vocab = self.model.vocab
        pool, offsets = vocab.byte_pool()
        total = TextStats()
        for buf, ids, starts, ends, line_offsets, counts, logprob, token_logp, token_found, sentence_stats in \
                self._scored_blocks(path, debug >= 1):
            total.add(counts)
            total.logprob = logprob
            if debug >= 1:
                size = len(buf) + 2 * len(line_offsets) * 160
                if debug >= 2:
                    size += (len(ids) + len(line_offsets)) * (2 * self.max_word + 80)
                output = np.empty(size, dtype=np.uint8)
                used = _format_debug(pool, offsets, buf, ids, starts, ends, line_offsets, vocab.bos,
                                     vocab.eos, debug, token_logp, token_found, sentence_stats, output)
                out.write(output[:used].tobytes())
        return total

    def report(self, path):
        """The `PerplexityReport` of `path`: totals, sentences and tokens."""
        vocab = self.model.vocab
        total = TextStats()
        parts = {name: [] for name in ("ids", "logp", "order", "sentence", "lengths")}
        oov_words = {}
        for buf, ids, starts, ends, line_offsets, counts, logprob, token_logp, token_found, sentence_stats in \
                self._scored_blocks(path, True):
            total.add(counts)
            total.logprob = logprob
            mask, words = _scored_slots(ids, line_offsets, vocab.bos, vocab.eos)
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
                word = bytes(buf[starts[t]:ends[t]]).decode("utf-8")
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


# Reading back the -debug 2 lines _format_debug writes (compute-best-mix's input)

_WORD_LINE = re.compile(rb"^\tp\( .*\) \t= \[(OOV|\d+gram)\] \S+ \[ (\S+) \]\r?$", re.M)


def read_ppl_word_probs(path):
    """Per-word log10 probabilities of a `ngram -debug 2 -ppl` output; NaN for OOVs."""
    with open_input(path) as stream:
        data = b"".join(read_blocks(stream, path))
    found = _WORD_LINE.findall(data)
    if not found:
        raise FormatError("no word probability lines: not the output of ngram -debug 2 -ppl", path)
    values = np.array([np.nan if kind == b"OOV" else float(v) for kind, v in found])
    return values


def word_probs_from_ppl_files(paths):
    """(models, words) log10 probabilities of the words every file scores (not OOV in any)."""
    columns = [read_ppl_word_probs(p) for p in paths]
    n = len(columns[0])
    for path, c in zip(paths, columns):
        if len(c) != n:
            raise FormatError(f"{len(c)} words, but {paths[0]} has {n}: outputs of different texts", path)
    matrix = np.stack(columns)
    return matrix[:, ~np.isnan(matrix).any(axis=0)]

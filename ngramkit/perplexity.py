"""Perplexity of a text under a back-off model, as SRILM's `ngram -ppl` computes
and prints it (`-debug 0`, `1`: per sentence, `2`: per word).

Text is read in blocks of whole lines; each block is tokenised, scored and, for
`-debug 1/2`, formatted in one compiled call.
"""

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from .numfmt import format_g, put_ascii, put_uint
from .scoring import ScoringTables, WordTable, advance, sentence_start, tokenize_lines
from .textio import iter_line_blocks

LN10 = 2.30258509299404568402


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
        return math.exp(-(self.logprob / denom) * LN10)

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


@njit(cache=True)
def _put_bytes(out, pos, src, start, end):
    for i in range(start, end):
        out[pos] = src[i]
        pos += 1
    return pos


@njit(cache=True)
def _put_ppl(out, pos, logprob, denom):
    if denom <= 0:
        return put_ascii(out, pos, "undefined")
    return format_g(math.exp(-(logprob / denom) * LN10), 7, out, pos)


@njit(cache=True)
def _ppl_block(uni_logprob, uni_backoff, meta, entries, values,
               pool, offsets, buf, ids, starts, ends, line_offsets, bos, eos, unk, debug, total, out):
    """Score each line as a sentence; returns (stats array, total + logprob, output length).

    The float64 total runs on from the previous block, summed sentence by sentence as SRILM does.

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
    pos = 0
    for s in range(len(line_offsets) - 1):
        lo = line_offsets[s]
        hi = line_offsets[s + 1]
        if debug >= 1:
            for t in range(lo, hi):
                if t > lo:
                    out[pos] = 32
                    pos += 1
                pos = _put_bytes(out, pos, buf, starts[t], ends[t])
            out[pos] = 10
            pos += 1
        # An explicit <s> or </s> at the ends of the line is not added again.
        if hi > lo and ids[lo] == bos:
            lo += 1
        if hi > lo and ids[hi - 1] == eos:
            hi -= 1
        ctx_len = sentence_start(uni_logprob, uni_backoff, bos, True, order, keys_a, bows_a)
        cur_s, cur_b, nxt_s, nxt_b = keys_a, bows_a, keys_b, bows_b
        sentence_prob = 0.0
        oovs = 0
        zeros = 0
        prev = bos
        for t in range(lo, hi + 1):
            w = ids[t] if t < hi else eos
            p, found, ctx_len = advance(uni_logprob, uni_backoff, meta, entries, values,
                                        cur_s, cur_b, 0, ctx_len, w, nxt_s, nxt_b, False)
            cur_s, cur_b, nxt_s, nxt_b = nxt_s, nxt_b, cur_s, cur_b
            if debug >= 2:
                pos = put_ascii(out, pos, "\tp( ")
                pos = _put_bytes(out, pos, pool, offsets[w], offsets[w + 1])
                pos = put_ascii(out, pos, " | ")
                pos = _put_bytes(out, pos, pool, offsets[prev], offsets[prev + 1])
                pos = put_ascii(out, pos, " ...) \t= " if t > lo else " ) \t= ")
                if found == 0:
                    pos = put_ascii(out, pos, "[OOV] ")
                else:
                    out[pos] = 91
                    pos = put_uint(out, pos + 1, found)
                    pos = put_ascii(out, pos, "gram] ")
                prob = 0.0 if p == -np.inf else math.exp(float(p) * LN10)
                pos = format_g(prob, 7, out, pos)
                pos = put_ascii(out, pos, " [ ")
                pos = format_g(float(p), 7, out, pos)
                pos = put_ascii(out, pos, " ]\n")
            if p == -np.inf:
                if w == unk:
                    oovs += 1
                else:
                    zeros += 1
            else:
                sentence_prob += float(p)
            prev = w
        words = hi - lo
        stats[0] += 1
        stats[1] += words
        stats[2] += oovs
        stats[3] += zeros
        total += float(sentence_prob)
        if debug >= 1:
            pos = put_ascii(out, pos, "1 sentences, ")
            pos = put_uint(out, pos, words)
            pos = put_ascii(out, pos, " words, ")
            pos = put_uint(out, pos, oovs)
            pos = put_ascii(out, pos, " OOVs\n")
            pos = put_uint(out, pos, zeros)
            pos = put_ascii(out, pos, " zeroprobs, logprob= ")
            pos = format_g(float(sentence_prob), 7, out, pos)
            pos = put_ascii(out, pos, " ppl= ")
            scored = words - oovs - zeros
            pos = _put_ppl(out, pos, float(sentence_prob), scored + 1)
            pos = put_ascii(out, pos, " ppl1= ")
            pos = _put_ppl(out, pos, float(sentence_prob), scored)
            pos = put_ascii(out, pos, "\n\n")
    return stats, total, pos


class PerplexityScorer:
    """Compute SRILM-style perplexity of text files under one model."""

    def __init__(self, model, unk_word=None):
        self.model = model
        self.tables = ScoringTables.from_model(model)
        self.words = WordTable.from_vocab(model.vocab)
        self.unk = model.vocab.index[unk_word] if unk_word is not None else model.vocab.unk
        pool, offsets = model.vocab.byte_pool()
        self.max_word = int(np.diff(offsets).max()) if len(offsets) > 1 else 0

    def score_file(self, path, debug=0, out=None):
        """Return the `TextStats` of `path`; with debug >= 1 write SRILM's per-sentence
        (and at 2 per-word) lines to the binary stream `out` as they are made."""
        vocab = self.model.vocab
        pool, offsets = vocab.byte_pool()
        total = TextStats()
        for block, _ in iter_line_blocks(path):
            buf = np.frombuffer(block, dtype=np.uint8)
            ids, starts, ends, line_offsets = tokenize_lines(buf, *self.words.arrays(), self.unk)
            size = 0
            if debug >= 1:
                size = len(buf) + 2 * len(line_offsets) * 160
                if debug >= 2:
                    size += (len(ids) + len(line_offsets)) * (2 * self.max_word + 80)
            output = np.empty(size, dtype=np.uint8)
            stats, total.logprob, used = _ppl_block(
                *self.tables.arrays(), pool, offsets, buf, ids, starts, ends, line_offsets,
                vocab.bos, vocab.eos, self.unk, debug, total.logprob, output)
            total.add(TextStats(*(int(x) for x in stats)))
            if used:
                out.write(output[:used].tobytes())
        return total

"""SRILM's count LMs (`NgramCountLM`: `ngram -count-lm`, `ngram-count -count-lm -init-lm`):
deleted interpolation straight from n-gram counts,

    p_0 = 1 / vocabsize,   p_i = (1 - l_i) p_{i-1} + l_i c(h_i w) / c(h_i)   (i = 1..order)

where h_i holds the i-1 words before w, c() of the empty context is `totalcount`, and the weight
l_i = mixweights[min(c(h_i) / countmodulus, M)][i-1] (integer division) depends on the order and
on the context's count, bucketed. A word whose i-gram is not counted takes p_i = (1 - l_i) p_{i-1}.

The parameter file, as SRILM reads and writes it (keywords one per line):

    order N
    mixweights M
     l(0,1) ... l(0,N)          (M + 1 lines of N weights, `%.16g`)
     ...
    countmodulus K
    vocabsize V                 (default: the words of the vocabulary that are not <s>, -pau-,
    totalcount T                 closed-vocabulary <unk>; and the unigram total less c(<s>))
    counts FILE | counts - | google-counts DIR

`counts -` takes the rest of the file as counts; `google-counts` a Web1T directory
(google_counts). `order` in the file is ignored: the order is the reader's (`-order`), and every
weight line must hold that many weights. The weights are trained by EM on held-out counts
(`train`), as `NgramCountLM::estimate` does.
"""

import math
import sys
from dataclasses import dataclass

import numpy as np

from .block_scorer import score_line_blocks
from .countfile import read_counts, write_counts_to
from .errors import FormatError, UsageError
from .constants import LN10
from .jit import njit
from .model import NgramCounts
from .numfmt import format_g, put_uint
from .generate import srilm_vocabulary_order
from .perplexity import (
    SUM_TOLERANCE,
    _sum_warning,
    close_sentence,
    put_line_close,
    put_probability,
    put_word_given,
    sentence_span,
    tally_word,
)
from .scoring import WordTable
from .srilm_sums import count_file_word_order
from .tables import find_row_in
from .textio import atomic_output, iter_line_blocks, word_bytes
from .vocab import PAUSE, Vocabulary

PROB_DIGITS = 16  # SRILM's Prob_Precision: weights are written with %.16g
DEFAULT_ORDER = 3


@dataclass
class CountLM:
    """A count LM: `weights[c, i-1]` is the weight of the i-gram estimate in a context whose count
    (divided by `count_modulus`) is c, the last row serving all larger counts; `counts` the
    n-gram counts of orders 1..order over `counts.vocab`. `counts_name`: the count file or Google
    directory the parameters name (None: counts held in the parameter file), `google` which."""

    order: int
    weights: np.ndarray
    count_modulus: int
    vocab_size: int
    total_count: int
    counts: NgramCounts
    counts_name: str | None = None
    google: bool = False
    unk_is_word: bool = False
    word_order: np.ndarray | None = None  # the word ids in the order SRILM's Vocab numbered them (None: not known)

    @property
    def vocab(self):
        return self.counts.vocab

    def nonwords(self):
        """Mask of the words that get no probability: <s>, -pau- and, closed, <unk>."""
        vocab = self.vocab
        mask = np.zeros(len(vocab), dtype=np.bool_)
        mask[vocab.bos] = True
        if not self.unk_is_word:
            mask[vocab.unk] = True
        if PAUSE in vocab.index:
            mask[vocab.index[PAUSE]] = True
        return mask

    def sum_words(self):
        """The words LM::wordProbSum adds up, in the order SRILM's VocabIter visits them: all but
        the non-words."""
        if self.word_order is None:
            raise UsageError("-debug 3 sums in the order SRILM's vocabulary holds the words of a count file: not "
                             "reproduced for counts in the parameter file or Google counts", option="debug")
        vocab = self.vocab
        order = srilm_vocabulary_order(vocab, self.word_order, vocab.index.get(PAUSE, -1))
        order = order[order >= 0]  # -pau-'s place when it is no word of ours
        return order[~self.nonwords()[order]].astype(np.int32)

    def tables(self):
        """(rows per order, int64 counts per order) as the compiled functions take them."""
        return (tuple(np.ascontiguousarray(r) for r in self.counts.ngrams),
                tuple(np.asarray(c, dtype=np.int64) for c in self.counts.counts))

    def scorer(self, unk_word=None):
        return CountLMScorer(self, unk_word)

    def write(self, path, with_counts=True):
        write_count_lm(self, path, with_counts)

    def train(self, counts, max_iters=100, min_delta=0.001, debug=0, log=None):
        """EM on held-out `counts` (see `train`); returns the log likelihood of each iteration."""
        return train(self, counts, max_iters, min_delta, debug, log)


def _count_value(text, keyword, path, line_no):
    # SRILM's stringToCount: an unsigned decimal, no sign
    if not text.isdigit():
        raise FormatError(f"bad {keyword} value {text!r}", path, line_no)
    return int(text)


def _header_lines(path, encoding):
    """(line number, line text, rest) over the parameter file's lines but blank and `##` ones
    (which SRILM's File skips); `rest()` hands the blocks after the current line on to a count
    reader, as (block, first line, path) triples."""
    blocks = iter_line_blocks(path, encoding, allow_bytes=True)
    for block, first_line in blocks:
        lines = block.split(b"\n")
        offset = 0
        for i, raw in enumerate(lines):
            if i == len(lines) - 1 and not raw:
                break
            offset += len(raw) + 1
            line_no = first_line + i
            if not raw.strip() or raw.startswith(b"##"):
                continue
            remainder = block[offset:]

            def rest(remainder=remainder, next_line=line_no + 1):
                if remainder:
                    yield remainder, next_line, path
                for later, later_first in blocks:
                    yield later, later_first, path

            yield line_no, raw.decode("utf-8", "surrogateescape"), rest


def read_count_lm(path, order=DEFAULT_ORDER, words=(), limit_vocab=False, unk_is_word=False, encoding="utf-8"):
    """Read a count LM parameter file (see the module's docstring) and its counts, up to `order`.

    `words`: other words of the vocabulary (SRILM's -vocab, the words of training counts), which
    count in the default vocabsize; with `limit_vocab`, n-grams holding words outside `words` are
    dropped. A count file named by a relative path is found from the current directory, as
    SRILM opens it."""
    if order < 1:
        raise UsageError(f"order must be at least 1, not {order}", option="order")
    weights = np.zeros((1, order))
    modulus, vocab_size, total = 1, 0, 0
    counts, counts_name, google = None, None, False
    lines = _header_lines(path, encoding)
    for line_no, line, rest in lines:
        fields = line.split()
        keyword = fields[0]
        if keyword in ("order", "vocabsize", "totalcount", "countmodulus", "mixweights") and len(fields) >= 2:
            value = _count_value(fields[1], keyword, path, line_no)
            if keyword == "vocabsize":
                vocab_size = value
            elif keyword == "totalcount":
                total = value
            elif keyword == "countmodulus":
                if value == 0:
                    raise FormatError("countmodulus must be at least 1 (context counts are divided by it)",
                                      path, line_no)
                modulus = value
            elif keyword == "mixweights":
                rows = []
                for _ in range(value + 1):
                    got = next(lines, None)
                    if got is None:
                        raise FormatError("premature end to mixture weights", path, line_no)
                    line_no, text = got[0], got[1]
                    row = _weight_row(text, order)
                    if row is None:
                        raise FormatError(f"incomplete mixture weight vector (needs {order} weights)",
                                          path, line_no)
                    rows.append(row)
                weights = np.array(rows, dtype=np.float64)
        elif keyword == "counts" and len(fields) >= 2:
            google = False
            if fields[1] == "-":
                counts_name = None
                counts = read_counts([path], order, blocks=rest(), encoding=encoding)
                break
            counts_name = fields[1]
            counts = read_counts([counts_name], order, encoding=encoding)
        elif keyword == "google-counts" and len(fields) >= 2:
            from .google_counts import read_google

            google, counts_name = True, fields[1]
            counts = read_google(counts_name, order, encoding=encoding)
        else:
            raise FormatError("unknown keyword", path, line_no)
    if counts is None:
        raise FormatError("no counts: a `counts` or `google-counts` line is needed", path)
    counts = _with_words(counts, order, words, limit_vocab)
    # SRILM's Vocab numbers the -vocab words, then a count file's as it reads them
    word_order = None
    if counts_name is not None and not google:
        word_order = counts.vocab.ids(list(words))
        if not limit_vocab:
            word_order = np.concatenate([word_order, count_file_word_order([counts_name], counts.vocab, order,
                                                                           encoding)])
    lm = CountLM(order, weights, modulus, vocab_size, total, counts, counts_name, google, unk_is_word, word_order)
    _compute_totals(lm)
    return lm


def _weight_row(text, order):
    """The first `order` numbers of a weight line (as %lg reads them), or None if fewer."""
    row = []
    for field in text.split()[:order]:
        try:
            row.append(float(field))
        except ValueError:
            return None
    return row if len(row) == order else None


def _with_words(counts, order, words, limit_vocab):
    """`counts` over the vocabulary of their words and `words`, orders 1..order; with
    `limit_vocab`, only n-grams of `words`."""
    words = list(words)
    vocab = Vocabulary(list(counts.vocab.words if not limit_vocab else []) + words)
    remap = vocab.ids(counts.vocab.words, unknown=-1)
    result = NgramCounts(vocab)
    for k in range(1, order + 1):
        if k <= counts.order:
            rows = remap[counts.ngrams[k - 1]]
            keep = np.all(rows >= 0, axis=1)
            # the remap keeps byte order, so the rows stay sorted
            rows, values = np.ascontiguousarray(rows[keep]), counts.counts[k - 1][keep]
        else:
            rows, values = np.empty((0, k), dtype=np.int32), np.empty(0, dtype=np.int64)
        result.ngrams.append(rows)
        result.counts.append(values)
    return result


def over_vocabulary(counts, lm):
    """`counts` (held-out counts for `train`) over the count LM's vocabulary, which must hold
    their words (read_count_lm's `words`)."""
    moved = _with_words(counts, min(lm.order, counts.order), lm.vocab.words, False)
    if moved.vocab != lm.vocab:
        raise UsageError("the count LM's vocabulary lacks words of the held-out counts (read it with their words)")
    return moved


def _compute_totals(lm):
    """SRILM's computeTotals: vocabsize and totalcount where the file leaves them 0."""
    if lm.vocab_size == 0:
        lm.vocab_size = max(1, int(np.count_nonzero(~lm.nonwords())))
    if lm.total_count == 0:
        rows, values = lm.counts.ngrams[0], lm.counts.counts[0]
        total = int(values.sum()) - int(values[rows[:, 0] == lm.vocab.bos].sum())
        lm.total_count = total if total > 0 else 1


def write_count_lm(lm, path, with_counts=True):
    """Write the parameter file as SRILM does: the counts follow `counts -` when they came in the
    file (or `with_counts` and they are not Google counts), sorted; else the file or directory
    they came from is named."""
    header = [f"order {lm.order}\n", f"mixweights {len(lm.weights) - 1}\n"]
    header += ["".join(f" {w:.{PROB_DIGITS}g}" for w in row) + "\n" for row in lm.weights.tolist()]
    header += [f"countmodulus {lm.count_modulus}\n", f"vocabsize {lm.vocab_size}\n",
               f"totalcount {lm.total_count}\n"]
    inline = lm.counts_name is None or (with_counts and not lm.google)
    if inline:
        header.append("counts -\n")
    else:
        header.append(f"{'google-counts' if lm.google else 'counts'} {lm.counts_name}\n")
    with atomic_output(path) as out:
        out.write(word_bytes("".join(header)))
        if inline:
            write_counts_to(lm.counts, out)


@njit(cache=True)
def _count_of(rows, counts, gram, col):
    """Count of gram[0, col:col + width] in the sorted table `rows` (0 if absent)."""
    r = find_row_in(rows, 0, rows.shape[0], gram, 0, col)
    return 0 if r < 0 else counts[r]


@njit(cache=True)
def _interpolate(rows, counts, weights, modulus, vocab_size, total, gram, nlen, lambdas, numers, buckets,
                 posteriors):
    """(p(w | h), orders looked up) of the n-gram gram[0, :nlen] (w last) by deleted
    interpolation, with each order's weight, numerator count, weight row and (for EM) posterior
    of the order's own estimate. p = -1: the context count of the last order looked up is 0."""
    p = 1.0 / vocab_size
    n_weights = weights.shape[0] - 1
    for i in range(1, nlen + 1):
        col = nlen - i
        denom = total if i == 1 else _count_of(rows[i - 2], counts[i - 2], gram, col)
        numer = _count_of(rows[i - 1], counts[i - 1], gram, col)
        bucket = min(denom // modulus, n_weights)
        lam = weights[bucket, i - 1]
        lambdas[i - 1] = lam
        numers[i - 1] = numer
        buckets[i - 1] = bucket
        if numer == 0:
            p = (1.0 - lam) * p
            posteriors[i - 1] = 0.0
        elif denom == 0:
            return -1.0, i
        else:
            p0 = numer / denom
            p = (1.0 - lam) * p + lam * p0
            posteriors[i - 1] = lam * p0 / p if p > 0.0 else 0.5
    return p, nlen


@njit(cache=True, inline="always")
def _slot_gram(ids, lo, t, w, bos, gram):
    """Put in gram[0] the n-gram of token t (w: it or </s>) of a sentence starting at lo: up to
    order-1 words before w, <s> first at the sentence start; returns its length."""
    nlen = min(gram.shape[1], t - lo + 2)
    for c in range(nlen - 1):
        back = t - (nlen - 1 - c)
        gram[0, c] = bos if back < lo else ids[back]
    gram[0, nlen - 1] = w
    return nlen


@njit(cache=True)
def _interpolation_buffers(order):
    """The scratch arrays of _interpolate for a model of `order`: the n-gram, and per order its
    weight, numerator count, bucket and posterior."""
    return (np.empty((1, order), dtype=np.int32), np.empty(order), np.empty(order, dtype=np.int64),
            np.empty(order, dtype=np.int64), np.empty(order))


@njit(cache=True)
def _score_block(rows, counts, weights, modulus, vocab_size, total, nonword, ids, line_offsets, bos, eos, unk,
                 block_total, token_logp, token_found, sentence_stats, hit_lambda, hit_numer, zero_denominator):
    """Score each line as a sentence (SRILM's LM::sentenceProb over NgramCountLM::wordProb);
    returns ([sentences, words, OOVs, zeroprobs], total). Per slot t + s (token t of line s, its
    </s> at hi + s): log10 p, the number of orders looked up (0: a non-word), and their weights
    and numerator counts; zero_denominator[slot] the order whose context count was 0 (else 0)."""
    order = weights.shape[1]
    gram, lambdas, numers, buckets, posteriors = _interpolation_buffers(order)
    stats = np.zeros(4, dtype=np.int64)
    for s in range(len(line_offsets) - 1):
        lo, hi = sentence_span(ids, line_offsets, s, bos, eos)
        sentence_prob = 0.0
        oovs = 0
        zeros = 0
        for t in range(lo, hi + 1):
            w = ids[t] if t < hi else eos
            slot = t + s
            nlen = _slot_gram(ids, lo, t, w, bos, gram)
            used = 0
            zero_denominator[slot] = 0
            if nonword[w]:
                p = np.float32(-np.inf)
            else:
                prob, used = _interpolate(rows, counts, weights, modulus, vocab_size, total, gram, nlen,
                                          lambdas, numers, buckets, posteriors)
                if prob < 0.0:
                    zero_denominator[slot] = used
                    p = np.float32(-np.inf)
                else:
                    p = np.float32(math.log10(prob)) if prob > 0.0 else np.float32(-np.inf)
                for i in range(used):
                    hit_lambda[slot, i] = lambdas[i]
                    hit_numer[slot, i] = numers[i]
            token_logp[slot] = p
            token_found[slot] = used
            sentence_prob, oovs, zeros = tally_word(p, w, unk, sentence_prob, oovs, zeros)
        close_sentence(stats, sentence_stats, s, hi - lo, sentence_prob, oovs, zeros, True)
        block_total += sentence_prob
    return stats, block_total


@njit(cache=True)
def _context_sums(rows, counts, weights, modulus, vocab_size, total, nonword, ids, line_offsets, bos, eos,
                  sum_words, token_sum, zero_words):
    """LM::wordProbSum of each slot's context (t + s of token t of line s, hi + s of its </s>) to
    token_sum: p(v | context) of each word v of sum_words in turn, each rounded to a LogP as
    wordProb returns it. A v whose context count is 0 at the last order looked up (wordProb
    warns of it and gives 0) goes to the rows of zero_words, as many as it holds: (slot, v,
    that order); returns how many there are."""
    order = weights.shape[1]
    gram, lambdas, numers, buckets, posteriors = _interpolation_buffers(order)
    n_zero = 0
    for s in range(len(line_offsets) - 1):
        lo, hi = sentence_span(ids, line_offsets, s, bos, eos)
        for t in range(lo, hi + 1):
            nlen = _slot_gram(ids, lo, t, eos, bos, gram)
            sum_p = 0.0
            for v in sum_words:
                gram[0, nlen - 1] = v
                prob, used = _interpolate(rows, counts, weights, modulus, vocab_size, total, gram, nlen, lambdas,
                                          numers, buckets, posteriors)
                if prob < 0.0:
                    if n_zero < len(zero_words):
                        zero_words[n_zero, 0] = t + s
                        zero_words[n_zero, 1] = v
                        zero_words[n_zero, 2] = used
                    n_zero += 1
                elif prob > 0.0:
                    sum_p += math.exp(float(np.float32(math.log10(prob))) * LN10)
            token_sum[t + s] = sum_p
    return n_zero


@njit(cache=True)
def format_interpolation_word_lines(pool, offsets, ids, line_offsets, bos, eos, total, token_logp, token_found,
                                    hit_lambda, hit_numer, zero_denominator, token_sum, out, ends):
    """The -debug 2 word lines: `\\tp( w | prev ...) \\t= [total,l1,c1,l2,c2,...] p [ logp ]`, the
    bracket NgramCountLM prints as it looks the orders up (left open where a context count is 0,
    none for a non-word); with token_sum (-debug 3) ` / ` and the context's sum after.
    Sentence s's lines end at ends[s]; returns the length."""
    pos = 0
    for s in range(len(line_offsets) - 1):
        lo, hi = sentence_span(ids, line_offsets, s, bos, eos)
        prev = bos
        for t in range(lo, hi + 1):
            w = ids[t] if t < hi else eos
            slot = t + s
            pos = put_word_given(out, pos, pool, offsets, w, prev, t > lo)
            if token_found[slot] > 0:
                out[pos] = 91
                pos = put_uint(out, pos + 1, total)
                for i in range(token_found[slot]):
                    out[pos] = 44
                    pos = format_g(hit_lambda[slot, i], 7, out, pos + 1)
                    out[pos] = 44
                    pos = put_uint(out, pos + 1, hit_numer[slot, i])
                if zero_denominator[slot] == 0:
                    out[pos] = 93
                    pos += 1
            pos = put_probability(out, pos, token_logp[slot])
            pos = put_line_close(out, pos, token_sum, slot)
            prev = w
        ends[s] = pos
    return pos


class CountLMScorer:
    """SRILM's `ngram -count-lm -ppl`: totals, and the -debug 1 to 3 lines."""

    def __init__(self, lm, unk_word=None):
        self.lm = lm
        vocab = lm.vocab
        self.words = WordTable.from_vocab(vocab)
        self.unk = vocab.index[unk_word] if unk_word is not None else vocab.unk
        self.rows, self.counts = lm.tables()
        self.nonword = lm.nonwords()
        self.max_word = int(np.diff(vocab.byte_pool()[1]).max())

    def score_file(self, path, debug=0, out=None, encoding="utf-8", warnings=None):
        """The `TextStats` of `path`; with debug >= 1 SRILM's per-sentence (and at 2 per-word, at
        3 with their contexts' sums) lines go to the binary stream `out`. SRILM's warnings of
        n-grams whose context count is 0 (their probability is 0), of sums off 1 and of the lines
        passed over for too many words go to the binary stream `warnings`, in the text's order."""
        lm = self.lm
        vocab = lm.vocab

        model = (self.rows, self.counts, lm.weights, lm.count_modulus, lm.vocab_size, lm.total_count, self.nonword)
        sum_words = lm.sum_words() if debug == 3 else None

        def score(ids, line_offsets, logprob, token_logp, token_found, sentence_stats):
            slots = len(token_logp)
            hit_lambda = np.empty((slots, lm.order))
            hit_numer = np.empty((slots, lm.order), dtype=np.int64)
            zero_denominator = np.zeros(slots, dtype=np.int32)
            stats, logprob = _score_block(*model, ids, line_offsets, vocab.bos, vocab.eos, self.unk, logprob,
                                          token_logp, token_found, sentence_stats, hit_lambda, hit_numer,
                                          zero_denominator)
            token_sum = np.ones(slots if debug == 3 else 0)  # slots never scored sum to 1
            notes = []
            if debug == 3:
                # SRILM sums a context before it scores its word, each warning as it goes
                zero_words = np.zeros((0, 3), dtype=np.int64)
                n_zero = _context_sums(*model, ids, line_offsets, vocab.bos, vocab.eos, sum_words, token_sum,
                                       zero_words)
                if n_zero:
                    zero_words = np.zeros((n_zero, 3), dtype=np.int64)
                    _context_sums(*model, ids, line_offsets, vocab.bos, vocab.eos, sum_words, token_sum, zero_words)
                notes = [(slot, 0, self._zero_denominator(slot, ids, line_offsets, length, v))
                         for slot, v, length in zero_words.tolist()]
                notes += [(slot, 2, self._sum_warning(slot, ids, line_offsets, token_sum[slot]))
                          for slot in np.flatnonzero(np.abs(token_sum - 1.0) > SUM_TOLERANCE).tolist()]
            notes += [(slot, 1, self._zero_denominator(slot, ids, line_offsets, zero_denominator[slot]))
                      for slot in np.flatnonzero(zero_denominator).tolist()]
            notes = [note for _, _, note in sorted(notes, key=lambda n: n[:2])] if warnings is not None else ()
            return stats, logprob, (hit_lambda, hit_numer, zero_denominator, token_sum), notes

        def write_word_lines(pool, offsets, ids, line_offsets, token_logp, token_found, extras, out, ends):
            return format_interpolation_word_lines(pool, offsets, ids, line_offsets, vocab.bos, vocab.eos,
                                                   lm.total_count, token_logp, token_found, *extras, out, ends)

        return score_line_blocks(path, vocab, self.words, self.unk, score, write_word_lines,
                                 2 * self.max_word + 100 + 40 * lm.order + 24 * (debug == 3), debug, out, encoding, warnings)

    def _slot_words(self, slot, ids, line_offsets):
        """(line, the words of its sentence from <s> to </s>, the place of the token of `slot`
        (t + s of token t of line s, hi + s of its </s>) among them)."""
        vocab = self.lm.vocab
        s = int(np.searchsorted(line_offsets[:-1] + np.arange(len(line_offsets) - 1), slot, side="right")) - 1
        lo, hi = sentence_span(ids, line_offsets, s, vocab.bos, vocab.eos)
        return s, [vocab.bos] + ids[lo:hi].tolist() + [vocab.eos], slot - s - lo + 1

    def _zero_denominator(self, slot, ids, line_offsets, length, word=None):
        """(line, SRILM's warning) of the n-gram of the last `length` words up to the token of
        `slot` (see _slot_words), <s> before the sentence's first word; with `word`, the n-gram
        of that word in the token's place (LM::wordProbSum's)."""
        vocab = self.lm.vocab
        s, words, at = self._slot_words(slot, ids, line_offsets)
        if word is not None:
            words[at] = word
        ngram = " ".join(vocab.words[w] for w in words[max(0, at + 1 - length):at + 1])
        return s, f"warning: zero denominator count for ngram {ngram}\n".encode("utf-8", "surrogateescape")

    def _sum_warning(self, slot, ids, line_offsets, total):
        """(line, SRILM's warning) of the context of the token of `slot` (see _slot_words), whose
        probabilities sum to `total`: its words back to <s>, newest first."""
        vocab = self.lm.vocab
        s, words, at = self._slot_words(slot, ids, line_offsets)
        return s, _sum_warning(total, [vocab.words[w] for w in words[at - 1::-1]])


@njit(cache=True)
def _em_pass(rows, counts, weights, modulus, vocab_size, total, nonword, bos, held_rows, held_counts,
             mix_counts, mix_totals):
    """One E-step over held-out counts (NgramCountLM::countsProbTrain): the float32 log10
    likelihood of the n-grams of the model's order and those starting with <s>, and the
    posterior counts of each weight added to mix_counts / mix_totals. Returns (likelihood,
    n-grams whose context count was 0)."""
    order = weights.shape[1]
    gram, lambdas, numers, buckets, posteriors = _interpolation_buffers(order)
    likelihood = np.float32(0.0)
    zero_denominators = 0
    for k in range(1, len(held_rows) + 1):
        table = held_rows[k - 1]
        values = held_counts[k - 1]
        for r in range(table.shape[0]):
            count = values[r]
            if count == 0:
                continue
            w = table[r, k - 1]
            if nonword[w] or (k != order and not (k > 1 and table[r, 0] == bos)):
                continue
            for c in range(k):
                gram[0, c] = table[r, c]
            p, _ = _interpolate(rows, counts, weights, modulus, vocab_size, total, gram, k,
                                lambdas, numers, buckets, posteriors)
            if p < 0.0:
                zero_denominators += 1
                continue
            backward = 1.0
            for i in range(k, 0, -1):
                posterior = posteriors[i - 1]
                mix_counts[buckets[i - 1], i - 1] += count * backward * posterior
                mix_totals[buckets[i - 1], i - 1] += count * backward
                backward = backward * (1.0 - posterior)
            logp = np.float32(math.log10(p)) if p > 0.0 else np.float32(-np.inf)
            if logp != -np.inf:
                likelihood = np.float32(likelihood + np.float32(np.float32(count) * logp))
    return likelihood, zero_denominators


def train(lm, counts, max_iters=100, min_delta=0.001, debug=0, log=None):
    """Re-estimate `lm.weights` in place by EM on the held-out `counts` (NgramCounts over
    `lm.vocab`), as NgramCountLM::estimate: each iteration takes the posterior share of every
    weight's estimate; it stops after `max_iters` or, from the third iteration on, when the log
    likelihood changes by less than `min_delta` relative. Writes SRILM's `iteration I: log
    likelihood = L` lines (and at debug >= 1 the posterior counts, else a warning per weight
    without data) to `log` (default stderr). Returns the likelihoods."""
    if counts.vocab != lm.vocab:
        raise UsageError("the held-out counts must be over the count LM's vocabulary")
    log = sys.stderr if log is None else log
    rows, tables = lm.tables()
    held_rows = tuple(np.ascontiguousarray(r) for r in counts.ngrams[:lm.order])
    held_counts = tuple(np.asarray(c, dtype=np.int64) for c in counts.counts[:lm.order])
    nonword = lm.nonwords()
    likelihoods = []
    previous = None
    for iteration in range(max_iters):
        mix_counts = np.zeros_like(lm.weights)
        mix_totals = np.zeros_like(lm.weights)
        likelihood, inconsistent = _em_pass(rows, tables, lm.weights, lm.count_modulus, lm.vocab_size,
                                            lm.total_count, nonword, lm.vocab.bos, held_rows, held_counts,
                                            mix_counts, mix_totals)
        if inconsistent:
            log.write(f"warning: zero denominator count for {inconsistent} held-out n-grams (counted n-grams "
                      "whose context is not)\n")
        likelihood = float(likelihood)
        likelihoods.append(likelihood)
        log.write(f"iteration {iteration}: log likelihood = {format_float32(likelihood)}\n")
        if iteration > 1 and abs((likelihood - previous) / previous) < min_delta:
            break
        for c in range(len(lm.weights)):
            if debug >= 1:
                log.write(f"posterior counts {c}:")
            for j in range(lm.order):
                if debug >= 1:
                    log.write(f" {mix_counts[c, j]:g}/{mix_totals[c, j]:g}")
                if mix_totals[c, j] > 0.0:
                    lm.weights[c, j] = mix_counts[c, j] / mix_totals[c, j]
                elif j > 0 and debug < 1:
                    log.write(f"warning: no data to estimate mixture weight for count {c}, order {j}\n")
            if debug >= 1:
                log.write("\n")
        previous = likelihood
    return likelihoods


def format_float32(value):
    """A float32 as C++'s default ostream (precision 6) prints it."""
    return f"{float(np.float32(value)):g}"

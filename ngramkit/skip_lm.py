"""SRILM's skip n-gram models (`SkipNgram`, `ngram -skip`): a backoff model whose estimate
of w after a history ... u v is mixed with the estimate that skips v,

    p(w | ... u v) = s(v) p_bo(w | ... u) + (1 - s(v)) p_bo(w | ... u v)

with each context cut to order - 1 words and s(v) the skip probability of the previous word
(none or 0: the plain backoff estimate). The file is an ARPA model followed by one `word prob`
line per word, as SkipNgram::write writes it (probabilities `%.16g`, the words sorted).
"""

import math
import re
from dataclasses import dataclass

import numpy as np

from .block_scorer import score_line_blocks
from .classes.model import format_tagged_word_lines
from .constants import LN10
from .errors import FormatError
from .formats import load
from .jit import njit
from .numfmt import parse_float
from .perplexity import close_sentence, sentence_span, srilm_tables, tally_word
from .scoring import WordTable, advance_words
from .textio import iter_line_blocks, split_words

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


@njit(cache=True)
def _skip_block(uni_logprob, uni_backoff, meta, entries, values, skip, ids, line_offsets, bos, eos, unk, total,
                token_logp, token_found, sentence_stats, tag_bounds, tags):
    """Score each line as a sentence under SkipNgram::wordProb; returns ([sentences, words,
    OOVs, zeroprobs], total). Per slot (t + s, </s> at hi + s) the log10 p and the lengths of
    the n-grams that gave it: tags[tag_bounds[slot, 0]:tag_bounds[slot, 1]], the plain
    estimate's first, then the skipping one's."""
    order = meta.shape[0] - 1
    width = max(order - 1, 1)
    keys = np.empty(width, dtype=np.int64)
    bows = np.empty(width, dtype=np.float32)
    next_keys = np.empty(width, dtype=np.int64)
    next_bows = np.empty(width, dtype=np.float32)
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
            prev = ids[t - 1] if t > lo else bos
            # the plain estimate: up to order - 1 words before w, <s> first
            n = min(order, t - lo + 2)
            for c in range(n - 1):
                back = t - (n - 1 - c)
                words[c] = bos if back < lo else ids[back]
            words[n - 1] = w
            p, found = _backoff_logprob(uni_logprob, uni_backoff, meta, entries, values, words, n, keys, bows,
                                        next_keys, next_bows)
            tag_bounds[slot, 0] = n_tags
            tags[n_tags] = found
            n_tags += 1
            lam = skip[prev] if prev >= 0 else 0.0
            if lam != 0.0:
                # the estimate that skips the previous word
                m = min(order, t - lo + 1)
                for c in range(m - 1):
                    back = t - 1 - (m - 1 - c)
                    words[c] = bos if back < lo else ids[back]
                words[m - 1] = w
                q, skip_found = _backoff_logprob(uni_logprob, uni_backoff, meta, entries, values, words, m, keys,
                                                 bows, next_keys, next_bows)
                tags[n_tags] = skip_found
                n_tags += 1
                mixed = lam * math.exp(float(q) * LN10) + (1.0 - lam) * math.exp(float(p) * LN10)
                p = np.float32(math.log10(mixed)) if mixed > 0.0 else np.float32(-np.inf)
            tag_bounds[slot, 1] = n_tags
            token_logp[slot] = p
            token_found[slot] = found
            sentence_prob, oovs, zeros = tally_word(p, w, unk, sentence_prob, oovs, zeros)
        close_sentence(stats, sentence_stats, s, hi - lo, sentence_prob, oovs, zeros, True)
        total += sentence_prob
    return stats, total


class SkipScorer:
    """SRILM's `ngram -skip -ppl`: totals, and the -debug 1/2 lines (at 2 with the tag of each
    backoff estimate looked up)."""

    def __init__(self, lm, unk_word=None):
        self.lm = lm
        vocab = lm.vocab
        self.tables = srilm_tables(lm.model)
        self.words = WordTable.from_vocab(vocab)
        self.unk = vocab.index[unk_word] if unk_word is not None else vocab.unk
        self.skip = lm.skip_array()
        self.max_word = int(np.diff(vocab.byte_pool()[1]).max())

    def score_file(self, path, debug=0, out=None, encoding="utf-8"):
        """The `TextStats` of `path`; with debug >= 1 SRILM's per-sentence (and at 2 per-word)
        lines go to the binary stream `out`."""
        vocab = self.lm.vocab

        def score(ids, line_offsets, logprob, token_logp, token_found, sentence_stats):
            slots = len(token_logp)
            tag_bounds = np.zeros((slots, 2), dtype=np.int64)
            tags = np.zeros(2 * slots, dtype=np.int8)
            stats, logprob = _skip_block(*self.tables.arrays(), self.skip, ids, line_offsets, vocab.bos, vocab.eos,
                                         self.unk, logprob, token_logp, token_found, sentence_stats, tag_bounds,
                                         tags)
            return stats, logprob, (tag_bounds, tags)

        def write_word_lines(pool, offsets, ids, line_offsets, token_logp, token_found, extras, out, ends):
            return format_tagged_word_lines(pool, offsets, ids, line_offsets, vocab.bos, vocab.eos, token_logp,
                                            *extras, out, ends)

        return score_line_blocks(path, vocab, self.words, self.unk, score, write_word_lines,
                                 2 * self.max_word + 100, debug, out, encoding)

"""Back-off scoring over `NgramModel` arrays, in compiled code.

`ScoringTables` holds the model as flat arrays plus one open-addressing hash
table per order >= 2 (unigrams are indexed by word id directly). A context is
kept as its words, most recent first, with the backoff weights of the suffix
n-grams that exist; scoring a word then costs one hash probe per order.

The arithmetic follows SRILM's `Ngram::wordProbBO`: the probability of the
longest matching n-gram plus the backoff weights of the longer contexts,
added in float32.
"""

import numpy as np
from numba import njit

from .arpa import hash_bytes

_MIX = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True, inline="always")
def _mix(h, word):
    h = (h ^ np.uint64(word)) * _MIX
    return h ^ (h >> np.uint64(29))


@njit(cache=True)
def _build_table(ids, table, mask):
    """Insert the rows of `ids` (n, k) into `table`, hashed newest word first as `advance` probes."""
    k = ids.shape[1]
    for row in range(ids.shape[0]):
        h = _mix(np.uint64(0), ids[row, k - 1])
        for j in range(k - 2, -1, -1):
            h = _mix(h, ids[row, j])
        slot = h & mask
        while table[slot] >= 0:
            slot = (slot + np.uint64(1)) & mask
        table[slot] = row


class ScoringTables:
    """A model laid out for compiled lookups. `unk_logprob` gives `<unk>` a
    probability when the model has none (KenLM uses -100); None leaves it absent."""

    def __init__(self, model, unk_logprob=None):
        self.model = model
        self.vocab = model.vocab
        self.order = model.order
        n_words = len(model.vocab)
        uni = model.ngrams[0][:, 0]
        self.uni_logprob = np.full(n_words, np.nan, dtype=np.float32)
        self.uni_logprob[uni] = model.logprob[0]
        if unk_logprob is not None and np.isnan(self.uni_logprob[model.vocab.unk]):
            self.uni_logprob[model.vocab.unk] = unk_logprob
        self.uni_backoff = np.zeros(n_words, dtype=np.float32)
        if self.order > 1:
            self.uni_backoff[uni] = np.nan_to_num(model.backoff[0], nan=0.0)
        order = self.order
        # meta rows: offset into flat ids, offset into flat rows, offset into tables, table mask.
        self.meta = np.zeros((order + 1, 4), dtype=np.int64)
        ids_parts, prob_parts, bow_parts, sizes = [], [], [], []
        id_off = row_off = tab_off = 0
        for k in range(2, order + 1):
            ids = model.ngrams[k - 1]
            size = 16
            while size < 2 * len(ids):
                size *= 2
            self.meta[k] = (id_off, row_off, tab_off, size - 1)
            ids_parts.append(ids.reshape(-1))
            prob_parts.append(model.logprob[k - 1])
            if k < order:
                bow_parts.append(np.nan_to_num(model.backoff[k - 1], nan=0.0))
            else:
                bow_parts.append(np.zeros(len(ids), dtype=np.float32))
            sizes.append(size)
            id_off += ids.size
            row_off += len(ids)
            tab_off += size
        self.flat_ids = np.concatenate(ids_parts) if ids_parts else np.zeros(0, dtype=np.int32)
        self.logprob = np.concatenate(prob_parts).astype(np.float32) if prob_parts else np.zeros(0, np.float32)
        self.backoff = np.concatenate(bow_parts).astype(np.float32) if bow_parts else np.zeros(0, np.float32)
        self.tables = np.full(tab_off, -1, dtype=np.int32)
        for k in range(2, order + 1):
            _, _, off, mask = self.meta[k]
            _build_table(model.ngrams[k - 1], self.tables[off:off + mask + 1], np.uint64(mask))

    def arrays(self):
        """The arrays the compiled functions take, in their argument order."""
        return (self.uni_logprob, self.uni_backoff, self.meta, self.flat_ids, self.logprob, self.backoff, self.tables)


@njit(cache=True)
def advance(uni_logprob, uni_backoff, meta, flat_ids, logprob, backoff, tables,
            ctx_words, ctx_bows, ctx_len, word, new_words, new_bows, kenlm_sum):
    """Score `word` after the context (ctx_words[:ctx_len], newest first, whose
    suffixes all exist as n-grams with weights ctx_bows). Fills the context that
    follows into new_words/new_bows (may not alias the inputs).

    The backoff weights of the contexts longer than the match are summed first
    and then added (SRILM), or added one by one to the probability (KenLM,
    `kenlm_sum`); the float32 results differ in the last bit.

    Returns (log10 p, length of the matched n-gram (0: none), new context length).
    """
    order = meta.shape[0] - 1
    p = uni_logprob[word] if word >= 0 else np.float32(np.nan)
    found = 0
    if not np.isnan(p):
        found = 1
        new_len = 1
        new_words[0] = word
        new_bows[0] = uni_backoff[word]
    else:
        p = np.float32(-np.inf)
        new_len = 0
    chain = new_len == 1
    h = _mix(np.uint64(0), word)
    usable = min(ctx_len, order - 1)
    for j in range(1, usable + 1):
        k = j + 1
        h = _mix(h, ctx_words[j - 1])
        id_off, row_off, tab_off, mask = meta[k, 0], meta[k, 1], meta[k, 2], np.uint64(meta[k, 3])
        slot = h & mask
        row = -1
        while True:
            r = tables[tab_off + slot]
            if r < 0:
                break
            base = id_off + r * k
            if flat_ids[base + k - 1] == word:
                same = True
                for i in range(1, k):
                    if flat_ids[base + k - 1 - i] != ctx_words[i - 1]:
                        same = False
                        break
                if same:
                    row = r
                    break
            slot = (slot + np.uint64(1)) & mask
        if row >= 0:
            p = logprob[row_off + row]
            found = k
            if chain and k < order:
                new_words[j] = ctx_words[j - 1]
                new_bows[j] = backoff[row_off + row]
                new_len = k
        else:
            chain = False
    if kenlm_sum:
        for j in range(max(found, 1), usable + 1):
            p = p + ctx_bows[j - 1]
        return p, found, new_len
    bow = np.float32(0.0)
    for j in range(max(found, 1), usable + 1):
        bow = bow + ctx_bows[j - 1]
    return p + bow, found, new_len


@njit(cache=True)
def _build_word_table(pool, offsets, table, mask):
    for w in range(len(offsets) - 1):
        slot = hash_bytes(pool, offsets[w], offsets[w + 1]) & mask
        while table[slot] >= 0:
            slot = (slot + np.uint64(1)) & mask
        table[slot] = w


class WordTable:
    """Vocabulary lookup of UTF-8 byte spans in compiled code."""

    def __init__(self, vocab):
        self.pool, self.offsets = vocab.byte_pool()
        size = 16
        while size < 2 * len(vocab):
            size *= 2
        self.table = np.full(size, -1, dtype=np.int32)
        _build_word_table(self.pool, self.offsets, self.table, np.uint64(size - 1))

    def arrays(self):
        return (self.table, self.pool, self.offsets)


@njit(cache=True)
def word_id(table, pool, offsets, buf, start, end):
    """Id of the word buf[start:end], or -1."""
    mask = np.uint64(len(table) - 1)
    slot = hash_bytes(buf, start, end) & mask
    length = end - start
    while True:
        w = table[slot]
        if w < 0:
            return -1
        if offsets[w + 1] - offsets[w] == length:
            same = True
            for i in range(length):
                if pool[offsets[w] + i] != buf[start + i]:
                    same = False
                    break
            if same:
                return w
        slot = (slot + np.uint64(1)) & mask


@njit(cache=True, inline="always")
def _is_blank(c):
    return c == 32 or c == 9 or c == 13 or c == 11 or c == 12


@njit(cache=True)
def tokenize_lines(buf, table, pool, offsets, unknown, keep_empty=False):
    """Split text into lines and words; lines without words are skipped unless `keep_empty`.

    Returns (ids, starts, ends, line_offsets): per token its id (`unknown` when
    not in the vocabulary) and byte span; line i holds tokens
    line_offsets[i]:line_offsets[i+1].
    """
    n = len(buf)
    n_tokens = 0
    n_lines = 0
    in_word = False
    line_has = False
    for i in range(n):
        c = buf[i]
        if c == 10:
            in_word = False
            if line_has or keep_empty:
                n_lines += 1
            line_has = False
        elif _is_blank(c):
            in_word = False
        elif not in_word:
            in_word = True
            line_has = True
            n_tokens += 1
    if line_has or (keep_empty and n > 0 and buf[n - 1] != 10):
        n_lines += 1
    ids = np.empty(n_tokens, dtype=np.int32)
    starts = np.empty(n_tokens, dtype=np.int64)
    ends = np.empty(n_tokens, dtype=np.int64)
    line_offsets = np.empty(n_lines + 1, dtype=np.int64)
    line_offsets[0] = 0
    t = 0
    line = 0
    i = 0
    line_start_token = 0
    while i < n:
        c = buf[i]
        if c == 10:
            if t > line_start_token or keep_empty:
                line += 1
                line_offsets[line] = t
                line_start_token = t
            i += 1
        elif _is_blank(c):
            i += 1
        else:
            s = i
            while i < n and buf[i] != 10 and not _is_blank(buf[i]):
                i += 1
            starts[t] = s
            ends[t] = i
            w = word_id(table, pool, offsets, buf, s, i)
            ids[t] = w if w >= 0 else unknown
            t += 1
    if t > line_start_token or (keep_empty and n > 0 and buf[n - 1] != 10):
        line += 1
        line_offsets[line] = t
    return ids, starts, ends, line_offsets


@njit(cache=True)
def score_sentences(uni_logprob, uni_backoff, meta, flat_ids, logprob, backoff, tables,
                    ids, line_offsets, bos, eos, use_bos, use_eos, kenlm_sum, out_logprob, out_found, out_ids, out_offsets):
    """Score each sentence ids[line_offsets[i]:line_offsets[i+1]] with optional
    `<s>` context and final `</s>`. Per token (and `</s>`) log10 p, matched
    length and word id go to out_logprob/out_found/out_ids from out_offsets[i];
    returns the float32 sentence totals."""
    order = meta.shape[0] - 1
    width = max(order - 1, 1)
    words_a = np.empty(width, dtype=np.int32)
    bows_a = np.empty(width, dtype=np.float32)
    words_b = np.empty(width, dtype=np.int32)
    bows_b = np.empty(width, dtype=np.float32)
    n_lines = len(line_offsets) - 1
    totals = np.empty(n_lines, dtype=np.float32)
    pos = 0
    for s in range(n_lines):
        out_offsets[s] = pos
        ctx_len = 0
        if use_bos and not np.isnan(uni_logprob[bos]) and order > 1:
            words_a[0] = bos
            bows_a[0] = uni_backoff[bos]
            ctx_len = 1
        cur_w, cur_b, nxt_w, nxt_b = words_a, bows_a, words_b, bows_b
        total = np.float32(0.0)
        lo = line_offsets[s]
        hi = line_offsets[s + 1]
        for t in range(lo, hi + (1 if use_eos else 0)):
            w = ids[t] if t < hi else eos
            p, found, ctx_len = advance(uni_logprob, uni_backoff, meta, flat_ids, logprob, backoff, tables,
                                        cur_w, cur_b, ctx_len, w, nxt_w, nxt_b, kenlm_sum)
            out_logprob[pos] = p
            out_found[pos] = found
            out_ids[pos] = w
            pos += 1
            total += p
            cur_w, cur_b, nxt_w, nxt_b = nxt_w, nxt_b, cur_w, cur_b
        totals[s] = total
    out_offsets[n_lines] = pos
    return totals


@njit(cache=True)
def score_one(uni_logprob, uni_backoff, meta, flat_ids, logprob, backoff, tables,
              table, pool, offsets, buf, unk, bos, eos, use_bos, use_eos):
    """KenLM's `Model.score` of one sentence (all whitespace separates words): float32 total."""
    order = meta.shape[0] - 1
    width = max(order - 1, 1)
    cur_w = np.empty(width, dtype=np.int32)
    cur_b = np.empty(width, dtype=np.float32)
    nxt_w = np.empty(width, dtype=np.int32)
    nxt_b = np.empty(width, dtype=np.float32)
    ctx_len = 0
    if use_bos and not np.isnan(uni_logprob[bos]) and order > 1:
        cur_w[0] = bos
        cur_b[0] = uni_backoff[bos]
        ctx_len = 1
    total = np.float32(0.0)
    n = len(buf)
    i = 0
    at_end = False
    while not at_end:
        while i < n and (buf[i] == 10 or _is_blank(buf[i])):
            i += 1
        if i >= n:
            if not use_eos:
                break
            w = eos
            at_end = True
        else:
            s = i
            while i < n and buf[i] != 10 and not _is_blank(buf[i]):
                i += 1
            w = word_id(table, pool, offsets, buf, s, i)
            if w < 0:
                w = unk
        p, found, ctx_len = advance(uni_logprob, uni_backoff, meta, flat_ids, logprob, backoff, tables,
                                    cur_w, cur_b, ctx_len, w, nxt_w, nxt_b, True)
        total += p
        cur_w, cur_b, nxt_w, nxt_b = nxt_w, nxt_b, cur_w, cur_b
    return total

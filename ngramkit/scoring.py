"""Back-off scoring over `NgramModel` arrays, in compiled code.

`ScoringTables` holds unigrams in arrays indexed by word id and one
open-addressing hash table per order >= 2. As in KenLM's probing tables, an
n-gram is known by a 64-bit hash of its words, extended word by word, so the
keys a word needs follow from the context's keys without reading memory, and
the probes of consecutive words overlap; each probe reads one 16-byte entry
holding the key, the probability and the backoff weight. A context is kept as
the keys of its suffix n-grams, newest first, with their backoff weights.

The arithmetic follows SRILM's `Ngram::wordProbBO`: the probability of the
longest matching n-gram plus the backoff weights of the longer contexts,
added in float32.
"""

import numpy as np
from numba import njit

from .arpa import hash_bytes

EMPTY = -1
LOAD_FACTOR = 1.5  # slots per n-gram, as KenLM's probing tables


@njit(cache=True, inline="always")
def _fmix(h):
    # MurmurHash3's 64-bit finaliser: every input bit moves every output bit.
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


@njit(cache=True, inline="always")
def unigram_key(word):
    return np.int64(_fmix(np.uint64(word) + np.uint64(0x9E3779B97F4A7C15)))


@njit(cache=True, inline="always")
def _extend(key, word):
    """The key of an n-gram from its history's key and its last word (never EMPTY)."""
    h = np.int64(_fmix(np.uint64(key) ^ (np.uint64(word) * np.uint64(0x9E3779B97F4A7C15))))
    return h if h != EMPTY else np.int64(0)


@njit(cache=True, inline="always")
def _slot_of(key, size):
    # The key's high 32 bits scaled to [0, size) (sizes stay below 2**32): no division.
    return np.int64(((np.uint64(key) >> np.uint64(32)) * np.uint64(size)) >> np.uint64(32))


@njit(cache=True, inline="always")
def _find(entries, offset, size, key):
    """Slot of `key` in the table at entries[offset:offset+size], or -1."""
    slot = _slot_of(key, size)
    while True:
        found = entries[offset + slot, 0]
        if found == key:
            return slot
        if found == EMPTY:
            return -1
        slot += 1
        if slot == size:
            slot = 0


@njit(cache=True)
def _insert_order(ids, logprob, backoff, entries, values, offset, size):
    """Insert the k-grams `ids` into the table at entries[offset:offset+size]."""
    k = ids.shape[1]
    for r in range(ids.shape[0]):
        key = unigram_key(ids[r, 0])
        for c in range(1, k):
            key = _extend(key, ids[r, c])
        slot = _slot_of(key, size)
        while entries[offset + slot, 0] != EMPTY:
            slot += 1
            if slot == size:
                slot = 0
        entries[offset + slot, 0] = key
        values[offset + slot, 2] = logprob[r]
        bow = backoff[r]
        values[offset + slot, 3] = np.float32(0.0) if np.isnan(bow) else bow


class ScoringTables:
    """A model laid out for compiled lookups.

    uni_logprob/uni_backoff: per word id (NaN logprob: not a unigram).
    meta[k] (k >= 2): (offset, size) of order k's table in `entries`.
    entries: int64 rows (key, value pair); `values` is the same memory seen as
    float32, so an entry's log probability and backoff weight are values[s, 2]
    and values[s, 3].
    """

    def __init__(self, uni_logprob, uni_backoff, meta, entries):
        self.uni_logprob = uni_logprob
        self.uni_backoff = uni_backoff
        self.meta = meta
        self.entries = entries
        self.values = entries.view(np.float32).reshape(len(entries), 4)
        self.order = len(meta) - 1

    @classmethod
    def from_model(cls, model, unk_logprob=None):
        """Tables of `model`. `unk_logprob` gives `<unk>` a probability when the
        model has none (KenLM uses -100); None leaves it absent."""
        n_words = len(model.vocab)
        uni = model.ngrams[0][:, 0]
        uni_logprob = np.full(n_words, np.nan, dtype=np.float32)
        uni_logprob[uni] = model.logprob[0]
        if unk_logprob is not None and np.isnan(uni_logprob[model.vocab.unk]):
            uni_logprob[model.vocab.unk] = unk_logprob
        uni_backoff = np.zeros(n_words, dtype=np.float32)
        if model.order > 1:
            uni_backoff[uni] = np.nan_to_num(model.backoff[0], nan=0.0)
        meta = np.zeros((model.order + 1, 2), dtype=np.int64)
        offset = 0
        for k in range(2, model.order + 1):
            size = max(16, int(LOAD_FACTOR * len(model.ngrams[k - 1])) + 1)
            meta[k] = (offset, size)
            offset += size
        entries = np.full((offset, 2), EMPTY, dtype=np.int64)
        self = cls(uni_logprob, uni_backoff, meta, entries)
        for k in range(2, model.order + 1):
            ids = model.ngrams[k - 1]
            backoff = model.backoff[k - 1] if k < model.order else np.zeros(len(ids), dtype=np.float32)
            _insert_order(ids, model.logprob[k - 1], backoff, entries, self.values, meta[k, 0], meta[k, 1])
        return self

    def named_arrays(self):
        """The arrays that define the tables, by name (what a binary model file stores)."""
        return {"uni_logprob": self.uni_logprob, "uni_backoff": self.uni_backoff,
                "meta": self.meta, "entries": self.entries}

    def arrays(self):
        """The arrays the compiled functions take, in their argument order."""
        return (self.uni_logprob, self.uni_backoff, self.meta, self.entries, self.values)


@njit(cache=True, inline="always")
def advance(uni_logprob, uni_backoff, meta, entries, values,
            ctx_keys, ctx_bows, ctx_len, word, new_keys, new_bows, kenlm_sum):
    """Score `word` after the context ctx_keys[:ctx_len]: the keys of the
    context's suffix n-grams, newest first (ctx_keys[0]: the last word's), with
    their backoff weights ctx_bows. Fills the context that follows into
    new_keys/new_bows (may not alias the inputs).

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
        new_keys[0] = unigram_key(word)
        new_bows[0] = uni_backoff[word]
    else:
        p = np.float32(-np.inf)
        new_len = 0
    chain = new_len == 1
    usable = min(ctx_len, order - 1)
    # SRILM looks further while the context exists, even past a missing n-gram.
    for j in range(1, usable + 1 if word >= 0 else 1):
        k = j + 1
        offset = meta[k, 0]
        key = _extend(ctx_keys[j - 1], word)
        slot = _find(entries, offset, meta[k, 1], key)
        if slot >= 0:
            p = values[offset + slot, 2]
            found = k
            if chain and k < order:
                new_keys[j] = key
                new_bows[j] = values[offset + slot, 3]
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
    """Vocabulary lookup of UTF-8 byte spans in compiled code: an open-addressing
    table of word ids (size a power of two) over the words' byte pool."""

    def __init__(self, table, pool, offsets):
        self.table = table
        self.pool = pool
        self.offsets = offsets

    @classmethod
    def from_vocab(cls, vocab):
        pool, offsets = vocab.byte_pool()
        size = 16
        while size < 2 * len(vocab):
            size *= 2
        table = np.full(size, -1, dtype=np.int32)
        _build_word_table(pool, offsets, table, np.uint64(size - 1))
        return cls(table, pool, offsets)

    def named_arrays(self):
        return {"word_table": self.table, "word_pool": self.pool, "word_offsets": self.offsets}

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
def sentence_start(uni_logprob, uni_backoff, bos, use_bos, order, keys, bows):
    """Set the context of a sentence start; returns its length."""
    if use_bos and order > 1 and not np.isnan(uni_logprob[bos]):
        keys[0] = unigram_key(bos)
        bows[0] = uni_backoff[bos]
        return 1
    return 0


@njit(cache=True)
def score_text(uni_logprob, uni_backoff, meta, entries, values, table, pool, offsets,
               buf, n_lines, unk, bos, eos, use_bos, use_eos, per_token,
               out_logprob, out_found, out_ids, out_offsets):
    """KenLM's scores of each line of `buf` as a sentence (n_lines lines, each
    ending in a newline; blanks separate words; words not in the vocabulary
    score as `unk`), tokenised and scored in one pass.

    With `per_token`, each word's (and `</s>`'s) log10 p, matched length and id
    go to out_logprob/out_found/out_ids, line i's from out_offsets[i].
    Returns the float32 sentence totals.
    """
    order = meta.shape[0] - 1
    width = max(order - 1, 1)
    keys = np.empty(width, dtype=np.int64)
    bows = np.empty(width, dtype=np.float32)
    next_keys = np.empty(width, dtype=np.int64)
    next_bows = np.empty(width, dtype=np.float32)
    totals = np.zeros(n_lines, dtype=np.float32)
    n = len(buf)
    i = 0
    pos = 0
    for line in range(n_lines):
        if per_token:
            out_offsets[line] = pos
        ctx_len = sentence_start(uni_logprob, uni_backoff, bos, use_bos, order, keys, bows)
        total = np.float32(0.0)
        at_end = False
        while True:
            while i < n and _is_blank(buf[i]):
                i += 1
            if i >= n or buf[i] == 10:
                i += 1
                if not use_eos:
                    break
                w = eos
                at_end = True
            else:
                start = i
                while i < n and buf[i] != 10 and not _is_blank(buf[i]):
                    i += 1
                w = word_id(table, pool, offsets, buf, start, i)
                if w < 0:
                    w = unk
            p, found, ctx_len = advance(uni_logprob, uni_backoff, meta, entries, values,
                                        keys, bows, ctx_len, w, next_keys, next_bows, True)
            # Copied back rather than swapped: reassigning array variables costs reference counting per word.
            for j in range(ctx_len):
                keys[j] = next_keys[j]
                bows[j] = next_bows[j]
            total += p
            if per_token:
                out_logprob[pos] = p
                out_found[pos] = found
                out_ids[pos] = w
                pos += 1
            if at_end:
                break
        totals[line] = total
    if per_token:
        out_offsets[n_lines] = pos
    return totals

"""KenLM's probing layout: the vocabulary and every order above 1 in linear-probing hash
tables keyed by 64-bit hashes.

After the header: the vocabulary (version and bound as two uint32, then buckets of uint64
word hash + uint32 id, packed to 12 bytes), the unigrams ((count + 1) float32 pairs
probability, backoff, indexed by id), for each middle order buckets of uint64 key + float32
probability + float32 backoff, for the highest order buckets of uint64 key + float32
probability (12 bytes); an empty bucket has key 0. Ids follow the ARPA's unigram order
from 1; `<unk>` is 0. The key of w1..wk hashes the ids newest first:
h(wk) = wk, h(wk..wj) = h(wk..wj+1) * A xor (wj + 1) * B (mod 2^64).

Flags live in sign bits: a probability with its sign bit clear belongs to an n-gram that is
the suffix of a longer one; a zero backoff with its sign bit clear (+0.0) to an n-gram that
is the context of a longer one. The hash tables hold no n-gram's words, so reading
recovers them by a join: a k-gram's context and suffix are both (k-1)-grams (blanks included)
and overlap in k-2 words, so every pair of a context-flagged and a suffix-flagged (k-1)-gram
that overlap is a candidate whose key is looked up. The cost is the number of such pairs
(for bigrams: words with a backoff times words that end a bigram).
"""

import numpy as np

from ..errors import FormatError
from ..jit import njit
from .assemble import Order
from .layout import NO_EXTENSION, PROBING_VOCAB_VERSION, SIGN_BIT, align8, hash_words, read_words, word_pool

KEY_MULTIPLIER = np.uint64(8978948897894561157)
WORD_MULTIPLIER = np.uint64(17894857484156487943)

VOCAB_ENTRY = np.dtype([("key", "<u8"), ("value", "<u4")])          # 12 bytes
MIDDLE_ENTRY = np.dtype([("key", "<u8"), ("prob", "<u4"), ("backoff", "<u4")])  # 16 bytes
LONGEST_ENTRY = np.dtype([("key", "<u8"), ("prob", "<u4")])        # 12 bytes
UNIGRAM_ENTRY = np.dtype([("prob", "<u4"), ("backoff", "<u4")])


def buckets(entries, multiplier):
    """Buckets of a table for `entries` keys: as KenLM sizes it (float32 arithmetic, truncated)."""
    scaled = int(np.float32(multiplier) * np.float32(entries))
    return max(entries + 1, scaled)


class Layout:
    """Byte offsets of the parts of a probing file."""

    def __init__(self, header):
        counts, mult = header.counts, header.probing_multiplier
        self.vocab_offset = header.size
        self.vocab_buckets = buckets(counts[0], mult)
        self.unigram_offset = self.vocab_offset + align8(8) + self.vocab_buckets * VOCAB_ENTRY.itemsize
        offset = self.unigram_offset + (counts[0] + 1) * UNIGRAM_ENTRY.itemsize
        self.tables = []  # (offset, buckets, dtype) for orders 2..N
        for k in range(2, header.order + 1):
            dtype = LONGEST_ENTRY if k == header.order else MIDDLE_ENTRY
            n = buckets(counts[k - 1], mult)
            self.tables.append((offset, n, dtype))
            offset += n * dtype.itemsize
        self.end = offset


@njit(cache=True)
def combine(key, word):
    return (key * KEY_MULTIPLIER) ^ ((np.uint64(word) + np.uint64(1)) * WORD_MULTIPLIER)


@njit(cache=True)
def find_bucket(keys, key):
    """Index of `key` in the linear-probing table `keys` (0 marks empty), or -1."""
    n = len(keys)
    i = np.int64(key % np.uint64(n))
    for _ in range(n):
        got = keys[i]
        if got == key:
            return i
        if got == 0:
            return -1
        i += 1
        if i == n:
            i = 0
    return -1


@njit(cache=True)
def _check_vocab(table_keys, table_values, word_hashes, bound):
    """-1 if every word's hash finds its id in the table, else the first id that does not."""
    for i in range(1, bound):
        slot = find_bucket(table_keys, word_hashes[i])
        if slot < 0 or table_values[slot] != i:
            return i
    return -1


@njit(cache=True)
def _join(group_start_ctx, ctx_members, ctx_first_word, group_start_ext, ext_members, ext_key,
          keys, found_bucket, out_prefix, out_suffix, out_slot):
    """Look up every (context, suffix) pair that shares its middle; record the hits.

    Returns the number of n-grams found, or -1 if a bucket is hit twice (hash collision or a
    corrupt file)."""
    found = 0
    limit = len(out_prefix)
    for m in range(len(group_start_ctx) - 1):
        c_lo, c_hi = group_start_ctx[m], group_start_ctx[m + 1]
        e_lo, e_hi = group_start_ext[m], group_start_ext[m + 1]
        if c_lo == c_hi or e_lo == e_hi:
            continue
        for ci in range(c_lo, c_hi):
            c = ctx_members[ci]
            word = ctx_first_word[c]
            for ei in range(e_lo, e_hi):
                s = ext_members[ei]
                slot = find_bucket(keys, combine(ext_key[s], word))
                if slot >= 0:
                    if found_bucket[slot] or found == limit:
                        return -1
                    found_bucket[slot] = True
                    out_prefix[found] = c
                    out_suffix[found] = s
                    out_slot[found] = slot
                    found += 1
    return found


def _groups(members_by, n_groups):
    """Members sorted by group and the start of each group's run."""
    order = np.argsort(members_by, kind="stable")
    starts = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(members_by, minlength=n_groups), out=starts[1:])
    return order.astype(np.int64), starts


def read(data, buf, header, path):
    """(orders, words, unk_added) of the probing file `data` (bytes-like, with `buf` its uint8 view)."""
    layout = Layout(header)
    counts = header.counts
    if layout.end > len(data):
        raise FormatError(f"KenLM binary truncated: {len(data)} bytes where the tables need {layout.end}", path)
    version, bound = np.frombuffer(buf, dtype="<u4", count=2, offset=layout.vocab_offset)
    if version != PROBING_VOCAB_VERSION:
        raise FormatError(f"KenLM binary has probing vocabulary version {version}; version 0 is read", path)
    if not counts[0] <= bound <= counts[0] + 1:
        raise FormatError(f"KenLM binary: vocabulary of {bound} words for {counts[0]} 1-grams", path)
    bound = int(bound)
    if not header.has_vocabulary:
        raise FormatError("KenLM binary was built without its vocabulary strings (build_binary -v), "
                          "so its words cannot be recovered", path)
    words = read_words(data, layout.end, bound, path)
    vocab_table = np.frombuffer(buf, dtype=VOCAB_ENTRY, count=layout.vocab_buckets,
                                offset=layout.vocab_offset + 8)
    pool, offsets = word_pool(words)
    bad = _check_vocab(np.ascontiguousarray(vocab_table["key"]), np.ascontiguousarray(vocab_table["value"]),
                       hash_words(pool, offsets), bound)
    if bad >= 0:
        raise FormatError(f"KenLM binary: the vocabulary table does not hold word {words[bad]!r} "
                          "(corrupt file)", path)
    uni = np.frombuffer(buf, dtype=UNIGRAM_ENTRY, count=bound, offset=layout.unigram_offset)
    uni_prob = uni["prob"].copy()
    uni_backoff = uni["backoff"].copy()
    ids = np.arange(bound, dtype=np.int32)
    none = np.full(bound, -1, dtype=np.int64)
    orders = [Order(ids.reshape(-1, 1), (uni_prob | SIGN_BIT).view(np.float32), uni_backoff,
                    (uni_prob & SIGN_BIT) == 0, none, none)]
    # Per entry of the order below: its first word (joined onto the left of suffixes), its
    # key, and its flags.
    first_word = ids.astype(np.int64)
    entry_key = ids.astype(np.uint64)
    is_context = uni_backoff != NO_EXTENSION
    extends_left = (uni_prob & SIGN_BIT) == 0
    ctx_middle = np.zeros(bound, dtype=np.int64)  # bigrams all share the empty middle
    ext_middle = np.zeros(bound, dtype=np.int64)
    n_middles = 1
    for k in range(2, header.order + 1):
        offset, n_buckets, dtype = layout.tables[k - 2]
        table = np.frombuffer(buf, dtype=dtype, count=n_buckets, offset=offset)
        keys = np.ascontiguousarray(table["key"])
        occupied = int(np.count_nonzero(keys))
        ctx = np.flatnonzero(is_context)
        ext = np.flatnonzero(extends_left)
        ctx_members, ctx_starts = _groups(ctx_middle[ctx], n_middles)
        ext_members, ext_starts = _groups(ext_middle[ext], n_middles)
        found_bucket = np.zeros(n_buckets, dtype=np.bool_)
        prefix = np.empty(occupied, dtype=np.int64)
        suffix = np.empty(occupied, dtype=np.int64)
        slot = np.empty(occupied, dtype=np.int64)
        found = _join(ctx_starts, ctx[ctx_members], first_word, ext_starts, ext[ext_members], entry_key,
                      keys, found_bucket, prefix, suffix, slot)
        if found != occupied:
            raise FormatError(f"KenLM binary: the {k}-gram table holds {occupied} entries of which "
                              f"{max(found, 0)} are n-grams of the model (corrupt file)", path)
        # Entries in bucket order.
        perm = np.argsort(slot)
        slots, pre, suf = slot[perm], prefix[perm], suffix[perm]
        lower_rows = orders[-1].rows
        rows = np.empty((occupied, k), dtype=np.int32)
        rows[:, :k - 1] = lower_rows[pre]
        rows[:, k - 1] = lower_rows[suf, -1]
        entries = table[slots]
        prob_bits = np.ascontiguousarray(entries["prob"])
        backoff_bits = np.ascontiguousarray(entries["backoff"]) if k < header.order else None
        extends = (prob_bits & SIGN_BIT) == 0
        orders.append(Order(rows, (prob_bits | SIGN_BIT).view(np.float32), backoff_bits, extends, pre, suf))
        if k < header.order:
            first_word = rows[:, 0].astype(np.int64)
            entry_key = keys[slots]
            is_context = backoff_bits != NO_EXTENSION
            extends_left = extends
            ctx_middle = suf   # a context joins on its suffix
            ext_middle = pre   # a suffix joins on its prefix
            n_middles = len(lower_rows)
    return orders, words, bound == counts[0] + 1


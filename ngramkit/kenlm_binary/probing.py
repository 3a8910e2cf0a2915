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
from ..jit import borrowed, njit, prefetch, release_compiler_code
from ..vocab import UNK
from .assemble import Order
from .layout import (
    NO_EXTENSION,
    PROBING,
    PROBING_SEARCH_VERSION,
    PROBING_VOCAB_VERSION,
    SIGN_BIT,
    Header,
    align8,
    hash_words,
    read_words,
    word_pool,
)

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



@njit(cache=True)
def _probe(keys, lo, size, key):
    """Linear probing for `key` in the table keys[lo:lo + size] (0: empty): (the bucket holding
    it, or the empty one where it would go; whether it is there)."""
    i = np.int64(key % np.uint64(size))
    while True:
        got = keys[lo + i]
        if got == key:
            return lo + i, True
        if got == 0:
            return lo + i, False
        i += 1
        if i == size:
            i = 0


@njit(cache=True)
def _probe_insert(keys, lo, size, key):
    """The bucket of `key` in the table keys[lo:lo + size], inserting it if absent: (index, found)."""
    at, found = _probe(keys, lo, size, key)
    if not found:
        keys[at] = key
    return at, found


@njit(cache=True)
def _find(keys, lo, size, key):
    at, found = _probe(keys, lo, size, key)
    return at if found else -1


@njit(cache=True)
def _set_extension(bits, i):
    # A zero backoff of either sign becomes +0.0: the n-gram is a context.
    if bits[i] == NO_EXTENSION or bits[i] == 0:
        bits[i] = 0


@njit(cache=True)
def insert_vocab(keys, values, hashes):
    """Insert word hashes with ids 1.. into the vocabulary table (id order, as KenLM does)."""
    keys, values, hashes = borrowed(keys), borrowed(values), borrowed(hashes)
    for i in range(len(hashes)):
        slot, _ = _probe_insert(keys, 0, len(keys), hashes[i])
        values[slot] = i + 1


_LOOKAHEAD = 12  # rows: the buckets a row probes are requested this many rows before it is inserted


@njit(cache=True, inline="always")
def _request_buckets(ids, row, n, keys, prob_bits, backoff_bits, table_lo, table_size):
    """Start loading the buckets where inserting the n-gram ids[row] begins: its own, its
    suffix's and its context's (each probe is random in tables far larger than the cache, so
    waiting for them one after another is most of the insertion's time)."""
    key = np.uint64(ids[row, n - 1])
    for j in range(n - 2, -1, -1):
        key = combine(key, ids[row, j])
        if j == 1 and n >= 3:
            at = table_lo[n - 1] + np.int64(key % np.uint64(table_size[n - 1]))
            prefetch(keys, at)
            prefetch(prob_bits, at)
    at = table_lo[n] + np.int64(key % np.uint64(table_size[n]))
    prefetch(keys, at)
    prefetch(prob_bits, at)
    if n >= 3:
        context = np.uint64(ids[row, n - 2])
        for j in range(n - 3, -1, -1):
            context = combine(context, ids[row, j])
        at = table_lo[n - 1] + np.int64(context % np.uint64(table_size[n - 1]))
        prefetch(keys, at)
        prefetch(backoff_bits, at)


@njit(cache=True)
def insert_order(ids, prob, backoff, n, top, keys, prob_bits, backoff_bits, table_lo, table_size, filled,
                 uni_prob_bits, uni_backoff_bits, stop_at_duplicate):
    """Insert the n-grams of order n (rows of KenLM ids, in file order; prob and backoff as
    uint32 bits of their float32 values) as KenLM's probing build does, with the blanks their
    missing suffixes call for.

    prob_bits/backoff_bits: uint32 views of all tables' values (float views beside them are
    made here); table_lo[k], table_size[k]: where order k's table is. Returns (0, 0), or
    (1, row) when a table is full, (2, row) when a row's context is missing, (3, row) when
    stop_at_duplicate and a row is in the table already."""
    probs = prob_bits.view(np.float32)
    backoffs = backoff_bits.view(np.float32)
    uni_probs = uni_prob_bits.view(np.float32)
    uni_backoffs = uni_backoff_bits.view(np.float32)
    rev = np.empty(n, dtype=np.int64)
    hashes = np.empty(n - 1, dtype=np.uint64)
    between = np.empty(n, dtype=np.int64)  # bucket indices; -1 stands for the unigram
    for row in range(ids.shape[0]):
        if row + _LOOKAHEAD < ids.shape[0]:
            _request_buckets(ids, row + _LOOKAHEAD, n, keys, prob_bits, backoff_bits, table_lo, table_size)
        for j in range(n):
            rev[j] = ids[row, n - 1 - j]
        hashes[0] = combine(np.uint64(rev[0]), rev[1])
        for h in range(1, n - 1):
            hashes[h] = combine(hashes[h - 1], rev[h + 1])
        filled[n] += 1
        if filled[n] >= table_size[n]:
            return 1, row
        slot, found = _probe_insert(keys, table_lo[n], table_size[n], hashes[n - 2])
        if found and stop_at_duplicate:
            return 3, row
        prob_bits[slot] = prob[row] | SIGN_BIT
        if n < top:
            bits = backoff[row]
            backoff_bits[slot] = NO_EXTENSION if bits == 0 or bits == NO_EXTENSION else bits
        # Find the longest stored suffix, inserting blanks on the way down.
        count = 0
        found_lower = False
        for lower in range(n - 3, -1, -1):
            k = lower + 2
            at, found = _probe_insert(keys, table_lo[k], table_size[k], hashes[lower])
            if not found:
                filled[k] += 1
                if filled[k] >= table_size[k]:
                    return 1, row
                backoff_bits[at] = NO_EXTENSION
            between[count] = at
            count += 1
            if found:
                found_lower = True
                break
        if not found_lower:
            between[count] = -1
            count += 1
        if count > 1:
            # Blanks: value them from the basis (the found suffix) and the contexts' backoffs.
            if between[count - 1] < 0:
                value = -abs(uni_probs[rev[0]])
            else:
                value = -abs(probs[between[count - 1]])
            basis = n - count
            change = count - 2
            if basis == 1:
                _set_extension(uni_backoff_bits, rev[1])
                value = np.float32(value + uni_backoffs[rev[1]])
                probs[between[change]] = value
                basis = 2
                change -= 1
            context = np.uint64(rev[1])
            for i in range(2, basis + 1):
                context = combine(context, rev[i])
            while basis < n - 1:
                at = _find(keys, table_lo[basis], table_size[basis], context)
                if at >= 0:
                    _set_extension(backoff_bits, at)
                    value = np.float32(value + backoffs[at])
                probs[between[change]] = value
                context = combine(context, rev[basis + 1])
                basis += 1
                change -= 1
        # Every entry passed on the way down is now the suffix of a longer n-gram.
        for i in range(count):
            if between[i] < 0:
                uni_prob_bits[rev[0]] &= ~SIGN_BIT
            else:
                prob_bits[between[i]] &= ~SIGN_BIT
        # The context is now known to be extended.
        if n == 2:
            _set_extension(uni_backoff_bits, rev[1])
        else:
            context = np.uint64(rev[1])
            for i in range(2, n):
                context = combine(context, rev[i])
            at = _find(keys, table_lo[n - 1], table_size[n - 1], context)
            if at < 0:
                return 2, row
            _set_extension(backoff_bits, at)
    return 0, 0


class ProbingTables:
    """KenLM's probing tables, filled as its build_binary fills them: the 1-grams first (their
    order numbers the words), then each order's n-grams in the ARPA's line order, in as many
    runs as the caller likes; then written out.

    counts: n-grams per order, as the file's header gives them (they size the tables);
    unk_added: `<unk>` is not among the 1-grams, so it gets unk_logprob."""

    def __init__(self, counts, probing_multiplier, include_vocab, unk_added, unk_logprob, path):
        self.header = Header(len(counts), probing_multiplier, PROBING, include_vocab, PROBING_SEARCH_VERSION,
                             list(counts))
        self.layout = Layout(self.header)
        self.unk_added, self.unk_logprob, self.path = unk_added, unk_logprob, path
        order = self.header.order
        self.table_lo = np.zeros(order + 1, dtype=np.int64)
        self.table_size = np.zeros(order + 1, dtype=np.int64)
        total = 0
        for k in range(2, order + 1):
            _, n_buckets, _ = self.layout.tables[k - 2]
            self.table_lo[k], self.table_size[k] = total, n_buckets
            total += n_buckets
        self.keys = np.zeros(total, dtype=np.uint64)
        self.probs = np.zeros(total, dtype=np.uint32)
        # only the middle orders have backoffs; the highest order's table comes last
        self.backoffs = np.zeros(self.table_lo[order], dtype=np.uint32)
        self.filled = np.zeros(order + 1, dtype=np.int64)
        self.uni_prob = np.zeros(counts[0] + 1, dtype=np.uint32)
        self.uni_backoff = np.zeros(counts[0] + 1, dtype=np.uint32)
        self.kenlm_of = None

    @staticmethod
    def link_kernels():
        """Link the compiled kernels (from Numba's cache) on empty input and give back the code
        pages of LLVM that linking touched, before the tables take their memory: otherwise the
        first rows would touch them again at the peak."""
        no_ids = np.empty((0, 2), dtype=np.int64)
        no_keys = np.empty(0, dtype=np.uint64)
        no_bits = np.empty(0, dtype=np.uint32)
        no_index = np.zeros(3, dtype=np.int64)
        insert_order(no_ids, no_bits, no_bits, 2, 2, no_keys, no_bits, no_bits, no_index, no_index, no_index,
                     no_bits, no_bits, True)
        insert_vocab(no_keys, no_bits, hash_words(np.empty(0, dtype=np.uint8), np.zeros(1, dtype=np.int64)))
        release_compiler_code()

    def add_unigrams(self, vocab, ids, prob_bits, backoff_bits):
        """The 1-grams: word ids of `vocab` in the ARPA's order, uint32 bits of their float32
        values (backoff 0 for none)."""
        # KenLM numbers words in the order of the ARPA's 1-grams, <unk> first.
        others = ids[ids != vocab.unk]
        self.kenlm_of = np.zeros(len(vocab), dtype=np.int64)
        self.kenlm_of[others] = np.arange(1, len(others) + 1)
        self.kenlm_words = [UNK] + [vocab.words[i] for i in others]
        kenlm_ids = self.kenlm_of[ids]
        self.uni_prob[kenlm_ids] = prob_bits
        no_extension = (backoff_bits == 0) | (backoff_bits == NO_EXTENSION)
        self.uni_backoff[kenlm_ids] = np.where(no_extension, NO_EXTENSION, backoff_bits)

    def add_ngrams(self, k, ids, prob_bits, backoff_bits, stop_at_duplicate=False):
        """A run of k-grams (k >= 2): rows of word ids in the ARPA's order, uint32 bits of their
        values (backoff_bits None at the highest order). With stop_at_duplicate, False when an
        n-gram is already in the table (nothing after it is inserted); else True."""
        kenlm_ids = self.kenlm_of[ids]
        code, row = insert_order(kenlm_ids, prob_bits, prob_bits if backoff_bits is None else backoff_bits, k,
                                 self.header.order, self.keys, self.probs, self.backoffs, self.table_lo,
                                 self.table_size, self.filled, self.uni_prob, self.uni_backoff, stop_at_duplicate)
        if code == 1:
            raise FormatError(f"the {k}-grams miss so many suffixes that KenLM's {k - 1}-gram hash table "
                              "overflows; raise the probing multiplier (-p)", self.path)
        if code == 2:
            words = " ".join(self.kenlm_words[i] for i in kenlm_ids[row])
            raise FormatError(f"the context of the {k}-gram \"{words}\" is not among the {k - 1}-grams "
                              "(KenLM needs every context)", self.path)
        return code != 3

    def write(self, out):
        """Write the file, up to its words, to the binary stream `out`; returns the words by KenLM id."""
        header, layout = self.header, self.layout
        pool, offsets = word_pool(self.kenlm_words[1:])
        vocab_keys = np.zeros(layout.vocab_buckets, dtype=np.uint64)
        vocab_values = np.zeros(layout.vocab_buckets, dtype=np.uint32)
        insert_vocab(vocab_keys, vocab_values, hash_words(pool, offsets))
        if self.unk_added:
            self.uni_prob[0] = np.float32(self.unk_logprob).view(np.uint32)
            self.uni_backoff[0] = 0
        out.write(header.pack())
        out.write(np.array([PROBING_VOCAB_VERSION, len(self.kenlm_words)], dtype="<u4").tobytes())
        vocab = np.zeros(layout.vocab_buckets, dtype=VOCAB_ENTRY)
        vocab["key"], vocab["value"] = vocab_keys, vocab_values
        out.write(vocab)
        unigrams = np.zeros(header.counts[0] + 1, dtype=UNIGRAM_ENTRY)
        unigrams["prob"], unigrams["backoff"] = self.uni_prob, self.uni_backoff
        out.write(unigrams)
        order = header.order
        for k in range(2, order + 1):
            dtype = LONGEST_ENTRY if k == order else MIDDLE_ENTRY
            lo, hi = self.table_lo[k], self.table_lo[k] + self.table_size[k]
            # in pieces: a whole table in the file's layout would be a second copy of it
            for start in range(lo, hi, _WRITE_BUCKETS):
                stop = min(start + _WRITE_BUCKETS, hi)
                piece = np.empty(stop - start, dtype=dtype)
                piece["key"], piece["prob"] = self.keys[start:stop], self.probs[start:stop]
                if k < order:
                    piece["backoff"] = self.backoffs[start:stop]
                out.write(piece)
        return self.kenlm_words


_WRITE_BUCKETS = 1 << 20

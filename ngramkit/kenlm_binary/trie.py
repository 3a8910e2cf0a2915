"""KenLM's trie layout: n-grams as a trie over reversed word sequences, packed to the bit.

After the header: the vocabulary (uint64 count of words other than `<unk>`, then their
MurmurHash64A hashes in ascending order, one slot per 1-gram; a word's id is 1 + its hash's
rank, `<unk>` is 0); then the search: quantization tables when quantized; the unigrams
((count + 2) records of float32 probability, float32 backoff, uint64 index of the first
child); for each middle order, optionally the array of pointer high bits (`-a`), then
(count + 1) records of [word id | value bits | child index bits]; the highest order as
[word id | probability bits]. A record's children are the records from its child index to the
next record's. The root of the trie is an n-gram's last word and each level adds the word
before, so a level holds (wk, wk-1, ..., w1) in ascending order of that reversed sequence.

Unquantized, a value is a probability in 31 bits (the sign bit dropped, all are <= 0) and,
below the highest order, a float32 backoff; quantized, indices into per-order tables of bin
centers (backoff index 0 is -0.0, 1 is +0.0). A compressed pointer keeps its low bits in the
record and its high part in an array: entry e is the first record whose pointer's high part
reaches e.
"""

import numpy as np

from ..errors import FormatError
from ..jit import njit
from ..tables import child_offsets, compare_rows, find_rows, prefix_rows
from ..vocab import UNK
from .assemble import Order
from .layout import (
    ARRAY_TRIE,
    BHIKSHA_VERSION,
    NO_EXTENSION,
    QUANT_ARRAY_TRIE,
    QUANT_TRIE,
    QUANT_VERSION,
    TRIE_SEARCH_VERSION,
    Header,
    hash_words,
    read_bits,
    read_words,
    required_bits,
    word_pool,
    write_bits,
)

UNIGRAM_RECORD = np.dtype([("prob", "<f4"), ("backoff", "<u4"), ("next", "<u8")])
UNQUANTIZED_MIDDLE_BITS = 63
UNQUANTIZED_LONGEST_BITS = 31


def chop_bits(max_offset, max_next, pointer_bits):
    """How many high bits of a pointer go to the array: the cheapest choice up to pointer_bits."""
    required = required_bits(max_next)
    best, lowest = 0, None
    for chop in range(0, min(required, pointer_bits) + 1):
        change = (max_next >> (required - chop)) * 64 - max_offset * chop
        if lowest is None or change < lowest:
            best, lowest = chop, change
    return best


def array_count(max_offset, max_next, pointer_bits):
    required = required_bits(max_next)
    return (max_next >> (required - chop_bits(max_offset, max_next, pointer_bits))) + 1


def bit_region_size(entries, total_bits):
    """Bytes of `entries` records of `total_bits` plus the closing record and 8 bytes of slack."""
    return ((1 + entries) * total_bits + 7) // 8 + 8


class Level:
    """Where one order's records are and how they are laid out."""

    def __init__(self, offset, entries, word_bits, value_bits, pointer_bits, chop, array_offset, array_len):
        self.offset = offset            # byte offset of the packed records
        self.entries = entries
        self.word_bits = word_bits
        self.value_bits = value_bits
        self.pointer_bits = pointer_bits  # bits of the child index kept in the record
        self.total_bits = word_bits + value_bits + pointer_bits
        self.chop = chop
        self.array_offset = array_offset  # byte offset of the pointer array (-1 without)
        self.array_len = array_len


class Layout:
    """Byte offsets of the parts of a trie file; `quant` (prob_bits, backoff_bits) or None,
    `array_bits` the -a setting or None."""

    def __init__(self, header, quant, array_bits):
        counts, order = header.counts, header.order
        self.quant = quant
        self.array_bits = array_bits
        self.vocab_offset = header.size
        offset = self.vocab_offset + 8 + 8 * counts[0]
        self.search_offset = offset
        if quant is not None:
            prob_bits, backoff_bits = quant
            self.quant_offset = offset
            offset += (order - 2) * ((1 << prob_bits) + (1 << backoff_bits)) * 4 + (1 << prob_bits) * 4 + 8
            middle_bits, longest_bits = prob_bits + backoff_bits, prob_bits
        else:
            middle_bits, longest_bits = UNQUANTIZED_MIDDLE_BITS, UNQUANTIZED_LONGEST_BITS
        self.unigram_offset = offset
        offset += (counts[0] + 2) * UNIGRAM_RECORD.itemsize
        word_bits = required_bits(counts[0])
        self.levels = []
        for k in range(2, order):
            entries, max_next = counts[k - 1], counts[k]
            if array_bits is not None:
                chop = chop_bits(entries + 1, max_next, array_bits)
                n_array = array_count(entries + 1, max_next, array_bits)
                aligned = -(-offset // 8) * 8 + 8  # 8-aligned, after an 8-byte header
                offset += 8 * (1 + n_array) + 7
            else:
                chop, n_array, aligned = 0, 0, -1
            pointer_bits = required_bits(max_next) - chop
            level = Level(offset, entries, word_bits, middle_bits, pointer_bits, chop, aligned, n_array)
            self.levels.append(level)
            offset += bit_region_size(entries, level.total_bits)
        self.levels.append(Level(offset, counts[-1], word_bits, longest_bits, 0, 0, -1, 0))
        offset += bit_region_size(counts[-1], word_bits + longest_bits)
        self.end = offset


@njit(cache=True)
def _unpack_level(buf, offset, entries, word_bits, value_bits, pointer_bits, total_bits, quantized,
                  backoff_bits_q, high_starts):
    """Words, raw value fields and child pointers of one level (pointers has entries + 1
    values when pointer_bits or high_starts say there are pointers)."""
    words = np.empty(entries, dtype=np.int64)
    prob = np.empty(entries, dtype=np.uint32)
    backoff = np.empty(entries, dtype=np.uint32)
    has_pointers = pointer_bits > 0 or len(high_starts) > 0
    pointers = np.empty(entries + 1 if has_pointers else 0, dtype=np.int64)
    base = offset * 8
    high = 0
    for j in range(entries + 1):
        at = base + j * total_bits
        if j < entries:
            words[j] = read_bits(buf, at, word_bits)
            at += word_bits
            if quantized:
                if backoff_bits_q > 0:
                    backoff[j] = read_bits(buf, at, backoff_bits_q)
                    prob[j] = read_bits(buf, at + backoff_bits_q, value_bits - backoff_bits_q)
                else:
                    prob[j] = read_bits(buf, at, value_bits)
            else:
                prob[j] = read_bits(buf, at, 31)
                if value_bits > 31:
                    backoff[j] = read_bits(buf, at + 31, 32)
        if has_pointers:
            at = base + j * total_bits + word_bits + value_bits
            low = np.int64(read_bits(buf, at, pointer_bits)) if pointer_bits > 0 else np.int64(0)
            if len(high_starts) > 0:
                while high + 1 < len(high_starts) and high_starts[high + 1] <= j:
                    high += 1
                low |= np.int64(high) << np.int64(pointer_bits)
            pointers[j] = low
    return words, prob, backoff, pointers


@njit(cache=True)
def _find_child(words, lo, hi, word):
    """Index of `word` among words[lo:hi] (ascending), or -1."""
    while lo < hi:
        mid = (lo + hi) >> 1
        w = words[mid]
        if w == word:
            return mid
        if w < word:
            lo = mid + 1
        else:
            hi = mid
    return -1


@njit(cache=True)
def _prefixes(words, parent, parent_prefix, level_words, level_pointers):
    """Index of each record's context: among the children of its parent's context (pointers
    `level_pointers` into the level above, whose words are `level_words`), the one with the
    record's word."""
    out = np.empty(len(words), dtype=np.int64)
    for j in range(len(words)):
        node = parent_prefix[parent[j]]
        if node < 0:
            out[j] = -1
        else:
            out[j] = _find_child(level_words, level_pointers[node], level_pointers[node + 1], words[j])
    return out


@njit(cache=True)
def _check_pointers(pointers, total):
    """-1 if pointers start at 0, never decrease and end at `total`, else the first bad index."""
    if len(pointers) == 0 or pointers[0] != 0:
        return 0
    for j in range(1, len(pointers)):
        if pointers[j] < pointers[j - 1]:
            return j
    return -1 if pointers[-1] == total else len(pointers) - 1


def _config(data, header, path):
    """(quant, array_bits) as the file's own headers give them."""
    counts, model_type = header.counts, header.model_type
    search = header.size + 8 + 8 * counts[0]
    quant = None
    if model_type in (QUANT_TRIE, QUANT_ARRAY_TRIE):
        if search + 3 > len(data):
            raise FormatError("KenLM binary truncated before its quantization tables", path)
        version, prob_bits, backoff_bits = data[search], data[search + 1], data[search + 2]
        if version != QUANT_VERSION:
            raise FormatError(f"KenLM binary has quantization version {version}; version {QUANT_VERSION} is read",
                              path)
        if not (1 <= prob_bits <= 25 and 1 <= backoff_bits <= 25):
            raise FormatError(f"KenLM binary gives {prob_bits} probability and {backoff_bits} backoff bits "
                              "(1 to 25 are valid)", path)
        quant = (prob_bits, backoff_bits)
    array_bits = None
    if model_type in (ARRAY_TRIE, QUANT_ARRAY_TRIE):
        array_bits = 0
        if header.order > 2:
            probe = Layout(header, quant, 0)
            at = probe.unigram_offset + (counts[0] + 2) * UNIGRAM_RECORD.itemsize
            if at + 2 > len(data):
                raise FormatError("KenLM binary truncated before its pointer arrays", path)
            if data[at] != BHIKSHA_VERSION:
                raise FormatError(f"KenLM binary has pointer compression version {data[at]}; "
                                  f"version {BHIKSHA_VERSION} is read", path)
            array_bits = data[at + 1]
    return quant, array_bits


def open_layout(data, header, path):
    """The Layout of the trie file `data`, checked to fit in it."""
    layout = Layout(header, *_config(data, header, path))
    if layout.end > len(data):
        raise FormatError(f"KenLM binary truncated: {len(data)} bytes where the trie needs {layout.end}", path)
    return layout


def quant_table_offsets(layout, order):
    """Per order 2..N, the byte offsets of its probability and backoff bin centers (float32; -1:
    the highest order has no backoffs), as SeparatelyQuantize lays them out after an 8-byte header."""
    prob_bits, backoff_bits = layout.quant
    at = layout.quant_offset + 8
    offsets = []
    for k in range(2, order + 1):
        backoff_at = at + 4 * (1 << prob_bits) if k < order else -1
        offsets.append((at, backoff_at))
        at += 4 * ((1 << prob_bits) + (1 << backoff_bits))
    return offsets


def checked_high_starts(buf, level, k, path):
    """The pointer array of a level with compressed pointers (`-a`; empty without): entry e is
    the first record whose pointer's high part reaches e, so it must start at 0 and never decrease."""
    if level.array_offset < 0:
        return np.zeros(0, dtype="<u8")
    high_starts = np.frombuffer(buf, dtype="<u8", count=level.array_len, offset=level.array_offset)
    if high_starts[0] != 0 or np.any(high_starts[1:] < high_starts[:-1]) or high_starts[-1] > level.entries:
        raise FormatError(f"KenLM binary: the {k}-gram pointer array is out of order (corrupt file)", path)
    return high_starts


def check_vocabulary_size(buf, header, layout, path):
    """The vocabulary's word count must be the 1-grams' (less `<unk>`, which has no hash)."""
    n_words = int(np.frombuffer(buf, dtype="<u8", count=1, offset=layout.vocab_offset)[0])
    if n_words + 1 != header.counts[0]:
        raise FormatError(f"KenLM binary: vocabulary of {n_words + 1} words for {header.counts[0]} 1-grams", path)


def vocabulary_hashes(buf, header, layout):
    """The sorted MurmurHash64A hashes of the words other than `<unk>` (a view of `buf`)."""
    return np.frombuffer(buf, dtype="<u8", count=header.counts[0] - 1, offset=layout.vocab_offset + 8)


def checked_words(data, buf, header, layout, path):
    """The words stored after the trie, in id order (`<unk>` first), checked against the hashes."""
    if not header.has_vocabulary:
        raise FormatError("KenLM binary was built without its vocabulary strings (build_binary -v), "
                          "so its words cannot be recovered", path)
    words = read_words(data, layout.end, header.counts[0], path)
    if not np.array_equal(hash_words(*word_pool(words[1:])), vocabulary_hashes(buf, header, layout)):
        raise FormatError("KenLM binary: the vocabulary hashes do not match its words (corrupt file)", path)
    return words


def read(data, buf, header, path):
    """(orders, words, unk_added, quantized) of the trie file `data`."""
    counts = header.counts
    layout = open_layout(data, header, path)
    quant = layout.quant
    check_vocabulary_size(buf, header, layout, path)
    words = checked_words(data, buf, header, layout, path)

    tables = None
    if quant is not None:
        prob_bits, backoff_bits = quant
        tables = [(np.frombuffer(buf, dtype="<f4", count=1 << prob_bits, offset=prob_at),
                   np.frombuffer(buf, dtype="<f4", count=1 << backoff_bits, offset=backoff_at) if backoff_at >= 0
                   else None)
                  for prob_at, backoff_at in quant_table_offsets(layout, header.order)]

    uni = np.frombuffer(buf, dtype=UNIGRAM_RECORD, count=counts[0] + 1, offset=layout.unigram_offset)
    pointers = uni["next"].astype(np.int64)
    if _check_pointers(pointers, counts[1]) >= 0:
        raise FormatError("KenLM binary: the 1-gram records' child pointers are out of order (corrupt file)", path)
    ids = np.arange(counts[0], dtype=np.int32)
    none = np.full(counts[0], -1, dtype=np.int64)
    unigram_prob = uni["prob"][:-1].astype(np.float32)
    orders = [Order(ids.reshape(-1, 1), unigram_prob, uni["backoff"][:-1].copy(), np.diff(pointers) > 0, none, none)]
    # Per level below the one being read: its words, its child pointers, its records' contexts.
    level_words, level_pointers, level_prefix = [ids.astype(np.int64)], [pointers], [None]
    for k in range(2, header.order + 1):
        level = layout.levels[k - 2]
        high_starts = checked_high_starts(buf, level, k, path).astype(np.int64)
        words_k, prob, backoff, child = _unpack_level(
            buf, level.offset, level.entries, level.word_bits, level.value_bits, level.pointer_bits,
            level.total_bits, quant is not None, quant[1] if quant is not None and k < header.order else 0,
            high_starts)
        if words_k.size and words_k.max() >= counts[0]:
            raise FormatError(f"KenLM binary: a {k}-gram record holds word id {words_k.max()} of "
                              f"{counts[0]} (corrupt file)", path)
        if k < header.order and _check_pointers(child, counts[k]) >= 0:
            raise FormatError(f"KenLM binary: the {k}-gram records' child pointers are out of order "
                              "(corrupt file)", path)
        lower_pointers = level_pointers[-1]
        parent = np.repeat(np.arange(len(lower_pointers) - 1, dtype=np.int64), np.diff(lower_pointers))
        # KenLM finds a child by searching its siblings' words, which must ascend
        if np.any((parent[1:] == parent[:-1]) & (words_k[1:] <= words_k[:-1])):
            raise FormatError(f"KenLM binary: the {k}-gram records are out of order (corrupt file)", path)
        rows = np.empty((level.entries, k), dtype=np.int32)
        rows[:, 0] = words_k
        rows[:, 1:] = orders[-1].rows[parent]
        if k == 2:
            prefix = words_k.copy()
        else:
            prefix = _prefixes(words_k, parent, level_prefix[-1], level_words[-1], level_pointers[-2])
        if quant is not None:
            prob_table, backoff_table = tables[k - 2]
            logprob = prob_table[prob].astype(np.float32)
            backoff_bits = backoff_table[backoff].view(np.uint32).copy() if k < header.order else None
        else:
            logprob = (prob | np.uint32(0x80000000)).view(np.float32)
            backoff_bits = backoff if k < header.order else None
        extends = np.diff(child) > 0 if k < header.order else np.zeros(level.entries, dtype=np.bool_)
        orders.append(Order(rows, logprob, backoff_bits, extends, prefix, parent))
        level_words.append(words_k)
        level_pointers.append(child)
        level_prefix.append(prefix)
    return orders, words, None, quant is not None


def _reversed_order(ids, kenlm_of):
    """The permutation that sorts the rows `ids` as KenLM ids with their words reversed (int32
    while the rows' count fits)."""
    n = len(ids)
    return _sort_reversed(ids, kenlm_of, np.arange(n, dtype=np.int32 if n < 2 ** 31 else np.int64))


@njit(cache=True)
def _sort_reversed(ids, kenlm_of, perm):
    """`_reversed_order`, perm starting as the identity: a stable counting sort per word, the
    last word's last (LSD radix sort over an alphabet of the vocabulary's size)."""
    n, k = ids.shape
    other = np.empty_like(perm)
    counts = np.empty(len(kenlm_of) + 1, dtype=np.int64)
    for c in range(k):
        counts[:] = 0
        for i in range(n):
            counts[kenlm_of[ids[perm[i], c]] + 1] += 1
        for b in range(len(kenlm_of)):
            counts[b + 1] += counts[b]
        for i in range(n):
            d = kenlm_of[ids[perm[i], c]]
            other[counts[d]] = perm[i]
            counts[d] += 1
        perm, other = other, perm
    return perm


@njit(cache=True)
def _reverse_in_place(perm, rows, kenlm_of, prob, backoff, context):
    """Put row perm[i] of `rows` (and of `prob`, and of `backoff` and `context` unless empty) at
    i, in place, following perm's cycles; then make each row KenLM ids, words reversed."""
    n, k = rows.shape
    has_backoff, has_context = len(backoff) > 0, len(context) > 0
    placed = np.zeros(n, dtype=np.bool_)
    first = np.empty(k, dtype=rows.dtype)
    for start in range(n):
        if placed[start]:
            continue
        first[:] = rows[start]
        first_prob = prob[start]
        first_backoff = backoff[start] if has_backoff else 0
        first_context = context[start] if has_context else 0
        j = start
        while True:
            placed[j] = True
            source = perm[j]
            if source == start:
                rows[j] = first
                prob[j] = first_prob
                if has_backoff:
                    backoff[j] = first_backoff
                if has_context:
                    context[j] = first_context
                break
            rows[j] = rows[source]
            prob[j] = prob[source]
            if has_backoff:
                backoff[j] = backoff[source]
            if has_context:
                context[j] = context[source]
            j = source
    for i in range(n):
        for c in range(k):
            first[c] = kenlm_of[rows[i, k - 1 - c]]
        rows[i] = first


def _contexts(ids, lower, lower_row_of):
    """For the model's k-grams `ids` and (k-1)-grams `lower` (both sorted) and the row each
    (k-1)-gram has among its order's reversed rows (lower_row_of): each k-gram's prefix's
    reversed row (-1: the model lacks it). In pieces, as prefix_rows gives int64 rows."""
    out = np.empty(len(ids), dtype=lower_row_of.dtype)
    for lo in range(0, len(ids), _CONTEXT_PIECE):
        prefix = prefix_rows(ids[lo:lo + _CONTEXT_PIECE], lower)
        out[lo:lo + _CONTEXT_PIECE] = np.where(prefix >= 0, lower_row_of[np.maximum(prefix, 0)], -1)
    return out


_CONTEXT_PIECE = 1 << 20


class _Order:
    """One order's n-grams on their way from the model's order to the trie's: rows, value bits
    and contexts in the model's order (the caller's own arrays), and the permutation to the
    trie's order."""

    def __init__(self, ids, prob, backoff, kenlm_of, lower):
        self.ids, self.prob, self.backoff = ids, prob, backoff
        self.perm = _reversed_order(ids, kenlm_of)
        self.context = None if lower is None else _contexts(ids, lower.ids, lower.row_of())

    def row_of(self):
        """Per row in the model's order, its row in the trie's."""
        row_of = np.empty_like(self.perm)
        row_of[self.perm] = np.arange(len(self.perm), dtype=self.perm.dtype)
        return row_of

    def reverse(self, kenlm_of):
        """Reorder the arrays in place into the trie's order, the rows as reversed KenLM ids."""
        empty = np.zeros(0, dtype=np.uint32)
        _reverse_in_place(self.perm, self.ids, kenlm_of, self.prob,
                          empty if self.backoff is None else self.backoff,
                          np.zeros(0, dtype=self.perm.dtype) if self.context is None else self.context)
        self.perm = None


@njit(cache=True)
def _merge_prefixes(real, above, nodes, is_real):
    """Walk the rows of `real` (sorted, distinct) and the prefixes of width k of `above`
    (sorted) in order, writing each distinct row to nodes (when it has room) with whether it is
    in `real` (False: a prefix only, a blank); returns how many there are."""
    k = real.shape[1]
    i = j = count = 0
    fill = nodes.shape[0] > 0
    while i < real.shape[0] or j < above.shape[0]:
        if j == above.shape[0]:
            order = -1
        elif i == real.shape[0]:
            order = 1
        else:
            order = compare_rows(real, i, 0, above, j, k)
        if fill:
            for c in range(k):
                nodes[count, c] = real[i, c] if order <= 0 else above[j, c]
            is_real[count] = order <= 0
        if order >= 0:  # a prefix recurs for each row above it
            last = j
            j += 1
            while j < above.shape[0] and compare_rows(above, last, 0, above, j, k) == 0:
                j += 1
        if order <= 0:
            i += 1
        count += 1
    return count


def _merged_prefixes(real, above):
    """(nodes, is_real) of `_merge_prefixes`: counted, then written."""
    k = real.shape[1]
    total = _merge_prefixes(real, above, np.empty((0, k), dtype=np.int32), np.empty(0, dtype=np.bool_))
    nodes = np.empty((total, k), dtype=np.int32)
    is_real = np.empty(total, dtype=np.bool_)
    _merge_prefixes(real, above, nodes, is_real)
    return nodes, is_real


@njit(cache=True)
def _make_bins(values, bins, out, start_at):
    """Bin centers of equal-count bins over `values` (sorted): each the mean of its bin, summed
    in double precision in order; an empty bin repeats the previous center (-inf first)."""
    n = len(values)
    start = 0
    for i in range(bins):
        finish = (n * (i + 1)) // bins
        if finish == start:
            out[start_at + i] = out[start_at + i - 1] if i else -np.inf
        else:
            total = 0.0
            for j in range(start, finish):
                total += np.float64(values[j])
            out[start_at + i] = np.float32(total / np.float64(np.float32(finish - start)))
        start = finish


@njit(cache=True)
def _encode(table, reserved, values):
    """Index of the nearest center for each value (ties to the upper center), KenLM's rule."""
    out = np.empty(len(values), dtype=np.uint32)
    size = len(table)
    for i in range(len(values)):
        v = values[i]
        lo, hi = reserved, size
        while lo < hi:
            mid = (lo + hi) >> 1
            if table[mid] < v:
                lo = mid + 1
            else:
                hi = mid
        if lo == reserved:
            out[i] = reserved
        elif lo == size:
            out[i] = size - 1
        else:
            nearer_below = np.float32(v - table[lo - 1]) < np.float32(table[lo] - v)
            out[i] = lo - 1 if nearer_below else lo
    return out


@njit(cache=True)
def _pack(buf, offset, words, word_bits, low, rest, low_bits, value_bits, pointers, pointer_bits, total_bits):
    """Write records [word | value | pointer] from byte `offset`, the value's low `low_bits`
    bits from `low` (more are dropped), the bits above them from `rest` (or none: empty);
    pointers has one more entry (the closing record's) or none."""
    base = offset * 8
    low_mask = (np.uint64(1) << np.uint64(low_bits)) - np.uint64(1)
    for j in range(len(words)):
        at = base + j * total_bits
        write_bits(buf, at, word_bits, words[j])
        value = np.uint64(low[j]) & low_mask
        if len(rest) == 0:
            write_bits(buf, at + word_bits, value_bits, value)
        elif value_bits > 57:  # more than write_bits takes at once
            write_bits(buf, at + word_bits, low_bits, value)
            write_bits(buf, at + word_bits + low_bits, value_bits - low_bits, np.uint64(rest[j]))
        else:
            write_bits(buf, at + word_bits, value_bits, value | (np.uint64(rest[j]) << np.uint64(low_bits)))
    if pointer_bits > 0:
        mask = (np.uint64(1) << np.uint64(pointer_bits)) - np.uint64(1)
        for j in range(len(pointers)):
            write_bits(buf, base + j * total_bits + word_bits + value_bits, pointer_bits,
                       np.uint64(pointers[j]) & mask)


def _bins(values, bits, reserved_zeros):
    """A quantization table of 2^bits centers over `values` (float32, sorted in place; backoff
    tables first hold -0.0 and +0.0)."""
    table = np.empty(1 << bits, dtype=np.float32)
    start = 0
    if reserved_zeros:
        table[0], table[1] = np.float32(-0.0), np.float32(0.0)
        start = 2
    values.sort()
    _make_bins(values, (1 << bits) - start, table, start)
    return table


def _zero(bits):
    return (bits == 0) | (bits == NO_EXTENSION)


def _parent_nodes(nodes, path):
    """Per middle level k (nodes[k], 2 <= k < the highest), the index of each node's parent (its
    first k-1 words) in level k-1; and per level k < the highest, where the children of each of
    its nodes begin in level k+1 (one more entry: the closing record's)."""
    order = len(nodes) - 1
    parents, pointers = [None, None], [None]
    for k in range(2, order + 1):
        first, complete = child_offsets(nodes[k], nodes[k - 1])
        if not complete:
            raise FormatError(f"a {k}-gram holds a word that is not among the 1-grams", path)
        pointers.append(first)
        if k < order:
            parents.append(np.repeat(np.arange(len(first) - 1, dtype=first.dtype), np.diff(first)))
    return parents, pointers


def _context_flags(context, n_lower, rows, kenlm_words, path):
    """Which of the n_lower real (k-1)-grams are the context of a real k-gram (`context`: each
    one's, by row; `rows`: the k-grams' reversed rows); they must all be real n-grams."""
    missing = context < 0
    if missing.any():
        row = np.argmax(missing)
        words = " ".join(kenlm_words[w] for w in rows[row, 1:][::-1])
        k = rows.shape[1]
        raise FormatError(f"the context \"{words}\" of a {k}-gram is not among the {k - 1}-grams "
                          "(KenLM needs every context)", path)
    flags = np.zeros(n_lower, dtype=np.bool_)
    flags[context] = True
    return flags


@njit(cache=True)
def _mark_extended(bits, is_real, is_context):
    """Flag the backoffs of the real nodes that are contexts (is_context: by real node) as those
    of contexts: a zero of either sign becomes +0.0."""
    r = 0
    for j in range(len(is_real)):
        if is_real[j]:
            if is_context[r] and bits[j] == NO_EXTENSION:
                bits[j] = 0
            r += 1


def _mark_contexts(nodes, is_real, is_context, backoffs):
    """Flag the contexts of the real n-grams as extended in the backoff bits (backoffs[k-1]:
    level k's; is_context[k]: which real k-grams are contexts, from level 2)."""
    at = nodes[2][is_real[2], 1]
    backoffs[0][at] = np.where(_zero(backoffs[0][at]), 0, backoffs[0][at])
    for k in range(2, len(nodes) - 1):
        _mark_extended(backoffs[k - 1], is_real[k], is_context[k])


class _Body:
    """A trie file's body written in file order: each part at its byte offset, zeros between;
    the records of a level in pieces, so that the body is never held whole."""

    PIECE = 1 << 20  # records per piece: a multiple of 8, so that pieces start on a byte

    def __init__(self, out, at):
        self.out, self.at = out, at

    def put(self, offset, array):
        if offset < self.at:
            raise AssertionError(f"trie part at {offset} written after {self.at}")
        self.out.write(bytes(offset - self.at))
        self.out.write(np.ascontiguousarray(array).view(np.uint8))
        self.at = offset + array.nbytes

    def put_records(self, level, words, low, rest, low_bits, pointers):
        """The records of `level` (see _pack), with the closing record's pointer."""
        entries, bits = len(words), level.total_bits
        buf = np.zeros((self.PIECE + 1) * bits // 8 + 16, dtype=np.uint8)
        lo = 0
        while True:
            hi = min(lo + self.PIECE, entries)
            last = hi == entries
            ptr = pointers[lo:hi + 1 if last else hi]
            records = max(hi - lo, len(ptr))
            buf[:] = 0
            _pack(buf, 0, words[lo:hi], level.word_bits, low[lo:hi], rest[lo:hi], low_bits, level.value_bits, ptr,
                  level.pointer_bits, bits)
            self.put(level.offset + lo * bits // 8, buf[:(records * bits + 7) // 8])
            if last:
                return
            lo = hi


def _release_order(model, probs, backoffs, j):
    """Give back the model's arrays of its (j+1)-grams and their value bits (lists' entries)."""
    model.ngrams[j] = np.empty((0, j + 1), dtype=np.int32)
    model.logprob[j] = np.empty(0, dtype=np.float32)
    probs[j] = None
    if j < len(model.backoff):
        model.backoff[j] = np.empty(0, dtype=np.float32)
        backoffs[j] = None


def _own(a, consume):
    """`a` itself when it may be reordered in place (consume), else a copy to reorder."""
    return a if consume and a.flags.writeable and a.flags.c_contiguous else np.array(a, order="C")


def write(out, model, model_type, probing_multiplier, include_vocab, probs, backoffs, quant, pointer_config,
          unk_logprob, unk_added, path, consume=False):
    """Write a trie file's header and body to `out`; returns the words by KenLM id. `probs`,
    `backoffs`: per order, the value bits (see kenlm_binary._checked_values). `consume`: the
    model's arrays above the 1-grams (and those lists' entries) are given back once turned into
    the trie's, which leaves the model without them."""
    vocab, order = model.vocab, model.order
    unigram_ids = np.asarray(model.ngrams[0][:, 0])
    others = unigram_ids[unigram_ids != vocab.unk]
    other_words = [vocab.words[i] for i in others]
    pool, offsets = word_pool(other_words)
    hashes = hash_words(pool, offsets)
    by_hash = np.argsort(hashes, kind="stable")
    kenlm_of = np.zeros(len(vocab), dtype=np.int32)
    kenlm_of[others[by_hash]] = np.arange(1, len(others) + 1)
    kenlm_words = [UNK] + [other_words[i] for i in by_hash]
    n_uni = len(others) + 1

    # Real n-grams as reversed KenLM-id rows in ascending order, with their values, each order
    # reordered in place once the order above has found its contexts among its rows.
    # Each one's context is found among the real (k-1)-grams in the model's own sorted order,
    # where it is the prefix; is_context[k]: which real k-grams are contexts, from level 2.
    real_rows, real_prob, real_backoff = [None, None], [None, None], [None, None]
    is_context = [None, None]
    lower = None
    for k in range(2, order + 1):
        current = _Order(_own(model.ngrams[k - 1], consume), _own(probs[k - 1], consume),
                         _own(backoffs[k - 1], consume) if k < order else None, kenlm_of, lower)
        for done in ([lower] if lower is not None else []) + ([current] if k == order else []):
            done.reverse(kenlm_of)
            if done.context is not None:
                is_context.append(_context_flags(done.context, len(real_rows[-1]), done.ids, kenlm_words, path))
            real_rows.append(done.ids)
            real_prob.append(done.prob)
            real_backoff.append(done.backoff)
        if consume and lower is not None:
            _release_order(model, probs, backoffs, k - 2)
        lower = current
    del lower, current
    if consume:
        _release_order(model, probs, backoffs, order - 1)
    uni_prob = np.zeros(n_uni, dtype=np.uint32)
    uni_backoff = np.full(n_uni, NO_EXTENSION, dtype=np.uint32)
    uni_kenlm = kenlm_of[unigram_ids]
    uni_prob[uni_kenlm] = probs[0]
    uni_backoff[uni_kenlm] = np.where(_zero(backoffs[0]), NO_EXTENSION, backoffs[0])

    # Every level also holds the missing prefixes of the level above (blanks). The real rows
    # keep their order among them: a level's r-th real node is its r-th real row.
    nodes, is_real = [None] * (order + 1), [None] * (order + 1)
    nodes[order] = real_rows[order]
    is_real[order] = np.ones(len(nodes[order]), dtype=np.bool_)
    for k in range(order - 1, 1, -1):
        nodes[k], is_real[k] = _merged_prefixes(real_rows[k], nodes[k + 1])
    del real_rows
    nodes[1] = np.arange(n_uni, dtype=np.int32).reshape(-1, 1)
    parents, pointers = _parent_nodes(nodes, path)

    # Values per level: probability bits and backoff bits (None for the highest order).
    level_prob, level_backoff = [None, uni_prob], [None, uni_backoff]
    basis_order, basis_prob = [None, np.ones(n_uni, dtype=np.int8)], [None, uni_prob.view(np.float32)]
    extends = [None] * (order + 1)
    blank_probs = [None] * (order + 1)
    for k in range(2, order + 1):
        n = len(nodes[k])
        real = is_real[k]
        if k == order:  # the highest level has no blanks
            level_prob.append(real_prob[k])
            level_backoff.append(None)
            break
        prob = np.zeros(n, dtype=np.uint32)
        prob[real] = real_prob[k]
        real_prob[k] = None
        level_prob.append(prob)
        bo = np.full(n, NO_EXTENSION, dtype=np.uint32)
        rb = real_backoff[k]
        bo[real] = np.where(_zero(rb), NO_EXTENSION, rb)
        if quant is None:  # quantizing bins the real backoffs alone
            real_backoff[k] = rb = None
        level_backoff.append(bo)
        extends[k] = np.zeros(n, dtype=np.bool_)
        blanks = np.flatnonzero(~real)
        if k < order - 1:  # the blanks of the level above take their basis from this one's
            basis_order.append(np.where(real, np.int8(k), basis_order[k - 1][parents[k]]))
            basis_prob.append(np.where(real, prob.view(np.float32), basis_prob[k - 1][parents[k]]))
            based_on, basis = basis_order[k][blanks], basis_prob[k][blanks]
        else:
            based_on, basis = basis_order[k - 1][parents[k][blanks]], basis_prob[k - 1][parents[k][blanks]]
        if len(blanks):
            value = -np.abs(basis).astype(np.float32)
            rows = nodes[k][blanks]
            for i in range(1, k):
                use = based_on <= i
                if not use.any():
                    continue
                where = np.flatnonzero(use)
                if i == 1:
                    at = rows[use][:, 1]
                    bits = level_backoff[1]
                    level_backoff[1][at] = np.where(_zero(bits[at]), 0, bits[at])
                    value[where] = value[where] + bits[at].view(np.float32)
                    continue
                at = find_rows(nodes[i], rows[use], 1)
                hit = at >= 0
                real_hit = np.zeros(len(at), dtype=np.bool_)
                real_hit[hit] = is_real[i][at[hit]]
                receivers = at[real_hit]
                bits = level_backoff[i]
                bits[receivers] = np.where(_zero(bits[receivers]), 0, bits[receivers])
                value[where[real_hit]] = value[where[real_hit]] + bits[receivers].view(np.float32)
                if i != order - 1:
                    extends[i][at[hit & ~real_hit]] = True
            prob[blanks] = value.view(np.uint32)
            blank_probs[k] = value
    del basis_order, basis_prob
    for k in range(2, order):
        flagged = extends[k] & ~is_real[k]
        level_backoff[k][flagged] = 0
    _mark_contexts(nodes, is_real, is_context, level_backoff[1:])
    del is_context
    if unk_added:
        level_prob[1][0] = np.float32(unk_logprob).view(np.uint32)
        level_backoff[1][0] = 0

    counts = [len(nodes[k]) for k in range(1, order + 1)]
    header = Header(order, probing_multiplier, model_type, include_vocab, TRIE_SEARCH_VERSION, counts)
    layout = Layout(header, quant, pointer_config)
    out.write(header.pack())
    body = _Body(out, header.size)
    vocab_words = np.zeros(1 + counts[0], dtype="<u8")
    vocab_words[0] = counts[0] - 1
    vocab_words[1:counts[0]] = np.sort(hashes)

    del parents
    unigrams = np.zeros(counts[0] + 2, dtype=UNIGRAM_RECORD)
    unigrams["prob"][:counts[0]] = level_prob[1].view(np.float32)
    unigrams["backoff"][:counts[0]] = level_backoff[1]
    unigrams["next"][:counts[0] + 1] = pointers[1]

    values = []
    if quant is not None:
        prob_bits, backoff_bits = quant
        floats = []
        for k in range(2, order + 1):
            extra = blank_probs[k] if blank_probs[k] is not None else np.zeros(0, np.float32)
            prob_table = _bins(np.concatenate([extra, level_prob[k][is_real[k]].view(np.float32)]), prob_bits, False)
            floats.append(prob_table)
            prob_index = _encode(prob_table, 0, level_prob[k].view(np.float32))
            level_prob[k] = None  # the indices stand for them from here
            if k < order:
                real_bo = real_backoff[k]
                backoff_table = _bins(real_bo[~_zero(real_bo)].view(np.float32), backoff_bits, True)
                floats.append(backoff_table)
                bo = level_backoff[k]
                bo_index = _encode(backoff_table, 2, bo.view(np.float32))
                bo_index[bo == 0] = 1
                bo_index[bo == NO_EXTENSION] = 0
                level_backoff[k] = bo = None
                values.append((bo_index, prob_index, backoff_bits))
            else:
                values.append((prob_index, np.zeros(0, dtype=np.uint32), prob_bits))
        body.put(layout.vocab_offset, vocab_words)
        body.put(layout.quant_offset, np.array([2, prob_bits, backoff_bits, 0, 0, 0, 0, 0], dtype=np.uint8))
        body.put(layout.quant_offset + 8, np.concatenate(floats).astype("<f4"))
    else:
        body.put(layout.vocab_offset, vocab_words)
    body.put(layout.unigram_offset, unigrams)

    for k in range(2, order + 1):
        level = layout.levels[k - 2]
        if quant is None:  # a probability's 31 bits (its sign dropped), then the backoff's 32
            low, rest, low_bits = level_prob[k], level_backoff[k] if k < order else np.zeros(0, np.uint32), 31
        else:
            low, rest, low_bits = values[k - 2]
        if k < order:
            ptr = pointers[k]
            if level.array_offset >= 0:
                encode = ptr >> level.pointer_bits
                high = np.searchsorted(encode, np.arange(level.array_len), side="left")
                high[0] = 0
                body.put(level.offset - (8 * (1 + level.array_len) + 7),
                         np.array([BHIKSHA_VERSION, pointer_config], dtype=np.uint8))
                body.put(level.array_offset, high.astype("<u8"))
        else:
            ptr = np.zeros(0, dtype=np.int64)
        body.put_records(level, nodes[k][:, -1], low, rest, low_bits, ptr)
        level_prob[k] = level_backoff[k] = nodes[k] = None
    body.put(layout.end, np.zeros(0, dtype=np.uint8))
    return kenlm_words

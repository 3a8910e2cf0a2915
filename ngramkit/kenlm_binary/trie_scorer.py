"""Scoring straight from a memory-mapped KenLM trie (`build_binary trie`, with `-q`/`-b`, `-a`),
as KenLM's `TrieSearch` scores: nothing is decoded on loading, so a model loads in the time its
pointers take to check, and its resident memory is the pages scoring touches.

The kernels take one handle (`TrieScorer.handle`: the file's address and the layout of its
parts) and walk the trie as `GenericModel::ScoreExceptBackoff` and `ResumeScore` do: the new
word's unigram record gives the range of its bigram records, each context word, newest first,
is searched for in the range of the record before, and the search stops at a missing word, at a
record without children (`independent_left`) or at the highest order. A sibling list is searched
with KenLM's interpolation search (`util::BoundedSortedUniformFind`, `Pivot32`), and the
vocabulary's sorted hashes with its `Pivot64` variant, so that a file whose words are out of
order (damaged) finds what KenLM finds. States hold KenLM's word ids, newest first, in the
`lm.State` array (`scoring.STATE_KEYS`), with the backoffs of the n-grams found.

Checked before any kernel runs: the header and the parts' sizes against the file's length, the
vocabulary's size, the compressed-pointer arrays, and that the child pointers of the unigrams
and of each middle order rise from 0 to the next order's count, so that every search stays in
its order's records. Values are not checked: a damaged value scores as KenLM scores it.
"""

import mmap
from types import SimpleNamespace

import numpy as np
from llvmlite import ir
from numba import carray
from numba.core import types
from numba.extending import intrinsic

from ..constants import KENLM_SPACE_TABLE
from ..errors import FormatError
from ..jit import borrowed, njit
from ..scoring import (
    MAX_CONTEXT,
    STATE_BOWS,
    STATE_KEYS,
    STATE_TAG,
    float32_pointer,
    has_extension,
    state_bows,
)
from ..vocab import BOS, EOS, UNK, Vocabulary
from . import map_file
from .layout import (
    ARRAY_TRIE,
    NO_EXTENSION,
    QUANT_ARRAY_TRIE,
    QUANT_TRIE,
    SANITY,
    TRIE,
    murmur64a,
    parse_header,
)
from .trie import (
    UNIGRAM_RECORD,
    check_vocabulary_size,
    checked_high_starts,
    checked_words,
    open_layout,
    quant_table_offsets,
    vocabulary_hashes,
)
from .trie import read as read_structure

TRIE_TYPES = (TRIE, QUANT_TRIE, ARRAY_TRIE, QUANT_ARRAY_TRIE)
KENLM_MISSING_UNK = np.float32(-100.0)

# The handle: fixed fields, then LEVEL_FIELDS per order 2..N, then WORD_FIELDS: the offset and
# count of the vocabulary's hashes, and the ids of <unk>, <s>, </s> (what score_sentence needs).
# H_TAG: the tag the states it scores get (scoring.STATE_TAG).
H_BASE, H_ORDER, H_UNIGRAMS, H_MAX_VOCAB, H_QUANTIZED, H_TAG, H_LEVELS = range(7)
L_OFFSET, L_WORD_BITS, L_VALUE_BITS, L_POINTER_BITS, L_TOTAL_BITS, L_ARRAY, L_ARRAY_LEN, L_ENTRIES, \
    L_PROB_BITS, L_BACKOFF_BITS, L_PROB_TABLE, L_BACKOFF_TABLE = range(12)
LEVEL_FIELDS = 12
WORD_FIELDS = 5
UNIGRAM_BYTES = UNIGRAM_RECORD.itemsize  # float32 probability, float32 backoff, uint64 first child
NO_IDS = np.zeros(0, dtype=np.int64)
CHECK_RECORDS = 1 << 18  # records of a middle order whose pointers are checked per block


def is_kenlm_trie(path):
    """Does `path` begin like a KenLM binary whose header names one of the trie layouts?"""
    try:
        with open(path, "rb") as f:
            head = f.read(len(SANITY) + 12)
    except OSError:
        return False
    return (head[:len(SANITY)] == SANITY and len(head) == len(SANITY) + 12
            and int.from_bytes(head[len(SANITY) + 8:], "little", signed=True) in TRIE_TYPES)


# Loads at any byte address: the records are packed to the bit.

@intrinsic
def _load_u64(typingctx, address):
    def codegen(context, builder, signature, args):
        return builder.load(builder.inttoptr(args[0], ir.IntType(64).as_pointer()), align=1)

    return types.uint64(types.int64), codegen


@intrinsic
def _uint64_pointer(typingctx, address):
    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(signature.return_type))

    return types.CPointer(types.uint64)(types.int64), codegen


@intrinsic
def _load_f32(typingctx, address):
    def codegen(context, builder, signature, args):
        return builder.load(builder.inttoptr(args[0], ir.FloatType().as_pointer()), align=1)

    return types.float32(types.int64), codegen


@intrinsic
def _u32_as_f32(typingctx, bits):
    def codegen(context, builder, signature, args):
        return builder.bitcast(builder.trunc(args[0], ir.IntType(32)), ir.FloatType())

    return types.float32(types.uint64), codegen


@njit(cache=True, inline="always")
def _bits(address, bit, length):
    """KenLM's ReadInt57: the `length`-bit field at bit offset `bit` from `address`."""
    value = _load_u64(address + (bit >> 3)) >> np.uint64(bit & 7)
    return value & ((np.uint64(1) << np.uint64(length)) - np.uint64(1))


@njit(cache=True, inline="always")
def _level(h, k):
    return H_LEVELS + (k - 2) * LEVEL_FIELDS


@njit(cache=True, inline="always")
def _record_word(h, at, index):
    return _bits(h[H_BASE] + h[at + L_OFFSET], index * h[at + L_TOTAL_BITS], h[at + L_WORD_BITS])


@njit(cache=True, inline="always")
def _find(h, at, begin, end, word):
    """Index of `word` among the records [begin, end) of the level at handle offset `at`, or -1:
    KenLM's BoundedSortedUniformFind with Pivot32, from the bounds 0 and the vocabulary size."""
    before = begin - 1
    before_v = np.uint64(0)
    after = end
    after_v = np.uint64(h[H_MAX_VOCAB])
    key = np.uint64(word)
    while after - before > 1:
        width = np.uint64(after - before - 1)
        pivot = before + 1 + np.int64(((key - before_v) * width) // (after_v - before_v + np.uint64(1)))
        if pivot >= after:  # only if the product overflowed: no real file comes near it
            return -1
        mid = _record_word(h, at, pivot)
        if mid < key:
            before = pivot
            before_v = mid
        elif mid > key:
            after = pivot
            after_v = mid
        else:
            return pivot
    return -1


@njit(cache=True, inline="always")
def _pointer(h, at, index):
    """The first child of record `index` of a middle level (ArrayBhiksha::ReadNext's high part
    from the pointer array, the low bits from the record)."""
    bit = index * h[at + L_TOTAL_BITS] + h[at + L_WORD_BITS] + h[at + L_VALUE_BITS]
    low = np.int64(_bits(h[H_BASE] + h[at + L_OFFSET], bit, h[at + L_POINTER_BITS]))
    n = h[at + L_ARRAY_LEN]
    if n == 0:
        return low
    array = h[H_BASE] + h[at + L_ARRAY]
    # the last entry <= index (the array starts at 0 and never decreases: checked on loading)
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) >> 1
        if np.int64(_load_u64(array + 8 * mid)) <= index:
            lo = mid + 1
        else:
            hi = mid
    return ((lo - 1) << h[at + L_POINTER_BITS]) | low


@njit(cache=True, inline="always")
def _middle_values(h, at, index):
    """(log10 p, backoff) of record `index` of a middle level."""
    bit = index * h[at + L_TOTAL_BITS] + h[at + L_WORD_BITS]
    address = h[H_BASE] + h[at + L_OFFSET]
    if h[H_QUANTIZED]:
        backoff_bits = h[at + L_BACKOFF_BITS]
        b = _bits(address, bit, backoff_bits)
        p = _bits(address, bit + backoff_bits, h[at + L_PROB_BITS])
        base = h[H_BASE]
        return (_load_f32(base + h[at + L_PROB_TABLE] + 4 * np.int64(p)),
                _load_f32(base + h[at + L_BACKOFF_TABLE] + 4 * np.int64(b)))
    p = _bits(address, bit, 31) | np.uint64(0x80000000)
    return _u32_as_f32(p), _u32_as_f32(_bits(address, bit + 31, 32))


@njit(cache=True, inline="always")
def _longest_prob(h, at, index):
    bit = index * h[at + L_TOTAL_BITS] + h[at + L_WORD_BITS]
    address = h[H_BASE] + h[at + L_OFFSET]
    if h[H_QUANTIZED]:
        return _load_f32(h[H_BASE] + h[at + L_PROB_TABLE] + 4 * np.int64(_bits(address, bit, h[at + L_PROB_BITS])))
    return _u32_as_f32(_bits(address, bit, 31) | np.uint64(0x80000000))


@njit(cache=True, inline="always")
def _unigram(h, word):
    """(log10 p, backoff, first child, end of children) of the unigram `word`."""
    record = h[H_BASE] + h[H_UNIGRAMS] + UNIGRAM_BYTES * word
    return (_load_f32(record), _load_f32(record + 4), np.int64(_load_u64(record + 8)),
            np.int64(_load_u64(record + UNIGRAM_BYTES + 8)))


@njit(cache=True, inline="always")
def trie_advance(h, ctx_words, ctx_bows, ctx_len, word, new_words, new_bows):
    """KenLM's FullScore of `word` (a valid id) after the context ctx_words[:ctx_len] (newest
    first) with its backoffs ctx_bows: fills the new context into new_words/new_bows (which may
    not alias the inputs). Returns (log10 p, n-gram length, new context length)."""
    order = h[H_ORDER]
    p, bow, begin, end = _unigram(h, word)
    new_words[0] = word
    new_bows[0] = bow
    new_len = 1 if has_extension(bow) else 0
    length = 1
    usable = min(ctx_len, order - 1)
    independent_left = begin == end
    j = 0  # ResumeScore's order_minus_2: the context word searched for next
    while j < usable and not independent_left:
        at = _level(h, j + 2)
        if j == order - 2:
            found = _find(h, at, begin, end, ctx_words[j])
            if found >= 0:
                p = _longest_prob(h, at, found)
                length = order
            break
        found = _find(h, at, begin, end, ctx_words[j])
        if found < 0:
            break
        p, bow = _middle_values(h, at, found)
        new_bows[j + 1] = bow
        length = j + 2
        if has_extension(bow):
            new_len = length
        begin = _pointer(h, at, found)
        end = _pointer(h, at, found + 1)
        independent_left = begin == end
        j += 1
    for i in range(1, new_len):
        new_words[i] = ctx_words[i - 1]
    for i in range(length - 1, usable):
        p = p + ctx_bows[i]
    return p, length, new_len


@njit(cache=True, inline="always")
def _valid_word(h, word):
    # Ids come from the vocabulary lookup; anything else (a state of another model) reads as <unk>.
    return word if 0 <= word < h[H_MAX_VOCAB] else 0


@njit(cache=True, inline="always")
def _score_into(h, in_state, word, out_state):
    p, length, new_len = trie_advance(h, in_state[STATE_KEYS:STATE_BOWS], state_bows(in_state), in_state[0],
                                      _valid_word(h, word), out_state[STATE_KEYS:STATE_BOWS], state_bows(out_state))
    out_state[0] = new_len
    out_state[1] = length
    out_state[STATE_TAG] = h[H_TAG]
    return p


@njit(cache=True, nogil=False)
def trie_score_state(handle, in_state, word, out_state):
    """scoring.score_state on a trie handle."""
    return _score_into(handle, in_state, word, out_state)


@njit(cache=True, nogil=False)
def trie_score_state_in_place(handle, state, word):
    """scoring.score_state_in_place on a trie handle."""
    return _score_into(handle, state.copy(), word, state)


@njit(cache=True)
def trie_score_states(handle, in_states, words, out_states):
    """scoring.score_states on a trie handle."""
    out = np.empty(len(words), dtype=np.float32)
    for i in range(len(words)):
        out[i] = _score_into(handle, in_states[i], words[i], out_states[i])
    return out


@njit(cache=True)
def trie_begin_state(uni_logprob, uni_backoff, bos, order, state):
    """scoring.begin_state for a trie: `<s>` as KenLM's begin-sentence state (length 1)."""
    state[0] = 1
    state[1] = 0
    state[STATE_KEYS] = bos
    state_bows(state)[0] = uni_backoff[bos]


@njit(cache=True, inline="always")
def vocabulary_index(hashes, key):
    """KenLM's SortedVocabulary::Index of a word hashed to `key`: 1 + its hash's position among
    the sorted `hashes`, 0 if absent (BoundedSortedUniformFind with Pivot64, in float32)."""
    before = -1
    before_v = np.uint64(0)
    after = len(hashes)
    after_v = np.uint64(0xFFFFFFFFFFFFFFFF)
    while after - before > 1:
        width = np.uint64(after - before - 1)
        scaled = np.float32(key - before_v) / np.float32(after_v - before_v) * np.float32(width)
        offset = np.uint64(scaled)
        pivot = before + 1 + np.int64(offset if offset < width else width - np.uint64(1))
        mid = hashes[pivot]
        if mid < key:
            before = pivot
            before_v = mid
        elif mid > key:
            after = pivot
            after_v = mid
        else:
            return pivot + 1
    return 0


@njit(cache=True)
def trie_word_id(hashes, text, unknown):
    """scoring.word_id for a trie: KenLM's id of the word whose bytes are `text`."""
    w = vocabulary_index(hashes, murmur64a(text, 0, len(text)))
    return w if w > 0 else unknown


@njit(cache=True)
def kenlm_token_ids(buf, hashes, ids_by_hash, spans):
    """Words of the lines of `buf` and their KenLM ids, each looked up by its hash among the sorted
    `hashes`: the word at position i has id ids_by_hash[i] (or, with ids_by_hash empty, i + 1);
    0 where absent. Returns (ids, starts, ends, line_start): with `spans` each word's byte span
    (else starts and ends are empty); line i holds tokens line_start[i]:line_start[i + 1]. Every
    newline ends a line (empty ones too), and text after the last newline is a line."""
    buf, hashes, ids_by_hash = borrowed(buf), borrowed(hashes), borrowed(ids_by_hash)
    n = len(buf)
    n_tokens = 0
    n_lines = 0
    previous = np.uint8(1)
    for i in range(n):
        c = buf[i]
        n_tokens += previous & (KENLM_SPACE_TABLE[c] ^ np.uint8(1))
        n_lines += c == 10
        previous = KENLM_SPACE_TABLE[c]
    if n > 0 and buf[n - 1] != 10:
        n_lines += 1
    n_spans = n_tokens if spans else 0
    starts = np.empty(n_spans, dtype=np.int64)
    ends = np.empty(n_spans, dtype=np.int64)
    ids = np.zeros(n_tokens, dtype=np.int64)
    line_start = np.empty(n_lines + 1, dtype=np.int64)
    line_start[0] = 0
    t = 0
    line = 0
    i = 0
    while i < n:
        if KENLM_SPACE_TABLE[buf[i]]:
            if buf[i] == 10:
                line += 1
                line_start[line] = t
            i += 1
            continue
        s = i
        while i < n and not KENLM_SPACE_TABLE[buf[i]]:
            i += 1
        if spans:
            starts[t] = s
            ends[t] = i
        position = vocabulary_index(hashes, murmur64a(buf, s, i))
        if position > 0:
            ids[t] = ids_by_hash[position - 1] if len(ids_by_hash) else position
        t += 1
    line_start[n_lines] = t
    return ids, starts, ends, line_start


@njit(cache=True, inline="always")
def _unigram_backoffs(h):
    """The unigrams' backoffs, a strided view of their records."""
    return carray(float32_pointer(h[H_BASE] + h[H_UNIGRAMS] + 4), (h[H_MAX_VOCAB], UNIGRAM_BYTES // 4))[:, 0]


@njit(cache=True, inline="always")
def _score_tokens(h, uni_backoff, ids, lo, hi, bos, eos, use_bos, use_eos, out_logprob, out_found, out_at,
                  per_token, words, bows):
    """The float32 total of the tokens ids[lo:hi] (then `</s>` with use_eos) from the sentence
    start; with `per_token` each token's log10 p and n-gram length go to out_*[out_at + ...].
    words/bows: room for two contexts, which trade places token by token."""
    width = MAX_CONTEXT
    ctx_len = 0
    if use_bos:
        words[0] = bos
        bows[0] = uni_backoff[bos]
        ctx_len = 1
    current = 0
    total = np.float32(0.0)
    for t in range(lo, hi + (1 if use_eos else 0)):
        w = _valid_word(h, ids[t]) if t < hi else eos
        other = width - current
        p, length, ctx_len = trie_advance(h, words[current:current + width], bows[current:current + width], ctx_len,
                                          w, words[other:other + width], bows[other:other + width])
        current = other
        total += p
        if per_token:
            out_logprob[out_at + t - lo] = p
            out_found[out_at + t - lo] = length
    return total


@njit(cache=True, nogil=False)
def trie_score_sentence(handle, buf, use_bos, use_eos):
    """scoring.score_sentence on a trie handle."""
    handle, buf = borrowed(handle), borrowed(buf)
    hashes = carray(_uint64_pointer(handle[H_BASE] + handle[-WORD_FIELDS]), handle[1 - WORD_FIELDS])
    bos, eos = handle[-2], handle[-1]
    ids = kenlm_token_ids(buf, hashes, NO_IDS, False)[0]
    words = np.empty(2 * MAX_CONTEXT, dtype=np.int64)
    bows = np.empty(2 * MAX_CONTEXT, dtype=np.float32)
    none = np.empty(0, dtype=np.float32)
    total = _score_tokens(handle, _unigram_backoffs(handle), ids, 0, len(ids), bos, eos, use_bos, use_eos, none,
                          np.empty(0, dtype=np.int32), 0, False, words, bows)
    return np.float64(total)


@njit(cache=True)
def trie_score_lines(handle, hashes, buf, unk, bos, eos, use_bos, use_eos, per_token):
    """scoring.score_lines on a trie handle: the totals of the lines of `buf` (and with `per_token`
    each token's log10 p, n-gram length and id, line i's from offsets[i])."""
    handle, hashes, buf = borrowed(handle), borrowed(hashes), borrowed(buf)
    ids, _, _, line_start = kenlm_token_ids(buf, hashes, NO_IDS, False)
    n_lines = len(line_start) - 1
    extra = 1 if use_eos else 0
    n_out = len(ids) + n_lines * extra if per_token else 0
    out_logprob = np.empty(n_out, dtype=np.float32)
    out_found = np.empty(n_out, dtype=np.int32)
    out_ids = np.empty(n_out, dtype=np.int32)
    out_offsets = line_start + np.arange(n_lines + 1) * extra
    totals = np.zeros(n_lines, dtype=np.float32)
    words = np.empty(2 * MAX_CONTEXT, dtype=np.int64)
    bows = np.empty(2 * MAX_CONTEXT, dtype=np.float32)
    uni_backoff = _unigram_backoffs(handle)
    for s in range(n_lines):
        lo, hi = line_start[s], line_start[s + 1]
        if hi - lo + extra == 0:
            continue  # an empty line without `</s>` scores nothing
        totals[s] = _score_tokens(handle, uni_backoff, ids, lo, hi, bos, eos, use_bos, use_eos, out_logprob,
                                  out_found, out_offsets[s], per_token, words, bows)
        if per_token:
            for t in range(lo, hi):
                out_ids[out_offsets[s] + t - lo] = ids[t]
            if use_eos:
                out_ids[out_offsets[s + 1] - 1] = eos
    return totals, out_logprob, out_found, out_ids, out_offsets


# Loading checks: the pointers every search takes its range from.

@njit(cache=True)
def _unigram_pointers_fit(h, n_children):
    """Do the unigrams' first-child pointers start at 0, never decrease and end at n_children?"""
    previous = 0
    for w in range(h[H_MAX_VOCAB] + 1):
        at = np.int64(_load_u64(h[H_BASE] + h[H_UNIGRAMS] + UNIGRAM_BYTES * w + 8))
        if (w == 0 and at != 0) or at < previous:
            return False
        previous = at
    return previous == n_children


@njit(cache=True)
def _middle_pointers_rise(h, k, start, stop, previous):
    """Do the child pointers of the order-k records start..stop-1 rise from `previous` (the
    pointer before them; 0 at the start)? Returns the last of them, or -1 where they do not."""
    at = _level(h, k)
    for j in range(start, stop):
        pointer = _pointer(h, at, j)
        if (j == 0 and pointer != 0) or pointer < previous:
            return -1
        previous = pointer
    return previous


@njit(cache=True)
def _unk_in_bigrams(h):
    """Is word 0 (`<unk>`) the context word of a bigram record? (It is the first child where it is.)"""
    at = _level(h, 2)
    for w in range(h[H_MAX_VOCAB]):
        begin, end = _unigram(h, w)[2:]
        if begin < end and _record_word(h, at, begin) == 0:
            return True
    return False


class TrieScorer:
    """A KenLM trie file, memory-mapped and checked, for the trie kernels: `handle`, `table` (the
    vocabulary's sorted hashes), the unigram values (`uni_logprob`, `uni_backoff`, strided views
    of the file), `order`, `sizes` (as the model read from the file has them: blanks counted, a
    `<unk>` KenLM substituted not) and the special words' ids."""

    def __init__(self, path):
        self.path = path
        self._data = data = map_file(path)
        buf = np.frombuffer(data, dtype=np.uint8)
        self._buf = buf
        header = parse_header(data, path)
        if header.model_type not in TRIE_TYPES:
            raise FormatError("KenLM binary is not a trie", path)
        layout = open_layout(data, header, path)
        check_vocabulary_size(buf, header, layout, path)
        self._header, self._layout = header, layout
        counts = header.counts
        self.order = header.order
        self.table = vocabulary_hashes(buf, header, layout)
        unigrams = np.frombuffer(buf, dtype=[("prob", "<f4"), ("backoff", "<f4"), ("next", "<u8")],
                                 count=counts[0] + 1, offset=layout.unigram_offset)
        self.uni_logprob = unigrams["prob"][:-1]
        self.uni_backoff = unigrams["backoff"][:-1]
        self.handle = self._make_handle(buf, header, layout)
        self._check_pointers(buf, header, layout)
        unk_added = self._unk_added()
        self.sizes = [counts[0] - unk_added] + counts[1:]
        self._unk_substituted = unk_added
        self.specials = (self.word_id(BOS), self.word_id(EOS), 0)
        self.handle[-3:] = (0, *self.specials[:2])
        self._words = None

    def _make_handle(self, buf, header, layout):
        counts = header.counts
        handle = np.zeros(H_LEVELS + LEVEL_FIELDS * (header.order - 1) + WORD_FIELDS, dtype=np.int64)
        handle[-WORD_FIELDS:-3] = (layout.vocab_offset + 8, counts[0] - 1)  # as vocabulary_hashes
        quant = layout.quant
        handle[[H_BASE, H_ORDER, H_UNIGRAMS, H_MAX_VOCAB, H_QUANTIZED]] = (
            buf.ctypes.data, header.order, layout.unigram_offset, counts[0], quant is not None)
        tables = quant_table_offsets(layout, header.order) if quant is not None else None
        for k, level in enumerate(layout.levels, 2):
            at = H_LEVELS + (k - 2) * LEVEL_FIELDS
            fields = handle[at:at + LEVEL_FIELDS]
            fields[[L_OFFSET, L_WORD_BITS, L_VALUE_BITS, L_POINTER_BITS, L_TOTAL_BITS, L_ENTRIES]] = (
                level.offset, level.word_bits, level.value_bits, level.pointer_bits, level.total_bits, level.entries)
            fields[L_ARRAY] = level.array_offset
            fields[L_ARRAY_LEN] = level.array_len if level.array_offset >= 0 else 0
            if tables is not None:
                fields[L_PROB_BITS] = quant[0]
                fields[L_BACKOFF_BITS] = quant[1] if k < header.order else 0
                fields[L_PROB_TABLE], fields[L_BACKOFF_TABLE] = tables[k - 2]
        return handle

    def _check_pointers(self, buf, header, layout):
        counts, path = header.counts, self.path
        if not _unigram_pointers_fit(self.handle, counts[1]):
            raise FormatError("KenLM binary: the 1-gram records' child pointers are out of order (corrupt file)", path)
        self._hand_back(0, layout.levels[0].offset)
        for k, level in enumerate(layout.levels[:-1], 2):
            checked_high_starts(buf, level, k, path)
            last = 0
            # in blocks, whose pages are handed back as they are done: scoring reads in what it needs
            for start in range(0, level.entries + 1, CHECK_RECORDS):
                stop = min(start + CHECK_RECORDS, level.entries + 1)
                last = _middle_pointers_rise(self.handle, k, start, stop, last)
                if last < 0:
                    break
                self._hand_back(level.offset + start * level.total_bits // 8,
                                level.offset + stop * level.total_bits // 8)
            if last != counts[k]:
                raise FormatError(f"KenLM binary: the {k}-gram records' child pointers are out of order "
                                  "(corrupt file)", path)

    def _hand_back(self, start, stop):
        """Drop the mapped pages of bytes start..stop from the resident set (they stay cached)."""
        start -= start % mmap.PAGESIZE
        if stop > start and hasattr(mmap, "MADV_DONTNEED"):
            self._data.madvise(mmap.MADV_DONTNEED, start, stop - start)

    def _unk_added(self):
        """Did KenLM give `<unk>` its -100 because the ARPA had none? (A `<unk>` valued so, with a
        zero backoff, that no longer n-gram holds: as `assemble.to_model` decides.)"""
        bits = int(self.uni_backoff[:1].view(np.uint32)[0])
        begin, end = self._first_child(0), self._first_child(1)
        if self.uni_logprob[0] != KENLM_MISSING_UNK or bits not in (0, int(NO_EXTENSION)) or begin != end:
            return False
        return not _unk_in_bigrams(self.handle)

    def _first_child(self, word):
        return int(np.frombuffer(self._buf, dtype="<u8", count=1,
                                 offset=self._layout.unigram_offset + UNIGRAM_BYTES * word + 8)[0])

    def verify(self):
        """Check what scoring does not need checked, as `read_kenlm_binary` does (a pass over the
        whole file): every record's word and the order of siblings, and the words against their
        hashes, so that damage anywhere is an error rather than other scores."""
        read_structure(self._data, self._buf, self._header, self.path)

    def word_id(self, word):
        """KenLM's id of the str `word` (0: not in the vocabulary)."""
        return int(trie_word_id(self.table, word.encode("utf-8"), 0))

    def words(self):
        """The words in KenLM's id order (`<unk>` first), read from the end of the file on first use."""
        if self._words is None:
            self._words = checked_words(self._data, self._buf, self._header, self._layout, self.path)
        return self._words

    def vocabulary(self):
        """The model's `Vocabulary` (sorted, as `read_kenlm_binary` makes it)."""
        words = self.words()
        if len(set(words)) != len(words):
            raise FormatError("KenLM binary: a vocabulary word appears twice", self.path)
        return Vocabulary(words)

    def unigram_words(self, vocab):
        """The words of `vocab` with a 1-gram in the file (not a `<unk>` KenLM substituted)."""
        present = set(self.words())
        if self._unk_substituted:
            present.discard(UNK)
        return [w for w in vocab.words if w in present]


# The trie kernels, by the names of their hash-table counterparts in `scoring` (lm.HASH_KERNELS).
KERNELS = SimpleNamespace(begin_state=trie_begin_state, score_state=trie_score_state,
                          score_state_in_place=trie_score_state_in_place, score_states=trie_score_states,
                          score_sentence=trie_score_sentence, score_lines=trie_score_lines, word_id=trie_word_id)

"""Back-off scoring over `NgramModel` arrays, in compiled code.

`ScoringTables` holds unigrams in arrays indexed by word id and one
open-addressing hash table per order >= 2. As in KenLM's probing tables, an
n-gram is known by a 64-bit hash of its words, extended word by word, so the
keys a word needs follow from the context's keys without reading memory, and
the probes of consecutive words overlap; each probe reads one entry holding
the key, the probability and the backoff weight: 16 bytes, or 12 at the
highest order, which has no backoff weights (the largest table; see
`ScoringTables`). A context is kept as the keys of its suffix n-grams, newest
first, with their backoff weights.
The tables are made from a model (`ScoringTables.from_model`) or straight from
an ARPA file as it is read (`arpa_tables`, `TableBuilder`), without the model.

`advance` scores as SRILM's `Ngram::wordProbBO` (perplexity) or as KenLM's
`GenericModel::FullScore` (the kenlm-compatible `lm.Model`, on tables with
KenLM's blanks, `with_blanks`). The per-call and pair-batch kernels at the end
work on `lm.State` arrays and on all tables through one handle array
(`table_handle`), so that a call from Python unboxes few arguments.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from llvmlite import ir
from numba import carray
from numba.core import types
from numba.extending import intrinsic

from .arpa import stream_arpa
from .constants import FNV_OFFSET, FNV_PRIME, KENLM_SPACE_TABLE, WORD_SEPARATOR_TABLE, hash_bytes
from .jit import available_cores, borrowed, njit, prefetch, release_compiler_code
from .tables import find_rows
from .textio import word_bytes

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
def extend_key(key, word):
    """The key of an n-gram from its history's key and its last word (never EMPTY)."""
    h = np.int64(_fmix(np.uint64(key) ^ (np.uint64(word) * np.uint64(0x9E3779B97F4A7C15))))
    return h if h != EMPTY else np.int64(0)


_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_FMIX_INVERSES = (pow(0xC4CEB9FE1A85EC53, -1, 1 << 64), pow(0xFF51AFD7ED558CCD, -1, 1 << 64))


def _unfmix(h):
    """The inverse of _fmix, in Python integers (a shift of 33 undoes itself)."""
    for inverse in _FMIX_INVERSES:
        h ^= h >> 33
        h = h * inverse & _MASK64
    return h ^ h >> 33


def words_of_keys(keys):
    """The word ids of a context from its keys (`lm.State`, newest first): keys[j] is the key of
    the n-gram of the j + 1 newest words, extend_key of the key of its history by the newest,
    so undoing the extensions by the newer words, one by one, leaves the unigram_key of the
    j + 1-th. (A key extend_key made 0 from EMPTY, one in 2**64, reads as another word.)"""
    words = []
    for key in keys:
        h = key & _MASK64
        for word in words:
            h = _unfmix(h) ^ (word * _GOLDEN & _MASK64)
        words.append((_unfmix(h) - _GOLDEN) & _MASK64)
    return words


@njit(cache=True, inline="always")
def _slot_of(key, size):
    # The key's high 32 bits scaled to [0, size) (sizes stay below 2**32): no division.
    return np.int64(((np.uint64(key) >> np.uint64(32)) * np.uint64(size)) >> np.uint64(32))


# An n-gram table entry is WIDTH or TOP_WIDTH int32 cells: its key in the first two (one int64),
# then the float32 log probability and, below the highest order, the backoff weight.
WIDTH = 4
TOP_WIDTH = 3
LOGPROB = 2
BACKOFF = 3


@intrinsic
def key_at(typingctx, cells, cell):
    """The int64 key in cells[cell:cell + 2] (an int32 array), in one load: an entry of 12 bytes
    may start on any 4-byte boundary, which costs an x86 load nothing."""
    def codegen(context, builder, signature, args):
        array = context.make_array(signature.args[0])(context, builder, args[0])
        pointer = builder.bitcast(builder.gep(array.data, [args[1]]), ir.IntType(64).as_pointer())
        return builder.load(pointer, align=4)

    return types.int64(cells, types.int64), codegen


@intrinsic
def set_key_at(typingctx, cells, cell, key):
    """Store the int64 `key` in cells[cell:cell + 2] (see key_at)."""
    def codegen(context, builder, signature, args):
        array = context.make_array(signature.args[0])(context, builder, args[0])
        pointer = builder.bitcast(builder.gep(array.data, [args[1]]), ir.IntType(64).as_pointer())
        builder.store(args[2], pointer, align=4)
        return context.get_dummy_value()

    return types.none(cells, types.int64, types.int64), codegen


@njit(cache=True, inline="always")
def _request_probe(values, cell, width):
    """Start loading the entries a probe from the entry at `cell` reads. A search
    runs on past the first entry (a missing n-gram's, five entries on average at
    1.5 slots per n-gram), so the line holding the entry three on is requested as
    well: the next line whenever the entry does not start its 64-byte line."""
    prefetch(values, cell)
    prefetch(values, min(cell + 3 * width, len(values) - 1))


@njit(cache=True, inline="always")
def _width(meta, k):
    """The cells of an entry of order k's table (meta[k, 2], which tables_fit checks is this):
    worked out from k rather than read, so that the compiler knows the two values it takes;
    read from meta, it made a sentence's scoring a fifth slower."""
    return TOP_WIDTH if k == meta.shape[0] - 1 else WIDTH


@njit(cache=True, inline="always")
def _cell_of(meta, k, key):
    """The cell where the search for `key` in order k's table starts."""
    return meta[k, 0] + _slot_of(key, meta[k, 1]) * _width(meta, k)


@njit(cache=True, inline="always")
def _request_entry(meta, values, k, key):
    _request_probe(values, _cell_of(meta, k, key), _width(meta, k))


@njit(cache=True, inline="always")
def find_entry(entries, meta, k, key):
    """First cell of the entry of `key` in order k's table, or -1: its log probability is
    values[cell + LOGPROB], its backoff weight (below the highest order) values[cell + BACKOFF]."""
    offset, width = meta[k, 0], _width(meta, k)
    cell = offset + _slot_of(key, meta[k, 1]) * width
    while True:
        found = key_at(entries, cell)
        if found == key:
            return cell
        if found == EMPTY:
            return -1
        cell += width
        if cell == offset + meta[k, 1] * width:
            cell = offset


@njit(cache=True, inline="always")
def find_slot(entries, offset, size, key):
    """Slot of `key` in the (key, value) int64 rows entries[offset:offset+size], or -1."""
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


_INSERT_AHEAD = 16  # rows whose slots are requested before the first of them is inserted
_NO_BACKOFF = np.empty(0, dtype=np.float32)  # the backoff weights of the highest order, which stores none
PARALLEL_INSERT_ENTRIES = 1 << 20  # smaller tables are filled in one thread


@njit(cache=True)
def _insert_order(ids, logprob, backoff, entries, values, meta, zero):
    """Insert the k-grams `ids` into order k's table; a zero or missing (NaN) backoff weight is
    stored as `zero` (KenLM's tables: -0.0), and none at the highest order (`backoff` is not
    read there). Returns the first row whose key the table already holds (a duplicate
    n-gram), else -1; the rows from there on are not inserted.

    Each insertion lands on a random line of a table far larger than the caches, so the
    slots of the rows _INSERT_AHEAD ahead are requested while the current row is inserted.
    """
    k = ids.shape[1]
    n = ids.shape[0]
    offset, width = meta[k, 0], _width(meta, k)
    end = offset + meta[k, 1] * width
    keys = np.empty(_INSERT_AHEAD, dtype=np.int64)
    for r in range(n + _INSERT_AHEAD):
        i = r - _INSERT_AHEAD  # the row inserted now; its key sits where row r's goes next
        if i >= 0:
            key = keys[i % _INSERT_AHEAD]
            cell = _cell_of(meta, k, key)
            while key_at(entries, cell) != EMPTY:
                if key_at(entries, cell) == key:
                    return i
                cell += width
                if cell == end:
                    cell = offset
            set_key_at(entries, cell, key)
            values[cell + LOGPROB] = logprob[i]
            if width == WIDTH:
                bow = backoff[i]
                values[cell + BACKOFF] = zero if np.isnan(bow) or bow == 0 else bow
        if r < n:
            key = unigram_key(ids[r, 0])
            for c in range(1, k):
                key = extend_key(key, ids[r, c])
            keys[r % _INSERT_AHEAD] = key
            _request_entry(meta, values, k, key)
    return -1


def _sorted_union(rows, extra):
    """rows (sorted) with the rows `extra` merged in: (merged rows, permutation of the concatenation)."""
    merged = np.concatenate((rows, extra))
    perm = np.lexsort(merged.T[::-1])
    return np.ascontiguousarray(merged[perm]), perm


def with_blanks(model):
    """`model`'s n-grams with KenLM's blanks: (ngrams, logprob, backoff) lists per order.

    Where an n-gram is present but a shorter n-gram it ends with is not (legal; made by
    pruning, filtering or hand edits), KenLM inserts that suffix, a "blank", valued as backing
    off values it: its suffix's log10 p plus its context's backoff weight (when the context is
    present), added in float32, with a zero backoff. A missing backoff column is a zero.
    """
    order = model.order
    ngrams = list(model.ngrams)
    logprob = [np.asarray(p, dtype=np.float32) for p in model.logprob]
    backoff = [np.nan_to_num(np.asarray(b, dtype=np.float32), nan=0.0) for b in model.backoff]
    blank = [None] * order
    # Every suffix of an n-gram must be present: blanks of order k come from the n-grams
    # (blanks included) of order k + 1, so the orders are filled from the top down.
    for k in range(order - 1, 1, -1):
        higher = ngrams[k]
        missing = higher[find_rows(ngrams[k - 1], higher, 1) < 0, 1:]
        if len(missing) == 0:
            continue
        missing = np.unique(missing, axis=0)
        ngrams[k - 1], perm = _sorted_union(ngrams[k - 1], missing)
        logprob[k - 1] = np.concatenate((logprob[k - 1], np.full(len(missing), np.nan, np.float32)))[perm]
        backoff[k - 1] = np.concatenate((backoff[k - 1], np.zeros(len(missing), np.float32)))[perm]
        blank[k - 1] = np.concatenate((np.zeros(len(perm) - len(missing), bool), np.ones(len(missing), bool)))[perm]
    # A blank's value follows from the order below it, so values are filled from the bottom up.
    for k in range(2, order):
        if blank[k - 1] is None:
            continue
        rows = ngrams[k - 1][blank[k - 1]]
        suffix = find_rows(ngrams[k - 2], rows, 1)
        context = find_rows(ngrams[k - 2], rows, 0)
        value = np.where(suffix >= 0, logprob[k - 2][np.maximum(suffix, 0)], np.float32(np.nan))
        has_context = context >= 0
        value[has_context] = value[has_context] + backoff[k - 2][context[has_context]]
        logprob[k - 1][blank[k - 1]] = value
    return ngrams, logprob, backoff


@njit(cache=True, inline="always")
def _key_of(ids, r, start, stop):
    key = unigram_key(ids[r, start])
    for c in range(start + 1, stop):
        key = extend_key(key, ids[r, c])
    return key


@njit(cache=True)
def _missing_suffixes(ids, entries, meta):
    """How many rows of `ids` (order k + 1 >= 3) have a suffix (their last k words) that the
    order-k table lacks."""
    width = ids.shape[1]
    k = width - 1
    missing = 0
    for r in range(ids.shape[0]):
        missing += find_entry(entries, meta, k, _key_of(ids, r, 1, width)) < 0
    return missing


@njit(cache=True)
def _mark_contexts(ids, entries, values, meta, uni_backoff):
    """KenLM's extension marks: the zero backoff of each context (first k words) of a row of
    `ids` (order k + 1) becomes +0.0 (see `has_extension`)."""
    width = ids.shape[1]
    k = width - 1
    for r in range(ids.shape[0]):
        if k == 1:
            if uni_backoff[ids[r, 0]] == 0:
                uni_backoff[ids[r, 0]] = np.float32(0.0)
            continue
        cell = find_entry(entries, meta, k, _key_of(ids, r, 0, k))
        if cell >= 0 and values[cell + BACKOFF] == 0:
            values[cell + BACKOFF] = np.float32(0.0)


def _zero(kenlm):
    """How the tables store a zero backoff weight: KenLM's -0.0 ("no extension") or 0.0."""
    return np.float32(-0.0) if kenlm else np.float32(0.0)


@njit(cache=True)
def _keys(ids, start, stop):
    """The keys of the n-grams ids[:, start:stop]."""
    keys = np.empty(ids.shape[0], dtype=np.int64)
    for r in range(ids.shape[0]):
        keys[r] = _key_of(ids, r, start, stop)
    return keys


@njit(cache=True)
def _lookup(entries, values, meta, k, keys):
    """The cells of the entries of `keys` in order k's table (-1: absent, see find_entry), the
    entries of the keys _INSERT_AHEAD ahead requested while the current one is read."""
    n = len(keys)
    cells = np.empty(n, dtype=np.int64)
    for r in range(n + _INSERT_AHEAD):
        if r < n:
            _request_entry(meta, values, k, keys[r])
        i = r - _INSERT_AHEAD
        if i >= 0:
            cells[i] = find_entry(entries, meta, k, keys[i])
    return cells


class ScoringTables:
    """A model laid out for compiled lookups.

    uni_logprob/uni_backoff: per word id (NaN logprob: not a unigram).
    meta[k] (k >= 2): (offset, size, width) of order k's table in `entries`: its first
    int32 cell, its slots, the cells of a slot (WIDTH; TOP_WIDTH at the highest order,
    which stores no backoff weights, and comes last so that the others' keys stay
    8-byte aligned).
    entries: int32 cells of all tables; `values` is the same memory seen as float32.
    An entry is found with `find_entry`.
    """

    def __init__(self, uni_logprob, uni_backoff, meta, entries):
        self.uni_logprob = uni_logprob
        self.uni_backoff = uni_backoff
        self.meta = meta
        self.entries = entries
        self.values = entries.view(np.float32)
        self.order = len(meta) - 1

    def order_entries(self, k):
        """Order k's table as (slots, width) int32 rows; an empty slot's key is EMPTY."""
        offset, size, width = (int(x) for x in self.meta[k])
        return self.entries[offset:offset + size * width].reshape(size, width)

    @classmethod
    def from_model(cls, model, unk_logprob=None, kenlm=False):
        """Tables of `model`. `unk_logprob` gives `<unk>` a probability when the
        model has none (KenLM uses -100); None leaves it absent. `kenlm`: the
        tables KenLM scores with, for `advance_kenlm`: with its blanks
        (`with_blanks`) and its marks on zero backoff weights (`has_extension`)."""
        ngrams = model.ngrams
        self = cls._filled(model, ngrams, model.logprob, model.backoff, unk_logprob, kenlm)
        if not kenlm:
            return self
        if any(_missing_suffixes(ngrams[k - 1], self.entries, self.meta) for k in range(3, model.order + 1)):
            # Rare (pruned or filtered models): the tables are made again with the blanks.
            ngrams, logprob, backoff = with_blanks(model)
            self = cls._filled(model, ngrams, logprob, backoff, unk_logprob, kenlm)
        for k in range(2, model.order + 1):
            _mark_contexts(ngrams[k - 1], self.entries, self.values, self.meta, self.uni_backoff)
        if unk_logprob is not None and not (ngrams[0][:, 0] == model.vocab.unk).any():
            # KenLM gives the substituted <unk> a backoff of +0.0: its states keep it as context.
            self.uni_backoff[model.vocab.unk] = 0.0
        return self

    @classmethod
    def _filled(cls, model, ngrams, logprob, backoff, unk_logprob, kenlm):
        """Tables of the n-grams `ngrams` (values logprob, backoff) over model's vocabulary;
        with `kenlm`, zero backoff weights are -0.0 (KenLM's "no extension")."""
        order = model.order
        zero = _zero(kenlm)
        self = cls._empty(len(model.vocab), [len(ids) for ids in ngrams], zero)
        self._set_unigrams(ngrams[0][:, 0], logprob[0], backoff[0] if order > 1 else None, zero)
        if unk_logprob is not None and np.isnan(self.uni_logprob[model.vocab.unk]):
            self.uni_logprob[model.vocab.unk] = unk_logprob

        def insert(k):
            bows = backoff[k - 1] if k < order else _NO_BACKOFF
            _insert_order(ngrams[k - 1], logprob[k - 1], bows, self.entries, self.values, self.meta, zero)

        # Each order has its own part of the table, so the orders are filled in parallel,
        # largest first.
        largest_first = sorted(range(2, order + 1), key=lambda k: -len(ngrams[k - 1]))
        if len(largest_first) > 1 and available_cores() > 1 and len(self.entries) > PARALLEL_INSERT_ENTRIES:
            with ThreadPoolExecutor(max_workers=min(available_cores(), len(largest_first))) as pool:
                list(pool.map(insert, largest_first))
        else:
            for k in largest_first:
                insert(k)
        return self

    @classmethod
    def _empty(cls, n_words, sizes, zero):
        """Tables over `n_words` word ids with room for sizes[k - 1] k-grams of each order,
        none in them yet (unigram backoff weights `zero`)."""
        order = len(sizes)
        uni_logprob = np.full(n_words, np.nan, dtype=np.float32)
        uni_backoff = np.full(n_words, zero, dtype=np.float32)
        meta = np.zeros((order + 1, 3), dtype=np.int64)
        offset = 0
        for k in range(2, order + 1):
            size = max(16, int(LOAD_FACTOR * sizes[k - 1]) + 1)
            width = WIDTH if k < order else TOP_WIDTH
            meta[k] = (offset, size, width)
            offset += size * width
        return cls(uni_logprob, uni_backoff, meta, np.full(offset, EMPTY, dtype=np.int32))

    def _set_unigrams(self, words, logprob, backoff, zero):
        """The values of the 1-grams `words`; backoff None: a model of order 1 (no weights)."""
        self.uni_logprob[words] = logprob
        if backoff is not None:
            bows = np.asarray(backoff, dtype=np.float32)
            self.uni_backoff[words] = np.where(np.isnan(bows) | (bows == 0), zero, bows)

    def named_arrays(self):
        """The arrays that define the tables, by name (what a binary model file stores)."""
        return {"uni_logprob": self.uni_logprob, "uni_backoff": self.uni_backoff,
                "meta": self.meta, "entries": self.entries}

    def arrays(self):
        """The arrays the compiled functions take, in their argument order."""
        return (self.uni_logprob, self.uni_backoff, self.meta, self.entries, self.values)


class TableBuilder:
    """`ScoringTables` filled from n-grams handed over order by order in runs, as
    `arpa.stream_arpa` reads them (this is its sink), so that the model's own arrays are never
    held: the tables are sized from the file's counts and each run goes to the insertion kernel.
    `order`: orders above it are read but not kept (as `NgramModel.truncated`); `unk_logprob`,
    `kenlm`: as in `ScoringTables.from_model`, whose tables these equal.

    KenLM's blanks (see `with_blanks`) are made as the n-grams that need them are read: the
    lower orders are complete by then, so a blank's value is known at once, and its own missing
    suffix is made first. A context that is missing when its n-gram is read may become a blank
    later: its key is kept, to mark it then (`has_extension`). Where the blanks do not fit in
    tables sized from the counts, or a blank's value could differ in the sign of a zero, the
    builder stops the reading, as it does at a duplicate n-gram (whose error the model reader
    names with its line): the caller then makes the tables from the model (see `arpa_tables`).
    """

    def __init__(self, order=None, unk_logprob=None, kenlm=False):
        self.max_order = order
        self.unk_logprob = unk_logprob
        self.kenlm = kenlm
        self.zero = _zero(kenlm)
        self.tables = None
        self.vocab = None
        self.sizes = []

    def begin(self, counts, vocab):
        self.order = len(counts) if self.max_order is None else min(len(counts), self.max_order)
        self.vocab = vocab
        self._link_kernels()
        self.tables = ScoringTables._empty(len(vocab), counts[:self.order], self.zero)
        self.sizes = [0] * self.order
        self.used = [0] * (self.order + 1)  # entries per order's table, blanks included
        self.unmarked = [[] for _ in range(self.order + 1)]  # keys of missing contexts, per order
        return True

    def _link_kernels(self):
        """Link the kernels the rows need (from Numba's cache) on empty input, then give back the
        code pages of LLVM that linking touched (`release_compiler_code`), before the tables take
        their memory: otherwise the first rows would touch them again at the peak."""
        no_rows = np.empty((0, 2), dtype=np.int32)
        no_cells = np.empty(0, dtype=np.int32)
        no_meta = np.zeros((3, 3), dtype=np.int64)
        _insert_order(no_rows, _NO_BACKOFF, _NO_BACKOFF, no_cells, no_cells.view(np.float32), no_meta, self.zero)
        if self.kenlm:
            _lookup(no_cells, no_cells.view(np.float32), no_meta, 2, _keys(no_rows, 0, 1))
        release_compiler_code()

    def rows(self, k, ids, logprob, backoff):
        if k > self.order:
            return True
        tables = self.tables
        if k == 1:
            tables._set_unigrams(ids[:, 0], logprob, backoff if self.order > 1 else None, self.zero)
        else:
            if self.kenlm and not self._fill_suffixes_and_mark(k, ids):
                return False
            if self.used[k] + len(ids) >= tables.meta[k, 1]:
                return False
            bows = backoff if k < self.order else _NO_BACKOFF
            if _insert_order(ids, logprob, bows, tables.entries, tables.values, tables.meta, self.zero) >= 0:
                return False
            self.used[k] += len(ids)
        self.sizes[k - 1] += len(ids)
        return True

    def _fill_suffixes_and_mark(self, k, ids):
        """For the k-grams `ids` (real or blanks) about to be inserted: the blanks of their
        missing suffixes, and the marks of their contexts. False: they cannot be made here."""
        tables = self.tables
        if k >= 3:
            missing = _lookup(tables.entries, tables.values, tables.meta, k - 1, _keys(ids, 1, k)) < 0
            if missing.any() and not self._add_blanks(k - 1, np.unique(ids[missing, 1:], axis=0)):
                return False
        if k == 2:
            words = ids[:, 0]
            marked = words[tables.uni_backoff[words] == 0]
            tables.uni_backoff[marked] = np.float32(0.0)
            return True
        contexts = _keys(ids, 0, k - 1)
        cells = _lookup(tables.entries, tables.values, tables.meta, k - 1, contexts)
        self._mark(cells[cells >= 0])
        if (cells < 0).any():
            self.unmarked[k - 1].append(contexts[cells < 0])
        return True

    def _mark(self, cells):
        """KenLM's extension marks on the entries at `cells`."""
        values = self.tables.values
        zero = cells[values[cells + BACKOFF] == 0]
        values[zero + BACKOFF] = np.float32(0.0)

    def _add_blanks(self, k, blanks):
        """Insert the order-k blanks `blanks` (unique rows, none in the table)."""
        if not self._fill_suffixes_and_mark(k, blanks):
            return False
        tables = self.tables
        if k == 2:
            suffix_logprob = tables.uni_logprob[blanks[:, 1]]
            context_bow = tables.uni_backoff[blanks[:, 0]]
        else:
            suffix = _lookup(tables.entries, tables.values, tables.meta, k - 1, _keys(blanks, 1, k))
            context = _lookup(tables.entries, tables.values, tables.meta, k - 1, _keys(blanks, 0, k - 1))
            suffix_logprob = tables.values[suffix + LOGPROB]
            context_bow = np.where(context >= 0, tables.values[np.maximum(context, 0) + BACKOFF], np.float32(0.0))
        if (suffix_logprob == 0).any() or self.used[k] + len(blanks) >= tables.meta[k, 1]:
            return False  # a zero's sign could differ from the model's blank; or no room
        value = (suffix_logprob + context_bow).astype(np.float32)
        _insert_order(blanks, value, np.zeros(len(blanks), dtype=np.float32), tables.entries, tables.values,
                      tables.meta, self.zero)
        self.used[k] += len(blanks)
        if self.unmarked[k]:
            keys = _keys(blanks, 0, k)
            pending = np.concatenate(self.unmarked[k])
            self._mark(_lookup(tables.entries, tables.values, tables.meta, k, keys[np.isin(keys, pending)]))
        return True

    def finish(self):
        """The tables, once all n-grams are in."""
        tables = self.tables
        unk = self.vocab.unk
        if self.unk_logprob is not None and np.isnan(tables.uni_logprob[unk]):
            tables.uni_logprob[unk] = self.unk_logprob
            if self.kenlm:
                # KenLM gives the substituted <unk> a backoff of +0.0: its states keep it as context.
                tables.uni_backoff[unk] = 0.0
        return tables


def arpa_tables(path, order=None, unk_logprob=None, kenlm=False, **options):
    """(tables, vocabulary, n-grams kept per order) of the ARPA file `path`, read straight into
    the tables (`TableBuilder`; `options`: those of `arpa.stream_arpa`); None when they must be
    made from the model (`ScoringTables.from_model`): a duplicate n-gram, or blanks that do not
    fit."""
    builder = TableBuilder(order, unk_logprob, kenlm)
    if order is not None:
        options.setdefault("checked_orders", order)  # SRILM checks the counts of the orders it reads
    if not stream_arpa(path, builder, **options):
        return None
    return builder.finish(), builder.vocab, builder.sizes


@njit(cache=True, inline="always")
def _request_probes(meta, values, ctx_keys, ctx_base, ctx_len, word):
    """Start loading the entries that scoring `word` (never negative) after the
    context ctx_keys[ctx_base:ctx_base+ctx_len] probes."""
    order = meta.shape[0] - 1
    for j in range(1, min(ctx_len, order - 1) + 1):
        _request_entry(meta, values, j + 1, extend_key(ctx_keys[ctx_base + j - 1], word))


@njit(cache=True, inline="always")
def advance(uni_logprob, uni_backoff, meta, entries, values,
            ctx_keys, ctx_bows, ctx_base, ctx_len, word, new_keys, new_bows):
    """Score `word` after the context ctx_keys[ctx_base:ctx_base+ctx_len] as SRILM's
    `Ngram::wordProbBO`: the keys of the context's suffix n-grams, newest first (the
    first is the last word's), with their backoff weights in ctx_bows alike. The
    longest n-gram found while the context lasts, even past a missing shorter one,
    and the sum of the longer contexts' backoff weights added to its probability.
    Fills the context that follows into new_keys/new_bows (may not alias the inputs).

    Returns (log10 p, length of the matched n-gram (0: none), new context length).
    """
    if word >= 0:
        # All orders' entries are requested before the first is compared, so their cache misses overlap.
        _request_probes(meta, values, ctx_keys, ctx_base, ctx_len, word)
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
        key = extend_key(ctx_keys[ctx_base + j - 1], word)
        cell = find_entry(entries, meta, k, key)
        if cell >= 0:
            p = values[cell + LOGPROB]
            found = k
            if chain and k < order:
                new_keys[j] = key
                new_bows[j] = values[cell + BACKOFF]
                new_len = k
        else:
            chain = False
    bow = np.float32(0.0)
    for j in range(max(found, 1), usable + 1):
        bow = bow + ctx_bows[ctx_base + j - 1]
    return p + bow, found, new_len


@njit(cache=True, inline="always")
def context_buffers(width):
    """The two (keys, backoff weights) pairs that advance and advance_words trade a context between."""
    return (np.empty(width, dtype=np.int64), np.empty(width, dtype=np.float32),
            np.empty(width, dtype=np.int64), np.empty(width, dtype=np.float32))


@njit(cache=True, inline="always")
def advance_words(uni_logprob, uni_backoff, meta, entries, values, words, n, keys, bows, next_keys, next_bows):
    """`advance` over words[:n] (oldest first) from the empty context: (log10 p and matched length
    of words[n-1], the context's length after it, and the arrays holding that context's keys and
    backoff weights). keys/bows and next_keys/next_bows are scratch that trade places."""
    ctx_len = 0
    p = np.float32(0.0)
    found = 0
    for c in range(n):
        p, found, ctx_len = advance(uni_logprob, uni_backoff, meta, entries, values, keys, bows, 0, ctx_len,
                                    words[c], next_keys, next_bows)
        keys, next_keys = next_keys, keys
        bows, next_bows = next_bows, bows
    return p, found, ctx_len, keys, bows


@intrinsic
def _float32_bits(typingctx, value):
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(signature.return_type))

    return types.int32(types.float32), codegen


NO_EXTENSION_BITS = np.int32(-(1 << 31))  # the bits of -0.0


@njit(cache=True, inline="always")
def has_extension(backoff):
    """KenLM's mark on a backoff weight: -0.0 when no longer n-gram has the n-gram as its
    context (and its weight is 0), so a state need not keep it."""
    return _float32_bits(backoff) != NO_EXTENSION_BITS


@njit(cache=True, inline="always")
def advance_kenlm(uni_logprob, uni_backoff, meta, entries, values,
                  ctx_keys, ctx_bows, ctx_base, ctx_len, word, new_keys, new_bows):
    """Score `word` after the context ctx_keys[ctx_base:ctx_base+ctx_len] (its entries requested
    already, `_request_probes`) as KenLM's `GenericModel::FullScore`, on tables with KenLM's
    blanks (`ScoringTables.from_model(..., kenlm=True)`): the search stops at the first missing
    n-gram, the backoff weights are added one by one (the float32 results differ in the last bit
    from a sum), and the new context ends at the longest n-gram found whose backoff has an
    extension (`has_extension`), so that contexts with equal futures are equal. Fills the
    context that follows into new_keys/new_bows (may not alias the inputs).

    Returns (log10 p, length of the matched n-gram (0: none), new context length)."""
    order = meta.shape[0] - 1
    p = uni_logprob[word] if word >= 0 else np.float32(np.nan)
    if np.isnan(p):
        return np.float32(-np.inf), 0, 0
    found = 1
    new_keys[0] = unigram_key(word)
    new_bows[0] = uni_backoff[word]
    new_len = 1 if has_extension(uni_backoff[word]) else 0
    usable = min(ctx_len, order - 1)
    # The search stops at the first missing n-gram: the blanks make every suffix of a longer
    # n-gram present.
    for j in range(1, usable + 1):
        if found == j:
            k = j + 1
            key = extend_key(ctx_keys[ctx_base + j - 1], word)
            cell = find_entry(entries, meta, k, key)
            if cell >= 0:
                p = values[cell + LOGPROB]
                found = k
                if k < order:
                    bow = values[cell + BACKOFF]
                    new_keys[j] = key
                    new_bows[j] = bow
                    if has_extension(bow):
                        new_len = k
    for j in range(found, usable + 1):
        p = p + ctx_bows[ctx_base + j - 1]
    return p, found, new_len


@njit(cache=True, inline="always")
def _finish_word_key(h):
    h = np.int64(_fmix(h))
    return h if h != EMPTY else np.int64(0)


@njit(cache=True, inline="always")
def word_key(buf, start, end):
    """A word's 64-bit key: FNV-1a of its bytes, finalised (never EMPTY)."""
    return _finish_word_key(hash_bytes(buf, start, end))


@njit(cache=True)
def build_word_table(pool, offsets, table):
    """Fill `table` with the words pool[offsets[w]:offsets[w + 1]], each of id w."""
    _add_words(pool, offsets, np.arange(len(offsets) - 1), table)


@njit(cache=True)
def _add_words(pool, offsets, ids, table):
    """Add the words pool[offsets[i]:offsets[i + 1]] to `table` (room left), word i of id ids[i]."""
    pool, table = borrowed(pool), borrowed(table)
    size = len(table)
    for w in range(len(offsets) - 1):
        key = word_key(pool, offsets[w], offsets[w + 1])
        slot = _slot_of(key, size)
        while table[slot, 0] != EMPTY:
            slot += 1
            if slot == size:
                slot = 0
        table[slot, 0] = key
        table[slot, 1] = ids[w]


class WordTable:
    """Vocabulary lookup of UTF-8 byte spans in compiled code: rows (word key,
    word id) in an open-addressing table. As with n-grams, a word is known by
    its 64-bit key, so a lookup reads one 16-byte row."""

    def __init__(self, table):
        self.table = table

    @classmethod
    def from_vocab(cls, vocab):
        """The lookup of `vocab`'s words and of its aliases, each finding its word's id."""
        pool, offsets = vocab.byte_pool()
        names = len(vocab) + len(vocab.aliases)
        table = np.full((max(16, 2 * names), 2), EMPTY, dtype=np.int64)
        build_word_table(pool, offsets, table)
        if vocab.aliases:
            encoded = [word_bytes(w) for w in vocab.aliases]
            alias_offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
            np.cumsum([len(e) for e in encoded], out=alias_offsets[1:])
            _add_words(np.frombuffer(b"".join(encoded), dtype=np.uint8), alias_offsets,
                       vocab.ids(list(vocab.aliases.values())).astype(np.int64), table)
        return cls(table)

    def redirect(self, vocab, word, to):
        """Let the word of id `word` read as the id `to`."""
        pool, offsets = vocab.byte_pool()
        slot = find_slot(self.table, 0, len(self.table), word_key(pool, offsets[word], offsets[word + 1]))
        self.table[slot, 1] = to

    def named_arrays(self):
        return {"word_table": self.table}

    def arrays(self):
        return (self.table,)


@njit(cache=True, inline="always")
def word_of_key(table, key):
    """Id of the word with `key`, or -1."""
    slot = find_slot(table, 0, len(table), key)
    return -1 if slot < 0 else table[slot, 1]




LOOKAHEAD = 16  # words (and sentences) in flight at once, so that their cache misses overlap


@njit(cache=True)
def tokenize_lines(buf, table, unknown, keep_empty=False, spans=True, kenlm_spaces=False):
    """Split text into lines and words; lines without words are skipped unless `keep_empty`.
    Words are separated as SRILM separates them (WORD_SEPARATORS), or with `kenlm_spaces` at
    all ASCII whitespace, as KenLM's query and Python module do.

    Returns (ids, starts, ends, line_offsets): per token its id (`unknown` when
    not in the vocabulary) and, with `spans`, its byte span (else starts and ends
    are empty); line i holds tokens line_offsets[i]:line_offsets[i+1].
    """
    ids, starts, ends, line_offsets, _ = tokenize_lines_within(buf, table, unknown, 0, keep_empty, spans, kenlm_spaces)
    return ids, starts, ends, line_offsets


@njit(cache=True)
def tokenize_lines_within(buf, table, unknown, max_words, keep_empty=False, spans=True, kenlm_spaces=False):
    """tokenize_lines, passing over a line of more than `max_words` tokens (0: no limit) as SRILM's
    readers do (constants.MAX_WORDS_PER_LINE). Returns (ids, starts, ends, line_offsets, long_lines),
    a row of long_lines per line passed over: its number among the lines of buf (from 0) and the
    number of lines kept before it."""
    # a table read instead of comparisons lets the counting pass run without branches
    spaces = KENLM_SPACE_TABLE if kenlm_spaces else WORD_SEPARATOR_TABLE
    n = len(buf)
    # A word starts wherever a separator (or the start) is followed by another byte.
    n_tokens = 0
    n_newlines = 0
    previous = np.uint8(1)
    for i in range(n):
        c = buf[i]
        separator = spaces[c]
        n_tokens += previous & (separator ^ np.uint8(1))
        n_newlines += c == 10
        previous = separator
    ids = np.empty(n_tokens, dtype=np.int32)
    n_spans = n_tokens if spans else 0
    starts = np.empty(n_spans, dtype=np.int64)
    ends = np.empty(n_spans, dtype=np.int64)
    keys = np.empty(LOOKAHEAD, dtype=np.int64)
    line_offsets = np.empty(n_newlines + 2, dtype=np.int64)
    line_offsets[0] = 0
    long_lines = np.empty((n_tokens // (max_words + 1) + 1 if max_words > 0 else 0, 2), dtype=np.int64)
    n_long = 0
    t = 0
    line = 0
    newlines = 0
    i = 0
    line_start_token = 0
    resolved = 0  # the tokens before this have their ids read: a line passed over drops its own
    size = len(table)
    while i < n:
        c = buf[i]
        if spaces[c]:
            if c == 10:
                if max_words > 0 and t - line_start_token > max_words:
                    n_long = _pass_over_line(ids, keys, table, unknown, t, resolved, line_start_token, long_lines,
                                             n_long, newlines, line)
                    t = resolved = line_start_token
                elif t > line_start_token or keep_empty:
                    line += 1
                    line_offsets[line] = t
                    line_start_token = t
                newlines += 1
            i += 1
        else:
            s = i
            # the word's bytes are hashed as they are scanned (hash_bytes, one byte at a time)
            h = FNV_OFFSET
            while i < n and not spaces[buf[i]]:
                h = (h ^ np.uint64(buf[i])) * FNV_PRIME
                i += 1
            if spans:
                starts[t] = s
                ends[t] = i
            key = _finish_word_key(h)
            # the id of the word LOOKAHEAD back is read now, its table line requested back then
            if t - LOOKAHEAD >= resolved:
                w = word_of_key(table, keys[t % LOOKAHEAD])
                ids[t - LOOKAHEAD] = w if w >= 0 else unknown
            keys[t % LOOKAHEAD] = key
            prefetch(table, _slot_of(key, size))
            t += 1
    if max_words > 0 and t - line_start_token > max_words:  # a last line without its newline
        n_long = _pass_over_line(ids, keys, table, unknown, t, resolved, line_start_token, long_lines, n_long,
                                 newlines, line)
        t = resolved = line_start_token
    elif t > line_start_token or (keep_empty and n > 0 and buf[n - 1] != 10):
        line += 1
        line_offsets[line] = t
    _read_pending_ids(ids, keys, table, unknown, t, resolved, t)
    if spans:
        starts, ends = starts[:t], ends[:t]
    return ids[:t], starts, ends, line_offsets[:line + 1], long_lines[:n_long]


@njit(cache=True, inline="always")
def _read_pending_ids(ids, keys, table, unknown, t, resolved, end):
    """Read the ids still pending (the last LOOKAHEAD tokens before t, from `resolved` on) of the
    tokens before `end`."""
    for u in range(max(t - LOOKAHEAD, resolved), end):
        w = word_of_key(table, keys[u % LOOKAHEAD])
        ids[u] = w if w >= 0 else unknown


@njit(cache=True)
def _pass_over_line(ids, keys, table, unknown, t, resolved, line_start, long_lines, n_long, line_number, kept):
    """Drop the tokens of the line from token `line_start` to t (the ids pending before it are
    read first) and record it in long_lines[n_long]: its number and the lines kept before it.
    Returns n_long + 1."""
    _read_pending_ids(ids, keys, table, unknown, t, resolved, line_start)
    long_lines[n_long, 0] = line_number
    long_lines[n_long, 1] = kept
    return n_long + 1


@njit(cache=True)
def mark_tokens(buf, ids, word, token):
    """Give each token of `buf` (tokenised into `ids` by tokenize_lines) whose bytes are `word`
    the id `token`."""
    spaces = WORD_SEPARATOR_TABLE
    t = 0
    i = 0
    n = len(buf)
    while i < n:
        if spaces[buf[i]]:
            i += 1
            continue
        start = i
        while i < n and not spaces[buf[i]]:
            i += 1
        if i - start == len(word):
            same = True
            for j in range(len(word)):
                if buf[start + j] != word[j]:
                    same = False
                    break
            if same:
                ids[t] = token
        t += 1


@njit(cache=True)
def sentence_start(uni_logprob, uni_backoff, bos, use_bos, order, keys, bows):
    """Set the context of a sentence start; returns its length."""
    if use_bos and order > 1 and not np.isnan(uni_logprob[bos]):
        keys[0] = unigram_key(bos)
        bows[0] = uni_backoff[bos]
        return 1
    return 0


@njit(cache=True, inline="always")
def _word_at(ids, lo, hi, x, bos, eos):
    """Word x of a sentence ids[lo:hi] between `<s>` (x = lo - 1) and `</s>` (x = hi)."""
    if x < lo:
        return bos
    return ids[x] if x < hi else eos


@njit(cache=True)
def _prefetch_ngrams_ending(meta, values, ids, lo, hi, u, bos, eos, use_bos):
    """Request the entries of the n-grams that end at word u of the sentence:
    their keys follow from the words alone, so a word's probes can start long
    before the words before it are scored."""
    order = meta.shape[0] - 1
    first_word = lo - 1 if use_bos else lo
    for k in range(2, order + 1):
        start = u - k + 1
        if start < first_word:
            break
        key = unigram_key(_word_at(ids, lo, hi, start, bos, eos))
        for x in range(start + 1, u + 1):
            key = extend_key(key, _word_at(ids, lo, hi, x, bos, eos))
        _request_entry(meta, values, k, key)


SENTENCE_LOOKAHEAD = 4  # words of one sentence whose entries are requested ahead of scoring


@njit(cache=True)
def _sentence_ids(buf, table, unknown):
    """Ids of the words of `buf` (ASCII whitespace separates words, as in KenLM; `unknown` for
    words not in the vocabulary), in one pass and one allocation: a sentence
    has at most one word per two bytes."""
    spaces = KENLM_SPACE_TABLE
    buf, table = borrowed(buf), borrowed(table)
    n = len(buf)
    ids = np.empty((n + 1) // 2, dtype=np.int32)
    t = 0
    i = 0
    while i < n:
        c = buf[i]
        if spaces[c]:
            i += 1
            continue
        start = i
        while i < n and not spaces[buf[i]]:
            i += 1
        w = word_of_key(table, word_key(buf, start, i))
        ids[t] = w if w >= 0 else unknown
        t += 1
    return ids[:t]


# Called once per sentence: keeping the GIL costs less than giving it up and taking it back.
@njit(cache=True, nogil=False)
def score_sentence(handle, buf, use_bos, use_eos):
    """KenLM's `Model.score` of `buf` as one sentence (ASCII whitespace separates
    words) on the tables and words of `handle` (`table_handle`): the float32
    total, as a float. The words are looked up first, then the table entries of
    each word are requested a few words ahead of its scoring."""
    uni_logprob, uni_backoff, meta, entries, values = _tables_of(handle)
    table, unk, bos, eos = _words_of(handle)
    ids = _sentence_ids(buf, table, unk)
    order = meta.shape[0] - 1
    width = max(order - 1, 1)
    # one allocation each for the context and the next one, which trade places word by word
    key_space = np.empty(2 * width, dtype=np.int64)
    bow_space = np.empty(2 * width, dtype=np.float32)
    keys, next_keys = key_space[:width], key_space[width:]
    bows, next_bows = bow_space[:width], bow_space[width:]
    ctx_len = sentence_start(uni_logprob, uni_backoff, bos, use_bos, order, keys, bows)
    hi = len(ids)
    last = hi + (1 if use_eos else 0)
    for u in range(min(SENTENCE_LOOKAHEAD, last)):
        _prefetch_ngrams_ending(meta, values, ids, 0, hi, u, bos, eos, use_bos)
    total = np.float32(0.0)
    for t in range(last):
        if t + SENTENCE_LOOKAHEAD < last:
            _prefetch_ngrams_ending(meta, values, ids, 0, hi, t + SENTENCE_LOOKAHEAD, bos, eos, use_bos)
        p, _, ctx_len = advance_kenlm(uni_logprob, uni_backoff, meta, entries, values, keys, bows, 0, ctx_len,
                                      _word_at(ids, 0, hi, t, bos, eos), next_keys, next_bows)
        keys, next_keys = next_keys, keys
        bows, next_bows = next_bows, bows
        total += p
    return np.float64(total)


@njit(cache=True)
def score_lines(uni_logprob, uni_backoff, meta, entries, values, table, buf, unk, bos, eos, use_bos, use_eos,
                per_token):
    """KenLM's scores of each line of `buf` as a sentence (every line ends in a
    newline; words not in the vocabulary score as `unk`).

    LOOKAHEAD sentences are scored side by side, a word of each in turn, and
    the table entries of one round are requested before any is read: the
    cache misses of different sentences overlap instead of following each
    other. Returns (float32 totals, and with `per_token` each word's and
    `</s>`'s log10 p, matched length and id, line i's from offsets[i]).
    """
    uni_logprob, uni_backoff, meta, entries, values = (borrowed(uni_logprob), borrowed(uni_backoff), borrowed(meta),
                                                       borrowed(entries), borrowed(values))
    table, buf = borrowed(table), borrowed(buf)
    ids, _, _, line_offsets = tokenize_lines(buf, table, unk, True, False, True)
    order = meta.shape[0] - 1
    width = max(order - 1, 1)
    n_lines = len(line_offsets) - 1
    extra = 1 if use_eos else 0
    n_out = len(ids) + n_lines * extra if per_token else 0
    out_logprob = np.empty(n_out, dtype=np.float32)
    out_found = np.empty(n_out, dtype=np.int32)
    out_ids = np.empty(n_out, dtype=np.int32)
    out_offsets = line_offsets + np.arange(n_lines + 1) * extra
    # Lane l's context is keys/bows[l * width:(l + 1) * width].
    keys = np.empty(LOOKAHEAD * width, dtype=np.int64)
    bows = np.empty(LOOKAHEAD * width, dtype=np.float32)
    next_keys = np.empty(width, dtype=np.int64)
    next_bows = np.empty(width, dtype=np.float32)
    pos = np.zeros(LOOKAHEAD, dtype=np.int64)
    line_of = np.full(LOOKAHEAD, -1, dtype=np.int64)
    ctx_len = np.zeros(LOOKAHEAD, dtype=np.int64)
    total = np.zeros(LOOKAHEAD, dtype=np.float32)
    totals = np.zeros(n_lines, dtype=np.float32)
    next_line = 0
    active = 0
    while True:
        for lane in range(LOOKAHEAD):
            if line_of[lane] < 0:
                # An empty line without `</s>` scores nothing: its total stays 0.
                while next_line < n_lines and line_offsets[next_line + 1] - line_offsets[next_line] + extra == 0:
                    next_line += 1
                if next_line < n_lines:
                    line_of[lane] = next_line
                    pos[lane] = line_offsets[next_line]
                    ctx_len[lane] = sentence_start(uni_logprob, uni_backoff, bos, use_bos, order,
                                                   keys[lane * width:], bows[lane * width:])
                    next_line += 1
                    active += 1
        if active == 0:
            break
        for lane in range(LOOKAHEAD):
            s = line_of[lane]
            if s >= 0:
                t = pos[lane]
                w = ids[t] if t < line_offsets[s + 1] else eos
                # The per-word arrays outgrow the core's own cache on a large vocabulary.
                prefetch(uni_logprob, w)
                prefetch(uni_backoff, w)
                _request_probes(meta, values, keys, lane * width, ctx_len[lane], w)
        for lane in range(LOOKAHEAD):
            s = line_of[lane]
            if s < 0:
                continue
            t = pos[lane]
            hi = line_offsets[s + 1]
            w = ids[t] if t < hi else eos
            base = lane * width
            p, found, length = advance_kenlm(uni_logprob, uni_backoff, meta, entries, values,
                                             keys, bows, base, ctx_len[lane], w, next_keys, next_bows)
            for j in range(length):
                keys[base + j] = next_keys[j]
                bows[base + j] = next_bows[j]
            ctx_len[lane] = length
            total[lane] += p
            if per_token:
                o = t + s * extra
                out_logprob[o] = p
                out_found[o] = found
                out_ids[o] = w
            pos[lane] = t + 1
            if t + 1 >= hi + extra:
                totals[s] = total[lane]
                total[lane] = 0
                line_of[lane] = -1
                active -= 1
    return totals, out_logprob, out_found, out_ids, out_offsets


# One context of the per-call interface (`lm.State`) is an int64 array: its length, the
# length of the n-gram that made it, the keys of its suffix n-grams (newest first), then
# their float32 backoff weights two to a slot, then the tag of the model that wrote it (the
# handle's, see `lm.Model`: the order of states follows that model's word ids). One array is
# one argument to unbox per call.
MAX_CONTEXT = 19  # words a context holds: models up to order 20, as counting allows
STATE_KEYS = 2
STATE_BOWS = STATE_KEYS + MAX_CONTEXT
STATE_TAG = STATE_BOWS + (MAX_CONTEXT + 1) // 2
STATE_SIZE = STATE_TAG + 1
HANDLE_TAG = 12  # where table_handle keeps the tag


@intrinsic
def float32_pointer(typingctx, address):
    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(signature.return_type))

    return types.CPointer(types.float32)(types.int64), codegen


@intrinsic
def int32_pointer(typingctx, address):
    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(signature.return_type))

    return types.CPointer(types.int32)(types.int64), codegen


@intrinsic
def int64_pointer(typingctx, address):
    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(signature.return_type))

    return types.CPointer(types.int64)(types.int64), codegen


def table_handle(tables, words=None, specials=(-1, -1, -1), tag=0):
    """The addresses and sizes of `tables`' arrays (and of the `WordTable` `words`, with the
    ids of `<unk>`, `<s>`, `</s>`), then the `tag` the states it scores get, in one int64 array,
    so that a per-call scoring function unboxes one argument for all of them. The arrays must
    outlive it."""
    arrays = (tables.uni_logprob, tables.uni_backoff, tables.meta, tables.entries)
    if words is not None:
        arrays += (words.table,)
    for array in arrays:
        if not array.flags.c_contiguous:
            raise ValueError("scoring tables must be contiguous")
    word_table = (words.table.ctypes.data, len(words.table)) if words is not None else (0, 0)
    return np.array([tables.uni_logprob.ctypes.data, len(tables.uni_logprob), tables.uni_backoff.ctypes.data,
                     tables.meta.ctypes.data, len(tables.meta), tables.entries.ctypes.data, len(tables.entries),
                     *word_table, *specials, tag], dtype=np.int64)


@njit(cache=True, inline="always")
def _tables_of(handle):
    uni_logprob = carray(float32_pointer(handle[0]), handle[1])
    uni_backoff = carray(float32_pointer(handle[2]), handle[1])
    meta = carray(int64_pointer(handle[3]), (handle[4], 3))
    entries = carray(int32_pointer(handle[5]), handle[6])
    values = carray(float32_pointer(handle[5]), handle[6])
    return uni_logprob, uni_backoff, meta, entries, values


@njit(cache=True, inline="always")
def _words_of(handle):
    """The word table of a `table_handle` and the ids of `<unk>`, `<s>`, `</s>`."""
    return carray(int64_pointer(handle[7]), (handle[8], 2)), handle[9], handle[10], handle[11]


@njit(cache=True, inline="always")
def state_bows(state):
    return carray(float32_pointer(state.ctypes.data + 8 * STATE_BOWS), MAX_CONTEXT)


@njit(cache=True, inline="always")
def _score_into(handle, in_state, word, out_state):
    uni_logprob, uni_backoff, meta, entries, values = _tables_of(handle)
    if word >= 0:
        _request_probes(meta, values, in_state[STATE_KEYS:STATE_BOWS], 0, in_state[0], word)
    p, found, length = advance_kenlm(uni_logprob, uni_backoff, meta, entries, values,
                                     in_state[STATE_KEYS:STATE_BOWS], state_bows(in_state), 0, in_state[0], word,
                                     out_state[STATE_KEYS:STATE_BOWS], state_bows(out_state))
    out_state[0] = length
    out_state[1] = found
    out_state[STATE_TAG] = handle[HANDLE_TAG]
    return p


# The per-call functions keep the GIL: giving it up and taking it back costs more than they run.
@njit(cache=True, nogil=False)
def score_state(handle, in_state, word, out_state):
    """KenLM's log10 p(word | in_state) (a `lm.State` array); the context that follows goes
    to out_state (another array), with the matched n-gram's length."""
    return _score_into(handle, in_state, word, out_state)


@njit(cache=True, nogil=False)
def score_state_in_place(handle, state, word):
    """`score_state` with one array as input and output."""
    return _score_into(handle, state.copy(), word, state)


@njit(cache=True)
def score_states(handle, in_states, words, out_states):
    """`score_state` of each (in_states[i], words[i]) into out_states[i]: float32 log10 p.
    The entries of all pairs are requested ahead, LOOKAHEAD pairs at a time."""
    uni_logprob, uni_backoff, meta, entries, values = _tables_of(handle)
    n = len(words)
    out = np.empty(n, dtype=np.float32)
    for i in range(n + LOOKAHEAD):
        if i < n:
            state = in_states[i]
            _request_probes(meta, values, state[STATE_KEYS:STATE_BOWS], 0, state[0], words[i])
        r = i - LOOKAHEAD
        if r >= 0:
            source = in_states[r]
            target = out_states[r]
            p, found, length = advance_kenlm(
                uni_logprob, uni_backoff, meta, entries, values, source[STATE_KEYS:STATE_BOWS],
                state_bows(source), 0, source[0], words[r], target[STATE_KEYS:STATE_BOWS], state_bows(target))
            target[0] = length
            target[1] = found
            target[STATE_TAG] = handle[HANDLE_TAG]
            out[r] = p
    return out


@njit(cache=True)
def begin_state(uni_logprob, uni_backoff, bos, order, state):
    """Set a `lm.State` array to the context of a sentence start."""
    state[0] = sentence_start(uni_logprob, uni_backoff, bos, True, order, state[STATE_KEYS:STATE_BOWS],
                              state_bows(state))
    state[1] = 0


@njit(cache=True)
def word_id(table, text, unknown):
    """Id of the word whose UTF-8 bytes are `text`, or `unknown`."""
    w = word_of_key(table, word_key(text, 0, len(text)))
    return w if w >= 0 else unknown


# Load-time checks of tables read from a file: every value compiled code above takes as an
# index or a bound, so that a damaged file cannot make it read out of bounds or search forever.


@njit(cache=True)
def tables_fit(meta, n_entries, sizes):
    """Do the tables meta[k] = (offset, size, width), k >= 2, lie one after the other from the
    start of `entries` (n_entries cells) to its end, each below 2**32 slots (`_slot_of`) and
    larger than its order's sizes[k - 1] n-grams, in entries of WIDTH cells (TOP_WIDTH at the
    highest order)?"""
    end = 0
    order = meta.shape[0] - 1
    for k in range(2, order + 1):
        offset, size, width = meta[k, 0], meta[k, 1], meta[k, 2]
        if offset != end or size <= sizes[k - 1] or size >= np.int64(1) << 32 \
                or width != (WIDTH if k < order else TOP_WIDTH):
            return False
        end += size * width
    return end == n_entries


@njit(cache=True)
def word_offsets_fit(offsets, pool_size):
    """Do the word offsets rise from 0 to the end of a word pool of pool_size bytes?"""
    if len(offsets) == 0 or offsets[0] != 0 or offsets[len(offsets) - 1] != pool_size:
        return False
    for w in range(len(offsets) - 1):
        if offsets[w + 1] < offsets[w]:
            return False
    return True


_SPARE_COUNTS = 8


@njit(cache=True)
def word_table_holds(table, n_words):
    """Does a word table hold each of n_words ids once, in rows (key, id), its other rows
    (EMPTY, EMPTY), one at least, so that a search for a missing word ends?"""
    # Without branches (in integers: LLVM keeps branches for the same in booleans), as half the
    # rows are empty in no order a branch predictor could learn. Rows per id are counted
    # modulo 256, so that the counts stay in the cache; as many rows hold ids as there are
    # words, so counts of 1 are counts of 1. The rows that hold no id count in spare counters,
    # one in turn, so that their additions do not wait for each other.
    rows_of = np.zeros(n_words + _SPARE_COUNTS, dtype=np.uint8)
    n_bad = 0
    n_empty = 0
    for slot in range(len(table)):
        key, w = table[slot, 0], table[slot, 1]
        empty = np.int64(key == EMPTY)
        outside = np.int64((w < 0) | (w >= n_words))
        n_bad += (empty & np.int64(w != EMPTY)) | ((1 - empty) & outside)
        n_empty += empty
        rows_of[n_words + (slot & (_SPARE_COUNTS - 1)) if (empty | outside) != 0 else w] += 1
    if n_bad or n_empty == 0 or len(table) - n_empty != n_words:
        return False
    for w in range(n_words):
        if rows_of[w] != 1:
            return False
    return True
